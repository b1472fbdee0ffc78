"""Commit ranges (`--since`, `--range`, `--pre-push`): the lines each commit adds, commit by commit.

Ranges are small (a pull request, a push), and what matters there is exactly what those commits add,
so they are read as `git log -p -U0` diffs rather than whole blobs: a secret that was already in a file
before the range is not blamed on it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from scanner import git
from scanner.diff import parse_raw_and_patch
from scanner.errors import GitError
from scanner.git_context import GitContext
from scanner.report import ScanStats
from scanner.sources import Source, SourceItem
from scanner.sources.git_fragments import change_items

ZERO_SHA = "0" * 40
NOT_ON_A_REMOTE = ("--not", "--remotes")


def pre_push_ranges(stdin: str, env: Mapping[str, str]) -> list[list[str]]:
    """`git log` revision arguments for what a push sends.

    git's pre-push hook reads `<local ref> <local sha> <remote ref> <remote sha>` lines; the pre-commit
    framework passes the same as PRE_COMMIT_FROM_REF (remote) / PRE_COMMIT_TO_REF (local). A new branch
    (remote sha all zeros) sends only the commits that no remote ref has; a deletion sends nothing.
    """
    pairs: list[tuple[str, str]] = []
    for line in stdin.splitlines():
        fields = line.split()
        if len(fields) == 4:
            pairs.append((fields[3], fields[1]))
    if not pairs and env.get("PRE_COMMIT_TO_REF"):
        pairs.append((env.get("PRE_COMMIT_FROM_REF", ""), env["PRE_COMMIT_TO_REF"]))
    ranges = []
    for remote, local in pairs:
        if not local or set(local) == {"0"}:
            continue
        if not remote or set(remote) == {"0"}:
            ranges.append([local, *NOT_ON_A_REMOTE])
        else:
            ranges.append([f"{remote}..{local}"])
    return ranges


class CommitRangeSource(Source):
    def __init__(self, path: Path, max_file_size: int, ranges: Sequence[Sequence[str]], description: str,
                 exclude: tuple[str, ...] = ()) -> None:
        self.path = path
        self.exclude = exclude
        self.max_file_size = max_file_size
        self.ranges = [list(r) for r in ranges]
        self.description = description
        self._warnings: list[str] = []

    def warnings(self) -> list[str]:
        return self._warnings

    def items(self, stats: ScanStats) -> Iterator[SourceItem]:
        repo = git.repository(self.path)
        if repo.shallow:
            self._warnings.append("shallow clone: commits before the shallow boundary were not scanned")
        seen: set[str] = set()

        for revs in self.ranges:
            for commit, body in git.commit_patches(repo, self.checked(repo, revs)):
                if commit.sha in seen:
                    continue
                seen.add(commit.sha)
                stats.commits += 1
                context = GitContext(commit.sha, commit.author, commit.email, commit.date)
                for change in parse_raw_and_patch(body):
                    yield from change_items(change, stats, self.max_file_size, repo, context, self.exclude)

    def checked(self, repo: git.RepoInfo, revs: list[str]) -> list[str]:
        """Each end of a range must be a commit; a remote sha this clone never fetched (someone else's
        push) falls back to "the commits no remote ref has", which still covers everything we send."""
        if len(revs) == 1 and ".." in revs[0] and "..." not in revs[0]:
            base, _, tip = revs[0].partition("..")
            if git.resolve_commit(repo, tip or "HEAD") is None:
                raise GitError(f"{tip}: no such commit in {self.path}")
            if base and git.resolve_commit(repo, base) is None:
                if set(base) <= set("0123456789abcdef") and len(base) == 40:
                    return [tip or "HEAD", *NOT_ON_A_REMOTE]
                raise GitError(f"{base}: no such commit in {self.path}")
        return revs
