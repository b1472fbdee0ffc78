"""What a history scan hands out, kept so that a re-scan neither loads the whole listing nor walks again
what it walked before.

While `refs_state` is what it was, the walk, every blob's paths and sizes, and every verdict are what they
were: the scan's outcome depends only on the blobs that were not clean (those with something to report,
and the oversized ones, reported as not scanned). A snapshot keeps those blobs with every place they were
written, every write at their paths after their own (where a secret left them: sources/exposure.py), the
commits those name (ids, authors and dates: no message, which may hold a key), and the counts of the rest.

When the refs have moved, and the walk's order still begins with the snapshot's commits in the same order,
the new commits' writes are numbered on from the snapshot's (a full walk numbers them the same way), as
long as they write only blobs new to the history: an older blob's earlier places are not all kept. The
snapshot keeps, for this, short keys of every blob id and every path written, and a digest of the order.

It holds ids, paths, numbers and keys, never content; its blobs are read and scanned (or their records
replayed) as in any scan.
"""

from __future__ import annotations

import hashlib
import marshal
from array import array
from bisect import bisect_left, insort
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, cast

from scanner.git.context import GitContext
from scanner.sources.history_listing import CommitWrites, Introduction, introductions

SNAPSHOT_FORMAT = 1
KEY_TYPE = "Q"
INSERTED_KEYS = 64
"""Up to this many new keys are inserted one by one; more, and the keys are sorted again."""


@dataclass(frozen=True)
class Snapshot:
    """A history scan's work in reduced form: the blobs to hand out or report, and the rest counted."""

    state: str
    """The refs' state it was taken at."""
    commit_count: int
    """How many commits the walk had (the report's count)."""
    order_digest: bytes
    """Of the walk's order: the commits a later walk adds on top are numbered on only when it begins so."""
    writes: int
    """How many writes (and deletions) the walk numbered."""
    commits: list[GitContext]
    """The commits the introductions below name (subjects empty when loaded)."""
    introduced: dict[str, list[Introduction]]
    """The blobs to hand out or report as not scanned, with every place they were written, in the walk's
    order of first appearance."""
    sizes: dict[str, int]
    """Their sizes, in the order the scan read them."""
    deletions: list[Introduction]
    submodules: int
    clean_blobs: int = 0
    """How many blobs, of how many bytes, were known to be clean and are not in `introduced`."""
    clean_bytes: int = 0
    around: dict[str, list[Introduction]] = field(default_factory=dict)
    """Writes of blobs not in `introduced` at the paths of those that are: at least every such write
    after their own places there, which is all that where a secret left a path depends on (a snapshot
    extended by a commit that brings a secret to a path written before lacks the earlier writes)."""
    blob_keys: bytes = b""
    """`blob_key` of every blob the walk wrote, sorted and packed (those of `introduced` may be left out)."""
    path_keys: bytes = b""
    """`path_key` of every path the walk wrote, sorted and packed (those of `introduced` may be left out)."""
    at_head: set[tuple[str, str]] | None = None
    """(path, blob) of HEAD's files among `introduced`'s places, when the scan listed HEAD (the refs'
    state fixes HEAD's tree)."""


def order_digest(order: list[str]) -> bytes:
    return hashlib.sha256("\n".join(order).encode("ascii")).digest()[:16]


def blob_key(blob: str) -> int:
    """A short key of a blob id: two blobs with one key only make a re-scan walk the whole history."""
    return int(blob[:16], 16)


def path_key(path: str) -> int:
    return int.from_bytes(hashlib.blake2b(path.encode("utf-8", "surrogateescape"), digest_size=8).digest(), "little")


def key_array(packed: bytes) -> array[int]:
    """Packed keys (sorted, each once) as an array to search: a re-scan asks about a few keys among tens of
    thousands, for which a set would cost more to build than every search."""
    found = array(KEY_TYPE)
    if found.itemsize != 8 or len(packed) % 8:
        raise ValueError("not a snapshot of this version")
    found.frombytes(packed)
    return found


def has_key(found: array[int], key: int) -> bool:
    at = bisect_left(found, key)
    return at < len(found) and found[at] == key


def with_keys(packed: bytes, new: Iterable[int]) -> bytes:
    """`packed` with the keys of `new` added, still sorted and each once."""
    found = key_array(packed)
    missing = sorted({key for key in new if not has_key(found, key)})
    if len(missing) > INSERTED_KEYS:
        return array(KEY_TYPE, sorted({*found, *missing})).tobytes()
    for key in missing:
        insort(found, key)
    return found.tobytes()


def extended(snapshot: Snapshot, order: list[str], new: dict[str, CommitWrites], exclude: tuple[str, ...]
             ) -> Snapshot | None:
    """The snapshot with the commits of `order` (which follow its own) added, numbered as a full walk
    numbers them; None when one writes a blob the snapshot's history had (its earlier places may be
    missing) or `order` does not follow it."""
    if order_digest(order[:snapshot.commit_count]) != snapshot.order_digest:
        return None
    old_paths = key_array(snapshot.path_keys)
    deletions: list[Introduction] = []
    added, commits, submodules = introductions(
        order[snapshot.commit_count:], new, exclude, deletions, after=(len(snapshot.commits), snapshot.writes),
        written_before=lambda path: has_key(old_paths, path_key(path)))
    old_blobs = key_array(snapshot.blob_keys)
    if any(has_key(old_blobs, blob_key(blob)) or blob in snapshot.introduced for blob in added):
        return None
    writes = snapshot.writes + sum(map(len, added.values())) + len(deletions)
    return Snapshot(
        "", len(order), order_digest(order), writes, [*snapshot.commits, *commits], {**snapshot.introduced, **added},
        snapshot.sizes, [*snapshot.deletions, *deletions], snapshot.submodules + submodules, snapshot.clean_blobs,
        snapshot.clean_bytes, snapshot.around, snapshot.blob_keys, snapshot.path_keys)


