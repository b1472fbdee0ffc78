"""GitContext and Occurrence: where in git history a Fragment was seen; CommitInfo: a commit as `git log`
names it (runner.split_commits).

Only the history and commit-range sources build these; the staged scan (the pre-commit hook) never
does, and defining a frozen dataclass costs every commit ~1.5 ms, so they live here rather than in
fragment.py or git/runner.py, which every scan imports.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class GitContext:
    """The commit a fragment was seen in; empty for working-tree and stdin scans."""

    commit: str
    author: str = ""
    email: str = ""
    date: str = ""
    message: str = ""


@dataclass(frozen=True)
class Occurrence:
    """One more place the same text was seen: history scans a blob once and reports it at every
    commit and path that introduced it."""

    path: str
    git: GitContext
    in_head: bool = False
    """HEAD's tree holds this same blob at this same path: the secret is still there today."""
    order: int = 0
    """Where in history (oldest first) this place was written: blobs are scanned in the order git stores
    them, so findings are put back in this order."""
    parents: tuple[str, ...] = ()
    """The blobs the path held just before this commit (one per parent; none for a new path)."""


@dataclass(frozen=True)
class CommitInfo:
    sha: str
    author: str
    email: str
    date: str
    subject: str = ""
    parents: str = ""
    """The parents' ids, space-separated, as git prints them: a history walk of every ref is then the commit
    graph too, which says which refs reach a secret."""
