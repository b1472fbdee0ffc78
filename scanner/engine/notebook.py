"""Jupyter notebooks: the text people wrote and saw, as Fragments that point into the raw `.ipynb` file.

Scanning a notebook's raw JSON has two faults: code arrives JSON-escaped (`password = \\"...\\"`), which
rules written for source code miss, and base64 image outputs look like high-entropy tokens, which generic
rules report. So a whole notebook is parsed, and what a person can read in it is scanned: cell sources,
text outputs of every kind (stream text, `text/*` results such as plain text, HTML and Markdown, JSON
results, error messages and tracebacks), cell and notebook metadata, and attachments (base64-decoded);
images are not. Added lines of a diff (staged, ranges) are JSON fragments, not a notebook: their JSON
string values are decoded line by line (`notebook_lines`), images blanked, so both read the same text.

Locations: each fragment's `first_line` is the line of the raw `.ipynb` file holding the JSON string the
text came from (what GitHub shows when you open the file "raw" or in a blame), and `cell`/`cell_line` say
which cell and which line of it, for the report (`nb.ipynb:41:5 (cell 3, line 2)`). Columns count
characters of the cell's text, not of the escaped JSON.

Pure: (path, text) → Fragments; `sources/fragment_builder.py` calls it for every source.
"""

from __future__ import annotations

import binascii
import json
from collections.abc import Iterator
from dataclasses import dataclass

from scanner.engine.match import LineIndex
from scanner.fragment import Fragment
from scanner.ruleset.lazy_pattern import LazyPattern

Part = tuple[str, str]
"""(a JSON string value as it is in the notebook, the text to scan for it): the value is what is looked
for in the raw file to learn the line; the text is the value itself, `key: value` for a value inside
metadata or a JSON output (generic rules need the key), or an attachment's decoded content."""


def notebook_fragments(path: str, text: str, first_line: int = 1) -> list[Fragment]:
    """The notebook's readable parts; the whole text, unparsed, when it is not a notebook. `first_line`:
    the line the text starts at in the real file (1 for a whole file)."""
    document = _notebook(text)
    if document is None:
        return [Fragment(text=text, path=path, first_line=first_line)]
    finder = _StringFinder(text)
    fragments: list[Fragment] = []
    cells = document["cells"]
    assert isinstance(cells, list)
    for number, cell in enumerate(cells, 1):
        if not isinstance(cell, dict):
            continue
        # Within a cell, nbformat writes keys alphabetically (outputs before source), so each part is
        # searched from the cell's start; the next cell starts after the furthest string found here.
        cell_start = cell_end = finder.cursor
        for label, parts in cell_texts(cell, number):
            finder.cursor = cell_start
            fragments.extend(_fragments(path, label, [finder.locate(p) for p in parts], first_line))
            cell_end = max(cell_end, finder.cursor)
        finder.cursor = cell_end
    # the notebook's own metadata follows its cells ("cells" < "metadata")
    fragments.extend(_fragments(path, "metadata", [finder.locate(p) for p in _leaves(document.get("metadata"))],
                                first_line))
    return fragments


def _notebook(text: str) -> dict[str, object] | None:
    try:
        document = json.loads(text)
    except ValueError:
        return None
    if not isinstance(document, dict) or not isinstance(document.get("cells"), list):
        return None
    return document


def cell_texts(cell: dict[str, object], number: int) -> Iterator[tuple[str, list[Part]]]:
    """(label, parts) for the cell's source, attachments, metadata and each of its outputs."""
    yield f"cell {number}", _plain(_strings(cell.get("source")))
    attachments = cell.get("attachments")
    if isinstance(attachments, dict):
        for bundle in attachments.values():
            if isinstance(bundle, dict):
                yield f"cell {number} attachment", [a for v in bundle.values() for a in _attachment(v)]
    yield f"cell {number} metadata", _leaves(cell.get("metadata"))
    outputs = cell.get("outputs")
    if not isinstance(outputs, list):
        return
    for output in outputs:
        if isinstance(output, dict):
            yield from _output_texts(output, f"cell {number} output")


def _output_texts(output: dict[str, object], label: str) -> Iterator[tuple[str, list[Part]]]:
    kind = output.get("output_type")
    if kind == "stream":
        yield label, _plain(_strings(output.get("text")))
    elif kind == "error":
        yield label, _plain(_strings(output.get("evalue")))
        yield label, _plain(_lines(_strings(output.get("traceback"))))
    elif kind in ("execute_result", "display_data", "update_display_data"):
        data = output.get("data")
        for mime, value in data.items() if isinstance(data, dict) else ():
            if is_text_mime(mime):
                yield label, _plain(_strings(value))
            elif is_json_mime(mime):
                yield label, _leaves(value, mime)
        yield label, _leaves(output.get("metadata"))


def is_text_mime(mime: str) -> bool:
    """Outputs a person reads: `text/plain`, `text/html`, `text/markdown`, `text/latex`, ...; image/* (an
    SVG too) is drawing, and base64 images are noise to generic rules."""
    return mime.startswith("text/") or mime in ("application/javascript", "application/x-python")


def is_json_mime(mime: str) -> bool:
    return mime == "application/json" or mime.endswith("+json")


