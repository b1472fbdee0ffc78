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
from dataclasses import replace
from pathlib import Path
from typing import NamedTuple

from scanner.engine.match import rule_applies_to
from scanner.errors import GitError
from scanner.findings import Finding
from scanner.fragment import Fragment
from scanner.git import runner as git
from scanner.git.blobs import GitBlob
from scanner.git.context import GitContext, Occurrence
from scanner.git.diff import NULL_BLOB, SUBMODULE_MODE, display_path, split_raw
from scanner.report import ScanStats, Skipped
from scanner.ruleset.globs import path_matches
from scanner.ruleset.rule_set import RuleSet
from scanner.sources import Source, SourceItem
from scanner.sources.files import oversized
from scanner.sources.fragment_builder import blob_fragments
from scanner.sources.progress import Progress
from scanner.sources.text_decode import BINARY_SNIFF

SCANNED_MODES = ("100644", "100755", "120000")
"""Regular files, executables and symlinks (whose target path is text); 160000 is a submodule commit."""


NULL_BYTES = NULL_BLOB.encode("ascii")

class Introduction(NamedTuple):
    """One commit writing a blob at a path."""

    order: int
    """Place in the oldest-first walk over every commit's writes: the order findings are reported in."""
    commit: int
    """Index into the commit list (oldest first)."""
    path: str
    parents: tuple[str, ...] = ()
    """The blobs the path held in the commit's parents: whether a secret entered the path here."""


