"""Where a history's blobs were written, told to the findings in them: every commit and path that wrote a
blob with findings, whether HEAD holds it there (`located`), and where each secret left its paths, which
refs reach it and for how long it was exposed (`attributed`); and the grouping of a blob's places by the
path-limited rules in force, by which a blob is both handed out and located."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from scanner.engine.match import rule_applies_to
from scanner.findings import Finding
from scanner.fragment import Fragment
from scanner.git import runner as git
from scanner.git.context import GitContext, Occurrence
from scanner.ruleset.globs import path_matches
from scanner.ruleset.rule_set import RuleSet
from scanner.sources.history_listing import Introduction
from scanner.sources.refs_containing import RefsContaining

if TYPE_CHECKING:
    from concurrent.futures import Future

    from scanner.sources.history_snapshot import Snapshot


class BlobPlaces:
    """The places of the blobs a history scan hands out, and what its findings are told of them."""

    def __init__(self) -> None:
        self.ruleset: RuleSet | None = None
        self.introduced: dict[str, list[Introduction]] = {}
        self.commits: list[GitContext] = []
        self.repo: git.RepoInfo | None = None
        self.deletions: list[Introduction] = []
        """Where paths were deleted: where a secret left them."""
        self._signatures: dict[str, tuple[int, ...]] = {}
        self._path_globs: tuple[str, ...] = ()
        self._unmatched: tuple[int, ...] = ()
        self._path_limited: tuple[int, ...] = ()
        """The rules limited by path: the only ones a path's signature asks about (37 of the 1,431 built-in ones)."""
        self._at_head: set[tuple[str, str]] | None = None
        self._head_tree_early: Future[set[tuple[str, str]]] | None = None
        self._pending_subjects: set[int] = set()
        """Commits of blobs whose findings the cache recorded: their subjects are asked for together."""

    def prepare(self, ruleset: RuleSet) -> None:
        self.ruleset = ruleset
        self._path_globs = tuple(dict.fromkeys(g for rule in ruleset.rules for g in (*rule.paths, *rule.exclude_paths)))
        self._unmatched = tuple(i for i, rule in enumerate(ruleset.rules) if rule.exclude_paths and not rule.paths)
        self._path_limited = tuple(i for i, rule in enumerate(ruleset.rules) if rule.paths or rule.exclude_paths)

    def handing_out(self, repo: git.RepoInfo, introduced: dict[str, list[Introduction]],
                    commits: list[GitContext]) -> None:
        self.introduced, self.commits, self.repo = introduced, commits, repo

    def from_snapshot(self, snapshot: Snapshot, head_as_listed: bool) -> None:
        """What a snapshot knows: the deletions, and HEAD's files when they are still HEAD's
        (`head_as_listed`: no ref has moved since)."""
        self.deletions = snapshot.deletions
        # its blobs are the ones likely to have findings: their commits' subjects are asked for together
        self._pending_subjects.update(place.commit for places in snapshot.introduced.values() for place in places)
        if snapshot.at_head is not None and head_as_listed:
            self._at_head = snapshot.at_head
            self._head_tree_early = done(snapshot.at_head)  # nothing to list in a thread either

    def findings_expected(self, repo: git.RepoInfo, places: list[Introduction]) -> None:
        """A blob the cache recorded findings in is handed out: its commits' subjects and HEAD's files
        will be needed."""
        self._pending_subjects.update(place.commit for place in places)
        if self._head_tree_early is None:
            self._head_tree_early = head_tree_soon(repo)

    def at_head_if_listed(self) -> set[tuple[str, str]] | None:
        """HEAD's files, when they are known by now (never waits for them)."""
        at_head, early = self._at_head, self._head_tree_early
        if at_head is None and early is not None and early.done() and early.exception() is None:
            at_head = early.result()
        return at_head

    def located(self, fragment: Fragment) -> Fragment:
        """The fragment with every commit and path that wrote its blob (oldest first).

        Only texts with findings need them, so the blobs handed out carry paths alone: building the
        occurrences of every blob up front, then pickling them to the worker processes and back, was ~1.5 s
        of CPU of the bench history's scan, for 13 findings."""
        places = self.introduced.get(fragment.blob)
        if not places:
            return fragment
        outer, bang, member = fragment.path.partition("!")  # an archive's member: `lib.jar!conf/app.yaml`
        if self._at_head is None:  # only texts with findings need it: a re-scan may have none to scan
            early = self._head_tree_early
            self._at_head = early.result() if early is not None else (
                git.head_tree(self.repo) if self.repo is not None else set())
        at_head = self._at_head
        unsaid = {place.commit for place in places if not self.commits[place.commit].message}
        if unsaid:
            self.with_subjects(unsaid)
        for group in self.by_path_rules(places):
            if group[0].path == outer:
                occurrences = tuple(
                    Occurrence(place.path + bang + member, self.commits[place.commit],
                               (place.path, fragment.blob) in at_head, place.order, place.parents)
                    for place in group)
                return replace(fragment, git=occurrences[0].git, occurrences=occurrences)
        return fragment

    def attributed(self, findings: list[Finding], containing: RefsContaining) -> tuple[list[Finding], list[str]]:
        """Where each secret left the paths it entered, which refs reach it and for how long it was
        exposed (sources/exposure.py), with warnings; the history's writes are indexed for the paths with
        findings only."""
        from datetime import datetime, timezone

        from scanner.sources.exposure import attributed, outer_path, writes_by_path

        paths = {outer_path(loc.path) for f in findings for loc in f.locations}
        places = [(place.path, place.order, place.commit, blob, place.parents)
                  for blob, written in self.introduced.items() for place in written if place.path in paths]
        places += [(gone.path, gone.order, gone.commit, "", gone.parents) for gone in self.deletions
                   if gone.path in paths]
        writes = writes_by_path(places, self.commits, paths)
        done, warnings = attributed(findings, writes, datetime.now(timezone.utc), containing.refs)
        containing.save()
        return done, warnings

    def with_subjects(self, commits: set[int]) -> None:
        """Fill in the subjects of these commits (and of those the blobs with records were written in), in
        one git call: a listing from the scan cache keeps no messages, since a message may hold a key."""
        wanted = commits | {i for i in self._pending_subjects if not self.commits[i].message}
        self._pending_subjects.clear()
        if self.repo is None:
            return
        subjects = git.commit_subjects(self.repo, [self.commits[i].commit for i in sorted(wanted)])
        for i in wanted:
            self.commits[i] = replace(self.commits[i], message=subjects.get(self.commits[i].commit, ""))

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
