"""What a history scan hands out while no ref has moved, kept so that a re-scan of an unchanged repository
neither loads the whole listing nor walks anything.

While `refs_state` is what it was, the walk, every blob's paths and sizes, and every verdict are what they
were: the scan's outcome depends only on the blobs that were not clean (those with something to report,
and the oversized ones, reported as not scanned). A snapshot keeps those blobs with every place they were
written, the other writes at their paths (where a secret left them: sources/exposure.py), the commits
those name (ids, authors and dates: no message, which may hold a key), and the counts of the rest. It
holds ids, paths and numbers, never content; its blobs are read and scanned (or their records replayed)
as in any scan.
"""

from __future__ import annotations

import marshal
from dataclasses import dataclass
from typing import Any, cast

from scanner.git.context import GitContext
from scanner.sources.history_listing import Introduction

SNAPSHOT_FORMAT = 1


@dataclass(frozen=True)
class Snapshot:
    """A history scan's work while the refs stay in `state`, its commits renumbered among themselves."""

    state: str
    commit_count: int
    """How many commits the walk had (the report's count)."""
    submodules: int
    clean_blobs: int
    """How many blobs, of how many bytes, were known to be clean: counted, never handed out."""
    clean_bytes: int
    commits: list[GitContext]
    """The commits the introductions below name (subjects empty)."""
    introduced: dict[str, list[Introduction]]
    """The blobs to hand out or report as not scanned, with every place they were written, in the walk's
    order of first appearance."""
    sizes: dict[str, int]
    """Their sizes, in the order the scan read them."""
    around: dict[str, list[Introduction]]
    """Every other blob's writes at the paths of the blobs to hand out."""
    deletions: list[Introduction]
    """The deletions at those paths."""


def snapshot_data(state: str, introduced: dict[str, list[Introduction]], commits: list[GitContext],
                  sizes: dict[str, int], deletions: list[Introduction], submodules: int, clean: set[str],
                  max_file_size: int) -> bytes | None:
    """A snapshot of a finished scan (`clean`: the blobs known to be clean after it), as stored; None when
    there is nothing worth keeping (no commits) or the history may change under the same refs (blobs a
    partial clone lacks may be fetched)."""
    if not state or not commits or any(size < 0 for size in sizes.values()):
        return None
    wanted = [blob for blob, size in sizes.items() if size <= max_file_size]
    kept = {blob for blob, size in sizes.items() if size > max_file_size or blob not in clean}
    paths = {place.path for blob in kept if sizes[blob] <= max_file_size for place in introduced[blob]}
    around = {}
    for blob, places in introduced.items():
        if blob not in kept:
            there = [place for place in places if place.path in paths]
            if there:
                around[blob] = there
    gone = [place for place in deletions if place.path in paths]
    named = sorted({place.commit for places in (*(introduced[b] for b in kept), *around.values(), gone)
                    for place in places})
    renumbered = {old: new for new, old in enumerate(named)}

    def rows(places: list[Introduction]) -> tuple[tuple[Any, ...], ...]:
        return tuple((p.order, renumbered[p.commit], p.path, p.parents) for p in places)

    clean_sizes = [sizes[blob] for blob in wanted if blob not in kept]
    return marshal.dumps((
        SNAPSHOT_FORMAT, state, len(commits), submodules, len(clean_sizes), sum(clean_sizes),
        tuple((c.commit, c.author, c.email, c.date) for c in (commits[i] for i in named)),
        tuple((blob, rows(places)) for blob, places in introduced.items() if blob in kept),
        tuple((blob, size) for blob, size in sizes.items() if blob in kept),
        tuple((blob, rows(places)) for blob, places in around.items()),
        rows(gone),
    ))


def load_snapshot(data: bytes) -> Snapshot:
    """What `snapshot_data` wrote; ValueError when it is not that (damaged, or another format). Every
    field is checked: the snapshot is small, and a blob it names wrongly would go unscanned."""
    try:
        (version, state, commit_count, submodules, clean_blobs, clean_bytes, commit_rows, introduced_rows,
         size_rows, around_rows, gone_rows) = marshal.loads(data)
        if version != SNAPSHOT_FORMAT:
            raise ValueError("not a snapshot of this version")
        _check(isinstance(state, str) and state and all(_count(n) for n in (commit_count, submodules,
                                                                           clean_blobs, clean_bytes)))
        _check(isinstance(commit_rows, tuple) and len(commit_rows) <= commit_count)
        commits = [GitContext(*_strings(row, 4)) for row in commit_rows]
        introduced = {_string(blob): _places(rows, len(commits)) for blob, rows in _pairs(introduced_rows)}
        sizes = {_string(blob): size for blob, size in _pairs(size_rows) if _count(size)}
        _check(sizes.keys() == introduced.keys() and len(sizes) == len(size_rows) == len(introduced_rows))
        around = {_string(blob): _places(rows, len(commits)) for blob, rows in _pairs(around_rows)}
        _check(len(around) == len(around_rows) and not around.keys() & introduced.keys())
        deletions = _places(gone_rows, len(commits))
    except (EOFError, TypeError, ValueError) as exc:
        raise ValueError(f"damaged history listing (its snapshot: {exc})") from exc
    return Snapshot(state, commit_count, submodules, clean_blobs, clean_bytes, commits, introduced, sizes,
                    around, deletions)


def _check(ok: object) -> None:
    if not ok:
        raise ValueError("not a snapshot of this version")


def _count(value: object) -> bool:
    return type(value) is int and value >= 0


def _string(value: object) -> str:
    _check(isinstance(value, str) and value)
    return cast(str, value)


def _strings(row: object, length: int) -> tuple[str, ...]:
    _check(isinstance(row, tuple) and len(row) == length and all(isinstance(x, str) for x in row))
    return cast("tuple[str, ...]", row)


def _pairs(rows: object) -> tuple[tuple[Any, Any], ...]:
    _check(isinstance(rows, tuple) and all(isinstance(row, tuple) and len(row) == 2 for row in rows))
    return cast("tuple[tuple[Any, Any], ...]", rows)


def _places(rows: object, commits: int) -> list[Introduction]:
    _check(isinstance(rows, tuple))
    places = []
    for row in cast("tuple[object, ...]", rows):
        _check(isinstance(row, tuple) and len(row) == 4)
        order, commit, path, parents = row
        _check(_count(order) and _count(commit) and commit < commits and isinstance(path, str)
               and isinstance(parents, tuple) and all(isinstance(p, str) for p in parents))
        places.append(Introduction(order, commit, path, parents))
    return places
