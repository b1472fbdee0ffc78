"""What each commit of a history wrote, and how a scan cache keeps it between scans.

A commit id names an immutable commit, so which blobs it wrote at which paths never changes: a re-scan
asks git only for the commit ids (`rev-list`, in the walk's order) and diffs only the commits it has not
seen, then rebuilds blob → introductions exactly as a full walk would (same order, same numbering). The
listing holds commit ids, authors, paths and blob ids and sizes, never file content.
"""

from __future__ import annotations

import hashlib
import marshal
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from scanner.errors import GitError
from scanner.git import runner as git
from scanner.git.context import CommitInfo, GitContext
from scanner.git.diff import NULL_BLOB, SUBMODULE_MODE, display_path
from scanner.git.log_stream import RAW_RECORD
from scanner.ruleset.globs import path_matches

SCANNED_MODES = ("100644", "100755", "120000")
"""Regular files, executables and symlinks (whose target path is text); 160000 is a submodule commit."""
NULL_BYTES = NULL_BLOB.encode("ascii")
LISTING_FORMAT = 1

Write = tuple[str, str, tuple[str, ...]]
"""(blob, path, the blobs the path held in the commit's parents); blob "" for a deletion of the path."""


class CommitWrites(NamedTuple):
    """One commit: who and when, how many submodule changes it made, and the blobs it wrote."""

    author: str
    email: str
    date: str
    subject: str
    submodules: int
    writes: tuple[Write, ...]


class Introduction(NamedTuple):
    """One commit writing a blob at a path."""

    order: int
    """Place in the oldest-first walk over every commit's writes: the order findings are reported in."""
    commit: int
    """Index into the commit list (oldest first)."""
    path: str
    parents: tuple[str, ...] = ()
    """The blobs the path held in the commit's parents: whether a secret entered the path here."""


Introductions = tuple[dict[str, list[Introduction]], list[GitContext], int]


def commit_writes(commit: CommitInfo, body: bytes, paths: dict[bytes, str]) -> CommitWrites:
    """A commit's `--raw` records (log_stream.raw_commits' body) → what it wrote. `paths` shares one str per
    distinct path."""
    writes: list[Write] = []
    submodules = 0
    for renamed, renamed_to, meta, name in RAW_RECORD.findall(body):
        if renamed:
            meta, name = renamed, renamed_to
        fields = meta.split(b" ")
        mode, blob = fields[(len(fields) - 1) // 2 - 1].decode(), fields[-2].decode()
        parent_count = (len(fields) - 3) // 2
        old = fields[parent_count + 1:2 * parent_count + 1]
        if blob == NULL_BLOB:  # where a secret may have left: kept when the path was written before
            writes.append(("", shown_path(name, paths), tuple(b.decode() for b in old)))
            continue
        if mode == SUBMODULE_MODE:
            submodules += 1
            continue
        if mode not in SCANNED_MODES:
            continue
        writes.append((blob, shown_path(name, paths), tuple(b.decode() for b in old if b != NULL_BYTES)))
    return CommitWrites(commit.author, commit.email, commit.date, commit.subject, submodules, tuple(writes))


def shown_path(raw: bytes, paths: dict[bytes, str]) -> str:
    path = paths.get(raw)
    if path is None:
        path = paths[raw] = display_path(raw)
    return path


def introductions(order: list[str], known: dict[str, CommitWrites], exclude: tuple[str, ...] = (),
                  deletions: list[Introduction] | None = None, after: tuple[int, int] = (0, 0),
                  written_before: Callable[[str], bool] | None = None) -> Introductions:
    """blob id → every commit that wrote that blob at a path, oldest commit first (the dict's order is
    the order blobs first appeared); the commits themselves; and how many submodule changes were passed
    over. `deletions`, when given, gets every commit that deleted a path written before (and not
    excluded): where a secret may have left.

    `after` and `written_before`: `order` follows commits already numbered (how many, and how many
    writes they made), which wrote the paths `written_before` says they did."""
    introduced: dict[str, list[Introduction]] = {}
    commits: list[GitContext] = []
    excluded: dict[str, bool] = {}
    written: set[str] = set()
    submodules = 0
    first_commit, writes = after
    new = tuple.__new__  # a NamedTuple's own __new__ is Python code: 50k calls were ~40% of this
    for index, sha in enumerate(order, first_commit):
        record = known[sha]
        commits.append(GitContext(sha, record.author, record.email, record.date, record.subject))
        submodules += record.submodules
        for blob, path, parents in record.writes:
            if exclude:
                out = excluded.get(path)
                if out is None:
                    out = excluded[path] = path_matches(path, exclude)
                if out:
                    continue
            if not blob:
                if deletions is not None and (path in written or (written_before is not None
                                                                   and written_before(path))):
                    deletions.append(new(Introduction, (writes, index, path, parents)))
                    writes += 1
                continue
            written.add(path)
            introduced.setdefault(blob, []).append(new(Introduction, (writes, index, path, parents)))
            writes += 1
    return introduced, commits, submodules


def walked(repo: git.RepoInfo, revs: list[str], parents: dict[str, list[str]] | None = None
           ) -> tuple[list[str], dict[str, CommitWrites]]:
    """Every commit of `revs` in walk order, with what it wrote: one `git log --raw`. `parents`, when
    given, gets each commit's parents."""
    order: list[str] = []
    known: dict[str, CommitWrites] = {}
    paths: dict[bytes, str] = {}
    for commit, body in git.commit_trees(repo, revs):
        order.append(commit.sha)
        known[commit.sha] = commit_writes(commit, body, paths)
        if parents is not None:
            parents[commit.sha] = commit.parents.split()
    return order, known


@dataclass
class Listing:
    """What a scan cache keeps of a repository: each commit's writes, each blob's size, and per set of
    revisions the walk's order with the state of the refs it was taken at."""

    known: dict[str, CommitWrites] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)
    walks: dict[str, tuple[str, str]] = field(default_factory=dict)
    """repr(revs) -> (refs_state, the commit ids in walk order, one per line)."""
    state: str = ""
    """`refs_state` when this scan walked (not stored)."""
    parents: dict[str, list[str]] | None = None
    """Each walked commit's parents, when this scan asked git for the walk's order (not stored)."""


