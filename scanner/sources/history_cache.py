"""What the scan cache spares a history scan: the walk (a listing of what each known commit wrote and each
known blob's size: history_listing.py), the hand-out itself (a snapshot of the last scan's, while no ref
has moved or the refs only gained commits: history_snapshot.py), and looking up the verdicts of blobs the
last scan found clean and no commit since has written (its summary)."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from scanner.git import runner as git
from scanner.sources.history_listing import CommitWrites, Introduction, introductions
from scanner.sources.history_walk import WalkedHistory, walk, with_replacements
from scanner.sources.refs_containing import RefsContaining, repository_key

if TYPE_CHECKING:
    from scanner.engine.scan_cache import ScanCache, Verdicts
    from scanner.sources.history_listing import Listing
    from scanner.sources.history_places import BlobPlaces
    from scanner.sources.history_snapshot import Snapshot

FEW_NEW_COMMITS = 2000
"""Up to this many commits added since a snapshot are diffed and numbered on from it; more, and the
listing's whole walk runs (a large push: the re-scan's cost is in its new blobs anyway)."""
FEW_NEW_BLOBS = 2000
"""Up to this many blobs a cached listing does not know, their sizes are asked for by id; more, and the
whole object listing (~0.35 s per 100k objects) costs less."""


class HistoryCache:
    """One history scan's use of the scan cache: what it reads there instead of asking git, and what it
    leaves there for the next scan."""

    def __init__(self, verdicts: Verdicts, places: BlobPlaces, *, path: Path, exclude: tuple[str, ...],
                 max_file_size: int, branch: str, known_commits: tuple[str, ...], archive_depth: int) -> None:
        self.verdicts = verdicts
        self.places = places
        """Where the blobs handed out were written (and what is known of HEAD's files): the snapshot of
        this scan keeps them."""
        self.path, self.exclude, self.max_file_size, self.branch = path, exclude, max_file_size, branch
        self.known_commits, self.archive_depth = known_commits, archive_depth
        self.refs_state = ""
        self.order: list[str] = []
        """The walk's commit ids, when this scan has them from the listing or the snapshot's extension."""
        self.parents: dict[str, list[str]] | None = None
        """Every commit's parents, when this scan asked git for the order of every ref's commits."""
        self._known: dict[str, CommitWrites] = {}
        self._replacements: set[str] = set()
        self._walked: WalkedHistory | None = None
        self._snapshot_name = b""
        self._reduced: Snapshot | None = None
        """The snapshot this scan works from, when it does."""
        self.snapshot_changed = False
        """The refs have moved since the snapshot: it is written again."""
        self._damage_said = False

    def from_snapshot(self, repo: git.RepoInfo, revs: list[str]) -> Snapshot | None:
        """What the last scan with these rules and options handed out, when no ref has moved since; or
        that with the commits added since, when they only add to the history (history_snapshot.py)."""
        from scanner.sources.history_listing import refs_state
        from scanner.sources.history_snapshot import load_snapshot

        state = self.refs_state = refs_state(repo)  # before the walk: a ref moving during it is seen next time
        if self.known_commits:
            return None  # an audit's known tips differ each time: a snapshot would never be used again
        self._snapshot_name = self.verdicts.summary_name(self.verdict_key(repo), "snapshot", self.exclude, revs,
                                                         self.max_file_size)
        data = self.verdicts.cache.listing(self._snapshot_name) if state else None
        if data is None:
            return None
        try:
            snapshot = load_snapshot(data)
            if snapshot.state == state:
                reduced: Snapshot | None = snapshot
            else:
                self.snapshot_changed = True
                reduced = self.extended_snapshot(repo, revs, snapshot)
        except ValueError as exc:
            self.cache_damaged(str(exc))
            return None
        self._reduced = reduced
        return reduced

    def extended_snapshot(self, repo: git.RepoInfo, revs: list[str], snapshot: Snapshot) -> Snapshot | None:
        """The snapshot with the commits added since it was taken (their writes diffed, their new blobs
        sized); None when the history changed otherwise (then it is walked)."""
        from scanner.sources.history_listing import commit_writes
        from scanner.sources.history_snapshot import extended

        parents: dict[str, list[str]] = {}
        order = git.commit_order(repo, revs, parents)
        new = order[snapshot.commit_count:]
        if len(order) < snapshot.commit_count or len(new) > FEW_NEW_COMMITS or git.replaced_blobs(repo):
            return None
        known: dict[str, CommitWrites] = {}
        paths: dict[bytes, str] = {}
        for commit, body in git.trees_of_commits(repo, new) if new else ():
            known[commit.sha] = commit_writes(commit, body, paths)
        if len(known) != len(new):
            return None
        walked = extended(snapshot, order, known, self.exclude)
        if walked is None:
            return None
        added = {blob: places for blob, places in walked.introduced.items() if blob not in snapshot.sizes}
        if len(added) > FEW_NEW_BLOBS:
            return None
        self.order = order
        self.parents = parents if revs == ["--all"] else None
        return replace(walked, state=self.refs_state, sizes={**snapshot.sizes, **sized(repo, added, {})})

    def snapshot_used(self) -> None:
        """The snapshot the scan worked from is marked used (for pruning) when the scan left it as it was."""
        if not self.snapshot_changed:
            self.verdicts.cache.touch_listing(self._snapshot_name)

    def snapshot_of_scan(self, clean: set[str]) -> tuple[bytes, bytes] | None:
        """(name, data) of the snapshot of this scan, once `clean` (the blobs found clean) is known."""
        from scanner.sources.history_snapshot import Snapshot, order_digest, snapshot_data

        walk = self._reduced
        if not (self._snapshot_name and self.refs_state):
            return None
        if walk is None:
            walked = self._walked
            if walked is None or self._replacements:
                return None  # with_replacements: places not written by the walk itself
            writes = 1 + max((place.order for places in (*walked.introduced.values(), walked.deletions)
                              for place in places), default=-1)
            walk = Snapshot(self.refs_state, len(walked.commits), order_digest(self.order), writes, walked.commits,
                            walked.introduced, walked.sizes, walked.deletions, walked.submodules)
        data = snapshot_data(walk, clean, self.max_file_size, self.places.at_head_if_listed())
        return None if data is None else (self._snapshot_name, data)

    def verdict_key(self, repo: git.RepoInfo) -> bytes:
        """Verdicts hold for this repository and this --max-archive-depth (which archive members are read)."""
        return hashlib.blake2b(str(self.archive_depth).encode(), key=repository_key(repo), digest_size=16).digest()

    def cache_damaged(self, why: str) -> None:
        """One warning for the scan, however many of its stored parts are damaged."""
        if not self._damage_said:
            self._damage_said = True
            self.verdicts.cache.warnings.append(f"scan cache: {why} for {self.path}; walked the whole history")

    def cached_walk(self, repo: git.RepoInfo, revs: list[str]) -> WalkedHistory:
        """The same as `walk`, from the listing an earlier scan of this repository left: only commits it
        does not know are diffed, only blobs it does not know are sized. The new listing is saved with
        the scan's verdicts."""
        from scanner.sources.history_listing import Listing, dump_listing, remember_walk

        cache = self.verdicts.cache
        key = repository_key(repo)
        listing = self.stored_listing(cache, key)
        commits_known, walks_known = len(listing.known), listing.walks
        walked = self.known_walk(repo, revs, listing) if listing.known else None
        if walked is None:
            listing, state = Listing(), self.refs_state
            listing.state = state
            walked = walk(repo, revs, self.exclude)
            listing.known.update(walked.writes)
            remember_walk(listing, revs, state, walked.order)
        self._walked = walked
        self.order, self._known, self._replacements = walked.order, listing.known, walked.replacements
        self.refs_state = listing.state
        # the order's walk from every ref gave every parent: which refs reach a secret needs no other walk
        self.parents = listing.parents if revs == ["--all"] else None
        stored = listing.sizes
        unknown = {blob: size for blob, size in walked.sizes.items() if blob not in stored}
        if len(listing.known) != commits_known or listing.walks is not walks_known or unknown:
            stored.update((blob, size) for blob, size in unknown.items() if size >= 0)
            cache.add_listing(key, dump_listing(listing))
        return walked

    def stored_listing(self, cache: ScanCache, key: bytes) -> Listing:
        from scanner.sources.history_listing import Listing, load_listing

        stored = cache.listing(key)
        if stored is None:
            return Listing()
        try:
            return load_listing(stored)
        except ValueError as exc:
            self.cache_damaged(str(exc))
            return Listing()

    def known_walk(self, repo: git.RepoInfo, revs: list[str], listing: Listing) -> WalkedHistory | None:
        """The walk from the stored commits and the ones git adds, its blobs sized; None when the stored
        ones are damaged (then the whole history is walked)."""
        from scanner.sources.history_listing import completed

        order = completed(repo, revs, listing, self.refs_state)
        try:
            deletions: list[Introduction] = []
            introduced, commits, submodules = introductions(order, listing.known, self.exclude, deletions)
        except (AttributeError, TypeError, ValueError, KeyError) as exc:
            self.cache_damaged(f"damaged history listing ({exc!r})")
            return None
        swaps = git.replaced_blobs(repo)
        with_replacements(introduced, swaps)
        sizes = sized(repo, introduced, listing.sizes)
        return WalkedHistory(introduced, commits, submodules, sizes, deletions, order, listing.known,
                             set(swaps.values()))

    def unchanged_since_last_scan(self, repo_key: bytes) -> tuple[bytes, set[str], int]:
        """The blobs the last scan (same rules, options and excludes) knew to be clean and that no commit
        since has written anywhere: still clean at the very same paths, so neither their key nor their
        verdict needs looking up. Empty when a commit of that scan is gone (paths may have been lost)."""
        verdicts = self.verdicts
        if self._reduced is not None and not self.snapshot_changed:
            return b"", set(), -1
        if self._reduced is not None:  # the summary stays as the last whole walk left it
            verdicts.when_summarized(self._snapshot_name, self.snapshot_of_scan, summary=False)
            return self._snapshot_name, set(), -1
        name = verdicts.summary_name(repo_key, self.exclude, self.branch)
        verdicts.when_summarized(name, self.snapshot_of_scan)
        last = verdicts.summary(name)
        if last is None:
            return name, set(), -1
        commits, clean = last
        order = set(self.order)
        if not commits <= order:
            return name, set(), -1
        unchanged = len(clean) if commits == order else -1
        for sha in order - commits:
            clean.difference_update(blob for blob, _, _ in self._known[sha].writes)
        clean.difference_update(self._replacements)
        return name, clean, unchanged

    def refs_containing(self, repo: git.RepoInfo) -> RefsContaining:
        """Which refs reach a secret's commits, from the cache while the refs are as they were, and from
        the walk's own parents when it walked every ref."""
        return RefsContaining(repo, self.verdicts.cache, self.refs_state, self.parents, self.order)


def sized(repo: git.RepoInfo, introduced: dict[str, list[Introduction]], known: dict[str, int]) -> dict[str, int]:
    """Every introduced blob's size: the known ones from the listing, a few new ones by id, many new
    ones in pack order."""
    new = [blob for blob in introduced if blob not in known]
    if len(new) > FEW_NEW_BLOBS:
        return git.blobs_in_pack_order(repo, introduced)
    # in the listing's order, which is the pack order of the scan that sized them: blobs are read, and
    # notes about them reported, in the same order as by an uncached scan of the same packs
    sizes = {blob: size for blob, size in known.items() if blob in introduced}
    if new:
        sizes.update(git.blobs_in_pack_order(repo, new) if git.partial_clone(repo) else git.blob_sizes(repo, new))
    return sizes
