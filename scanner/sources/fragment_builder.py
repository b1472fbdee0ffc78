"""Content → Fragments, the one way for every source: a whole file's bytes (a tree's file, stdin, a history
blob, a file git diffs as binary) or the added lines of a diff (staged changes, commit ranges).

What a path's content becomes is decided here alone, so that every source reads the same text: an archive
becomes its members, binary content a note, a notebook the text people wrote and saw in it
(`engine/notebook.py`), anything else one Fragment. A notebook's key was found by a tree scan and missed
by `--staged`, `--range` and `--history` while each source decided this for itself.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from scanner.fragment import Fragment
from scanner.report import Skipped
from scanner.sources.text_decode import decode_bytes, decode_text

if TYPE_CHECKING:
    from scanner.git.blobs import GitBlob
    from scanner.git.context import GitContext
    from scanner.git.diff import AddedLines

BINARY = "binary"
LFS_POINTER = b"version https://git-lfs.github.com/spec/v1"


def fragments_of(path: str, content: bytes | Sequence[AddedLines], *, blob: str = "",
                 git: GitContext | None = None, note_binary: bool = True, archive_depth: int = 2
                 ) -> Iterator[Fragment | Skipped]:
    """The Fragments to scan for `path`, and notes of what could not be read. `content` is the whole file
    (bytes) or the runs of lines a diff adds to it. `note_binary`: a binary file is a `Skipped` note
    (a history has too many binary blobs to list, and passes False). `archive_depth`: how deep archives
    inside archives are opened (--max-archive-depth; 0: not at all)."""
    if isinstance(content, bytes):
        yield from _whole(path, content, blob, git, note_binary, archive_depth)
        return
    for run in content:
        yield from text_fragments(path, decode_text(run.text), run.first_line, blob=blob, git=git, whole=False)


def _whole(path: str, data: bytes, blob: str, git: GitContext | None, note_binary: bool, archive_depth: int
           ) -> Iterator[Fragment | Skipped]:
    from scanner.sources.archives import is_archive

    if is_archive(path):
        from scanner.sources.archives import ArchiveLimits, members, opened_as_archive

        if opened_as_archive(path, data):
            if archive_depth < 1:
                yield Skipped(path, "archive not opened (--max-archive-depth 0)")
                return
            for member in members(path, data, ArchiveLimits(max_depth=archive_depth)):
                if isinstance(member, Skipped):
                    yield member
                else:  # a member is a file of its own: a notebook in a zip is still a notebook
                    yield from _whole(*member, blob, git, True, archive_depth)
            return
    text = decode_bytes(data)
    if text is None:
        if note_binary:
            yield Skipped(path, BINARY)
        return
    yield from text_fragments(path, text, blob=blob, git=git)


def text_fragments(path: str, text: str, first_line: int = 1, *, blob: str = "", git: GitContext | None = None,
                   whole: bool = True) -> list[Fragment]:
    """Text of `path` starting at `first_line` → Fragments. `whole`: the text is the whole file, not lines
    a diff adds to it."""
    if is_notebook(path):  # the parser is imported only for notebooks: the hook stays lean
        from scanner.engine.notebook import notebook_fragments, notebook_lines

        parts = notebook_fragments(path, text) if whole else notebook_lines(path, text, first_line)
        return [replace(part, blob=blob, git=git) for part in parts] if blob or git else parts
    return [Fragment(text=text, path=path, first_line=first_line, git=git, blob=blob)]


def is_notebook(path: str) -> bool:
    return path.lower().endswith(".ipynb")


def blob_fragments(blob: GitBlob, data: bytes) -> list[Fragment | Skipped]:
    """A history blob's Fragments, one set per path it is scanned as, after a note when it is an LFS
    pointer; none when it is binary (`GitBlob.read_as`, run by the process that scans the blob)."""
    items: list[Fragment | Skipped] = []
    if data.startswith(LFS_POINTER):
        items.append(Skipped(f"{blob.paths[0]} (blob {blob.blob[:12]})",
                             "LFS pointer (scanned as text; the stored object is not)"))
    for path in blob.paths:
        items.extend(fragments_of(path, data, blob=blob.blob, note_binary=False, archive_depth=blob.archive_depth))
    return items
