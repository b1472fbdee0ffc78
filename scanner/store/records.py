"""What one repository's audit sends to the store: small, picklable and secret-free.

These values travel from a worker (a local process or a Dask worker on another machine) to the process
that owns the store, so they hold fingerprints and redacted previews only.
"""

from __future__ import annotations

from dataclasses import dataclass

STATUSES = ("new", "confirmed", "false-positive", "revoked", "accepted-risk")
OPEN_STATUSES = ("new", "confirmed")
"""Statuses that still need someone: an audit that finds one of these exits 1."""


@dataclass(frozen=True)
class Written:
    """Where and by whom a secret was written: a commit, a path and a line."""

    commit: str
    path: str
    line: int
    author: str
    email: str
    date: str


@dataclass(frozen=True)
class Place(Written):
    """One commit writing a secret at a path, as an audit task sees it."""

    blob: str
    """The blob written there: whether HEAD still holds it is looked up again by later audits."""
    at_head: bool


@dataclass(frozen=True)
class SecretFacts:
    """What a secret is, as far as anyone may know without seeing it: its fingerprint, the rule that found
    it, and its redacted preview."""

    fingerprint: str
    rule_id: str
    rule_name: str
    provider: str
    severity: str
    confidence: str
    redacted: str
    remediation: str


@dataclass(frozen=True)
class SeenSecret(SecretFacts):
    """One secret found in one repository, with the places new to this audit."""

    places: tuple[Place, ...]


@dataclass(frozen=True)
class RepoResult:
    """The outcome of auditing one repository; `error` non-empty means it could not be (fully) audited."""

    name: str
    location: str
    remote_url: str = ""
    tips: tuple[tuple[str, str], ...] = ()
    """(ref, commit) of every ref after this audit: where the next one starts."""
    head: str = ""
    secrets: tuple[SeenSecret, ...] = ()
    at_head: frozenset[tuple[str, str]] = frozenset()
    """Of the (path, blob) places earlier audits recorded, those HEAD's tree still holds."""
    incremental: bool = False
    commits: int = 0
    seconds: float = 0.0
    error: str = ""
    policy: str = ""
    """The digest of what decided these findings (`scanner.audit.policy`): the next audit compares it."""
    reaudit: str = ""
    """Why the repository was audited in full although it had been audited before (its policy changed);
    empty otherwise. Such a result holds every finding the repository has under the new policy, so the
    store drops what it no longer reports."""
    silenced: tuple[tuple[str, str], ...] = ()
    """(fingerprint, reason) of secrets the configuration's allowlists silenced in a full re-audit: why a
    finding reported before is not any more."""


@dataclass(frozen=True)
class Previous:
    """What the store knows of a repository before auditing it again."""

    tips: tuple[str, ...] = ()
    places: frozenset[tuple[str, str]] = frozenset()
    """(path, blob) of every recorded place: the audit says which of them HEAD still holds."""
    policy: str = ""
    """The policy digest of the last complete audit; empty: none recorded (a store written before it was)."""


@dataclass(frozen=True)
class Change:
    """What one repository's result changed in the store, for the "since last time" report."""

    name: str
    new: tuple[str, ...] = ()
    gone: tuple[str, ...] = ()
    """Fingerprints that were at HEAD and are no longer."""
    back: tuple[str, ...] = ()
    """Fingerprints known before, not at HEAD then, at HEAD again."""
    findings: int = 0
    """Secrets known in the repository after this result."""
    dropped: tuple[tuple[str, str], ...] = ()
    """(fingerprint, reason) of secrets a full re-audit under a changed policy no longer reports here."""
    reaudit: str = ""
    """Why the repository was audited in full again (RepoResult.reaudit)."""