class HistorySource(Source):
    def __init__(self, path: Path, max_file_size: int, branch: str = "", progress: bool = False,
                 exclude: tuple[str, ...] = (), known_commits: tuple[str, ...] = ()) -> None:
        self.path = path
        self.known_commits = known_commits
        """Commits already scanned (an audit's last ref tips): only what they cannot reach is read."""
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
        self._introduced: dict[str, list[Introduction]] = {}
        self._commits: list[GitContext] = []
        self._at_head: set[tuple[str, str]] = set()
        self._deletions: list[Introduction] = []
        self._repo: git.RepoInfo | None = None

    def prepare(self, ruleset: RuleSet) -> None:
        self.ruleset = ruleset
        self._path_globs = tuple(dict.fromkeys(g for rule in ruleset.rules for g in (*rule.paths, *rule.exclude_paths)))
        self._unmatched = tuple(i for i, rule in enumerate(ruleset.rules) if rule.exclude_paths and not rule.paths)

    def warnings(self) -> list[str]:
        return self._warnings

    def expected_bytes(self) -> int:
        """What the repository stores, compressed: a low estimate of its blobs' text (bench history: 147 MB
        of packs, 504 MB of blobs)."""
        return git.stored_bytes(self.path)

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
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(1) as side:  # the object listing runs while git log walks the history
            listing = side.submit(git.blob_listing, repo)
            introduced, commits, submodules = blob_introductions(repo, revs, self.exclude, self._deletions)
            with_replacements(introduced, git.replaced_blobs(repo))
            stats.commits = len(commits)
            if not commits and git.head_commit(repo) is None:
                self._warnings.append(f"{self.path} is an empty repository (no commits yet): no history to scan")
            sizes = git.blobs_in_pack_order(repo, introduced, listing.result()) if introduced else {}
        if submodules:
            yield Skipped(f"{submodules} submodule change(s)", "submodule (not scanned; scan it in its own repository)")
        yield from self.scan_blobs(repo, introduced, commits, sizes, stats)

    def scan_blobs(self, repo: git.RepoInfo, introduced: dict[str, list[Introduction]],
                   commits: list[GitContext], sizes: dict[str, int], stats: ScanStats) -> Iterator[SourceItem]:
        for blob, places in introduced.items():
            oldest = places[0]
            where = f"{oldest.path} (blob {blob[:12]}, commit {commits[oldest.commit].commit[:12]})"
            if sizes[blob] == git.MISSING:
                yield Skipped(where, "not in this partial clone (a scan never fetches); not scanned", error=True)
            elif sizes[blob] > self.max_file_size:
                yield oversized(where, sizes[blob], git.blob_head(repo, blob, BINARY_SNIFF), oldest.path)
        wanted = [blob for blob, size in sizes.items() if 0 <= size <= self.max_file_size]
        self._introduced, self._commits, self._at_head = introduced, commits, git.head_tree(repo)
        self._repo = repo
        progress = Progress(len(wanted), "scanning history", self.progress)
        try:
            for done, blob in enumerate(wanted, 1):
                stats.blobs += 1
                stats.bytes += sizes[blob]
                progress.update(done, stats.bytes)  # as blobs are handed out: at most a few batches ahead
                yield GitBlob(repo.path, blob, sizes[blob],
                              tuple(group[0].path for group in self.by_path_rules(introduced[blob])),
                              blob_fragments, self.archive_depth)
        finally:
            progress.close()

    def located(self, fragment: Fragment) -> Fragment:
        """The fragment with every commit and path that wrote its blob (oldest first).

        Only texts with findings need them, so the blobs handed out carry paths alone: building the
        occurrences of every blob up front, then pickling them to the worker processes and back, was ~1.5 s
        of CPU of the bench history's scan, for 13 findings."""
        places = self._introduced.get(fragment.blob)
        if not places:
            return fragment
        outer, bang, member = fragment.path.partition("!")  # an archive's member: `lib.jar!conf/app.yaml`
        for group in self.by_path_rules(places):
            if group[0].path == outer:
                occurrences = tuple(
                    Occurrence(place.path + bang + member, self._commits[place.commit],
                               (place.path, fragment.blob) in self._at_head, place.order, place.parents)
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
        done, warnings = attributed(findings, writes, datetime.now(timezone.utc),
                                    lambda commits: git.refs_containing(repo, commits))
        self._warnings.extend(warnings)
        return done

    def signature(self, path: str) -> tuple[int, ...]:
        """The rules limited by path (`paths` or `exclude_paths`) that are in force for a path, computed
        once per distinct path: a history repeats the same few thousand paths across tens of thousands of
        blobs (measured: 9 s of a 36 s history scan went to matching globs again per blob)."""
        known = self._signatures.get(path)
        if known is None:
            ruleset = self.ruleset
            assert ruleset is not None
            # One match against every rule's globs first: most paths are in none (bench history: 1.19 s -> 0.40 s)
            known = self._unmatched if not path_matches(path, self._path_globs) else tuple(
                i for i, rule in enumerate(ruleset.rules)
                if (rule.paths or rule.exclude_paths) and rule_applies_to(path, rule.paths, rule.exclude_paths))
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


def with_replacements(introduced: dict[str, list[Introduction]], swaps: dict[str, str]) -> None:
    """A blob that `git replace` shows in place of a blob of this history is scanned at that blob's places
    too (the history itself is read as stored, so the original is scanned as well)."""
    for original, replacement in swaps.items():
        places = introduced.get(original)
        if places:
            merged = sorted({*introduced.get(replacement, []), *places})
            introduced[replacement] = merged


def blob_introductions(repo: git.RepoInfo, revs: list[str], exclude: tuple[str, ...] = (),
                       deletions: list[Introduction] | None = None
                       ) -> tuple[dict[str, list[Introduction]], list[GitContext], int]:
    """blob id → every commit that wrote that blob at a path, oldest commit first (the dict's order is
    the order blobs first appeared); the commits themselves; and how many submodule changes were passed
    over. `deletions`, when given, gets every commit that deleted a path (where a secret may have left)."""
    introduced: dict[str, list[Introduction]] = {}
    commits: list[GitContext] = []
    paths: dict[bytes, str | None] = {}  # one str per distinct path, shared by every occurrence; None: excluded
    submodules = 0
    writes = 0
    for commit, body in git.commit_trees(repo, revs):
        index = len(commits)
        commits.append(GitContext(commit.sha, commit.author, commit.email, commit.date, commit.subject))
        records, _ = split_raw(body)
        for meta, names in records:
            fields = meta.split(b" ")
            mode, blob = fields[(len(fields) - 1) // 2 - 1].decode(), fields[-2].decode()
            parent_count = (len(fields) - 3) // 2
            if blob == NULL_BLOB:
                gone = paths.get(names[-1])  # a path written before (and not excluded) that this commit deletes
                if deletions is not None and gone:
                    old = fields[parent_count + 1:2 * parent_count + 1]
                    deletions.append(Introduction(writes, index, gone, tuple(b.decode() for b in old)))
                    writes += 1
                continue
            if mode == SUBMODULE_MODE:
                submodules += 1
                continue
            if mode not in SCANNED_MODES:
                continue
            raw = names[-1]
            if raw not in paths:
                shown = display_path(raw)
                paths[raw] = None if exclude and path_matches(shown, exclude) else shown
            path = paths[raw]
            if path is not None:
                old = fields[parent_count + 1:2 * parent_count + 1]
                parents = tuple(b.decode() for b in old if b != NULL_BYTES)
                introduced.setdefault(blob, []).append(Introduction(writes, index, path, parents))
                writes += 1
    return introduced, commits, submodules
