"""Sources: each turns one kind of target into a stream of Fragments (and notes of what it skipped).

Adding a source is one new module with a class implementing `Source.items()`.
"""

from __future__ import annotations

import abc
from collections.abc import Iterator
from typing import TYPE_CHECKING, Union

from scanner.fragment import Fragment
from scanner.report import ScanStats, Skipped
from scanner.ruleset.rule_set import RuleSet

if TYPE_CHECKING:
    from scanner.engine.scan_cache import Verdicts
    from scanner.findings import Finding
    from scanner.git.blobs import GitBlob

SourceItem = Union[Fragment, Skipped, "GitBlob"]
"""A GitBlob is a Fragment not yet read: the process that scans it reads it (history scans)."""
DEFAULT_ARCHIVE_DEPTH = 2
"""An archive and the archives inside it (a jar in a zip); deeper ones are listed as not scanned."""


class Source(abc.ABC):
    """A target to scan. `items()` yields Fragments to scan and Skipped notes, and counts into `stats`."""

    description: str = ""
    archive_depth: int = DEFAULT_ARCHIVE_DEPTH
    """How deep archives inside archives are opened (--max-archive-depth; 0: archives are not opened)."""
    named: frozenset[str] | set[str] = frozenset()
    """Paths of files the user named one by one (`scan FILE`): asked about directly, so a generic rule's
    match there keeps its confidence even in a test or docs path."""

    @abc.abstractmethod
    def items(self, stats: ScanStats) -> Iterator[SourceItem]:
        """Yield what to scan, in a stable order."""

    def prepare(self, ruleset: RuleSet, verdicts: Verdicts | None = None  # noqa: B027 - optional, not abstract
                ) -> None:
        """Called once before `items()`; a source that groups paths by the path-restricted rules in force
        (history) keeps the rules here, the others need nothing. `verdicts` (a scan cache, history scans
        only): a source that names its items' content by id leaves out what is known to be clean, and
        keys the rest (`GitBlob.key`) for the engine to record."""

    def expected_bytes(self) -> int:
        """How much text `items()` will produce, when the source can tell cheaply before producing any
        (0 when it cannot): a large history starts its worker processes before it walks the history."""
        return 0

    def located(self, fragment: Fragment) -> Fragment:
        """The fragment with all that its findings must say about where it is. A source whose items travel
        to worker processes may hand out fragments that carry less (history: the path, not every commit
        that wrote the blob) and fill them in here, for the few texts that have findings."""
        return fragment

    def attributed(self, findings: list[Finding]) -> list[Finding]:
        """The findings with what the source alone knows about them once all are found, before they are
        grouped (history: where each secret left its paths, which refs reach it, how long it was exposed)."""
        return findings

    def warnings(self) -> list[str]:
        """Things the user should know about the target once `items()` is done (a shallow clone, ...)."""
        return []
