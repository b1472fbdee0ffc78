"""Opening the store file: recognising it, creating it owner-only, and bringing its schema up to date.

The schema's version is SQLite's `user_version`; MIGRATIONS[i] takes a store from version i to i + 1, each
in one transaction, so a store is always at exactly one version. The header's `application_id` marks the
file as ours: any other file (another program's database, a text file) is refused before anything is
written to it.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from scanner.store import StoreError

APPLICATION_ID = 0x4C4B5354  # "LKST"
SQLITE_HEADER = b"SQLite format 3\x00"

MIGRATIONS: tuple[str, ...] = (
    # 0 → 1: the first schema.
    """
    CREATE TABLE repositories (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        location TEXT NOT NULL,
        remote_url TEXT NOT NULL DEFAULT '',
        head TEXT NOT NULL DEFAULT '',
        audited_at TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE ref_tips (
        repo_id INTEGER NOT NULL REFERENCES repositories(id),
        ref TEXT NOT NULL,
        commit_id TEXT NOT NULL,
        PRIMARY KEY (repo_id, ref)
    );
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT NOT NULL DEFAULT '',
        targets INTEGER NOT NULL
    );
    CREATE TABLE run_repositories (
        run_id INTEGER NOT NULL REFERENCES runs(id),
        repo_id INTEGER NOT NULL REFERENCES repositories(id),
        outcome TEXT NOT NULL CHECK (outcome IN ('done', 'failed')),
        reason TEXT NOT NULL DEFAULT '',
        incremental INTEGER NOT NULL DEFAULT 0,
        commits INTEGER NOT NULL DEFAULT 0,
        new INTEGER NOT NULL DEFAULT 0,
        gone INTEGER NOT NULL DEFAULT 0,
        back INTEGER NOT NULL DEFAULT 0,
        seconds REAL NOT NULL DEFAULT 0,
        at TEXT NOT NULL,
        PRIMARY KEY (run_id, repo_id)
    );
    CREATE TABLE findings (
        fingerprint TEXT PRIMARY KEY,
        rule_id TEXT NOT NULL,
        rule_name TEXT NOT NULL,
        provider TEXT NOT NULL,
        severity TEXT NOT NULL,
        confidence TEXT NOT NULL,
        redacted TEXT NOT NULL,
        first_seen_at TEXT NOT NULL,
        first_seen_run INTEGER NOT NULL
    );
    CREATE TABLE repo_findings (
        repo_id INTEGER NOT NULL REFERENCES repositories(id),
        fingerprint TEXT NOT NULL REFERENCES findings(fingerprint),
        first_seen_run INTEGER NOT NULL,
        at_head INTEGER NOT NULL,
        PRIMARY KEY (repo_id, fingerprint)
    );
    CREATE TABLE occurrences (
        repo_id INTEGER NOT NULL REFERENCES repositories(id),
        fingerprint TEXT NOT NULL REFERENCES findings(fingerprint),
        commit_id TEXT NOT NULL,
        path TEXT NOT NULL,
        line INTEGER NOT NULL,
        author TEXT NOT NULL,
        email TEXT NOT NULL,
        date TEXT NOT NULL,
        blob TEXT NOT NULL,
        at_head INTEGER NOT NULL,
        first_seen_run INTEGER NOT NULL,
        PRIMARY KEY (repo_id, fingerprint, commit_id, path, line)
    );
    CREATE TABLE triage (
        id INTEGER PRIMARY KEY,
        fingerprint TEXT NOT NULL REFERENCES findings(fingerprint),
        status TEXT NOT NULL CHECK (status IN ('new', 'confirmed', 'false-positive', 'revoked', 'accepted-risk')),
        note TEXT NOT NULL DEFAULT '',
        who TEXT NOT NULL,
        at TEXT NOT NULL
    );
    CREATE INDEX triage_by_fingerprint ON triage (fingerprint, id);
    """,
    # 1 → 2: the rule's remediation is kept with the finding (the HTML report shows it), and occurrences
    # are looked up by fingerprint (`findings --repo`, the report) without a scan of the table.
    """
    ALTER TABLE findings ADD COLUMN remediation TEXT NOT NULL DEFAULT '';
    CREATE INDEX occurrences_by_fingerprint ON occurrences (fingerprint);
    """,
    # 2 → 3: the policy each repository was audited under (a digest: rules, the configuration's allowlists
    # and excludes, limits, leakstop's version; '' for stores written before, which is unknown and so
    # audited in full once), why a finding is no longer reported in a repository after a full re-audit,
    # and which runs re-audited a repository in full.
    """
    ALTER TABLE repositories ADD COLUMN policy TEXT NOT NULL DEFAULT '';
    ALTER TABLE repo_findings ADD COLUMN gone_reason TEXT NOT NULL DEFAULT '';
    ALTER TABLE run_repositories ADD COLUMN reaudit TEXT NOT NULL DEFAULT '';
    ALTER TABLE run_repositories ADD COLUMN dropped INTEGER NOT NULL DEFAULT 0;
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


