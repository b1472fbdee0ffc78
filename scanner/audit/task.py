"""One repository's audit: the unit of work a local process or a Dask worker runs.

The task reads the repository (a bare mirror for a remote one) and returns a RepoResult: fingerprints,
redacted previews and places, never a secret. It writes nothing but the clone cache, so running it twice
(a Dask worker that died mid-task) gives the same result, and the store counts it once.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from scanner.audit.policy import policy_digest, reaudit_reason
from scanner.errors import ScannerError
from scanner.findings import Finding
from scanner.git import runner as git
from scanner.ruleset.rule_set import RuleSet
from scanner.sources import DEFAULT_ARCHIVE_DEPTH
from scanner.store.records import Place, RepoResult, SeenSecret

if TYPE_CHECKING:
    from scanner.audit.settings import AuditSettings

_rulesets: dict[str, RuleSet] = {}
"""The built-in rules, and each configuration's, loaded once per worker process (a worker audits many
repositories)."""
_policies: dict[tuple[str, int, int], str] = {}
"""Their policy digests, per configuration and limits."""


@dataclass(frozen=True)
class AuditJob:
    """Everything a worker needs to audit one repository; small and picklable."""

    name: str
    location: str
    remote: bool
    cache_dir: str
    """Where bare mirrors of remote repositories are kept on the worker's machine; empty: the default of
    whoever runs the worker (a Dask worker's user need not be the one who started the audit)."""
    max_file_size: int
    known_commits: tuple[str, ...] = ()
    """The ref tips the last audit saw: only commits they cannot reach are scanned."""
    known_places: frozenset[tuple[str, str]] = frozenset()
    """(path, blob) of every place recorded before: which of them HEAD still holds is looked up."""
    settings: AuditSettings | None = None
    """`audit --config`: the configuration applied to this repository; None: the built-in rules alone."""
    known_policy: str = ""
    """The policy digest the last audit recorded: when this task's differs, every commit is judged again."""
    archive_depth: int = DEFAULT_ARCHIVE_DEPTH
    """How deep archives inside archives are opened (--max-archive-depth)."""


def audit_repository(job: AuditJob) -> RepoResult:
    started = time.perf_counter()
    try:
        path = local_copy(job)
        return audited(job, path, started)
    except (ScannerError, OSError) as exc:
        return failed(job, str(exc) or type(exc).__name__, started)


def failed(job: AuditJob, reason: str, started: float | None = None) -> RepoResult:
    seconds = time.perf_counter() - started if started is not None else 0.0
    return RepoResult(job.name, without_credentials(job.location), error=" ".join(reason.split()), seconds=seconds)


def local_copy(job: AuditJob) -> Path:
    """The repository to read: a local one as it is, a remote one as its bare mirror in the cache."""
    if not job.remote:
        return Path(job.location)
    from scanner.audit.mirrors import MirrorError, default_cache_dir, mirror
    from scanner.audit.targets import Target

    cache_dir = Path(job.cache_dir) if job.cache_dir else default_cache_dir()
    try:
        return mirror(Target(job.name, job.location, True), cache_dir)
    except MirrorError as exc:
        raise ScannerError(str(exc)) from exc


def audited(job: AuditJob, path: Path, started: float) -> RepoResult:
    from scanner.scan import ScanRequest, scan
    from scanner.sources.history import HistorySource

    repo = git.repository(path)
    tips = git.ref_tips(repo)
    settings = job.settings
    ruleset = configured_rules(settings)
    policy = policy_of(ruleset, job)
    reaudit = reaudit_reason(job.known_commits, job.known_policy, policy)
    known = () if reaudit else tuple(git.independent_commits(repo, job.known_commits))
    remote_url = job.location if job.remote else git.config_value(path, "remote.origin.url")
    secrets: tuple[SeenSecret, ...] = ()
    silenced: dict[str, str] = {}
    commits = 0
    error = ""
    if not (known and set(tips.values()) <= set(job.known_commits)):  # else: no commit since the last audit
        source = HistorySource(path, job.max_file_size, known_commits=known,
                               exclude=settings.exclude if settings else ())
        source.archive_depth = job.archive_depth
        suppressors = settings.suppressors if settings else ()
        if reaudit:
            from scanner.audit.silenced import SilenceLog

            suppressors = tuple(SilenceLog(s, silenced) for s in suppressors)
        # One repository per core: the engine's own pool would only compete with the other tasks.
        report = scan(ScanRequest(source=source, ruleset=ruleset, group=False, max_findings_per_rule=0, workers=1,
                                  suppressors=suppressors))
        secrets = seen_secrets(report.findings)
        commits = report.stats.commits
        if report.errors:
            error = f"{len(report.errors)} part(s) not scanned, e.g. {report.errors[0]}"
    head = set(git.head_tree(repo)) if job.known_places else set()
    return RepoResult(
        name=job.name, location=without_credentials(job.location), remote_url=without_credentials(remote_url),
        tips=tuple(sorted(tips.items())), head=git.head_commit(repo) or "", secrets=secrets,
        at_head=frozenset(p for p in job.known_places if p in head), incremental=bool(known), commits=commits,
        seconds=time.perf_counter() - started, error=error, policy=policy, reaudit=reaudit,
        silenced=tuple(sorted(silenced.items())),
    )


def policy_of(ruleset: RuleSet, job: AuditJob) -> str:
    """The job's policy digest, made once per worker process and configuration (hashing every rule takes
    ~30 ms: most of an audit's time for a repository without new commits)."""
    key = (job.settings.key if job.settings is not None else "builtin", job.max_file_size, job.archive_depth)
    policy = _policies.get(key)
    if policy is None:
        policy = _policies[key] = policy_digest(ruleset, job.settings, max_file_size=job.max_file_size,
                                                archive_depth=job.archive_depth)
    return policy


def builtin_rules() -> RuleSet:
    ruleset = _rulesets.get("builtin")
    if ruleset is None:
        from scanner.ruleset.rule_set import load_ruleset

        ruleset = _rulesets["builtin"] = load_ruleset([], builtin=True)
    return ruleset


def configured_rules(settings: AuditSettings | None) -> RuleSet:
    """The rules `settings` keeps, built once per worker and configuration; the built-in rules without one."""
    if settings is None:
        return builtin_rules()
    ruleset = _rulesets.get(settings.key)
    if ruleset is None:
        ruleset = _rulesets[settings.key] = settings.ruleset(builtin_rules() if settings.builtin else None)
    return ruleset


def seen_secrets(findings: list[Finding]) -> tuple[SeenSecret, ...]:
    """Findings (one per place, as `group=False` gives them) merged per secret, without the secret: every
    commit that wrote it is kept, not only those where it entered its path, so presence at HEAD is exact."""
    merged: dict[str, tuple[Finding, dict[tuple[str, str, int], Place]]] = {}
    for f in findings:
        _, places = merged.setdefault(f.fingerprint, (f, {}))
        for loc in f.locations:
            places.setdefault((loc.commit, loc.path, loc.line), Place(
                commit=loc.commit, path=loc.path, line=loc.line, author=loc.author, email=loc.email,
                date=loc.date, blob=loc.blob, at_head=bool(loc.in_head)))
    return tuple(
        SeenSecret(fingerprint=fp, rule_id=f.rule_id, rule_name=f.rule_name, provider=f.provider,
                   severity=f.severity, confidence=f.confidence, redacted=f.shown_secret,
                   remediation=f.remediation, places=tuple(places.values()))
        for fp, (f, places) in merged.items()
    )


def without_credentials(url: str) -> str:
    """A URL as it may be stored and shown: `https://user:token@host/x` loses `user:token@`."""
    if "://" not in url:
        return url
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))
