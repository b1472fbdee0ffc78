"""Commit ranges (`--since`, `--range`, `--pre-push`): the lines each commit adds, commit by commit.

Ranges are small (a pull request, a push), and what matters there is exactly what those commits add,
so they are read as `git log -p -U0` diffs rather than whole blobs: a secret that was already in a file
before the range is not blamed on it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from scanner.errors import GitError
from scanner.git import runner as git
from scanner.git.context import GitContext
from scanner.git.diff import parse_raw_and_patch
from scanner.report import ScanStats
from scanner.sources import Source, SourceItem
from scanner.sources.git_fragments import change_items

ZERO_SHA = "0" * 40
NOT_ON_A_REMOTE = ("--not", "--remotes")


@dataclass(frozen=True)
class PushedRef:
    """One ref a push sends."""

    local: str
    """The commit (or local ref) sent."""
    remote_sha: str
    """What the target had at that ref; empty or all zeros when it had nothing (a new branch)."""


@dataclass(frozen=True)
class PushRequest:
    """What a push sends and where: git's pre-push stdin and remote, or the pre-commit framework's."""

    refs: tuple[PushedRef, ...]
    remote: str = ""
    """The target's remote name (or URL); empty when nobody said."""

    @property
    def described(self) -> bool:
        """Whether anything described the push: git runs its hook with empty stdin when everything is up to
        date, which is "nothing to push" only when the remote was named alongside."""
        return bool(self.refs or self.remote)


def push_request(stdin: str, env: Mapping[str, str], remote: str = "") -> PushRequest:
    """What a push sends, from git's pre-push stdin (`<local ref> <local sha> <remote ref> <remote sha>`
    lines, the remote as the hook's first argument) or the pre-commit framework's variables.

    The framework sets PRE_COMMIT_FROM_REF (remote) / PRE_COMMIT_TO_REF (local), except when the push holds
    the root commit: then only PRE_COMMIT_LOCAL_BRANCH and PRE_COMMIT_REMOTE_NAME say what is pushed."""
    refs = []
    for line in stdin.splitlines():
        fields = line.split()
        if len(fields) == 4:
            refs.append(PushedRef(fields[1], fields[3]))
    if not refs and env.get("PRE_COMMIT_TO_REF"):
        refs.append(PushedRef(env["PRE_COMMIT_TO_REF"], env.get("PRE_COMMIT_FROM_REF", "")))
    elif not refs and env.get("PRE_COMMIT_LOCAL_BRANCH"):
        refs.append(PushedRef(env["PRE_COMMIT_LOCAL_BRANCH"], ""))
    return PushRequest(tuple(refs), remote or env.get("PRE_COMMIT_REMOTE_NAME", ""))


def unsent_ranges(repo: git.RepoInfo, push: PushRequest, warnings: list[str]) -> list[list[str]]:
    """`git log` revision arguments for the commits a push sends that its target does not have.

    A new branch sends the commits that the target's remote-tracking refs lack, not those every remote
    lacks: commits fetched from a private remote or a fork are new to a public one. A target that is a
    URL of no configured remote has no tracking refs, so everything the branch holds is scanned."""
    if not push.described:
        warnings.append("--pre-push was told nothing about the push (no pre-push stdin, no PRE_COMMIT_* "
                        "variables): scanned the commits of HEAD that no remote-tracking ref has")
        return [["HEAD", *NOT_ON_A_REMOTE]]
    if push.remote:
        name = git.remote_name(repo, push.remote)
        unsent = ["--not", f"--remotes={name}"] if name else []
    else:
        warnings.append("--pre-push was not told the target remote (pass --remote NAME, or reinstall the hook "
                        "with `leakstop hook install --pre-push`): commits on any remote counted as pushed")
        unsent = list(NOT_ON_A_REMOTE)
    ranges = []
    for ref in push.refs:
        if not ref.local or set(ref.local) == {"0"}:
            continue  # a deletion sends nothing
        if ref.remote_sha and set(ref.remote_sha) != {"0"} and git.resolve_commit(repo, ref.remote_sha):
            ranges.append([f"{ref.remote_sha}..{ref.local}"])
        else:  # a new branch, or a target tip this clone never fetched (someone else's push)
            ranges.append([ref.local, *unsent])
    return ranges


class CommitRangeSource(Source):
    def __init__(self, path: Path, max_file_size: int, ranges: Sequence[Sequence[str]], description: str,
                 exclude: tuple[str, ...] = (), push: PushRequest | None = None) -> None:
        self.path = path
        self.exclude = exclude
        self.max_file_size = max_file_size
        self.ranges = [list(r) for r in ranges]
        self.description = description
        self.push = push
        """For --pre-push: the ranges are what its target lacks, known only once the repository is open."""
        self._warnings: list[str] = []

    def warnings(self) -> list[str]:
        return self._warnings

    def items(self, stats: ScanStats) -> Iterator[SourceItem]:
        repo = git.repository(self.path)
        if repo.shallow:
            self._warnings.append("shallow clone: commits before the shallow boundary were not scanned")
        seen: set[str] = set()
        ranges = self.ranges if self.push is None else unsent_ranges(repo, self.push, self._warnings)
        for revs in ranges:
            for commit, body in git.commit_patches(repo, self.checked(repo, revs)):
                if commit.sha in seen:
                    continue
                seen.add(commit.sha)
                stats.commits += 1
                context = GitContext(commit.sha, commit.author, commit.email, commit.date, commit.subject)
                for change in parse_raw_and_patch(body):
                    yield from change_items(change, stats, self.max_file_size, repo, context, self.exclude,
                                            self.archive_depth)

    def checked(self, repo: git.RepoInfo, revs: list[str]) -> list[str]:
        """Each end of a range must be a commit. A base this clone lacks is an error, not a guess: "the
        commits no remote has" is empty in a CI checkout (the pushed tip is on the remote), which made a
        force-push scan nothing and pass."""
        if len(revs) == 1 and ".." in revs[0] and "..." not in revs[0]:
            base, _, tip = revs[0].partition("..")
            if git.resolve_commit(repo, tip or "HEAD") is None:
                raise GitError(f"{tip}: no such commit in {self.path}")
            if base and git.resolve_commit(repo, base) is None:
                raise GitError(f"{base}: no such commit in {self.path} (fetch it, e.g. a deeper clone)")
        return revs
