"""Exposure: for each secret a history scan found, where it left each path it entered, which branches and
tags reach it, and how long it was exposed. The incident-response answer, worked out for findings only.

Pure: the history's writes and the findings in, findings with `left_commit`, `exposed_*` and
`reachable_from` out; the one git question (which refs contain a commit) is a callable the caller passes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from scanner.findings import Finding, Location
from scanner.git.context import GitContext

MAX_REACHABILITY_QUERIES = 200
"""Secrets whose refs are looked up (one `git for-each-ref` each); past it a warning says so."""


@dataclass(frozen=True)
class Write:
    """One commit writing a path: a blob, or nothing (`blob` empty: the path was deleted)."""

    order: int
    """Place in the oldest-first walk of the history (`Location.order` of the same walk)."""
    commit: GitContext
    blob: str
    """The blob written; empty for a deletion."""
    parents: tuple[str, ...]
    """The blobs the path held in the commit's parents."""


class RefReach:
    """Which refs reach which commits, for every secret at once: each commit gets the set of refs (a bit
    per ref) whose tip it is or is an ancestor of, passed down from children to parents in one pass,
    instead of a `for-each-ref --contains` per secret (each a walk of the history) and a `rev-parse` per
    commit."""

    def __init__(self, tips: Sequence[tuple[str, str]], commits: Iterable[tuple[str, list[str]]]) -> None:
        """`tips`: (ref name, commit) in the order refs are named; `commits`: every commit reachable from
        them with its parents, each commit before its parents."""
        self.names = [name for name, _ in tips]
        reach: dict[str, int] = {}
        for bit, (_, tip) in enumerate(tips):
            reach[tip] = reach.get(tip, 0) | 1 << bit
        for commit, parents in commits:
            refs = reach.get(commit, 0)
            for parent in parents:
                reach[parent] = reach.get(parent, 0) | refs
        self.reach = reach

    def refs(self, commits: Sequence[str]) -> list[str]:
        """The refs from which any of `commits` is reachable."""
        bits = 0
        for commit in commits:
            bits |= self.reach.get(commit, 0)
        return [name for bit, name in enumerate(self.names) if bits >> bit & 1]


def outer_path(path: str) -> str:
    """An archive member's location (`lib.jar!conf/app.yaml`) lives in the archive's path."""
    return path.partition("!")[0]


def attributed(findings: list[Finding], writes: dict[str, list[Write]], now: datetime,
               refs_containing: Callable[[Sequence[str]], list[str]]) -> tuple[list[Finding], list[str]]:
    """Each finding with its locations' departures, its exposure window and the refs that reach it; and
    warnings (lookups past the bound)."""
    by_secret: dict[str, list[Finding]] = {}
    for f in findings:
        by_secret.setdefault(f.fingerprint, []).append(f)
    out: list[Finding] = []
    warnings: list[str] = []
    for number, group in enumerate(by_secret.values()):
        locations = [loc for f in group for loc in f.locations]
        held = held_blobs(locations)
        left = {id(loc): departure(loc, held, writes) for loc in locations}
        entering = [loc for loc in locations if loc.commit and not set(loc.parent_blobs) & held.get(
            outer_path(loc.path), set())]
        refs: tuple[str, ...] = ()
        if number < MAX_REACHABILITY_QUERIES:
            refs = tuple(refs_containing(sorted({loc.commit for loc in entering})))
        elif number == MAX_REACHABILITY_QUERIES:
            warnings.append(f"branches and tags that reach a secret are named for the first "
                            f"{MAX_REACHABILITY_QUERIES} secrets only")
        since, until = window(locations, entering, left)
        if until and number < MAX_REACHABILITY_QUERIES and kept_elsewhere(entering, left, refs_containing):
            until = ""
        for f in group:
            located = tuple(with_departure(loc, left[id(loc)]) for loc in f.locations)
            out.append(replace(f, locations=located, reachable_from=refs, exposed_since=since,
                               exposed_until=until, exposed_for=seconds_between(since, until, now)))
    return out, warnings


def held_blobs(locations: Iterable[Location]) -> dict[str, set[str]]:
    """Per path, the blobs that hold the secret."""
    held: dict[str, set[str]] = {}
    for loc in locations:
        if loc.blob:
            held.setdefault(outer_path(loc.path), set()).add(loc.blob)
    return held


def departure(loc: Location, held: dict[str, set[str]], writes: dict[str, list[Write]]) -> Write | None:
    """The first later write of the location's path that replaced a version holding the secret with one
    that does not (or deleted it)."""
    path = outer_path(loc.path)
    holding = held.get(path, set())
    for write in writes.get(path, ()):
        if write.order > loc.order and write.blob not in holding and holding.intersection(write.parents):
            return write
    return None


def with_departure(loc: Location, write: Write | None) -> Location:
    if write is None:
        return loc
    return replace(loc, left_commit=write.commit.commit, left_date=write.commit.date)


def window(locations: list[Location], entering: list[Location], left: dict[int, Write | None]
           ) -> tuple[str, str]:
    """(since, until): from the oldest place to the last departure; until is empty while any place
    that brought the secret in still holds it (at HEAD or on another branch)."""
    dated = [loc for loc in locations if loc.date]
    if not dated:
        return "", ""
    since = min(dated, key=lambda loc: loc.order).date
    if any(loc.in_head for loc in locations):
        return since, ""
    departures = [left[id(loc)] for loc in entering]
    if not departures or any(d is None for d in departures):
        return since, ""
    return since, max((d.commit.date for d in departures if d is not None), key=parsed)


def kept_elsewhere(entering: list[Location], left: dict[int, Write | None],
                   refs_containing: Callable[[Sequence[str]], list[str]]) -> bool:
    """A ref reaches a commit that brought the secret in but not the commit that took it out: that
    branch or tag still holds it (a branch cut before the removal, a merge that kept the old file)."""
    for loc in entering:
        gone = left[id(loc)]
        if gone is not None and set(refs_containing([loc.commit])) - set(refs_containing([gone.commit.commit])):
            return True
    return False


def parsed(date: str) -> datetime:
    return datetime.fromisoformat(date.replace("Z", "+00:00"))


def seconds_between(since: str, until: str, now: datetime) -> int | None:
    if not since:
        return None
    try:
        end = parsed(until) if until else now
        return max(0, int((end - parsed(since)).total_seconds()))
    except ValueError:
        return None


def writes_by_path(places: Iterable[tuple[str, int, int, str, tuple[str, ...]]], commits: list[GitContext],
                   paths: set[str]) -> dict[str, list[Write]]:
    """The writes (path, order, commit index, blob, parents) of the paths asked for, in history order."""
    writes: dict[str, list[Write]] = {}
    for path, order, commit, blob, parents in places:
        if path in paths:
            writes.setdefault(path, []).append(Write(order, commits[commit], blob, parents))
    for found in writes.values():
        found.sort(key=lambda w: w.order)
    return writes
