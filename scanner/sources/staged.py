"""Staged changes: what `git commit` would record, i.e. the lines the index adds to HEAD.

This is the pre-commit hook's path, run on every commit, so it stays lean: one `rev-parse` and one
`git diff` (a file git calls binary costs one `cat-file` more), no GitPython, no worker processes; the
engine loads regex's C module (not the package: see regex_engine.py) only when some added line holds a
keyword.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from scanner.errors import GitError
from scanner.git import runner as git
from scanner.git.diff import parse_raw_and_patch
from scanner.report import ScanStats
from scanner.sources import Source, SourceItem
from scanner.sources.git_fragments import change_items


class StagedSource(Source):
    description = "staged changes"

    def __init__(self, path: Path, max_file_size: int, exclude: tuple[str, ...] = ()) -> None:
        self.path = path
        self.max_file_size = max_file_size
        self.exclude = exclude

    def items(self, stats: ScanStats) -> Iterator[SourceItem]:
        repo = git.repository(self.path)
        if repo.bare:
            raise GitError(f"{self.path}: a bare repository has no staged changes (use --history)")
        changes = parse_raw_and_patch(git.staged_diff(repo))

        for change in changes:
            yield from change_items(change, stats, self.max_file_size, repo, exclude=self.exclude,
                                    archive_depth=self.archive_depth)


class PreCommitSource(StagedSource):
    """The pre-commit framework's hook: the staged changes of the files the framework passes, which has
    applied its `files`, `exclude` and `types` to them already.

    A passed file with nothing staged (`pre-commit run --all-files`, pre-commit.ci, `--files`) is scanned
    whole as it stands, since nothing else would read it; in a commit every passed file is staged, so
    only what the commit adds is scanned."""

    description = "staged changes of the files pre-commit passed"

    def __init__(self, path: Path, files: Sequence[Path], max_file_size: int, exclude: tuple[str, ...] = ()
                 ) -> None:
        super().__init__(path, max_file_size, exclude)
        self.files = list(files)

    def items(self, stats: ScanStats) -> Iterator[SourceItem]:
        if not self.files:  # run by hand: the framework never calls a hook with no files to check
            yield from super().items(stats)
            return
        repo = git.repository(self.path)
        wanted = {file.as_posix() for file in self.files}
        staged = set()
        for change in parse_raw_and_patch(git.staged_diff(repo)):
            if change.path in wanted:
                staged.add(change.path)
                yield from change_items(change, stats, self.max_file_size, repo, exclude=self.exclude,
                                        archive_depth=self.archive_depth)
        whole = [self.path / file for file in self.files if file.as_posix() not in staged]
        if whole:
            from scanner.sources.files import FilesSource

            self.description = f"{len(whole)} file(s) whole, the staged changes of the others"
            files = FilesSource(whole, use_git=False, max_file_size=self.max_file_size, exclude=self.exclude)
            files.archive_depth = self.archive_depth
            yield from files.items(stats)
