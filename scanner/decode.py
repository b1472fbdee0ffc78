"""Decoding: base64, hex and percent-encoded runs inside a fragment become child Fragments.

A Kubernetes Secret holds its values in base64, a `.dockerconfigjson` is base64 of a JSON file that holds
more base64, and a password in a URL is percent-encoded: rules written for the plain text never see these
secrets unless the text is decoded first. Pure: a Fragment in, child Fragments out.

Cheap by construction: only runs that look encoded (length, alphabet) are decoded, only decodings that are
printable text become children, and the work per fragment is capped, so a minified bundle or a file full
of embedded images costs a bounded amount.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from urllib.parse import unquote

from scanner.engine import LineIndex
from scanner.fragment import Fragment

DEFAULT_MAX_DECODE_DEPTH = 2
MIN_BASE64 = 16
"""`user:password` in base64 is 20 characters; shorter runs decode to too little to hold a credential."""
MIN_HEX = 24
"""12 bytes of text: hex shorter than that is a colour, an id or a checksum fragment."""
MAX_RUN = 64 * 1024
"""Longer runs are embedded files (images, fonts, wheels), not secrets."""
MAX_RUNS_PER_FRAGMENT = 500
MAX_ENCODED_PER_FRAGMENT = 1024 * 1024
"""Characters decoded per fragment at most: bounds the cost of a file that is mostly base64."""
PRINTABLE_RATIO = 0.95
MIN_DECODED = 6

_BASE64_WRAPPED = re.compile(
    r"(?<![A-Za-z0-9+/=])(?:[A-Za-z0-9+/]{60,100}\r?\n)+[A-Za-z0-9+/]{4,100}={0,2}(?![A-Za-z0-9+/=])"
)
"""MIME and PEM wrap base64 at 64 or 76 columns: a wrapped block is one run, decoded whole."""
_BASE64_RUN = re.compile(r"(?<![A-Za-z0-9+/_=-])[A-Za-z0-9+/_-]{" + str(MIN_BASE64) + r",}={0,2}(?![A-Za-z0-9+/_=-])")
_HEX_RUN = re.compile(r"(?<![0-9A-Fa-f])(?:[0-9A-Fa-f]{2}){" + str(MIN_HEX // 2) + r",}(?![0-9A-Fa-f])")
_PERCENT_RUN = re.compile(r"[^\s\"'<>`]*%[0-9A-Fa-f]{2}[^\s\"'<>`]*")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")


@dataclass(frozen=True)
class EncodedRun:
    """One decoded run: where its encoded form sits in the parent text, and what it decodes to."""

    start: int
    end: int
    encoding: str
    """`base64`, `hex` or `percent`."""
    text: str


def encoded_runs(text: str) -> list[EncodedRun]:
    """Every run in `text` that decodes to printable text, in text order, within the per-fragment caps."""
    runs: list[EncodedRun] = []
    budget = MAX_ENCODED_PER_FRAGMENT
    wrapped: list[tuple[int, int]] = []
    for encoding, pattern, decoder in _DECODERS:
        if encoding == "percent" and "%" not in text:
            continue
        for m in pattern.finditer(text):
            run = m.group()
            if len(run) > MAX_RUN or len(runs) >= MAX_RUNS_PER_FRAGMENT:
                continue
            if pattern is _BASE64_RUN and any(a <= m.start() < b for a, b in wrapped):
                continue  # one line of a wrapped block that was decoded whole
            budget -= len(run)
            if budget < 0:
                break
            decoded = decoder(run)
            if decoded is not None:
                runs.append(EncodedRun(m.start(), m.end(), encoding, decoded))
                if pattern is _BASE64_WRAPPED:
                    wrapped.append((m.start(), m.end()))
    return sorted(runs, key=lambda r: r.start)


def decode_base64(run: str) -> str | None:
    if run.isalpha() or run.isdigit() or _HEX_ONLY.match(run):
        # Words, camelCase names and hex digests are not base64 in practice; hex has its own decoder.
        return None
    body = "".join(run.split()).rstrip("=")
    if len(body) % 4 == 1:
        return None
    padded = body + "=" * (-len(body) % 4)
    try:
        if "-" in body or "_" in body:
            raw = base64.urlsafe_b64decode(padded)
        else:
            raw = base64.b64decode(padded, validate=True)
    except (binascii.Error, ValueError):
        return None
    return printable_text(raw)


_HEX_ONLY = re.compile(r"^[0-9A-Fa-f]+$")


def decode_hex(run: str) -> str | None:
    try:
        return printable_text(bytes.fromhex(run))
    except ValueError:
        return None


def decode_percent(run: str) -> str | None:
    try:
        decoded = unquote(run, errors="strict")
    except UnicodeDecodeError:
        return None
    if decoded == run or _CONTROL.search(decoded):
        return None
    return decoded


def printable_text(raw: bytes) -> str | None:
    """The bytes as text when they read as text (UTF-8, almost no control characters), else None.

    Random tokens, digests and images decode to bytes that fail this test, which is what keeps
    decoding from turning every base64-looking identifier into a child fragment."""
    if len(raw) < MIN_DECODED:
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    bad = len(_CONTROL.findall(text))
    if bad > len(text) * (1 - PRINTABLE_RATIO):
        return None
    if not any(c.isalnum() for c in text):
        return None
    return text


_DECODERS = (
    ("base64", _BASE64_WRAPPED, decode_base64),
    ("base64", _BASE64_RUN, decode_base64),
    ("hex", _HEX_RUN, decode_hex),
    ("percent", _PERCENT_RUN, decode_percent),
)


def decoded_fragments(fragment: Fragment, max_depth: int = DEFAULT_MAX_DECODE_DEPTH) -> Iterator[Fragment]:
    """Child fragments of every encoded run, and their own children, down to `max_depth` levels.

    A child's `encoded_at` is the (line, column, end_line, end_column) of the run in the real file; a
    grandchild keeps its parent's, because its text never appears in the file at all."""
    depth = fragment.decoded.count(">") + 1 if fragment.decoded else 0
    if depth >= max_depth:
        return
    runs = encoded_runs(fragment.text)
    if not runs:
        return
    lines = LineIndex(fragment.text)
    for run in runs:
        where = fragment.encoded_at or run_span(lines, run, fragment.first_line)
        label = f"{fragment.decoded} > {run.encoding}" if fragment.decoded else run.encoding
        child = replace(fragment, text=run.text, decoded=label, encoded_at=where, first_line=where[0])
        yield child
        yield from decoded_fragments(child, max_depth)



def run_span(lines: LineIndex, run: EncodedRun, first_line: int) -> tuple[int, int, int, int]:
    line, column = lines.position(run.start)
    end_line, end_column = lines.position(run.end)
    return line + first_line - 1, column, end_line + first_line - 1, end_column
