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

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from scanner.engine.scan_cache import item_key
from scanner.errors import GitError
from scanner.findings import Finding
from scanner.fragment import Fragment
from scanner.git import runner as git
from scanner.git.blobs import GitBlob
from scanner.git.context import GitContext
from scanner.report import ScanStats, Skipped
from scanner.ruleset.rule_set import RuleSet
from scanner.sources import Source, SourceItem
from scanner.sources.files import oversized
from scanner.sources.fragment_builder import blob_fragments
from scanner.sources.gc_pauses import collecting_no_cycles, pausing_collection
from scanner.sources.history_cache import HistoryCache
from scanner.sources.history_listing import Introduction
from scanner.sources.history_places import BlobPlaces
from scanner.sources.history_walk import walk
from scanner.sources.progress import Progress
from scanner.sources.refs_containing import RefsContaining
from scanner.sources.text_decode import BINARY_SNIFF

if TYPE_CHECKING:
    from scanner.engine.scan_cache import Verdicts
    from scanner.sources.history_snapshot import Snapshot

STORED_TEXT_RATIO = 6
"""About how many times the bytes its objects take on disk a history's blobs hold, at the least, once packed as a
clone or `git gc` packs them (6.0 on the bench's small history, 9.8 on the large one)."""


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
        self._places = BlobPlaces()
        """Where the blobs handed out were written: what their findings are told (history_places.py)."""
        self._cache: HistoryCache | None = None
        """What the scan cache spares this scan, when there is one (history_cache.py)."""
        self._graph: tuple[dict[str, list[str]], list[str]] | None = None
        """Every commit's parents and the walk's order, when this scan walked every ref without a cache."""

    def prepare(self, ruleset: RuleSet, verdicts: Verdicts | None = None) -> None:
        self.ruleset = ruleset
        self.verdicts = verdicts
        self._places.prepare(ruleset)
        self._cache = None if verdicts is None else HistoryCache(
            verdicts, self._places, path=self.path, exclude=self.exclude, max_file_size=self.max_file_size,
            branch=self.branch, known_commits=self.known_commits, archive_depth=self.archive_depth)

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
        cache = self._cache
        if cache is not None:
            reduced = cache.from_snapshot(repo, revs)
            if reduced is not None:
                yield from self.reduced_items(repo, cache, reduced, stats)
                return
        with pausing_collection():
            walked = cache.cached_walk(repo, revs) if cache is not None else walk(repo, revs, self.exclude)
        stats.commits = len(walked.commits)
        if walked.parents is not None:
            self._graph = walked.parents, walked.order
        if not walked.commits and git.head_commit(repo) is None:
            self._warnings.append(f"{self.path} is an empty repository (no commits yet): no history to scan")
        if walked.submodules:
            yield submodules_note(walked.submodules)
        self._places.deletions = walked.deletions
        yield from self.scan_blobs(repo, walked.introduced, walked.commits, walked.sizes, stats)

    def reduced_items(self, repo: git.RepoInfo, cache: HistoryCache, reduced: Snapshot, stats: ScanStats
                      ) -> Iterator[SourceItem]:
        """The items of `scan_blobs` over the blobs of a snapshot (extended or not); the clean ones are
        counted only."""
        stats.commits = reduced.commit_count
        if reduced.submodules:
            yield submodules_note(reduced.submodules)
        stats.blobs += reduced.clean_blobs
        stats.bytes += reduced.clean_bytes
        self._places.from_snapshot(reduced, head_as_listed=not cache.snapshot_changed)
        introduced = dict(reduced.introduced)
        yield from self.scan_blobs(repo, introduced, reduced.commits, reduced.sizes, stats)
        # where a secret left its paths (`attributed`) needs the other blobs' writes at them; no blob of
        # these is handed out or located
        for blob, places in reduced.around.items():
            introduced.setdefault(blob, places)
        cache.snapshot_used()

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
        self._places.handing_out(repo, introduced, commits)
        cache, verdicts, by_path_rules = self._cache, self.verdicts, self._places.by_path_rules
        repo_key, summary_name, still_clean, unchanged = b"", b"", set[str](), -1
        if cache is not None:
            repo_key = cache.verdict_key(repo)
            summary_name, still_clean, unchanged = cache.unchanged_since_last_scan(repo_key)
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
                        self._places.findings_expected(repo, introduced[blob])
                yield GitBlob(repo.path, blob, sizes[blob],
                              tuple(group[0].path for group in by_path_rules(introduced[blob])),
                              blob_fragments, self.archive_depth, key, record, after.get(blob, ""),
                              blob in replaced)
        finally:
            progress.close()
        if cache is not None:
            cache.verdicts.summarize(summary_name, cache.order, clean, handed_out, unchanged)

    def located(self, fragment: Fragment) -> Fragment:
        return self._places.located(fragment)

    def attributed(self, findings: list[Finding]) -> list[Finding]:
        repo = self._places.repo
        if repo is None:
            return findings
        cache = self._cache
        containing = (cache.refs_containing(repo) if cache is not None
                      else RefsContaining(repo, None, "", *(self._graph or (None, ()))))
        done, warnings = self._places.attributed(findings, containing)
        self._warnings.extend(warnings)
        return done


def file_chains(wanted: list[str], introduced: dict[str, list[Introduction]]) -> tuple[list[str], dict[str, str]]:
    """The blobs in the order to scan them, each file's versions one after the other (oldest first, by the
    path each was first written at), and for each the version it replaced there when that is scanned too:
    the engine then scans only the lines a version changed (engine/line_delta.py). git reads a file's
    versions in a row about as fast as in pack order: they are deltas of each other."""
    first = {blob: introduced[blob][0] for blob in wanted}
    ordered = sorted(wanted, key=lambda blob: (first[blob].path, first[blob].order))
    after: dict[str, str] = {}
    for blob, place in first.items():
        for parent in place.parents:  # a loop, not next() over a generator: 40k blobs, 23 ms -> 8
            if parent in first and parent != blob:
                after[blob] = parent
                break
    return ordered, after


def submodules_note(count: int) -> Skipped:
    return Skipped(f"{count} submodule change(s)", "submodule (not scanned; scan it in its own repository)")
