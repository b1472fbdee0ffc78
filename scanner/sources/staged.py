"""Staged changes: what `git commit` would record, i.e. the lines the index adds to HEAD.

This is the pre-commit hook's path, run on every commit, so it stays lean: one `rev-parse` and one
`git diff` (a file git calls binary costs one `cat-file` more), no GitPython, no worker processes; the
engine loads regex's C module (not the package: see regex_engine.py) only when some added line holds a
keyword.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from scanner import git
from scanner.diff import parse_raw_and_patch
from scanner.errors import GitError
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
            yield from change_items(change, stats, self.max_file_size, repo, exclude=self.exclude)
