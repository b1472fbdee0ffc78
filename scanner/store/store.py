"""Writing to the store: audit runs, one repository's result at a time, and triage decisions.

Each repository's result is one transaction: a crash (or a kill) mid-audit leaves every repository either
fully recorded or not at all, and a resumed run skips those recorded. Writing the same result twice (a task
that a Dask worker ran again after dying) changes nothing the second time.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import IO

from scanner.store import StoreError
from scanner.store.records import STATUSES, Change, Previous, RepoResult, SeenSecret
from scanner.store.schema import connect

RESUME_WITHIN = dt.timedelta(hours=24)


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


def recent(started_at: str) -> bool:
    try:
        started = dt.datetime.fromisoformat(started_at)
    except ValueError:
        return False
    return dt.datetime.now(dt.timezone.utc) - started < RESUME_WITHIN


def no_longer_reported(fingerprint: str, result: RepoResult) -> str:
    """Why a full re-audit no longer reports a secret: the allowlist entry that silenced it, when one did."""
    why = dict(result.silenced).get(fingerprint)
    if why:
        return f"no longer reported: {why}"
    return "no longer reported under the changed policy (its rule, an exclude or a limit)"


class Store:
    """One open store; the audit's process is the only writer, `leakstop findings` and others read."""

    def __init__(self, db: sqlite3.Connection, path: Path) -> None:
        self.db = db
        self.path = path
        self._writer_lock: IO[bytes] | None = None

    @classmethod
    def open(cls, path: Path, *, create: bool = True) -> Store:
        return cls(connect(path, create=create), path)

    def claim_writer(self) -> None:
        """Be the audit that writes this store, or fail at once: two audits writing one store would
        resume each other's runs. The lock (`STORE.writer-lock`) is released when the process ends, however
        it ends; on platforms without `fcntl` (Windows) it is not taken."""
        try:
            import fcntl
        except ImportError:
            return
        lock = open(f"{self.path}.writer-lock", "ab")  # noqa: SIM115 - held until close()
        os.chmod(lock.name, 0o600)
        try:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            lock.close()
            raise StoreError(f"{self.path}: another leakstop audit is writing this store") from None
        self._writer_lock = lock

    def close(self) -> None:
        self.db.close()
        if self._writer_lock is not None:
            self._writer_lock.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE takes the write lock at once, so a second writer waits (up to the connect
        timeout) instead of failing half-way through."""
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:  # another writer kept the lock past the timeout
            raise StoreError(f"{self.path}: {exc}") from exc
        try:
            yield self.db
            self.db.execute("COMMIT")
        except BaseException as exc:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise StoreError(f"{self.path}: {exc}") from exc
            raise

    # -- runs ---------------------------------------------------------------------------------------------

    def begin_run(self, key: str, targets: int) -> tuple[int, frozenset[str]]:
        """The run to record into and the repositories it already completed: an unfinished run of the
        same command (same targets) started within RESUME_WITHIN is resumed, so a killed audit does not
        scan again what it finished; an older one is left as it is (next week's audit is a new audit)."""
        with self.transaction() as db:
            row = db.execute("SELECT id, finished_at, started_at FROM runs WHERE key = ? ORDER BY id DESC LIMIT 1",
                             (key,)).fetchone()
            if row is not None and not row[1] and recent(row[2]):
                done = db.execute("SELECT r.name FROM run_repositories rr JOIN repositories r ON r.id = rr.repo_id "
                                  "WHERE rr.run_id = ? AND rr.outcome = 'done'", (row[0],)).fetchall()
                return int(row[0]), frozenset(name for (name,) in done)
            cursor = db.execute("INSERT INTO runs (key, started_at, targets) VALUES (?, ?, ?)", (key, now(), targets))
            return int(cursor.lastrowid or 0), frozenset()

    def finish_run(self, run_id: int) -> None:
        with self.transaction() as db:
            db.execute("UPDATE runs SET finished_at = ? WHERE id = ?", (now(), run_id))

    def previous(self, name: str) -> Previous:
        """The ref tips, recorded places and policy of a repository, for its next (incremental) audit."""
        found = self.db.execute("SELECT id, policy FROM repositories WHERE name = ?", (name,)).fetchone()
        if found is None:
            return Previous()
        row = found[:1]
        tips = self.db.execute("SELECT DISTINCT commit_id FROM ref_tips WHERE repo_id = ? ORDER BY commit_id",
                               row).fetchall()
        places = self.db.execute("SELECT DISTINCT path, blob FROM occurrences WHERE repo_id = ?", row).fetchall()
        return Previous(tuple(t for (t,) in tips), frozenset((p, b) for p, b in places), policy=found[1])

    # -- one repository's result ---------------------------------------------------------------------------

    def record(self, run_id: int, result: RepoResult) -> Change:
        """Store one repository's result in one transaction and say what changed since the last audit."""
        with self.transaction() as db:
            repo_id = self._repository(db, result)
            outcome = db.execute("SELECT outcome FROM run_repositories WHERE run_id = ? AND repo_id = ?",
                                 (run_id, repo_id)).fetchone()
            if outcome is not None and outcome[0] == "done":
                return Change(result.name, findings=self._count(db, repo_id))  # a task run twice: once counted
            before = dict(db.execute("SELECT fingerprint, at_head FROM repo_findings WHERE repo_id = ? "
                                     "AND gone_reason = ''", (repo_id,)).fetchall())
            for secret in result.secrets:
                self._secret(db, run_id, repo_id, secret)
            if not result.error:
                self._places_at_head(db, repo_id, result)
                if result.reaudit:
                    self._places_not_reported(db, repo_id, result)
            change = self._repo_findings(db, run_id, repo_id, result, before)
            if not result.error:  # an incomplete audit starts again from the old tips (and policy) next time
                db.execute("DELETE FROM ref_tips WHERE repo_id = ?", (repo_id,))
                db.executemany("INSERT INTO ref_tips (repo_id, ref, commit_id) VALUES (?, ?, ?)",
                               [(repo_id, ref, sha) for ref, sha in result.tips])
                db.execute("UPDATE repositories SET head = ?, audited_at = ?, policy = ? WHERE id = ?",
                           (result.head, now(), result.policy, repo_id))
            db.execute(
                "INSERT OR REPLACE INTO run_repositories (run_id, repo_id, outcome, reason, incremental, commits, "
                "new, gone, back, seconds, at, reaudit, dropped) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (run_id, repo_id, "failed" if result.error else "done", result.error, int(result.incremental),
                 result.commits, len(change.new), len(change.gone), len(change.back), result.seconds, now(),
                 result.reaudit, len(change.dropped)))
            return change

    def _repository(self, db: sqlite3.Connection, result: RepoResult) -> int:
        db.execute("INSERT INTO repositories (name, location, remote_url) VALUES (?, ?, ?) "
                   "ON CONFLICT (name) DO UPDATE SET location = excluded.location, "
                   "remote_url = CASE WHEN excluded.remote_url != '' THEN excluded.remote_url ELSE remote_url END",
                   (result.name, result.location, result.remote_url))
        return int(db.execute("SELECT id FROM repositories WHERE name = ?", (result.name,)).fetchone()[0])

    @staticmethod
    def _count(db: sqlite3.Connection, repo_id: int) -> int:
        return int(db.execute("SELECT count(*) FROM repo_findings WHERE repo_id = ? AND gone_reason = ''",
                              (repo_id,)).fetchone()[0])

    @staticmethod
    def _secret(db: sqlite3.Connection, run_id: int, repo_id: int, s: SeenSecret) -> None:
        db.execute("INSERT OR IGNORE INTO findings (fingerprint, rule_id, rule_name, provider, severity, confidence, "
                   "redacted, remediation, first_seen_at, first_seen_run) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   (s.fingerprint, s.rule_id, s.rule_name, s.provider, s.severity, s.confidence, s.redacted,
                    s.remediation, now(), run_id))
        db.executemany("INSERT OR IGNORE INTO occurrences (repo_id, fingerprint, commit_id, path, line, author, email, "
                       "date, blob, at_head, first_seen_run) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       [(repo_id, s.fingerprint, p.commit, p.path, p.line, p.author, p.email, p.date, p.blob,
                         int(p.at_head), run_id) for p in s.places])

    @staticmethod
    def _places_at_head(db: sqlite3.Connection, repo_id: int, result: RepoResult) -> None:
        """Every recorded place of the repository is looked up in today's HEAD: a secret deleted since the
        last audit is no longer at HEAD though no new commit of it was scanned."""
        held = set(result.at_head) | {(p.path, p.blob) for s in result.secrets for p in s.places if p.at_head}
        rows = db.execute("SELECT rowid, path, blob, at_head FROM occurrences WHERE repo_id = ?", (repo_id,)).fetchall()
        db.executemany("UPDATE occurrences SET at_head = ? WHERE rowid = ?",
                       [(int(now_held), rowid) for rowid, path, blob, was in rows
                        if (now_held := (path, blob) in held) != bool(was)])

    @staticmethod
    def _places_not_reported(db: sqlite3.Connection, repo_id: int, result: RepoResult) -> None:
        """A full re-audit under a changed policy reports every place the repository has under it: a place
        recorded before that it does not report (allowlisted now, its rule removed, its path excluded) is
        no longer a place of a finding."""
        reported = {(s.fingerprint, p.commit, p.path, p.line) for s in result.secrets for p in s.places}
        rows = db.execute("SELECT rowid, fingerprint, commit_id, path, line FROM occurrences WHERE repo_id = ?",
                          (repo_id,)).fetchall()
        db.executemany("DELETE FROM occurrences WHERE rowid = ?",
                       [(rowid,) for rowid, *place in rows if tuple(place) not in reported])

    def _repo_findings(self, db: sqlite3.Connection, run_id: int, repo_id: int, result: RepoResult,
                       before: dict[str, int]) -> Change:
        after = dict(db.execute("SELECT fingerprint, max(at_head) FROM occurrences WHERE repo_id = ? "
                                "GROUP BY fingerprint", (repo_id,)).fetchall())
        db.executemany("INSERT INTO repo_findings (repo_id, fingerprint, first_seen_run, at_head) VALUES (?, ?, ?, ?) "
                       "ON CONFLICT (repo_id, fingerprint) DO UPDATE SET at_head = excluded.at_head, gone_reason = ''",
                       [(repo_id, fp, run_id, at) for fp, at in after.items()])
        dropped = tuple(sorted((fp, no_longer_reported(fp, result)) for fp in before if fp not in after))
        db.executemany("UPDATE repo_findings SET at_head = 0, gone_reason = ? WHERE repo_id = ? AND fingerprint = ?",
                       [(reason, repo_id, fp) for fp, reason in dropped])
        return Change(
            result.name,
            new=tuple(sorted(fp for fp in after if fp not in before)),
            gone=tuple(sorted(fp for fp, at in after.items() if fp in before and before[fp] and not at)),
            back=tuple(sorted(fp for fp, at in after.items() if fp in before and not before[fp] and at)),
            findings=len(after),
            dropped=dropped,
            reaudit=result.reaudit,
        )

    # -- triage ---------------------------------------------------------------------------------------------

    def triage(self, fingerprint: str, status: str, note: str, who: str) -> None:
        """A decision about one secret, in every repository it is in; earlier decisions stay as history."""
        if status not in STATUSES:
            raise StoreError(f"status {status!r}: expected one of {', '.join(STATUSES)}")
        with self.transaction() as db:
            if db.execute("SELECT 1 FROM findings WHERE fingerprint = ?", (fingerprint,)).fetchone() is None:
                raise StoreError(f"{fingerprint}: no such finding in {self.path}")
            db.execute("INSERT INTO triage (fingerprint, status, note, who, at) VALUES (?, ?, ?, ?, ?)",
                       (fingerprint, status, note, who, now()))
