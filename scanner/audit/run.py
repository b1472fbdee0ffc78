"""An audit against the store: which repositories to do (resuming an interrupted run), the jobs for them
(with what the last audit saw), and each result written as it arrives, by this process alone."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from scanner.audit.executors import Executor
from scanner.audit.settings import AuditSettings
from scanner.audit.task import AuditJob
from scanner.sha256 import sha256_hex
from scanner.sources import DEFAULT_ARCHIVE_DEPTH
from scanner.store.queries import open_findings
from scanner.store.records import Change, RepoResult
from scanner.store.store import Store


class AuditTarget(Protocol):
    """What an audit needs of a target (scanner.audit.targets.Target has it)."""

    @property
    def name(self) -> str: ...
    @property
    def location(self) -> str: ...
    @property
    def remote(self) -> bool: ...


@dataclass
class AuditOutcome:
    run_id: int
    total: int
    already_done: int = 0
    """Repositories an interrupted run of the same command had finished, not scanned again."""
    changes: list[Change] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)
    findings: int = 0
    open_findings: int = 0


OnResult = Callable[[RepoResult, Change, AuditOutcome], None]


def run_key(targets: Sequence[AuditTarget], settings: AuditSettings | None = None) -> str:
    """Runs of the same command share a key: what lets a rerun resume an interrupted one (with another
    configuration it is another run)."""
    names = "\n".join(sorted({t.name for t in targets}))
    return sha256_hex(names if settings is None else f"{names}\nconfig {settings.key}")


def run_audit(store: Store, targets: Sequence[AuditTarget], executor: Executor, *, cache_dir: Path | None,
              max_file_size: int, on_result: OnResult | None = None, settings: AuditSettings | None = None,
              archive_depth: int = DEFAULT_ARCHIVE_DEPTH) -> AuditOutcome:
    store.claim_writer()
    unique = list({t.name: t for t in targets}.values())
    run_id, done = store.begin_run(run_key(unique, settings), len(unique))
    outcome = AuditOutcome(run_id, len(unique), already_done=len(done & {t.name for t in unique}))
    jobs = [job_for(store, t, cache_dir, max_file_size, settings, archive_depth) for t in unique
            if t.name not in done]
    for result in executor.results(jobs):
        change = store.record(run_id, result)
        outcome.changes.append(change)
        outcome.findings += change.findings
        if result.error:
            outcome.failures.append((result.name, result.error))
        if on_result is not None:
            on_result(result, change, outcome)
    store.finish_run(run_id)
    outcome.open_findings = open_findings(store.db, [t.name for t in unique])
    return outcome


def job_for(store: Store, target: AuditTarget, cache_dir: Path | None, max_file_size: int,
            settings: AuditSettings | None = None, archive_depth: int = DEFAULT_ARCHIVE_DEPTH) -> AuditJob:
    previous = store.previous(target.name)
    return AuditJob(name=target.name, location=target.location, remote=target.remote, cache_dir=str(cache_dir or ""),
                    max_file_size=max_file_size, known_commits=previous.tips, known_places=previous.places,
                    settings=settings, known_policy=previous.policy, archive_depth=archive_depth)
