"""Report: what a scan found and what it did (or could not do), handed to a reporter as one value."""

from __future__ import annotations

from dataclasses import dataclass, field

from scanner.findings import Finding


@dataclass(frozen=True)
class Skipped:
    """Something a source did not scan. `error` means the user asked for it and it could not be read,
    which makes the whole scan fail closed (exit 2); otherwise it is a note (binary, too large, symlink)."""

    path: str
    reason: str
    error: bool = False
    limit: bool = False
    """One of leakstop's limits (file size, decoding, archive size and depth) left this content unscanned:
    always a warning, and in hook and CI modes an error unless the user passed --allow-partial."""


@dataclass
class ScanStats:
    """What a scan covered; sources count into it while they yield (so it is not frozen)."""

    files: int = 0
    bytes: int = 0
    commits: int = 0
    blobs: int = 0
    rules: int = 0
    seconds: float = 0.0
    target: str = ""
    """What was scanned, in words: `tree .`, `stdin`, `staged changes`, `history (all refs)`."""
    suppressed: dict[str, int] = field(default_factory=dict)
    """Secrets not reported, per mechanism (`inline`, `ignore`, `baseline`, `allowlist`), counted whether or
    not --show-suppressed lists them: silence is never invisible."""
    excluded: int = 0
    """Files left out by the configuration's `exclude` globs."""
    config: str = ""
    """The configuration file the scan used; empty for the defaults."""


@dataclass(frozen=True)
class Report:
    """Everything a reporter renders and the exit code depends on."""

    findings: list[Finding]
    stats: ScanStats
    skipped: list[Skipped] = field(default_factory=list)
    suppressed: list[Finding] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    """Anything that left part of the target unscanned; non-empty means exit 2 (fail closed)."""

    @property
    def complete(self) -> bool:
        return not self.errors

    @property
    def partial(self) -> bool:
        """A limit left some content unscanned (see `Skipped.limit`)."""
        return any(s.limit for s in self.skipped)
