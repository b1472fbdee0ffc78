"""Blobs of history handed to the engine unread, and how a process reads them into Fragments.

A history's content is hundreds of megabytes, and reading it in the parent process and sending the text
on left the workers waiting, so the source names each blob and the paths it is scanned as, and whichever
process scans it reads it from git (`git.BlobReader`), in batches. What the bytes become is the source's
business (`GitBlob.read_as`), so the engine reads blobs without importing any source.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Union

from scanner.fragment import Fragment
from scanner.git import runner as git
from scanner.report import Skipped


@dataclass(frozen=True)
class GitBlob:
    """One blob, not yet read, and the paths its text is scanned as."""

    repo: Path
    blob: str
    size: int
    paths: tuple[str, ...]
    """The text becomes one Fragment per path: one per group of the blob's paths that the same
    path-restricted rules apply to (almost always one). Only paths travel to the worker processes; the
    source fills in the commits (`Source.located`) for the texts that have findings."""
    read_as: Callable[[GitBlob, bytes], list[Fragment | Skipped]]
    """The blob's bytes → what to scan (a module-level function, so it travels to workers by name)."""
    archive_depth: int = 2
    """--max-archive-depth, for the worker that opens the blob if it is an archive."""
    key: bytes = b""
    """The scan cache's name for this blob scanned at these paths (empty: not cached)."""
    record: object = None
    """What the engine found in it the last time (engine/recorded.py): rebuilt instead of scanned."""
    after: str = ""
    """The blob this one replaced at its path, handed out before it: when that came out clean, only the
    lines this one changed need scanning (engine/line_delta.py)."""
    replaced: bool = False
    """Whether a blob handed out later replaced this one (names it as `after`): only then is its text kept."""


Item = Union[Fragment, Skipped, GitBlob]
"""What a source yields (`sources.SourceItem`), as far as reading blobs goes."""


class BlobExpander:
    """Replaces the GitBlobs of a batch of items by their Fragments, reading each batch's blobs with one
    request to a long-lived `git cat-file` per repository (one round trip per blob would leave git and
    the scan taking turns)."""

    def __init__(self) -> None:
        self.readers: dict[Path, git.BlobReader] = {}

    def expand(self, batch: Sequence[Item]) -> Iterator[Fragment | Skipped]:
        for _, items in self.expand_each(batch):
            yield from items

    def expand_each(self, batch: Sequence[Item]) -> Iterator[tuple[Item, Sequence[Fragment | Skipped]]]:
        """Each item of the batch with what it became: a GitBlob its Fragments (or notes), others
        themselves; the scan cache records a verdict per blob."""
        wanted: dict[Path, list[str]] = {}
        for item in batch:
            if isinstance(item, GitBlob):
                wanted.setdefault(item.repo, []).append(item.blob)
        streams = {repo: self._reader(repo).read(ids) for repo, ids in wanted.items()}
        try:
            for item in batch:
                if isinstance(item, GitBlob):
                    _, data = next(streams[item.repo])
                    yield item, item.read_as(item, data)
                else:
                    yield item, (item,)
        finally:
            for stream in streams.values():
                stream.close()

    def _reader(self, repo: Path) -> git.BlobReader:
        reader = self.readers.get(repo)
        if reader is None:
            reader = self.readers[repo] = git.BlobReader(repo)
        return reader

    def close(self) -> None:
        for reader in self.readers.values():
            reader.close()
        self.readers.clear()

