"""Jupyter notebooks: the text people wrote and saw, as Fragments that point into the raw `.ipynb` file.

Scanning a notebook's raw JSON has two faults: code arrives JSON-escaped (`password = \\"...\\"`), which
rules written for source code miss, and base64 image outputs look like high-entropy tokens, which generic
rules report. So a notebook is parsed and only cell sources and text outputs (stream text, `text/plain`
results, error tracebacks) are scanned; images and metadata are not.

Locations: each fragment's `first_line` is the line of the raw `.ipynb` file holding the JSON string the
text came from (what GitHub shows when you open the file "raw" or in a blame), and `cell`/`cell_line` say
which cell and which line of it, for the report (`nb.ipynb:41:5 (cell 3, line 2)`). Columns count
characters of the cell's text, not of the escaped JSON.

Pure: (path, text) → Fragments, so the git history source can reuse it for notebook blobs.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

from scanner.engine.match import LineIndex
from scanner.fragment import Fragment

TEXT_OUTPUT_TYPES = ("text/plain",)
"""Rich outputs worth scanning; image/*, HTML widgets and JS are skipped (images are base64 noise)."""


def is_notebook(path: str) -> bool:
    return path.lower().endswith(".ipynb")


def notebook_fragments(path: str, text: str) -> list[Fragment]:
    """The notebook's cells and text outputs; the whole text, unparsed, when it is not a notebook."""
    try:
        document = json.loads(text)
    except ValueError:
        return [Fragment(text=text, path=path)]
    cells = document.get("cells") if isinstance(document, dict) else None
    if not isinstance(cells, list):
        return [Fragment(text=text, path=path)]
    finder = _StringFinder(text)
    fragments: list[Fragment] = []
    for number, cell in enumerate(cells, 1):
        if not isinstance(cell, dict):
            continue
        # Within a cell, nbformat writes keys alphabetically (outputs before source), so each part is
        # searched from the cell's start; the next cell starts after the furthest string found here.
        cell_start = cell_end = finder.cursor
        for label, pieces in cell_texts(cell, number):
            finder.cursor = cell_start
            fragments.extend(_fragments(path, label, [finder.locate(p) for p in pieces]))
            cell_end = max(cell_end, finder.cursor)
        finder.cursor = cell_end
    return fragments


def cell_texts(cell: dict[str, object], number: int) -> Iterator[tuple[str, list[str]]]:
    """(label, JSON string values) for the cell's source and each of its text outputs."""
    yield f"cell {number}", _strings(cell.get("source"))
    outputs = cell.get("outputs")
    if not isinstance(outputs, list):
        return
    for output in outputs:
        if not isinstance(output, dict):
            continue
        kind = output.get("output_type")
        if kind == "stream":
            yield f"cell {number} output", _strings(output.get("text"))
        elif kind == "error":
            yield f"cell {number} output", _lines(_strings(output.get("traceback")))
        elif kind in ("execute_result", "display_data") and isinstance(output.get("data"), dict):
            data = output["data"]
            for mime in TEXT_OUTPUT_TYPES:
                yield f"cell {number} output", _strings(data.get(mime))


def _strings(value: object) -> list[str]:
    """nbformat stores multi-line text as a list of lines or as one string; both become a list."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def _lines(pieces: list[str]) -> list[str]:
    """Traceback entries are separate strings without newlines; make each a line of its own."""
    return [p if p.endswith("\n") else p + "\n" for p in pieces]


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

    def locate(self, value: str) -> _Piece:
        for encoded in (json.dumps(value, ensure_ascii=False), json.dumps(value)):
            found = self.raw.find(encoded, self.cursor)
            if found != -1:
                self.cursor = found + len(encoded)
                return _Piece(self.lines.position(found)[0], value)
        # An unusual escaping (`\/`, upper-case `\u00E9`): keep the last known line rather than guess.
        return _Piece(self.lines.position(self.cursor)[0], value)


def _fragments(path: str, label: str, pieces: list[_Piece]) -> Iterator[Fragment]:
    """Consecutive pieces on consecutive raw lines (nbformat's one-line-per-string layout) form one
    fragment, so multi-line secrets stay whole; a piece holding several lines of its own (the one-string
    layout) is split, and every line of it reports the raw line of its string."""
    group: list[_Piece] = []
    cell_line = 1
    for piece in _split(pieces):
        if group and (piece.raw_line != group[-1].raw_line + 1 or not group[-1].text.endswith("\n")):
            yield _fragment(path, label, group, cell_line)
            cell_line += sum(p.text.count("\n") for p in group) + (0 if group[-1].text.endswith("\n") else 1)
            group = []
        group.append(piece)
    if group:
        yield _fragment(path, label, group, cell_line)


def _split(pieces: list[_Piece]) -> Iterator[_Piece]:
    for piece in pieces:
        lines = piece.text.splitlines(keepends=True)
        if len(lines) <= 1:
            yield piece
            continue
        for line in lines:
            yield _Piece(piece.raw_line, line)


def _fragment(path: str, label: str, group: list[_Piece], cell_line: int) -> Fragment:
    return Fragment(text="".join(p.text for p in group), path=path, first_line=group[0].raw_line,
                    cell=label, cell_line=cell_line)
