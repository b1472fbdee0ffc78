"""The scan cache: which blobs a rule set found nothing in, what it found in the others, and what a
repository's commits wrote.

A second history scan of the same repository reads again what it read before and finds the same
nothing in it. Blob ids name immutable content, so "blob B, scanned as path P, by rule set R of leakstop
version V with these options: nothing to report" stays true forever. That verdict is a key of digests;
for a blob with something to report the engine's results are kept as rule indexes and offsets
(engine/recorded.py), never text: the blob is read again and its secrets sliced out of it, so its
findings (and `--show-secrets`) are exactly those of an uncached scan, and nothing secret reaches disk.
Suppression (inline allows, ignore file, baseline) runs after the engine, so it is not part of the key.

One SQLite file in WAL mode: two scans at once each write in one transaction, and a scan killed half way
leaves the previous state. The cache only ever makes a scan faster: any fault (unreadable, corrupt,
written by a newer version, not ours, read-only, full) is one warning and the scan goes on without it.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import sqlite3
import stat
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from scanner import __version__
from scanner.ruleset.rule_set import RuleSet
from scanner.ruleset.rules import fields_digest

FORMAT = 1
"""The schema's version: a file written by a later format is left alone (and not used)."""
FILE_NAME = "scans.sqlite3"
MAX_BYTES = 256 * 1024 * 1024
"""Past this the least recently used rule sets' verdicts and repositories' listings are dropped."""
UNUSED_DAYS = 30
BUSY_MS = 5000
SINGLE_LOOKUPS = 200

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS contexts (ctx BLOB PRIMARY KEY, used REAL NOT NULL);
CREATE TABLE IF NOT EXISTS clean (ctx BLOB NOT NULL, item BLOB NOT NULL, PRIMARY KEY (ctx, item)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS found (ctx BLOB NOT NULL, item BLOB NOT NULL, data BLOB NOT NULL,
                                  PRIMARY KEY (ctx, item)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS listings (repo BLOB PRIMARY KEY, used REAL NOT NULL, data BLOB NOT NULL);
"""


class CacheFault(Exception):
    """The cache cannot be used; the message is the warning's text."""


class Damaged(CacheFault):
    """Not a database (garbage, a truncated header): ours to replace."""


def scan_context(ruleset: RuleSet, *options: object) -> bytes:
    """What a verdict holds for: leakstop's version, the regex engine's, every active rule's every field,
    and the options that change what the engine reports (time limit, decoding depth, keeping dropped
    matches). A changed rule, a rule turned off or another version gives another context, so nothing
    needs invalidating."""
    from scanner.ruleset.cache import regex_install

    # another regex engine install or Python (whose `re` some filters use) could change what matches
    engines = f"{regex_install()}\0{sys.version_info[:2]}"
    digest = hashlib.sha256(f"{FORMAT}\0{__version__}\0{engines}\0{options!r}\0".encode())
    for rule in ruleset.rules:
        digest.update(fields_digest(rule))
    return digest.digest()[:16]


def item_key(repo: bytes, blob: str, paths: Iterable[str]) -> bytes:
    """A blob scanned as these paths (path-limited rules and archive members depend on the path), in
    this repository: content ids would allow sharing verdicts between repositories, but then a damaged
    object in one repository would go unread because another repository's copy was fine."""
    data = blob + "\0" + "\0".join(paths)
    return hashlib.blake2b(data.encode("utf-8", "surrogateescape"), digest_size=16, key=repo).digest()


class ScanCache:
    """An open cache file. Every method swallows its faults into `warnings` and then acts as empty."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.warnings: list[str] = []
        self._db: sqlite3.Connection | None = None
        self._clean: dict[bytes, set[bytes]] = {}
        self._new: dict[bytes, list[bytes]] = {}
        self._found: dict[bytes, dict[bytes, bytes]] = {}
        self._new_found: dict[bytes, dict[bytes, bytes]] = {}
        self._listings: dict[bytes, bytes] = {}
        self._touched: set[bytes] = set()
        self._lookups = 0
        try:
            try:
                self._db = self._open(folder / FILE_NAME)
            except Damaged as exc:
                _remove(folder / FILE_NAME)
                self._db = self._open(folder / FILE_NAME)
                self.warnings.append(f"scan cache {folder / FILE_NAME}: {exc}; replaced by an empty one")
        except CacheFault as exc:
            self._warn(str(exc))
        except (OSError, sqlite3.Error) as exc:
            self._warn(f"cannot open it ({exc})")

    @property
    def usable(self) -> bool:
        return self._db is not None

    def _warn(self, why: str) -> None:
        line = f"scan cache {self.folder / FILE_NAME}: {why}; scanned without it"
        if line not in self.warnings:
            self.warnings.append(line)
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                self._db.close()
        self._db = None

    def _open(self, path: Path) -> sqlite3.Connection:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
        try:
            if not _private(os.fstat(fd)):
                raise CacheFault("not a regular file owned by this user and writable by no one else (not used)")
        finally:
            os.close(fd)
        db = sqlite3.connect(path, timeout=BUSY_MS / 1000, isolation_level=None, check_same_thread=False)
        try:
            db.execute(f"PRAGMA busy_timeout = {BUSY_MS}")
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")
            db.executescript(_SCHEMA)
            row = db.execute("SELECT value FROM meta WHERE name = 'format'").fetchone()
            if row is None:
                db.execute("INSERT OR IGNORE INTO meta VALUES ('format', ?)", (str(FORMAT),))
            elif row[0] != str(FORMAT):
                raise CacheFault(f"written by another leakstop version (format {row[0]}, this one reads {FORMAT})")
        except sqlite3.DatabaseError as exc:
            db.close()
            if isinstance(exc, sqlite3.OperationalError):
                raise
            raise Damaged(f"damaged ({exc})") from exc
        except BaseException:
            db.close()
            raise
        return db

    def clean_keys(self, ctx: bytes) -> set[bytes]:
        """The items known to hold nothing to report, for this context."""
        clean = self._clean.get(ctx)
        if clean is None:
            clean = self._clean[ctx] = self._load_clean(ctx)
        return clean

    def is_clean(self, ctx: bytes, key: bytes) -> bool:
        """One verdict: looked up alone for the first few (a re-scan after a commit asks about a handful
        of blobs), from every verdict of the context loaded at once after that."""
        if ctx not in self._clean:
            self._lookups += 1
            if self._lookups <= SINGLE_LOOKUPS:
                return self._select("SELECT 1 FROM clean WHERE ctx = ? AND item = ?", (ctx, key))
        return key in self.clean_keys(ctx)

    def has_context(self, ctx: bytes) -> bool:
        """Whether an earlier scan with these rules left verdicts: then most of the work is likely done."""
        return self._select("SELECT 1 FROM clean WHERE ctx = ? LIMIT 1", (ctx,))

    def _select(self, query: str, args: tuple[bytes, ...]) -> bool:
        if self._db is None:
            return False
        try:
            return self._db.execute(query, args).fetchone() is not None
        except sqlite3.Error as exc:
            self._warn(f"unreadable ({exc})")
            return False

    def _load_clean(self, ctx: bytes) -> set[bytes]:
        if self._db is None:
            return set()
        try:
            rows = self._db.execute("SELECT item FROM clean WHERE ctx = ?", (ctx,)).fetchall()
        except sqlite3.Error as exc:
            self._warn(f"unreadable ({exc})")
            return set()
        return {row[0] for row in rows if isinstance(row[0], bytes)}

    def add_clean(self, ctx: bytes, keys: Iterable[bytes]) -> None:
        """Remember verdicts (none: the context was used); written by `save`, once the scan has finished."""
        self._new.setdefault(ctx, []).extend(keys)

    def found(self, ctx: bytes, key: bytes) -> bytes | None:
        """What the engine found in an item (engine/recorded.py), for this context: every record of the
        context is loaded at the first question (a history has a few hundred at most)."""
        found = self._found.get(ctx)
        if found is None:
            found = self._found[ctx] = self._load_found(ctx)
        return found.get(key)

    def _load_found(self, ctx: bytes) -> dict[bytes, bytes]:
        if self._db is None:
            return {}
        try:
            rows = self._db.execute("SELECT item, data FROM found WHERE ctx = ?", (ctx,)).fetchall()
        except sqlite3.Error as exc:
            self._warn(f"unreadable ({exc})")
            return {}
        return {item: data for item, data in rows if isinstance(item, bytes) and isinstance(data, bytes)}

    def add_found(self, ctx: bytes, key: bytes, data: bytes) -> None:
        """Remember what the engine found in an item; written by `save`."""
        self._new_found.setdefault(ctx, {})[key] = data

    def listing(self, repo: bytes) -> bytes | None:
        if self._db is None:
            return None
        try:
            row = self._db.execute("SELECT data FROM listings WHERE repo = ?", (repo,)).fetchone()
        except sqlite3.Error as exc:
            self._warn(f"unreadable ({exc})")
            return None
        return row[0] if row is not None and isinstance(row[0], bytes) else None

    def add_listing(self, repo: bytes, data: bytes) -> None:
        """Remember what a source learnt about a repository (history: what each commit wrote); written by
        `save`."""
        self._listings[repo] = data

    def touch_listing(self, repo: bytes) -> None:
        """Mark a listing used (not to be pruned as unused) without writing it again; done by `save`."""
        self._touched.add(repo)

    def save(self) -> None:
        """Write the new verdicts and listings in one transaction, then prune past MAX_BYTES (when the file
        may have grown: a re-scan that learnt nothing only marks what it used)."""
        new = self._new
        listings = self._listings
        grew = bool(any(new.values()) or listings or self._new_found)
        if self._db is None or not (new or listings or self._new_found or self._touched):
            return
        now = time.time()
        try:
            with self._transaction(self._db) as db:
                for ctx, keys in new.items():
                    db.execute("INSERT OR REPLACE INTO contexts VALUES (?, ?)", (ctx, now))
                    db.executemany("INSERT OR IGNORE INTO clean VALUES (?, ?)", ((ctx, k) for k in keys))
                for ctx, records in self._new_found.items():
                    db.executemany("INSERT OR REPLACE INTO found VALUES (?, ?, ?)",
                                   ((ctx, k, data) for k, data in records.items()))
                for repo, data in listings.items():
                    db.execute("INSERT OR REPLACE INTO listings VALUES (?, ?, ?)", (repo, now, data))
                db.executemany("UPDATE listings SET used = ? WHERE repo = ?", ((now, r) for r in self._touched))
            self._new.clear()
            self._touched.clear()
            self._new_found.clear()
            self._listings.clear()
            if grew:
                self.prune(MAX_BYTES)
        except sqlite3.Error as exc:
            self._warn(f"not written ({exc})")

    def prune(self, max_bytes: int) -> None:
        """Drop what was not used for UNUSED_DAYS, then the least recently used contexts and listings
        until the file is under `max_bytes`."""
        db = self._db
        if db is None:
            return
        cutoff = time.time() - UNUSED_DAYS * 86400
        with self._transaction(db):
            for ctx, in db.execute("SELECT ctx FROM contexts WHERE used < ?", (cutoff,)).fetchall():
                self._drop_context(db, ctx)
            db.execute("DELETE FROM listings WHERE used < ?", (cutoff,))
        while self._used_bytes(db) > max_bytes:
            oldest = db.execute(
                "SELECT 'c', ctx, used FROM contexts UNION ALL SELECT 'l', repo, used FROM listings "
                "ORDER BY used LIMIT 1").fetchone()
            if oldest is None:
                break
            with self._transaction(db):
                if oldest[0] == "c":
                    self._drop_context(db, oldest[1])
                else:
                    db.execute("DELETE FROM listings WHERE repo = ?", (oldest[1],))
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    @staticmethod
    def _drop_context(db: sqlite3.Connection, ctx: bytes) -> None:
        db.execute("DELETE FROM clean WHERE ctx = ?", (ctx,))
        db.execute("DELETE FROM found WHERE ctx = ?", (ctx,))
        db.execute("DELETE FROM contexts WHERE ctx = ?", (ctx,))

    @staticmethod
    def _used_bytes(db: sqlite3.Connection) -> int:
        pages = db.execute("PRAGMA page_count").fetchone()[0]
        free = db.execute("PRAGMA freelist_count").fetchone()[0]
        size = db.execute("PRAGMA page_size").fetchone()[0]
        return int((pages - free) * size)

    @staticmethod
    @contextlib.contextmanager
    def _transaction(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def close(self) -> None:
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                self._db.close()
            self._db = None


class Verdicts:
    """The scan cache's verdicts for one rule set and set of options: what the source asks before it
    hands out a blob, and what the engine records once a blob came out clean."""

    def __init__(self, cache: ScanCache, ruleset: RuleSet, timeout: float, keep_dropped: bool,
                 max_decode_depth: int) -> None:
        self.cache = cache
        self.context = scan_context(ruleset, timeout, keep_dropped, max_decode_depth)
        self.warm = cache.has_context(self.context)
        self._found: list[bytes] = []
        self._summaries: list[tuple[bytes, list[str], set[str], dict[bytes, str], int]] = []
        self._follow_ups: dict[bytes, list[Callable[[set[str]], tuple[bytes, bytes] | None]]] = {}
        self._no_summary: set[bytes] = set()

    def clean(self, key: bytes) -> bool:
        return self.cache.is_clean(self.context, key)

    def record(self, key: bytes) -> None:
        self._found.append(key)

    def found(self, key: bytes) -> object | None:
        """What the engine found in the item the last time (engine/recorded.py); None when unknown or
        unreadable (then it is scanned)."""
        data = self.cache.found(self.context, key)
        if data is None:
            return None
        try:
            record: object = marshal.loads(data)
        except (EOFError, TypeError, ValueError):
            return None
        return record

    def record_found(self, key: bytes, record: tuple[object, ...]) -> None:
        self.cache.add_found(self.context, key, marshal.dumps(record))  # type: ignore[arg-type]

    def summary_name(self, repo: bytes, *options: object) -> bytes:
        return hashlib.blake2b(f"summary{options!r}".encode(), digest_size=16, key=repo + self.context).digest()

    def summary(self, name: bytes) -> tuple[set[str], set[str]] | None:
        """What the last scan of a history with these rules and options left: its commits, and the blobs
        it knew to be clean (each at every path it had then). None when there is none, or it is damaged."""
        data = self.cache.listing(name)
        if data is None:
            return None
        try:
            version, commits, clean = marshal.loads(data)
            if version != FORMAT or not isinstance(commits, str) or not isinstance(clean, str):
                return None
        except (EOFError, TypeError, ValueError):
            return None
        return set(commits.split()), set(clean.split())

    def summarize(self, name: bytes, commits: list[str], clean: set[str], handed_out: dict[bytes, str],
                  unchanged: int = -1) -> None:
        """Leave a summary of this scan for the next (`summary`): the blobs already known to be clean,
        and those of `handed_out` (key -> blob) that the engine finds clean. `unchanged`: how many clean
        blobs the last summary had, when this scan's commits are exactly its commits (then a summary with
        as many clean blobs is the same one, and is not written again). An empty name: nothing to leave
        (the scan worked from a snapshot, which is already there)."""
        if name:
            self._summaries.append((name, commits, clean, handed_out, unchanged))

    def when_summarized(self, name: bytes, write: Callable[[set[str]], tuple[bytes, bytes] | None],
                        summary: bool = True) -> None:
        """Have `write` make one more listing (name, data), or none, out of the blobs the summary `name`
        finds clean once the scan is over (history_snapshot.py); `summary=False`: only that, the summary
        itself is not written."""
        self._follow_ups.setdefault(name, []).append(write)
        if not summary:
            self._no_summary.add(name)

    def save(self) -> None:
        """Hand what this scan learnt to the cache (written by `ScanCache.save`)."""
        self.cache.add_clean(self.context, self._found)  # also marks the context used, for pruning
        found = set(self._found)
        for name, commits, clean, handed_out, unchanged in self._summaries:
            now = clean | {blob for key, blob in handed_out.items() if key in found}
            if len(now) != unchanged and name not in self._no_summary:
                self.cache.add_listing(name, marshal.dumps((FORMAT, "\n".join(commits), "\n".join(now))))
            for write in self._follow_ups.pop(name, ()):
                written = write(now)
                if written is not None:
                    self.cache.add_listing(*written)
        self._found, self._summaries, self._follow_ups, self._no_summary = [], [], {}, set()


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(f"{path}{suffix}")


def _private(st: os.stat_result) -> bool:
    """A verdict makes a scan skip a blob: a file another account could write is never trusted."""
    if not stat.S_ISREG(st.st_mode):
        return False
    return os.name != "posix" or (st.st_uid == os.geteuid() and not st.st_mode & 0o022)