def connect(path: Path, *, create: bool = True, up_to: int = SCHEMA_VERSION) -> sqlite3.Connection:
    """A connection to the store at `path`, created (owner-only) if missing and migrated to `up_to`.

    `up_to` is for tests that need a store of an older version."""
    fresh = not path.exists() or path.stat().st_size == 0
    if fresh and not create:
        raise StoreError(f"{path}: no store there (run `leakstop audit` first, or give --store)")
    if not fresh:
        refuse_foreign(path)
    else:
        make_private_file(path)
    try:
        db = sqlite3.connect(str(path), timeout=30.0, isolation_level=None)
        # Checked before anything is set: WAL mode would rewrite another program's database header.
        if db.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID and not empty_database(db):
            db.close()
            raise StoreError(f"{path}: not a leakstop store (a SQLite database of another program)")
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.execute("PRAGMA foreign_keys=ON")
    except sqlite3.Error as exc:
        raise StoreError(f"{path}: cannot open the store: {exc}") from exc
    migrate(db, path, up_to)
    return db


def empty_database(db: sqlite3.Connection) -> bool:
    """A database with nothing in it yet: ours, created by a run that stopped before its first commit."""
    return int(db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]) == 0


def refuse_foreign(path: Path) -> None:
    """A file that is not a SQLite database is refused by its first bytes, before SQLite touches it."""
    try:
        with path.open("rb") as f:
            header = f.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise StoreError(f"{path}: cannot read the store: {exc.strerror or exc}") from exc
    if header != SQLITE_HEADER:
        raise StoreError(f"{path}: not a leakstop store (not a SQLite database)")


def make_private_file(path: Path) -> None:
    """The store holds repository names, authors and where secrets sit: readable by its owner only. SQLite
    gives its -wal and -shm files the database file's permissions."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(fd)
        os.chmod(path, 0o600)
    except OSError as exc:
        raise StoreError(f"{path}: cannot create the store: {exc.strerror or exc}") from exc


def migrate(db: sqlite3.Connection, path: Path, up_to: int) -> None:
    version = int(db.execute("PRAGMA user_version").fetchone()[0])
    if version > SCHEMA_VERSION:
        raise StoreError(f"{path}: the store has schema version {version}, newer than this leakstop knows "
                         f"({SCHEMA_VERSION}); upgrade leakstop")
    while version < up_to:
        db.execute("BEGIN IMMEDIATE")
        try:
            # Read again under the write lock: another process may have migrated meanwhile.
            version = int(db.execute("PRAGMA user_version").fetchone()[0])
            if version < up_to:
                if version == 0:
                    db.execute(f"PRAGMA application_id={APPLICATION_ID}")
                for statement in split_statements(MIGRATIONS[version]):
                    db.execute(statement)
                version += 1
                db.execute(f"PRAGMA user_version={version}")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise


def split_statements(script: str) -> list[str]:
    """A migration's statements one by one: `executescript` would commit on its own, outside the
    migration's transaction."""
    return [s.strip() for s in script.split(";") if s.strip()]