def _strings(value: object) -> list[str]:
    """nbformat stores multi-line text as a list of lines or as one string; both become a list."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def _plain(values: list[str]) -> list[Part]:
    return [(v, v) for v in values]


def _lines(pieces: list[str]) -> list[str]:
    """Traceback entries are separate strings without newlines; make each a line of its own."""
    return [p if p.endswith("\n") else p + "\n" for p in pieces]


def _leaves(value: object, key: str = "") -> list[Part]:
    """Every string inside a JSON value, as `key: value` lines (in file order: json keeps the order)."""
    if isinstance(value, str):
        return [(value, f"{key}: {value}\n" if key else value + "\n")]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _leaves(v, str(k))]
    if isinstance(value, list):
        return [p for v in value for p in _leaves(v, key)]
    return []


def _attachment(value: object) -> list[Part]:
    """An attachment's data is base64 (nbformat): its text when it decodes to text, nothing for an image."""
    import base64

    encoded = "".join(_strings(value))
    if not encoded:
        return []
    try:
        text = base64.b64decode(encoded, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return []
    if "\x00" in text:
        return []
    first = _strings(value)[0]
    return [(first, text if text.endswith("\n") else text + "\n")]


@dataclass(frozen=True)
class _Piece:
    raw_line: int
    """Line of the raw file that holds the JSON string."""
    text: str


class _StringFinder:
    """Finds each decoded JSON string in the raw text, moving forward, to learn its raw line."""

    def __init__(self, raw: str) -> None:
        self.raw = raw
        self.lines = LineIndex(raw)
        self.cursor = 0

    def locate(self, part: Part) -> _Piece:
        value, text = part
        for encoded in (json.dumps(value, ensure_ascii=False), json.dumps(value)):
            found = self.raw.find(encoded, self.cursor)
            if found != -1:
                self.cursor = found + len(encoded)
                return _Piece(self.lines.position(found)[0], text)
        # An unusual escaping (`\/`, upper-case `\u00E9`): keep the last known line rather than guess.
        return _Piece(self.lines.position(self.cursor)[0], text)


def _fragments(path: str, label: str, pieces: list[_Piece], first_line: int = 1) -> Iterator[Fragment]:
    """Consecutive pieces on consecutive raw lines (nbformat's one-line-per-string layout) form one
    fragment, so multi-line secrets stay whole; a piece holding several lines of its own (the one-string
    layout) is split, and every line of it reports the raw line of its string."""
    group: list[_Piece] = []
    cell_line = 1
    for piece in _split(pieces):
        if group and (piece.raw_line != group[-1].raw_line + 1 or not group[-1].text.endswith("\n")):
            yield _fragment(path, label, group, cell_line, first_line)
            cell_line += sum(p.text.count("\n") for p in group) + (0 if group[-1].text.endswith("\n") else 1)
            group = []
        group.append(piece)
    if group:
        yield _fragment(path, label, group, cell_line, first_line)


def _split(pieces: list[_Piece]) -> Iterator[_Piece]:
    for piece in pieces:
        lines = piece.text.splitlines(keepends=True)
        if len(lines) <= 1:
            yield piece
            continue
        for line in lines:
            yield _Piece(piece.raw_line, line)


def _fragment(path: str, label: str, group: list[_Piece], cell_line: int, first_line: int) -> Fragment:
    return Fragment(text="".join(p.text for p in group), path=path, first_line=group[0].raw_line + first_line - 1,
                    cell=label, cell_line=cell_line)


_STRING_LINE = LazyPattern(r'^[ \t]*(?:"((?:[^"\\]|\\.)*)"[ \t]*:[ \t]*)?"((?:[^"\\]|\\.)*)"[ \t]*,?[ \t]*\r?$')
"""One line of nbformat's layout that holds a string: a list's element (`"x = 1\\n",`) or a key's value
(`"text/plain": "3",`)."""
_DECODED_KEYS = ("", "source", "text", "evalue")
"""Keys whose string is text a person wrote or saw (a list element has none); other keys' lines keep their
JSON, key and all, which is what generic rules read in metadata."""


def notebook_lines(path: str, text: str, first_line: int) -> list[Fragment]:
    """Added lines of a notebook (a run of a diff) as the text they hold: each JSON string value decoded
    in place, one line for each raw line so that every line keeps its number; a value holding several
    lines (the one-string layout) is a fragment of its own at its raw line; image data is blanked. A run
    that is a whole notebook (an added file) is parsed as one, cells and all."""
    if first_line == 1 and _notebook(text) is not None:
        return notebook_fragments(path, text)
    fragments: list[Fragment] = []
    held: list[str] = []
    held_from = first_line
    for number, raw in enumerate(text.splitlines(keepends=True), first_line):
        lines = _decoded_line(raw).splitlines(keepends=True) or [""]
        if len(lines) == 1:
            if not held:
                held_from = number
            held.append(lines[0])
            continue
        if held:
            fragments.append(Fragment(text="".join(held), path=path, first_line=held_from))
            held = []
        fragments.extend(Fragment(text=line, path=path, first_line=number) for line in lines)
    if held:
        fragments.append(Fragment(text="".join(held), path=path, first_line=held_from))
    return fragments


def _decoded_line(raw: str) -> str:
    """One raw line with its JSON string value decoded (its line end kept), or the raw line as it is."""
    found = _STRING_LINE.match(raw)
    if found is None:
        return raw
    key, value = found.group(1) or "", found.group(2)
    ending = raw[len(raw.rstrip("\r\n")):]
    if key.startswith("image/"):
        return ending
    if key not in _DECODED_KEYS and not is_text_mime(key):
        return raw
    try:
        decoded: str = json.loads(f'"{value}"')
    except ValueError:
        return raw
    return (decoded[:-1] if decoded.endswith("\n") else decoded) + ending
