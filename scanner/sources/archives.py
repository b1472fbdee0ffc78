"""Archives looked into: zip (jar, war, whl, nupkg, apk, ear, aar), tar, tar.gz/bz2/xz, gz.

A key inside a committed build artefact or vendored SDK is as leaked as one in plain text. Nothing is
extracted to disk: members are read into memory under limits, so a zip bomb, a 10,000-entry archive, a
truncated or encrypted one, or member names like `../../etc/passwd` end in a listed skip, never a crash, a
write outside the scan or a silent pass. A member is reported as `outer.zip!inner/path`.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from scanner.report import Skipped

if TYPE_CHECKING:
    import tarfile

ZIP_SUFFIXES = (".zip", ".jar", ".war", ".ear", ".aar", ".whl", ".nupkg", ".apk")
TAR_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz")
GZ_SUFFIXES = (".gz",)


@dataclass(frozen=True)
class ArchiveLimits:
    max_depth: int = 2
    """Archives inside archives opened this many levels deep (1: only the outer one; 0: none is opened),
    from --max-archive-depth."""
    max_entries: int = 10_000
    max_member_bytes: int = 10 * 1024 * 1024
    max_total_bytes: int = 100 * 1024 * 1024
    """Uncompressed bytes read out of one archive, nested ones included."""
    max_ratio: int = 100
    """A member that expands more than this many times its compressed size (past 1 MB) is a bomb."""


def is_archive(path: str) -> bool:
    lower = path.lower()
    return lower.endswith(ZIP_SUFFIXES + TAR_SUFFIXES + GZ_SUFFIXES)


_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00")


def opened_as_archive(path: str, data: bytes) -> bool:
    """An archive by its name and its first bytes (or tar's `ustar` mark): a text file merely named `.gz`
    is scanned as text instead."""
    return is_archive(path) and (data.startswith(_MAGIC) or data[257:262] == b"ustar")


@dataclass
class _Budget:
    left: int


def members(path: str, data: bytes, limits: ArchiveLimits, depth: int = 1,
            budget: _Budget | None = None) -> Iterator[tuple[str, bytes] | Skipped]:
    """(`path!member`, bytes) for each regular file in the archive, nested archives opened up to the depth
    limit; Skipped notes for what the limits or damage left unread."""
    budget = budget or _Budget(limits.max_total_bytes)
    try:
        for name, content in _read(path, data, limits, budget):
            if isinstance(content, str):
                yield Skipped(f"{path}!{name}" if name else path, content, limit=isinstance(content, _LimitHit))
                continue
            inner = f"{path}!{name}"
            if is_archive(name):
                if depth >= limits.max_depth:
                    yield Skipped(inner, f"archive nested deeper than the limit ({limits.max_depth} levels)",
                                  limit=True)
                    continue
                yield from members(inner, content, limits, depth + 1, budget)
                continue
            yield inner, content
    except _Stop as stop:
        yield Skipped(path, str(stop), limit=stop.limit)


class _Stop(Exception):
    """A limit or damage that ends the reading of one archive."""

    def __init__(self, reason: str, limit: bool = False) -> None:
        super().__init__(reason)
        self.limit = limit


class _LimitHit(str):
    """A member's skip reason that is one of the limits (not damage, encryption or a link): in hook and CI
    modes such a skip fails the scan unless partial scans are allowed."""


def _read(path: str, data: bytes, limits: ArchiveLimits, budget: _Budget) -> Iterator[tuple[str, bytes | str]]:
    lower = path.lower()
    if lower.endswith(ZIP_SUFFIXES):
        yield from _zip(data, limits, budget)
    elif lower.endswith(TAR_SUFFIXES):
        yield from _tar(data, limits, budget)
    else:
        yield from _gz(path, data, limits, budget)


def _take(budget: _Budget, size: int) -> None:
    if size > budget.left:
        raise _Stop("archive expands past the total size limit; the rest is not scanned", limit=True)
    budget.left -= size


def _zip(data: bytes, limits: ArchiveLimits, budget: _Budget) -> Iterator[tuple[str, bytes | str]]:
    import zipfile

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise _Stop(f"damaged archive ({exc}); not scanned") from exc
    if len(infos) > limits.max_entries:
        raise _Stop(f"archive has {len(infos)} entries, more than the limit ({limits.max_entries}); not scanned",
                    limit=True)
    for info in infos:
        if info.is_dir():
            continue
        name = info.filename
        if info.flag_bits & 0x1:
            yield name, "encrypted (not scanned)"
            continue
        if info.file_size > limits.max_member_bytes:
            yield name, _LimitHit(f"larger than the member size limit ({info.file_size} bytes)")
            continue
        if info.file_size > 1024 * 1024 and info.file_size > limits.max_ratio * max(info.compress_size, 1):
            yield name, _LimitHit(f"compression ratio over {limits.max_ratio}:1 (a zip bomb?); not scanned")
            continue
        _take(budget, info.file_size)
        try:
            with archive.open(info) as member:
                # the declared size is the attacker's: never read past it
                content = member.read(info.file_size + 1)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError) as exc:
            yield name, f"cannot read ({exc})"
            continue
        if len(content) > info.file_size:
            yield name, "larger than its declared size; not scanned"
            continue
        yield name, content


def _tar(data: bytes, limits: ArchiveLimits, budget: _Budget) -> Iterator[tuple[str, bytes | str]]:
    import tarfile

    try:
        archive = tarfile.open(fileobj=io.BytesIO(data), mode="r:*")  # noqa: SIM115 - closed below
    except (tarfile.TarError, OSError, EOFError, ValueError) as exc:
        raise _Stop(f"damaged archive ({exc}); not scanned") from exc
    try:
        yield from _tar_members(archive, limits, budget)
    except (tarfile.TarError, OSError, EOFError, ValueError) as exc:
        raise _Stop(f"damaged archive ({exc}); the rest is not scanned") from exc
    finally:
        archive.close()


def _tar_members(archive: tarfile.TarFile, limits: ArchiveLimits, budget: _Budget
                 ) -> Iterator[tuple[str, bytes | str]]:
    count = 0
    for info in archive:
        count += 1
        if count > limits.max_entries:
            raise _Stop(f"archive has more than {limits.max_entries} entries; the rest is not scanned", limit=True)
        if info.isdir():
            continue
        if not info.isfile():
            yield info.name, "not a regular file (link or device entry)"
            continue
        if info.size > limits.max_member_bytes:
            yield info.name, _LimitHit(f"larger than the member size limit ({info.size} bytes)")
            continue
        _take(budget, info.size)
        member = archive.extractfile(info)
        content = member.read(info.size) if member is not None else b""
        yield info.name, content


def _gz(path: str, data: bytes, limits: ArchiveLimits, budget: _Budget) -> Iterator[tuple[str, bytes | str]]:
    import gzip
    import zlib

    inner = path.rsplit("/", 1)[-1][:-3] or "content"
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
            content = stream.read(limits.max_member_bytes + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise _Stop(f"damaged archive ({exc}); not scanned") from exc
    if len(content) > limits.max_member_bytes:
        yield inner, _LimitHit("larger than the member size limit")
        return
    _take(budget, len(content))
    yield inner, content

