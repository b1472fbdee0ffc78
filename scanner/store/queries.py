"""Reading the store: findings with their triage state and places, triage history, and failures.

Readers never block the audit that writes (WAL): they see the repositories committed so far.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from scanner.store import StoreError
from scanner.store.records import STATUSES, SecretFacts, Written


@dataclass(frozen=True)
class StoredPlace(Written):
    """One place of a finding, with the repository it is in (and its remote, for links)."""

    repository: str
    remote_url: str
    at_head: bool


@dataclass(frozen=True)
class StoredFinding(SecretFacts):
    """One secret as the store knows it: what it is, what people decided, and every place it was seen."""

    first_seen_at: str
    status: str
    note: str
    who: str
    triaged_at: str
    places: tuple[StoredPlace, ...]

    @property
    def repositories(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(p.repository for p in self.places))

    @property
    def at_head(self) -> bool:
        return any(p.at_head for p in self.places)


@dataclass(frozen=True)
class TriageEntry:
    status: str
    note: str
    who: str
    at: str


@dataclass(frozen=True)
class Failure:
    repository: str
    reason: str
    run_id: int


_LATEST_TRIAGE = "(SELECT max(id) FROM triage WHERE triage.fingerprint = f.fingerprint)"


def stored_findings(db: sqlite3.Connection, *, statuses: Sequence[str] = (), repositories: Sequence[str] = (),
                    placeless: bool = False) -> list[StoredFinding]:
    """Findings, most severe first; `statuses` and `repositories` narrow them (a finding shows only its
    places in the repositories asked for). A finding no audit reports anywhere any more (a changed policy
    dropped its every place) is left out unless `placeless`."""
    for status in statuses:
        if status not in STATUSES:
            raise StoreError(f"status {status!r}: expected one of {', '.join(STATUSES)}")
    rows = db.execute(
        "SELECT f.fingerprint, f.rule_id, f.rule_name, f.provider, f.severity, f.confidence, f.redacted, "
        "f.remediation, f.first_seen_at, coalesce(t.status, 'new'), coalesce(t.note, ''), coalesce(t.who, ''), "
        f"coalesce(t.at, '') FROM findings f LEFT JOIN triage t ON t.id = {_LATEST_TRIAGE} "
        "ORDER BY CASE f.severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 "
        "WHEN 'low' THEN 3 ELSE 4 END, f.first_seen_at, f.fingerprint").fetchall()
    places = _places(db)
    out = []
    for row in rows:
        mine = tuple(p for p in places.get(row[0], ()) if not repositories or p.repository in repositories)
        if (statuses and row[9] not in statuses) or not (mine or (placeless and not repositories)):
            continue
        out.append(StoredFinding(
            fingerprint=row[0], rule_id=row[1], rule_name=row[2], provider=row[3], severity=row[4],
            confidence=row[5], redacted=row[6], remediation=row[7], first_seen_at=row[8], status=row[9],
            note=row[10], who=row[11], triaged_at=row[12], places=mine))
    return out


def _places(db: sqlite3.Connection) -> dict[str, list[StoredPlace]]:
    by_finding: dict[str, list[StoredPlace]] = {}
    for fp, name, url, commit, path, line, author, email, date, at_head in db.execute(
            "SELECT o.fingerprint, r.name, r.remote_url, o.commit_id, o.path, o.line, o.author, o.email, o.date, "
            "o.at_head FROM occurrences o JOIN repositories r ON r.id = o.repo_id "
            "ORDER BY r.name, o.date, o.path, o.line"):
        by_finding.setdefault(fp, []).append(StoredPlace(commit, path, line, author, email, date, repository=name,
                                                         remote_url=url, at_head=bool(at_head)))
    return by_finding


def triage_history(db: sqlite3.Connection, fingerprint: str) -> list[TriageEntry]:
    rows = db.execute("SELECT status, note, who, at FROM triage WHERE fingerprint = ? ORDER BY id",
                      (fingerprint,)).fetchall()
    return [TriageEntry(*row) for row in rows]


def latest_failures(db: sqlite3.Connection) -> list[Failure]:
    """Repositories whose most recent audit failed: a report must not let them pass for clean."""
    rows = db.execute(
        "SELECT r.name, rr.reason, rr.run_id FROM run_repositories rr JOIN repositories r ON r.id = rr.repo_id "
        "WHERE rr.outcome = 'failed' AND rr.run_id = (SELECT max(run_id) FROM run_repositories x "
        "WHERE x.repo_id = rr.repo_id) ORDER BY r.name").fetchall()
    return [Failure(name, reason, int(run)) for name, reason, run in rows]


def open_findings(db: sqlite3.Connection, repositories: Sequence[str]) -> int:
    """Secrets in these repositories that nobody has settled (new or confirmed): the audit's exit 1."""
    wanted = set(repositories)
    return sum(1 for f in stored_findings(db, statuses=("new", "confirmed")) if wanted & set(f.repositories))
