"""A file tree (or single files): listed with git when inside a work tree so .gitignore is honoured,
or walked plainly with `--no-git`.

Symlinks are never followed (a link to `/` or a loop would scan the world or never end); files over the
size limit are skipped from their size alone, without being read.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path

from scanner.config import DEFAULT_MAX_FILE_SIZE
from scanner.errors import SourceError
from scanner.git import runner as git
from scanner.report import ScanStats, Skipped
from scanner.ruleset.globs import path_matches
from scanner.sources import Source, SourceItem
from scanner.sources.archives import opened_as_archive
from scanner.sources.fragment_builder import fragments_of
from scanner.sources.text_decode import BINARY_SNIFF, starts_binary


def oversized(shown: str, size: int, head: bytes, path: str = "") -> Skipped:
    """A file (or blob, at `path`) over the size limit: a limit that left text unscanned, unless its first
    bytes say it is binary (an image, a video, a database) and no archive, which no size limit would have
    let us scan anyway."""
    if starts_binary(head) and not opened_as_archive(path or shown, head):
        return Skipped(shown, f"binary (and larger than --max-file-size: {size} bytes)")
    return Skipped(shown, f"larger than --max-file-size ({size} bytes)", limit=True)


class FilesSource(Source):
    def __init__(
        self, targets: list[Path], use_git: bool = True, max_file_size: int = DEFAULT_MAX_FILE_SIZE,
        exclude: tuple[str, ...] = (),
    ) -> None:
        self.targets = targets
        self.use_git = use_git
        self.max_file_size = max_file_size
        self.exclude = exclude
        self.description = "tree " + " ".join(str(t) for t in targets)
        self.named: set[str] = set()

    def items(self, stats: ScanStats) -> Iterator[SourceItem]:
        for target in self.targets:
            if not os.path.lexists(target):
                raise SourceError(f"{target}: no such file or folder")
            for entry in self.listing(target):
                if isinstance(entry, Skipped):
                    yield entry
                    continue
                shown, anchor, relative = entry
                if self.exclude and path_matches(shown, self.exclude):
                    stats.excluded += 1
                    continue
                yield from self.read(shown, anchor, relative, stats)

    def listing(self, target: Path) -> Iterable[tuple[str, Path, str] | Skipped]:
        """(path as reported, a folder, the path below it on disk) triples. Reported paths are relative to
        the target's folder (or work tree), with forward slashes on every OS. A target named on the command
        line that is a symlink is resolved (`scan ~/repo` where ~/repo links to the real folder); nothing
        below the folder is followed if it is a symlink (`open_below`)."""
        if target.is_symlink():
            if not target.exists():
                raise SourceError(f"{target}: a symlink to nothing (no such file or folder)")
            resolved = target.resolve()
            if not resolved.is_dir():
                return [self.named_file(target, resolved.parent, resolved.name)]
            target = resolved
        if target.is_file():
            return [self.named_file(target, target.parent, target.name)]
        root = git.work_tree_root(target) if self.use_git else None
        if root is not None:
            base = target.resolve()
            names, unopened = git.listed_files(root, base)
            rel_base = os.path.relpath(base, root)
            return [*(Skipped(shown_relative(folder, rel_base), f"cannot list folder: {why}", error=True)
                      for folder, why in unopened),
                    *((shown_relative(name, rel_base), root, name) for name in names)]
        return walk(target)

    def named_file(self, target: Path, anchor: Path, relative: str) -> tuple[str, Path, str]:
        shown = target.name if target.is_absolute() else target.as_posix()
        self.named.add(shown)
        return shown, anchor, relative

    def read(self, shown: str, anchor: Path, relative: str, stats: ScanStats) -> Iterator[SourceItem]:
        try:
            fd = open_below(anchor, relative)
        except FileNotFoundError:
            yield Skipped(shown, "vanished before it could be read")
            return
        except LinkedPath as link:
            yield Skipped(shown, "symlink (not followed)" if link.args[0] == relative
                          else f"inside {link.args[0]}, a symlink (not followed)")
            return
        except OSError as exc:
            yield Skipped(shown, f"cannot read: {exc.strerror or exc}", error=True)
            return
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            os.close(fd)
            if stat.S_ISDIR(st.st_mode):  # git lists a submodule (or a nested repository) as one folder entry
                yield from self.submodule(shown.rstrip("/"), anchor / relative, stats)
            else:
                yield Skipped(shown, "not a regular file")
            return
        with open(fd, "rb") as fh:
            if st.st_size > self.max_file_size:
                yield oversized(shown, st.st_size, fh.read(BINARY_SNIFF))
                return
            try:
                data = fh.read(self.max_file_size + 1)
            except OSError as exc:
                yield Skipped(shown, f"cannot read: {exc.strerror or exc}", error=True)
                return
        if len(data) > self.max_file_size:
            yield Skipped(shown, "grew past --max-file-size while being read", limit=True)
            return
        stats.files += 1
        stats.bytes += len(data)
        yield from fragments_of(shown, data, archive_depth=self.archive_depth)

    def submodule(self, shown: str, folder: Path, stats: ScanStats) -> Iterator[SourceItem]:
        """A checked-out submodule's files, listed by its own git, under the submodule's path; one that is
        not checked out is a note, so nothing in the tree vanishes without a word."""
        root = git.work_tree_root(folder)
        if root is None or root.resolve() != folder.resolve():
            yield Skipped(shown, "submodule not checked out (run `git submodule update --init` to scan it)")
            return
        names, unopened = git.listed_files(root, root)
        for unlisted, why in unopened:
            yield Skipped(f"{shown}/{unlisted}", f"cannot list folder: {why}", error=True)
        for name in names:
            inner = f"{shown}/{name}"
            if not (self.exclude and path_matches(inner, self.exclude)):
                yield from self.read(inner, root, name, stats)


class LinkedPath(OSError):
    """A component of a path below the scanned folder is a symlink; args[0] is the path up to it."""


_NO_FOLLOW = getattr(os, "O_NOFOLLOW", 0)
_BY_DIR_FD = os.open in os.supports_dir_fd and bool(_NO_FOLLOW)


def open_below(anchor: Path, relative: str) -> int:
    """A read-only descriptor of `anchor/relative`, no component of `relative` followed if it is a symlink.

    Checking only the last component let a tracked `d/x.txt` whose folder `d` had become a link to a
    folder outside the repository be read through the link. Each folder is opened relative to its parent's
    descriptor with O_NOFOLLOW, so nothing can be swapped for a link between a check and the open; where
    the OS has no such calls, the resolved path must stay inside the resolved anchor. O_NONBLOCK: a FIFO
    must not block the open (it is skipped as not a regular file)."""
    parts = relative.replace(os.sep, "/").split("/")
    if not _BY_DIR_FD:
        inside = (anchor / relative).resolve()
        if os.path.islink(anchor / relative) or not inside.is_relative_to(anchor.resolve()):
            raise LinkedPath(relative)
        return os.open(inside, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    folder = os.open(anchor, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for i, part in enumerate(parts[:-1]):
            try:
                below = os.open(part, os.O_RDONLY | os.O_DIRECTORY | _NO_FOLLOW, dir_fd=folder)
            except OSError as exc:
                if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                    raise LinkedPath("/".join(parts[:i + 1])) from exc
                raise
            os.close(folder)
            folder = below
        try:
            return os.open(parts[-1], os.O_RDONLY | _NO_FOLLOW | os.O_NONBLOCK, dir_fd=folder)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise LinkedPath(relative) from exc
            raise
    finally:
        os.close(folder)


def shown_relative(name: str, rel_base: str) -> str:
    if rel_base in (".", ""):
        return name
    prefix = rel_base.replace(os.sep, "/") + "/"
    return name[len(prefix):] if name.startswith(prefix) else name


def walk(folder: Path) -> Iterator[tuple[str, Path, str] | Skipped]:
    """Plain walk; symlinked folders are listed (and so reported as skipped), never descended, and a
    folder that cannot be listed is an error, not a silent gap."""
    errors: list[OSError] = []
    for dirpath, dirnames, filenames in os.walk(folder, onerror=errors.append, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if d != ".git")
        linked = [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]
        dirnames[:] = [d for d in dirnames if d not in linked]
        for name in sorted(filenames + linked):
            relative = Path(os.path.relpath(Path(dirpath) / name, folder)).as_posix()
            yield relative, folder, relative
        yield from folder_errors(folder, errors)
    yield from folder_errors(folder, errors)


def folder_errors(folder: Path, errors: list[OSError]) -> Iterator[Skipped]:
    """os.walk reports an unlistable folder through a callback, before or after its siblings: drain often."""
    while errors:
        exc = errors.pop()
        shown = Path(os.path.relpath(exc.filename, folder)).as_posix()
        yield Skipped(shown, f"cannot list folder: {exc.strerror}", error=True)
