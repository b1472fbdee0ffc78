"""Full history: every blob reachable from every ref (or one branch), each scanned once.

The expensive part of a history scan is reading content, so content is read once per unique blob
(`git cat-file --batch`), and who introduced each blob where comes from tree diffs alone (`git log --raw`:
it compares blob ids, never file contents). Blobs are read in the order git stores them, which is far
faster than history order; each occurrence carries its place in history (`Occurrence.order`), so the
findings are put back oldest first and the first location is the commit that brought the secret in. A
secret added in one commit and deleted in the next is found because its blob is reachable all the same.
The blobs are read by the processes that scan them (git/blobs.py), not here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from scanner.engine.match import rule_applies_to
from scanner.engine.scan_cache import item_key
from scanner.errors import GitError
from scanner.findings import Finding
from scanner.fragment import Fragment
from scanner.git import runner as git
from scanner.git.blobs import GitBlob
from scanner.git.context import GitContext, Occurrence
from scanner.report import ScanStats, Skipped
from scanner.ruleset.globs import path_matches
from scanner.ruleset.rule_set import RuleSet
from scanner.sources import Source, SourceItem
from scanner.sources.files import oversized
from scanner.sources.fragment_builder import blob_fragments
from scanner.sources.gc_pauses import collecting_no_cycles, pausing_collection
from scanner.sources.history_listing import CommitWrites, Introduction, Introductions, introductions, walked
from scanner.sources.progress import Progress
from scanner.sources.refs_containing import RefsContaining, repository_key
from scanner.sources.text_decode import BINARY_SNIFF

if TYPE_CHECKING:
    from concurrent.futures import Future

    from scanner.engine.scan_cache import ScanCache, Verdicts
    from scanner.sources.history_listing import Listing
    from scanner.sources.history_snapshot import Snapshot

FEW_NEW_COMMITS = 2000
"""Up to this many commits added since a snapshot are diffed and numbered on from it; more, and the
listing's whole walk runs (a large push: the re-scan's cost is in its new blobs anyway)."""
STORED_TEXT_RATIO = 6
"""About how many times the bytes its objects take on disk a history's blobs hold, at the least, once packed as a
clone or `git gc` packs them (6.0 on the bench's small history, 9.8 on the large one)."""
FEW_NEW_BLOBS = 2000
"""Up to this many blobs a cached listing does not know, their sizes are asked for by id; more, and the
whole object listing (~0.35 s per 100k objects) costs less."""


class HistorySource(Source):
    def __init__(self, path: Path, max_file_size: int, branch: str = "", progress: bool = False,
                 exclude: tuple[str, ...] = (), known_commits: tuple[str, ...] = ()) -> None:
        self.path = path
        self.known_commits = known_commits
        """Commits already scanned (an audit's last ref tips): only what they cannot reach is read."""
        self.verdicts: Verdicts | None = None
        self.exclude = exclude
        self.max_file_size = max_file_size
        self.branch = branch
        self.progress = progress
        self.description = f"history ({branch})" if branch else "history (all refs)"
        if known_commits:
            self.description += ", new commits only"
        self.ruleset: RuleSet | None = None
        self._warnings: list[str] = []
        self._signatures: dict[str, tuple[int, ...]] = {}
        self._path_globs: tuple[str, ...] = ()
        self._unmatched: tuple[int, ...] = ()
        self._path_limited: tuple[int, ...] = ()
        """The rules limited by path: the only ones a path's signature asks about (37 of the 1,431 built-in ones)."""
        self._introduced: dict[str, list[Introduction]] = {}
        self._commits: list[GitContext] = []
        self._at_head: set[tuple[str, str]] | None = None
        self._head_tree_early: Future[set[tuple[str, str]]] | None = None
        self._pending_subjects: set[int] = set()
        """Commits of blobs whose findings the cache recorded: their subjects are asked for together."""
        self._repo: git.RepoInfo | None = None
        self._order: list[str] = []
        self._known: dict[str, CommitWrites] = {}
        self._replacements: set[str] = set()
        self._deletions: list[Introduction] = []
        self._refs_state = ""
        self._parents: dict[str, list[str]] | None = None
        self._sizes: dict[str, int] = {}
        self._submodules = 0
        self._snapshot_name = b""
        self._reduced: Snapshot | None = None
        """The snapshot this scan works from, when it does."""
        self._snapshot_changed = False
        """The refs have moved since the snapshot: it is written again."""
        self._cache_damage_said = False

    def prepare(self, ruleset: RuleSet, verdicts: Verdicts | None = None) -> None:
        self.ruleset = ruleset
        self.verdicts = verdicts
        self._path_globs = tuple(dict.fromkeys(g for rule in ruleset.rules for g in (*rule.paths, *rule.exclude_paths)))
        self._unmatched = tuple(i for i, rule in enumerate(ruleset.rules) if rule.exclude_paths and not rule.paths)
        self._path_limited = tuple(i for i, rule in enumerate(ruleset.rules) if rule.paths or rule.exclude_paths)

    def warnings(self) -> list[str]:
        return self._warnings

    def expected_bytes(self) -> int:
        """An estimate of the blobs' text from what the repository stores, compressed (bench history: 147 MB
        of packs, 504 MB of blobs; the small one: 9 MB, 23 MB): a Flask-size history is large enough
        for the pool to start before the walk, so that its workers start up while git log runs. Not asked
        on a re-scan, which starts no pool up front."""
        if self.verdicts is not None and self.verdicts.warm:
            return 0
        return git.stored_bytes(self.path) * STORED_TEXT_RATIO

    def items(self, stats: ScanStats) -> Iterator[SourceItem]:
        repo = git.repository(self.path)
        if repo.shallow:
            self._warnings.append("shallow clone: history before the shallow boundary was not scanned")
        revs = ["--all"]
        if self.branch:
            if git.resolve_commit(repo, self.branch) is None:
                raise GitError(f"--branch {self.branch}: no such branch or commit in {self.path}")
            revs = [self.branch]
        if self.known_commits:
            revs += ["--not", *self.known_commits]
        with collecting_no_cycles():
            yield from self.walked_items(repo, revs, stats)

    def walked_items(self, repo: git.RepoInfo, revs: list[str], stats: ScanStats) -> Iterator[SourceItem]:
        reduced = self.from_snapshot(repo, revs) if self.verdicts is not None else None
        if reduced is not None:
            yield from self.reduced_items(repo, reduced, stats)
            return
        with pausing_collection():
            if self.verdicts is not None:
                introduced, commits, submodules, sizes = self.cached_walk(repo, revs, self.verdicts.cache)
            else:
                introduced, commits, submodules, sizes = self.walk(repo, revs)
        stats.commits = len(commits)
        if not commits and git.head_commit(repo) is None:
            self._warnings.append(f"{self.path} is an empty repository (no commits yet): no history to scan")
        if submodules:
            yield submodules_note(submodules)
        self._sizes, self._submodules = sizes, submodules
        yield from self.scan_blobs(repo, introduced, commits, sizes, stats)

    def from_snapshot(self, repo: git.RepoInfo, revs: list[str]) -> Snapshot | None:
        """What the last scan with these rules and options handed out, when no ref has moved since; or
        that with the commits added since, when they only add to the history (history_snapshot.py)."""
        from scanner.sources.history_listing import refs_state
        from scanner.sources.history_snapshot import load_snapshot

        assert self.verdicts is not None
        state = self._refs_state = refs_state(repo)  # before the walk: a ref moving during it is seen next time
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
                return snapshot
            self._snapshot_changed = True
            return self.extended_snapshot(repo, revs, snapshot)
        except ValueError as exc:
            self.cache_damaged(self.verdicts.cache, str(exc))
            return None

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
        walk = extended(snapshot, order, known, self.exclude)
        if walk is None:
            return None
        added = {blob: places for blob, places in walk.introduced.items() if blob not in snapshot.sizes}
        if len(added) > FEW_NEW_BLOBS:
            return None
        self._order = order
        self._parents = parents if revs == ["--all"] else None
        return replace(walk, state=self._refs_state, sizes={**snapshot.sizes, **self.sized(repo, added, {})})

    def reduced_items(self, repo: git.RepoInfo, reduced: Snapshot, stats: ScanStats) -> Iterator[SourceItem]:
        """The items of `scan_blobs` over the blobs of a snapshot (extended or not); the clean ones are
        counted only."""
        self._reduced = reduced
        stats.commits = reduced.commit_count
        if reduced.submodules:
            yield submodules_note(reduced.submodules)
        stats.blobs += reduced.clean_blobs
        stats.bytes += reduced.clean_bytes
        self._deletions = reduced.deletions
        # its blobs are the ones likely to have findings: their commits' subjects are asked for together
        self._pending_subjects.update(place.commit for places in reduced.introduced.values() for place in places)
        if reduced.at_head is not None and not self._snapshot_changed:
            self._at_head = reduced.at_head
            self._head_tree_early = done(reduced.at_head)  # nothing to list in a thread either
        introduced = dict(reduced.introduced)
        yield from self.scan_blobs(repo, introduced, reduced.commits, reduced.sizes, stats)
        # where a secret left its paths (`attributed`) needs the other blobs' writes at them; no blob of
        # these is handed out or located
        for blob, places in reduced.around.items():
            introduced.setdefault(blob, places)
        if self.verdicts is not None and not self._snapshot_changed:
            self.verdicts.cache.touch_listing(self._snapshot_name)

    def snapshot_of_scan(self, clean: set[str]) -> tuple[bytes, bytes] | None:
        """(name, data) of the snapshot of this scan, once `clean` (the blobs found clean) is known."""
        from scanner.sources.history_snapshot import Snapshot, order_digest, snapshot_data

        walk = self._reduced
        if not (self._snapshot_name and self._refs_state):
            return None
        if walk is None:
            if self._replacements:
                return None  # with_replacements: places not written by the walk itself
            writes = 1 + max((place.order for places in (*self._introduced.values(), self._deletions)
                              for place in places), default=-1)
            walk = Snapshot(self._refs_state, len(self._commits), order_digest(self._order), writes, self._commits,
                            self._introduced, self._sizes, self._deletions, self._submodules)
        at_head, early = self._at_head, self._head_tree_early
        if at_head is None and early is not None and early.done() and early.exception() is None:
            at_head = early.result()
        data = snapshot_data(walk, clean, self.max_file_size, at_head)
        return None if data is None else (self._snapshot_name, data)

    def verdict_key(self, repo: git.RepoInfo) -> bytes:
        """Verdicts hold for this repository and this --max-archive-depth (which archive members are read)."""
        return hashlib.blake2b(str(self.archive_depth).encode(), key=repository_key(repo), digest_size=16).digest()

    def cache_damaged(self, cache: ScanCache, why: str) -> None:
        """One warning for the scan, however many of its stored parts are damaged."""
        if not self._cache_damage_said:
            self._cache_damage_said = True
            cache.warnings.append(f"scan cache: {why} for {self.path}; walked the whole history")

    def walk(self, repo: git.RepoInfo, revs: list[str], known: dict[str, CommitWrites] | None = None
             ) -> tuple[dict[str, list[Introduction]], list[GitContext], int, dict[str, int]]:
        """Every commit's writes from one `git log` walk (kept in `known` when given, for the scan cache),
        and the blobs' sizes in pack order."""
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(1) as side:  # the object listing runs while git log walks the history
            listing = side.submit(git.blob_listing, repo)
            order, walked_commits = walked(repo, revs)
            deletions: list[Introduction] = []
            introduced, commits, submodules = introductions(order, walked_commits, self.exclude, deletions)
            self._deletions = deletions
            swaps = git.replaced_blobs(repo)
            with_replacements(introduced, swaps)
            sizes = git.blobs_in_pack_order(repo, introduced, listing.result()) if introduced else {}
        if known is not None:
            known.update(walked_commits)
            self._order, self._known, self._replacements = order, known, set(swaps.values())
        return introduced, commits, submodules, sizes

    def cached_walk(self, repo: git.RepoInfo, revs: list[str], cache: ScanCache
                    ) -> tuple[dict[str, list[Introduction]], list[GitContext], int, dict[str, int]]:
        """The same as `walk`, from the listing an earlier scan of this repository left: only commits it
        does not know are diffed, only blobs it does not know are sized. The new listing is saved with
        the scan's verdicts."""
        from scanner.sources.history_listing import Listing, dump_listing, remember_walk

        key = repository_key(repo)
        listing = self.stored_listing(cache, key)
        commits_known, walks_known = len(listing.known), listing.walks
        found = self.known_walk(repo, revs, listing, cache) if listing.known else None
        if found is None:
            listing, state = Listing(), self._refs_state
            listing.state = state
            introduced, commits, submodules, sizes = self.walk(repo, revs, listing.known)
            remember_walk(listing, revs, state, self._order)
        else:
            introduced, commits, submodules = found
            swaps = git.replaced_blobs(repo)
            self._replacements = set(swaps.values())
            with_replacements(introduced, swaps)
            sizes = self.sized(repo, introduced, listing.sizes)
        self._refs_state = listing.state
        # the order's walk from every ref gave every parent: which refs reach a secret needs no other walk
        self._parents = listing.parents if revs == ["--all"] else None
        stored = listing.sizes
        unknown = {blob: size for blob, size in sizes.items() if blob not in stored}
        if len(listing.known) != commits_known or listing.walks is not walks_known or unknown:
            stored.update((blob, size) for blob, size in unknown.items() if size >= 0)
            cache.add_listing(key, dump_listing(listing))
        return introduced, commits, submodules, sizes

    def stored_listing(self, cache: ScanCache, key: bytes) -> Listing:
        from scanner.sources.history_listing import Listing, load_listing

        stored = cache.listing(key)
        if stored is None:
            return Listing()
        try:
            return load_listing(stored)
        except ValueError as exc:
            self.cache_damaged(cache, str(exc))
            return Listing()

    def known_walk(self, repo: git.RepoInfo, revs: list[str], listing: Listing, cache: ScanCache
                   ) -> Introductions | None:
        """The introductions from the stored commits and the ones git adds; None when the stored ones are
        damaged (then the whole history is walked)."""
        from scanner.sources.history_listing import completed

        order = completed(repo, revs, listing, self._refs_state)
        try:
            deletions: list[Introduction] = []
            found = introductions(order, listing.known, self.exclude, deletions)
        except (AttributeError, TypeError, ValueError, KeyError) as exc:
            self.cache_damaged(cache, f"damaged history listing ({exc!r})")
            return None
        self._order, self._known, self._deletions = order, listing.known, deletions
        return found

    @staticmethod
    def sized(repo: git.RepoInfo, introduced: dict[str, list[Introduction]], known: dict[str, int]
              ) -> dict[str, int]:
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

    def scan_blobs(self, repo: git.RepoInfo, introduced: dict[str, list[Introduction]],
                   commits: list[GitContext], sizes: dict[str, int], stats: ScanStats) -> Iterator[SourceItem]:
        for blob, places in introduced.items():
            size = sizes[blob]
            if size == git.MISSING or size > self.max_file_size:
                oldest = places[0]
                where = f"{oldest.path} (blob {blob[:12]}, commit {commits[oldest.commit].commit[:12]})"
                if size == git.MISSING:
                    yield Skipped(where, "not in this partial clone (a scan never fetches); not scanned", error=True)
                else:
                    yield oversized(where, size, git.blob_head(repo, blob, BINARY_SNIFF), oldest.path)
        readable = [blob for blob, size in sizes.items() if 0 <= size <= self.max_file_size]
        self._introduced, self._commits, self._repo = introduced, commits, repo
        verdicts = self.verdicts
        repo_key = self.verdict_key(repo)
        summary_name, still_clean, unchanged = self.unchanged_since_last_scan(repo_key)
        # the blobs still clean are counted at once, and only the others are put in order: a re-scan of a
        # large history hands out a few hundred of its tens of thousands of blobs
        clean = {blob for blob in readable if blob in still_clean}
        stats.blobs += len(clean)
        stats.bytes += sum(map(sizes.__getitem__, clean))
        wanted, after = file_chains([blob for blob in readable if blob not in clean], introduced)
        replaced = set(after.values())
        progress = Progress(len(wanted), "scanning history", self.progress)
        handed_out: dict[bytes, str] = {}
        try:
            for done, blob in enumerate(wanted, 1):
                stats.blobs += 1
                stats.bytes += sizes[blob]
                progress.update(done, stats.bytes)  # as blobs are handed out: at most a few batches ahead
                key, record = b"", None
                if verdicts is not None:
                    # every path the blob was written at: they decide its groups, which then need no
                    # working out for the blobs known to be clean
                    key = item_key(repo_key, blob, dict.fromkeys(place.path for place in introduced[blob]))
                    # what was found in a blob is looked up first: the records come in one query, the
                    # clean verdicts one at a time on a re-scan
                    record = verdicts.found(key)
                    if record is None and verdicts.clean(key):
                        clean.add(blob)
                        continue
                    handed_out[key] = blob
                    if record:
                        self._pending_subjects.update(place.commit for place in introduced[blob])
                        if self._head_tree_early is None:
                            self._head_tree_early = head_tree_soon(repo)
                yield GitBlob(repo.path, blob, sizes[blob],
                              tuple(group[0].path for group in self.by_path_rules(introduced[blob])),
                              blob_fragments, self.archive_depth, key, record, after.get(blob, ""),
                              blob in replaced)
        finally:
            progress.close()
        if verdicts is not None:
            verdicts.summarize(summary_name, self._order, clean, handed_out, unchanged)

    def unchanged_since_last_scan(self, repo_key: bytes) -> tuple[bytes, set[str], int]:
        """The blobs the last scan (same rules, options and excludes) knew to be clean and that no commit
        since has written anywhere: still clean at the very same paths, so neither their key nor their
        verdict needs looking up. Empty when a commit of that scan is gone (paths may have been lost)."""
        verdicts = self.verdicts
        if verdicts is None or (self._reduced is not None and not self._snapshot_changed):
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
        order = set(self._order)
        if not commits <= order:
            return name, set(), -1
        unchanged = len(clean) if commits == order else -1
        for sha in order - commits:
            clean.difference_update(blob for blob, _, _ in self._known[sha].writes)
        clean.difference_update(self._replacements)
        return name, clean, unchanged

    def located(self, fragment: Fragment) -> Fragment:
        """The fragment with every commit and path that wrote its blob (oldest first).

        Only texts with findings need them, so the blobs handed out carry paths alone: building the
        occurrences of every blob up front, then pickling them to the worker processes and back, was ~1.5 s
        of CPU of the bench history's scan, for 13 findings."""
        places = self._introduced.get(fragment.blob)
        if not places:
            return fragment
        outer, bang, member = fragment.path.partition("!")  # an archive's member: `lib.jar!conf/app.yaml`
        if self._at_head is None:  # only texts with findings need it: a re-scan may have none to scan
            early = self._head_tree_early
            self._at_head = early.result() if early is not None else (
                git.head_tree(self._repo) if self._repo is not None else set())
        at_head = self._at_head
        unsaid = {place.commit for place in places if not self._commits[place.commit].message}
        if unsaid:
            self.with_subjects(unsaid)
        for group in self.by_path_rules(places):
            if group[0].path == outer:
                occurrences = tuple(
                    Occurrence(place.path + bang + member, self._commits[place.commit],
                               (place.path, fragment.blob) in at_head, place.order, place.parents)
                    for place in group)
                return replace(fragment, git=occurrences[0].git, occurrences=occurrences)
        return fragment

    def attributed(self, findings: list[Finding]) -> list[Finding]:
        """Where each secret left the paths it entered, which refs reach it and for how long it was
        exposed (sources/exposure.py); the history's writes are indexed for the paths with findings only."""
        from datetime import datetime, timezone

        from scanner.sources.exposure import attributed, outer_path, writes_by_path

        if self._repo is None:
            return findings
        repo = self._repo
        paths = {outer_path(loc.path) for f in findings for loc in f.locations}
        places = [(place.path, place.order, place.commit, blob, place.parents)
                  for blob, written in self._introduced.items() for place in written if place.path in paths]
        places += [(gone.path, gone.order, gone.commit, "", gone.parents) for gone in self._deletions
                   if gone.path in paths]
        writes = writes_by_path(places, self._commits, paths)
        containing = RefsContaining(repo, self.verdicts.cache if self.verdicts else None, self._refs_state,
                                    self._parents, self._order)
        done, warnings = attributed(findings, writes, datetime.now(timezone.utc), containing.refs)
        containing.save()
        self._warnings.extend(warnings)
        return done

    def with_subjects(self, commits: set[int]) -> None:
        """Fill in the subjects of these commits (and of those the blobs with records were written in), in
        one git call: a listing from the scan cache keeps no messages, since a message may hold a key."""
        wanted = commits | {i for i in self._pending_subjects if not self._commits[i].message}
        self._pending_subjects.clear()
        if self._repo is None:
            return
        subjects = git.commit_subjects(self._repo, [self._commits[i].commit for i in sorted(wanted)])
        for i in wanted:
            self._commits[i] = replace(self._commits[i], message=subjects.get(self._commits[i].commit, ""))

    def signature(self, path: str) -> tuple[int, ...]:
        """The rules limited by path (`paths` or `exclude_paths`) that are in force for a path, computed
        once per distinct path: a history repeats the same few thousand paths across tens of thousands of
        blobs (measured: 9 s of a 36 s history scan went to matching globs again per blob)."""
        known = self._signatures.get(path)
        if known is None:
            ruleset = self.ruleset
            assert ruleset is not None
            # One match against every rule's globs first: most paths are in none (bench history: 1.19 s -> 0.40 s)
            rules = ruleset.rules
            known = self._unmatched if not path_matches(path, self._path_globs) else tuple(
                i for i in self._path_limited if rule_applies_to(path, rules[i].paths, rules[i].exclude_paths))
            self._signatures[path] = known
        return known

    def by_path_rules(self, places: list[Introduction]) -> list[list[Introduction]]:
        """Occurrences grouped so that each group has the same path-limited rules in force: the text is
        scanned once per group (almost always one), since a rule limited to `.npmrc` must not report the
        same blob committed as `notes.txt`, and a rule off under `tests/` must still report the same blob
        committed under `app/`."""
        if self.ruleset is None or len(places) == 1:  # most blobs were written once: nothing to group
            return [places]
        groups: dict[tuple[int, ...], list[Introduction]] = {}
        for place in places:
            groups.setdefault(self.signature(place.path), []).append(place)
        return list(groups.values())


def file_chains(wanted: list[str], introduced: dict[str, list[Introduction]]) -> tuple[list[str], dict[str, str]]:
    """The blobs in the order to scan them, each file's versions one after the other (oldest first, by the
    path each was first written at), and for each the version it replaced there when that is scanned too:
    the engine then scans only the lines a version changed (engine/line_delta.py). git reads a file's
    versions in a row about as fast as in pack order: they are deltas of each other."""
    first = {blob: introduced[blob][0] for blob in wanted}
    ordered = sorted(wanted, key=lambda blob: (first[blob].path, first[blob].order))
    after: dict[str, str] = {}
    for blob, place in first.items():
        replaced = next((parent for parent in place.parents if parent in first and parent != blob), "")
        if replaced:
            after[blob] = replaced
    return ordered, after


def submodules_note(count: int) -> Skipped:
    return Skipped(f"{count} submodule change(s)", "submodule (not scanned; scan it in its own repository)")


def with_replacements(introduced: dict[str, list[Introduction]], swaps: dict[str, str]) -> None:
    """A blob that `git replace` shows in place of a blob of this history is scanned at that blob's places
    too (the history itself is read as stored, so the original is scanned as well)."""
    for original, replacement in swaps.items():
        places = introduced.get(original)
        if places:
            merged = sorted({*introduced.get(replacement, []), *places})
            introduced[replacement] = merged


def head_tree_soon(repo: git.RepoInfo) -> Future[set[tuple[str, str]]]:
    """`git.head_tree` in a thread: a blob with a record will have findings, which need it; listing HEAD
    then runs while the blobs are read."""
    import threading
    from concurrent.futures import Future

    future: Future[set[tuple[str, str]]] = Future()

    def run() -> None:
        try:
            future.set_result(git.head_tree(repo))
        except BaseException as exc:  # noqa: BLE001 - raised where the result is asked for
            future.set_exception(exc)

    threading.Thread(target=run, name="leakstop-head-tree", daemon=True).start()
    return future


def done(result: set[tuple[str, str]]) -> Future[set[tuple[str, str]]]:
    from concurrent.futures import Future

    future: Future[set[tuple[str, str]]] = Future()
    future.set_result(result)
    return future