def snapshot_data(walk: Snapshot, clean: set[str], max_file_size: int, at_head: set[tuple[str, str]] | None = None
                  ) -> bytes | None:
    """`walk` (a whole walk, or a snapshot extended) once the scan is over and `clean` (the blobs found
    clean) is known, reduced and as stored, with those of HEAD's files (`at_head`) that are its blobs; None
    when there is nothing worth keeping (no commits) or the history may change under the same refs (blobs
    a partial clone lacks may be fetched)."""
    sizes, introduced = walk.sizes, walk.introduced
    if not walk.state or not walk.commit_count or any(size < 0 for size in sizes.values()):
        return None
    kept = {blob for blob, size in sizes.items() if size > max_file_size or blob not in clean}
    paths = {place.path for blob in kept if sizes[blob] <= max_file_size for place in introduced[blob]}
    around = {}
    for blob, places in (*((b, p) for b, p in introduced.items() if b not in kept), *walk.around.items()):
        there = [place for place in places if place.path in paths]
        if there:
            around[blob] = there
    gone = [place for place in walk.deletions if place.path in paths]
    named = sorted({place.commit for places in (*(introduced[b] for b in kept), *around.values(), gone)
                    for place in places})
    renumbered = {old: new for new, old in enumerate(named)}

    def rows(places: list[Introduction]) -> tuple[tuple[Any, ...], ...]:
        return tuple((p.order, renumbered[p.commit], p.path, p.parents) for p in places)

    clean_sizes = [size for blob, size in sizes.items() if blob not in kept]
    blobs = with_keys(walk.blob_keys, map(blob_key, introduced))
    written = with_keys(walk.path_keys, map(path_key, {p.path for places in introduced.values() for p in places}))
    return marshal.dumps((
        SNAPSHOT_FORMAT, walk.state, walk.commit_count, walk.order_digest, walk.writes, walk.submodules,
        walk.clean_blobs + len(clean_sizes), walk.clean_bytes + sum(clean_sizes),
        tuple((c.commit, c.author, c.email, c.date) for c in (walk.commits[i] for i in named)),
        tuple((blob, rows(places)) for blob, places in introduced.items() if blob in kept),
        tuple((blob, size) for blob, size in sizes.items() if blob in kept),
        tuple((blob, rows(places)) for blob, places in around.items()),
        rows(gone), blobs, written,
        None if at_head is None else tuple(sorted((path, blob) for path, blob in at_head if blob in kept)),
    ))


def load_snapshot(data: bytes) -> Snapshot:
    """What `snapshot_data` wrote; ValueError when it is not that (damaged, or another format). Every
    field is checked: the snapshot is small, and a blob it names wrongly would go unscanned."""
    try:
        (version, state, commit_count, digest, writes, submodules, clean_blobs, clean_bytes, commit_rows,
         introduced_rows, size_rows, around_rows, gone_rows, blob_keys, path_keys, head_rows) = marshal.loads(data)
        if version != SNAPSHOT_FORMAT:
            raise ValueError("not a snapshot of this version")
        _check(isinstance(state, str) and state and isinstance(digest, bytes) and all(
            _count(n) for n in (commit_count, writes, submodules, clean_blobs, clean_bytes)))
        _check(isinstance(blob_keys, bytes) and isinstance(path_keys, bytes)
               and not len(blob_keys) % 8 and not len(path_keys) % 8)
        _check(isinstance(commit_rows, tuple) and len(commit_rows) <= commit_count)
        commits = [GitContext(*_strings(row, 4)) for row in commit_rows]
        introduced = {_string(blob): _places(rows, len(commits)) for blob, rows in _pairs(introduced_rows)}
        sizes = {_string(blob): size for blob, size in _pairs(size_rows) if _count(size)}
        _check(sizes.keys() == introduced.keys() and len(sizes) == len(size_rows) == len(introduced_rows))
        around = {_string(blob): _places(rows, len(commits)) for blob, rows in _pairs(around_rows)}
        _check(len(around) == len(around_rows) and not around.keys() & introduced.keys())
        deletions = _places(gone_rows, len(commits))
        at_head = None if head_rows is None else {_strings(row, 2) for row in _pairs(head_rows)}
    except (EOFError, TypeError, ValueError) as exc:
        raise ValueError(f"damaged history listing (its snapshot: {exc})") from exc
    return Snapshot(state, commit_count, digest, writes, commits, introduced, sizes, deletions, submodules,
                    clean_blobs, clean_bytes, around, blob_keys, path_keys,
                    cast("set[tuple[str, str]] | None", at_head))


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
    for row in cast("tuple[Any, ...]", rows):
        _check(isinstance(row, tuple) and len(row) == 4)
        order, commit, path, parents = row
        _check(_count(order) and _count(commit) and commit < commits and isinstance(path, str)
               and isinstance(parents, tuple) and all(isinstance(p, str) for p in parents))
        places.append(Introduction(order, commit, path, parents))
    return places
