"""Diff file changes → Fragments: shared by the staged and commit-range sources.

Each run of consecutive added lines is one Fragment (a private key added over twenty lines matches as one
block), reported at the line numbers it has in the new version of the file.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from scanner.fragment import Fragment
from scanner.git import runner as git
from scanner.git.diff import FileChange
from scanner.report import ScanStats, Skipped
from scanner.ruleset.globs import path_matches
from scanner.sources import SourceItem
from scanner.sources.text_decode import BINARY_SNIFF, decode_bytes, decode_text

if TYPE_CHECKING:
    from scanner.git.context import GitContext

LFS_POINTER = b"version https://git-lfs.github.com/spec/v1"


def is_archive(path: str) -> bool:
    from scanner.sources.archives import is_archive as named_like_one  # only when a binary file is staged

    return named_like_one(path)


def archive_members(where: str, data: bytes, blob: str, stats: ScanStats, context: GitContext | None,
                    depth: int) -> Iterator[SourceItem]:
    """A staged or committed archive's text members (`lib.jar!config/app.properties`), as the tree and
    history scans read them; a file merely named like an archive is binary to us."""
    from dataclasses import replace

    from scanner.sources.archives import ArchiveLimits, archive_items, opened_as_archive

    if not opened_as_archive(where, data):
        yield Skipped(where, "binary")
        return
    stats.files += 1
    stats.bytes += len(data)
    for item in archive_items(where, data, ArchiveLimits(max_depth=depth), blob=blob):
        yield replace(item, git=context) if isinstance(item, Fragment) and context is not None else item


def change_items(change: FileChange, stats: ScanStats, max_size: int, repo: git.RepoInfo,
                 context: GitContext | None = None, exclude: tuple[str, ...] = (), archive_depth: int = 2
                 ) -> Iterator[SourceItem]:
    """What to scan of one changed file, or why nothing is scanned."""
    where = change.path
    if exclude and path_matches(where, exclude):
        return
    if change.is_unmerged:
        yield Skipped(where, "unmerged (resolve the conflict and stage the file first)")
        return
    if change.is_submodule:
        yield Skipped(where, "submodule (not scanned; scan it in its own repository)")
        return
    if change.is_deletion or not change.content_changed or not (change.added or change.binary):
        return
    added = change.added
    if change.binary:
        # git calls UTF-16 text binary; read the blob and scan it whole when it really is text.
        data = git.read_blob(repo, change.new_blob)
        if len(data) <= max_size and is_archive(where):
            yield from archive_members(where, data, change.new_blob, stats, context, archive_depth)
            return
        if len(data) > max_size:
            from scanner.sources.files import oversized  # rare: a binary change over the size limit

            yield oversized(where, len(data), data[:BINARY_SNIFF])
            return
        if decode_bytes(data) is None:
            yield Skipped(where, "binary")
            return
        text = decode_bytes(data) or ""
        stats.files += 1
        stats.bytes += len(data)
        yield Fragment(text=text, path=where, first_line=1, git=context, blob=change.new_blob)
        return
    # No size cap here: git printed these lines, so they are text and already in memory, and a large
    # vendored or generated file is exactly where a key slips through (--max-file-size is for trees).
    size = sum(len(run.text) for run in added)
    stats.files += 1
    stats.bytes += size
    if added[0].first_line == 1 and added[0].text.startswith(LFS_POINTER):
        yield Skipped(where, "LFS pointer (scanned as text; the stored object is not)")
    for run in added:
        yield Fragment(text=decode_text(run.text), path=where, first_line=run.first_line, git=context,
                       blob=change.new_blob)
