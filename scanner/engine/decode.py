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
from collections.abc import Iterator
from dataclasses import dataclass, replace
from urllib.parse import unquote

from scanner.engine.match import LineIndex
from scanner.fragment import Fragment
from scanner.report import Skipped
from scanner.ruleset.char_bytes import char_bytes
from scanner.ruleset.lazy_pattern import LazyPattern

DEFAULT_MAX_DECODE_DEPTH = 2
MIN_BASE64 = 16
"""`user:password` in base64 is 20 characters; shorter runs decode to too little to hold a credential."""
MIN_HEX = 24
"""12 bytes of text: hex shorter than that is a colour, an id or a checksum fragment."""
MAX_RUN = 64 * 1024
"""Longer runs are mostly embedded files (images, fonts, wheels): one is decoded only when its first
PREFIX characters decode to text (a base64 config file, a manifest), within the per-fragment budget."""
PREFIX = 4096
MAX_RUNS_PER_FRAGMENT = 500
MAX_ENCODED_PER_FRAGMENT = 1024 * 1024
"""Characters decoded per fragment at most: bounds the cost of a file that is mostly base64."""
PRINTABLE_RATIO = 0.95
MIN_DECODED = 6

_PERCENT_ESCAPE = LazyPattern(r"%[0-9A-Fa-f]{2}")
_JSON_STRING = LazyPattern(r'"((?:[^"\\\n]|\\.)*)"')
_TOKEN = LazyPattern(r"[^\s\"'<>`]+")
_WORDS = LazyPattern(
    r"^(?:[A-Z]?[a-z]+(?:[A-Z][a-z]+)*|[A-Za-z]+(?:[_-][A-Za-z0-9]+)+|[A-Za-z0-9]+(?:_[A-Za-z0-9]+)+)$"
)
"""camelCase, snake_case and kebab-case names: base64 of text has random case and no such shape."""
WRAP_WIDTHS = range(60, 101)
"""MIME and PEM wrap base64 at 64 or 76 columns: consecutive lines of such a block are decoded whole."""
_CONTROL = LazyPattern(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")


@dataclass(frozen=True)
class EncodedRun:
    """One decoded run: where its encoded form sits in the parent text, and what it decodes to."""

    start: int
    end: int
    encoding: str
    """`base64`, `hex`, `percent` or `json` (a JSON string literal's escapes)."""
    text: str


def encoded_runs(text: str) -> list[EncodedRun]:
    """Every run in `text` that decodes to printable text, in text order, within the per-fragment caps."""
    return capped_runs(text)[0]


def capped_runs(text: str) -> tuple[list[EncodedRun], int]:
    """The runs of `encoded_runs`, and the offset in `text` where a per-fragment cap stopped decoding
    (-1 when none did): what lies past it was not decoded, and the scan must say so."""
    candidates = [_hex_or_base64(text, a, b) for a, b in _wrapped_blocks(text)]
    if "%" in text:
        candidates += [("percent", a, b) for a, b in _percent_tokens(text)]
    if "\\u" in text or "\\/" in text:
        candidates += [("json", a, b) for a, b in _json_escaped_strings(text)]
    runs: list[EncodedRun] = []
    budget = MAX_ENCODED_PER_FRAGMENT
    for encoding, start, end in candidates:
        if end - start > MAX_RUN and not _starts_as_text(encoding, text[start:start + PREFIX]):
            continue  # an embedded binary file: nothing a text rule could match, whatever its length
        budget -= end - start
        if budget < 0 or len(runs) >= MAX_RUNS_PER_FRAGMENT:
            return sorted(runs, key=lambda r: r.start), start
        decoded = _DECODERS[encoding](text[start:end])
        if decoded is not None:
            runs.append(EncodedRun(start, end, encoding, decoded))
    return sorted(runs, key=lambda r: r.start), -1


def _starts_as_text(encoding: str, head: str) -> bool:
    """Whether a long run's first characters decode to text (a whole run is decoded only then)."""
    if encoding == "base64":
        body = "".join(head.split())
        return decode_base64(body[:len(body) // 4 * 4]) is not None
    if encoding == "hex":
        return decode_hex(head[:len(head) // 2 * 2]) is not None
    return True


def cap_reason(text: str, stopped_at: int, first_line: int) -> str:
    """The note for a fragment whose decoding a cap stopped: which cap, and from which line on."""
    line = text.count("\n", 0, stopped_at) + first_line
    return (f"decoding stopped at line {line}: at most {MAX_RUNS_PER_FRAGMENT} encoded runs and "
            f"{MAX_ENCODED_PER_FRAGMENT // (1024 * 1024)} MB of encoded text are decoded per text; "
            "encoded values past it were not decoded")


def _hex_or_base64(text: str, start: int, end: int) -> tuple[str, int, int]:
    """Hex digits are a subset of the base64 alphabet, so one scan finds both kinds of run (a second
    scan for hex alone cost as much as the first)."""
    digits = start + 2 if text[start:start + 2] in ("0x", "0X") else start
    run = text[digits:end]
    if len(run) >= MIN_HEX and len(run) % 2 == 0 and _HEX_ONLY.match(run):
        return "hex", digits, end
    return "base64", start, end


def _wrapped_blocks(text: str) -> list[tuple[int, int]]:
    """base64 runs, with consecutive full-width lines of a wrapped block joined into one span."""
    spans: list[tuple[int, int]] = []
    joinable = False
    for start, end in _base64_runs(text):
        if spans and joinable and text[spans[-1][1]:start] in ("\n", "\r\n"):
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
        joinable = end - start in WRAP_WIDTHS and text[end - 1] != "="
    return spans


_STANDARD = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_URL_SAFE = b"-_"
_RUN_MASK = bytes(0x61 if byte in _STANDARD else 0x20 for byte in range(256))
_FULL_MASK = bytes(0x61 if byte in _STANDARD + _URL_SAFE else 0x20 for byte in range(256))
_LONG_RUN = b"a" * MIN_BASE64


def _base64_runs(text: str) -> Iterator[tuple[int, int]]:
    """Spans of base64 runs in `text` that can be encoded text: 16+ standard-alphabet characters in a row
    (`[A-Za-z0-9+/]`), widened over the URL-safe `-`/`_` where they touch them, then up to two `=`.

    The alphabet is masked with bytes.translate and runs are found with bytes.find, both in C: a regex retried its
    class at every position inside every shorter identifier, the largest cost of a history scan. Encoding with
    "replace" turns each non-ASCII character into one `?`, so byte offsets are character offsets.

    Runs are found in the standard alphabet and widened over `-` and `_` only where one touches them: with those two
    in the alphabet, every snake_case or kebab-case name of 16+ characters was a run, each a trip through this loop,
    and none of the extra ones decoded to text. URL-safe base64 of ASCII text holds `-`/`_` only where the text has
    `>`, `?` or `~` (at every third byte), so its runs nearly always have 16 characters without them; one broken up
    every few characters is left alone."""
    raw = char_bytes(text)
    masked = raw.translate(_RUN_MASK)
    widened = None
    size = len(raw)
    pos = masked.find(_LONG_RUN)
    while pos != -1:
        end = masked.find(b" ", pos)
        end = size if end == -1 else end
        if (end < size and raw[end] in _URL_SAFE) or (pos and raw[pos - 1] in _URL_SAFE):
            widened = raw.translate(_FULL_MASK) if widened is None else widened
            pos = widened.rfind(b" ", 0, pos) + 1
            end = widened.find(b" ", end)
            end = size if end == -1 else end
            run = raw[pos:end].translate(None, _URL_SAFE)
        else:
            run = raw[pos:end]
        padded = end
        while padded < size and padded - end < 2 and raw[padded] == 0x3D:  # "="
            padded += 1
        # base64 of 12+ bytes of text nearly always holds a digit, `+` or `/` (a 16-character run without
        # one: ~7%, falling fast with length), while long code identifiers nearly never do: runs of letters
        # alone are names, and deciding that here skips most decode attempts on code.
        if padded > end or (not run.isalpha() and _may_be_encoded_text(raw, pos, end)):
            yield pos, padded
        pos = masked.find(_LONG_RUN, end)


_LEADS = "IJKLMNOPQRSTUVWXYZabcdef"
"""The characters a 4-character base64 group of ASCII text (0x20-0x7e) starts with."""
_ASCII_LEADS = _LEADS.encode("ascii")
_HEX_DIGITS = b"0123456789abcdefABCDEF"


def _may_be_encoded_text(raw: bytes, start: int, end: int) -> bool:
    """decode_base64's lead test, or a hex run, decided on the bytes before the run leaves C: most runs with
    a digit are paths, hashes and random tokens that fail it, and each cost a trip through the block
    joiner and the decoder's checks to be rejected there."""
    leads = raw[start:end:4]
    if len(leads.translate(None, _ASCII_LEADS)) <= len(leads) * 0.25:
        return True
    digits = start + 2 if raw[start:start + 2] in (b"0x", b"0X") else start
    return not raw[digits:end].translate(None, _HEX_DIGITS)


def _percent_tokens(text: str) -> list[tuple[int, int]]:
    """The whitespace/quote-delimited tokens holding a `%XX` escape, each once."""
    spans: list[tuple[int, int]] = []
    for m in _PERCENT_ESCAPE.finditer(text):
        if spans and m.start() < spans[-1][1]:
            continue
        line_start = text.rfind("\n", 0, m.start()) + 1
        token = next(t for t in _TOKEN.finditer(text, line_start) if t.end() > m.start())
        spans.append(token.span())
    return spans


def _json_escaped_strings(text: str) -> list[tuple[int, int]]:
    """The insides of JSON string literals that hold a `\\uXXXX` or `\\/` escape (`"\\u0041KIA..."`, an
    `https:\\/\\/` URL): rules written for the plain text do not see through either."""
    return [m.span(1) for m in _JSON_STRING.finditer(text) if "\\u" in m.group(1) or "\\/" in m.group(1)]


def decode_json_string(run: str) -> str | None:
    import json

    try:
        decoded = json.loads(f'"{run}"')
    except ValueError:
        return None
    # too short to hold a credential: a table of escaped characters (HTML entities, emoji names) would
    # otherwise spend the per-text budget of runs and end in a note on every version of the file
    if not isinstance(decoded, str) or decoded == run or len(decoded) < MIN_DECODED or _CONTROL.search(decoded):
        return None
    return decoded


def decode_base64(run: str) -> str | None:
    body = "".join(run.split()).rstrip("=")
    if len(body) % 4 == 1:
        return None
    leads = body[0::4]
    if len(leads.translate(_DELETE_ASCII_LEADS)) > len(leads) * 0.25:
        # Each 4-character group starts with the top 6 bits of a byte; for ASCII text (0x20-0x7e) that is
        # one of `I`..`f`. Checking it first rejects most identifiers and paths without decoding them.
        return None
    if run.isdigit() or _HEX_ONLY.match(run) or _WORDS.match(run):
        # Names and hex digests are not base64 in practice; hex has its own decoder.
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


_DELETE_ASCII_LEADS = str.maketrans("", "", _LEADS)
_HEX_ONLY = LazyPattern(r"^[0-9A-Fa-f]+$")


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


_DECODERS = {"base64": decode_base64, "hex": decode_hex, "percent": decode_percent, "json": decode_json_string}


def decoded_fragments(fragment: Fragment, max_depth: int = DEFAULT_MAX_DECODE_DEPTH) -> Iterator[Fragment]:
    """The Fragments of `decoded_items`, without its notes."""
    return (item for item in decoded_items(fragment, max_depth) if isinstance(item, Fragment))


def decoded_items(fragment: Fragment, max_depth: int = DEFAULT_MAX_DECODE_DEPTH) -> Iterator[Fragment | Skipped]:
    """Child fragments of every encoded run, and their own children, down to `max_depth` levels; a
    `limit` note where a per-fragment cap stopped decoding (a bundle of 600 encoded values).

    A child's `encoded_at` is the (line, column, end_line, end_column) of the run in the real file; a
    grandchild keeps its parent's, because its text never appears in the file at all."""
    depth = fragment.decoded.count(">") + 1 if fragment.decoded else 0
    if depth >= max_depth:
        return
    runs, stopped_at = capped_runs(fragment.text)
    if stopped_at >= 0:
        line = fragment.encoded_at[0] if fragment.encoded_at else fragment.first_line
        at = 0 if fragment.encoded_at else stopped_at
        yield Skipped(fragment.path, cap_reason(fragment.text, at, line), limit=True)
    if not runs:
        return
    lines = None if fragment.encoded_at else LineIndex(fragment.text)  # a grandchild keeps its parent's place
    for run in runs:
        where = fragment.encoded_at or run_span(lines, run, fragment.first_line)  # type: ignore[arg-type]
        label = f"{fragment.decoded} > {run.encoding}" if fragment.decoded else run.encoding
        child = replace(fragment, text=run.text, decoded=label, encoded_at=where, first_line=where[0])
        yield child
        yield from decoded_items(child, max_depth)


def run_span(lines: LineIndex, run: EncodedRun, first_line: int) -> tuple[int, int, int, int]:
    line, column = lines.position(run.start)
    end_line, end_column = lines.position(run.end)
    return line + first_line - 1, column, end_line + first_line - 1, end_column
