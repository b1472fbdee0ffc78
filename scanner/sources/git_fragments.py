"""Diff file changes → Fragments: shared by the staged and commit-range sources.

Each run of consecutive added lines is one Fragment (a private key added over twenty lines matches as one
block), reported at the line numbers it has in the new version of the file.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from scanner.git import runner as git
from scanner.git.diff import FileChange
from scanner.report import ScanStats, Skipped
from scanner.ruleset.globs import path_matches
from scanner.sources import SourceItem
from scanner.sources.fragment_builder import BINARY, LFS_POINTER, fragments_of
from scanner.sources.text_decode import BINARY_SNIFF

if TYPE_CHECKING:
    from scanner.git.context import GitContext

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
        # git calls UTF-16 text and archives binary: read the blob and scan it whole (a binary one is a note).
        data = git.read_blob(repo, change.new_blob)
        if len(data) > max_size:
            from scanner.sources.files import oversized  # rare: a binary change over the size limit

            yield oversized(where, len(data), data[:BINARY_SNIFF])
            return
        items = list(fragments_of(where, data, blob=change.new_blob, git=context, archive_depth=archive_depth))
        if not (len(items) == 1 and isinstance(items[0], Skipped) and items[0].reason == BINARY):
            stats.files += 1
            stats.bytes += len(data)
        yield from items
        return
    # No size cap here: git printed these lines, so they are text and already in memory, and a large
    # vendored or generated file is exactly where a key slips through (--max-file-size is for trees).
    size = sum(len(run.text) for run in added)
    stats.files += 1
    stats.bytes += size
    if added[0].first_line == 1 and added[0].text.startswith(LFS_POINTER):
        yield Skipped(where, "LFS pointer (scanned as text; the stored object is not)")
    yield from fragments_of(where, added, blob=change.new_blob, git=context)