def refs_state(repo: git.RepoInfo) -> str:
    """Everything `git rev-list --all` starts from (every ref, every worktree's HEAD): while it is the
    same, so is the walk's order. Empty (never the same) for a shallow clone or one with grafts, whose
    history can change under the same refs."""
    if repo.shallow:
        return ""
    common = Path(git.run_git(repo.path, "rev-parse", "--git-common-dir").decode().strip())
    if not common.is_absolute():
        common = repo.path / common
    if (common / "info" / "grafts").exists():
        return ""
    refs = git.run_git(repo.path, "for-each-ref", "--format=%(objectname) %(refname)")
    heads = git.run_git(repo.path, "worktree", "list", "--porcelain")
    return hashlib.sha256(refs + b"\0" + heads).hexdigest()


def completed(repo: git.RepoInfo, revs: list[str], listing: Listing, state: str) -> list[str]:
    """The walk's order (the stored one while the refs are as they were in `state`, taken before the
    walk: a ref moving during it is seen next time), with the commits the listing lacks diffed and added
    to it."""
    known = listing.known
    walk = repr(revs)
    listing.state = state
    stored_state, stored_order = listing.walks.get(walk, ("", ""))
    if state and state == stored_state:
        order = stored_order.split()
    else:
        listing.parents = {}
        order = git.commit_order(repo, revs, listing.parents)
        remember_walk(listing, revs, state, order)
    missing = [sha for sha in order if sha not in known]
    if missing:
        paths: dict[bytes, str] = {}
        for commit, body in git.trees_of_commits(repo, missing):
            known[commit.sha] = commit_writes(commit, body, paths)
    lost = [sha for sha in missing if sha not in known]
    if lost:  # git named a commit and then did not show it: never scan around a hole
        raise GitError(f"commit {lost[0]} could not be read")
    return order


def remember_walk(listing: Listing, revs: list[str], state: str, order: list[str]) -> None:
    """Keep the walk's order for the next scan, while the refs stay in `state` (taken before the walk)."""
    if state:
        listing.walks = {**listing.walks, repr(revs): (state, "\n".join(order))}


def dump_listing(listing: Listing) -> bytes:
    """The listing as the cache stores it, without commit subjects: a message may hold a key, and a cache
    never holds a secret (reports ask git for the subjects of the commits they name)."""
    rows = {sha: (*record[:3], "", *record[4:]) for sha, record in listing.known.items()}
    return marshal.dumps((LISTING_FORMAT, rows, listing.sizes, listing.walks))


def load_listing(data: bytes) -> Listing:
    """What `dump_listing` wrote; ValueError when it is not that (damaged, or another format)."""
    try:
        version, rows, sizes, walks = marshal.loads(data)
        if (version != LISTING_FORMAT or not isinstance(rows, dict) or not isinstance(sizes, dict)
                or not isinstance(walks, dict)):
            raise ValueError("not a listing of this version")
        # the shape of each record is checked where it is used (`introductions` raises ValueError or
        # TypeError on a bad one); checking every write here cost as much as the rest of the load
        new = tuple.__new__
        known = {sha: new(CommitWrites, row) for sha, row in rows.items()
                 if isinstance(row, tuple) and len(row) == len(CommitWrites._fields)}
        if len(known) != len(rows) or not set(map(type, sizes.values())) <= {int}:
            raise ValueError("not a listing of this version")
        if not all(isinstance(w, tuple) and len(w) == 2 and all(isinstance(x, str) for x in w)
                   for w in walks.values()):
            raise ValueError("not a listing of this version")
    except (EOFError, TypeError, ValueError) as exc:
        raise ValueError(f"damaged history listing ({exc})") from exc
    return Listing(known, sizes, walks)
