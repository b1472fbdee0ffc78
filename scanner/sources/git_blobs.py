"""Blobs of history handed to the engine unread, and how a process turns them into Fragments.

A history scan's content is hundreds of megabytes. When the parent process read every blob, decoded it
and forwarded the text to the worker processes, that was a third of the scan's CPU (bench history: 5.5 s
of 20, on one core, while the workers waited). Now the source names each blob and the paths it is
scanned as, and whichever process scans it reads it from git (`git.BlobReader`), in batches.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from scanner.fragment import Fragment
from scanner.git import runner as git
from scanner.report import Skipped
from scanner.sources import SourceItem
from scanner.sources.git_fragments import LFS_POINTER
from scanner.sources.text_decode import decode_bytes


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
    archive_depth: int = 2
    """--max-archive-depth, for the worker that opens the blob if it is an archive."""


def blob_items(blob: GitBlob, data: bytes) -> list[Fragment | Skipped]:
    """The blob's Fragments with its text, after a note when it is an LFS pointer; none when it is binary."""
    items: list[Fragment | Skipped] = []
    if data.startswith(LFS_POINTER):
        items.append(Skipped(f"{blob.paths[0]} (blob {blob.blob[:12]})",
                             "LFS pointer (scanned as text; the stored object is not)"))
    from scanner.sources.archives import is_archive

    archives = [path for path in blob.paths if is_archive(path)]
    if archives:
        from scanner.sources.archives import ArchiveLimits, archive_items, opened_as_archive

        if opened_as_archive(archives[0], data):
            for path in archives:
                items.extend(archive_items(path, data, ArchiveLimits(max_depth=blob.archive_depth), blob=blob.blob))
            return items
    text = decode_bytes(data)
    if text is not None:
        items.extend(Fragment(text=text, path=path, blob=blob.blob) for path in blob.paths)
    return items


class BlobExpander:
    """Replaces the GitBlobs of a batch of items by their Fragments, reading each batch's blobs with one
    request to a long-lived `git cat-file` per repository (one round trip per blob would leave git and
    the scan taking turns)."""

    def __init__(self) -> None:
        self.readers: dict[Path, git.BlobReader] = {}

    def expand(self, batch: Sequence[SourceItem]) -> Iterator[Fragment | Skipped]:
        wanted: dict[Path, list[str]] = {}
        for item in batch:
            if isinstance(item, GitBlob):
                wanted.setdefault(item.repo, []).append(item.blob)
        streams = {repo: self._reader(repo).read(ids) for repo, ids in wanted.items()}
        try:
            for item in batch:
                if isinstance(item, GitBlob):
                    _, data = next(streams[item.repo])
                    yield from blob_items(item, data)
                else:
                    yield item
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

