"""The findings store as a file: migrations from an older schema, a newer one refused, a crash in the
middle of a write, readers while a writer works, and a result recorded twice counted once."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import textwrap

import pytest

from scanner.store import StoreError
from scanner.store.queries import stored_findings
from scanner.store.records import Place, RepoResult, SeenSecret
from scanner.store.schema import SCHEMA_VERSION, connect
from scanner.store.store import Store


def result(name: str, places: int = 3, fingerprint: str = "ls1:" + "ab" * 16) -> RepoResult:
    secret = SeenSecret(fingerprint, "github-pat-classic", "GitHub token", "GitHub", "critical", "high",
                        "ghp_Ab********", "Revoke it.",
                        tuple(Place(f"{i:040x}", f"conf/{i}.py", i + 1, "Ada", "ada@example.invalid",
                                    "2026-01-02T03:04:05+00:00", f"{i:040x}", i == 0) for i in range(places)))
    return RepoResult(name, f"/srv/{name}", tips=(("refs/heads/main", "c" * 40),), head="c" * 40, secrets=(secret,))


def test_a_store_of_schema_1_is_migrated_keeping_its_data(tmp_path):
    path = tmp_path / "old.sqlite"
    db = connect(path, up_to=1)
    db.execute("INSERT INTO repositories (name, location) VALUES ('r', '/srv/r')")
    db.execute("INSERT INTO findings (fingerprint, rule_id, rule_name, provider, severity, confidence, redacted, "
               "first_seen_at, first_seen_run) VALUES ('ls1:" + "cd" * 16 + "', 'x', 'X', 'P', 'high', 'high', "
               "'abc********', '2026-01-01', 1)")
    db.close()
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone() == (1,)
    with Store.open(path) as store:
        assert store.db.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
        assert store.db.execute("SELECT name FROM repositories").fetchall() == [("r",)]
        assert store.db.execute("SELECT remediation FROM findings").fetchall() == [("",)]
        run_id, _ = store.begin_run("key", 1)
        store.record(run_id, result("r2"))
        assert store.db.execute("SELECT remediation FROM findings WHERE rule_id != 'x'").fetchall() == [("Revoke it.",)]


def test_a_store_newer_than_this_leakstop_is_refused(tmp_path):
    path = tmp_path / "new.sqlite"
    Store.open(path).close()
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(StoreError, match="newer than this leakstop"):
        Store.open(path)


def test_a_result_recorded_twice_in_a_run_is_counted_once(tmp_path):
    with Store.open(tmp_path / "s.sqlite") as store:
        run_id, done = store.begin_run("key", 1)
        first = store.record(run_id, result("r"))
        again = store.record(run_id, result("r"))
        assert first.new == ("ls1:" + "ab" * 16,) and again.new == ()
        assert store.db.execute("SELECT count(*) FROM occurrences").fetchone() == (3,)
        assert store.db.execute("SELECT count(*) FROM run_repositories").fetchone() == (1,)


def test_readers_see_committed_repositories_while_the_writer_works(tmp_path):
    path = tmp_path / "s.sqlite"
    with Store.open(path) as writer:
        run_id, _ = writer.begin_run("key", 2)
        writer.record(run_id, result("one", fingerprint="ls1:" + "01" * 16))
        writer.db.execute("BEGIN IMMEDIATE")  # a second repository's write, not committed yet
        writer.db.execute("INSERT INTO repositories (name, location) VALUES ('two', '/srv/two')")
        for side in ("-wal", "-shm"):  # SQLite's own files are as private as the store
            assert (path.parent / (path.name + side)).stat().st_mode & 0o777 == 0o600
        reader = sqlite3.connect(path, timeout=1)
        assert reader.execute("SELECT name FROM repositories").fetchall() == [("one",)]
        assert [f.fingerprint for f in stored_findings(reader)] == ["ls1:" + "01" * 16]
        reader.close()
        writer.db.execute("ROLLBACK")


WRITER = textwrap.dedent("""
    import sys
    from pathlib import Path
    sys.path.insert(0, sys.argv[2])
    from test_audit_store import result
    from scanner.store.store import Store
    store = Store.open(Path(sys.argv[1]))
    run_id, _ = store.begin_run("crash", 10**6)
    for i in range(10**6):
        store.record(run_id, result(f"repo-{i}", places=2000, fingerprint="ls1:%032x" % i))
        print(i, flush=True)
""")


def test_a_crash_mid_write_keeps_every_committed_repository(tmp_path):
    path = tmp_path / "s.sqlite"
    tests = str(__import__("pathlib").Path(__file__).parent)
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path), tests], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    committed = -1
    while committed < 4:
        committed = int(proc.stdout.readline())
    proc.send_signal(signal.SIGKILL)  # most of the writer's time is inside a transaction
    proc.wait()
    with Store.open(path) as store:
        assert store.db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        done = store.db.execute("SELECT repo_id FROM run_repositories WHERE outcome = 'done'").fetchall()
        assert len(done) >= committed + 1
        # every recorded repository is whole, and nothing half-written is there
        assert store.db.execute("SELECT count(*) FROM occurrences").fetchone() == (2000 * len(done),)
        assert store.db.execute("SELECT count(*) FROM repositories").fetchone() == (len(done),)


def test_an_unfinished_run_is_resumed_only_while_it_is_recent(tmp_path):
    with Store.open(tmp_path / "s.sqlite") as store:
        run_id, _ = store.begin_run("weekly", 2)
        store.record(run_id, result("one"))
        assert store.begin_run("weekly", 2) == (run_id, frozenset({"one"}))  # killed, run again: resumed
        store.db.execute("UPDATE runs SET started_at = '2026-01-01T00:00:00+00:00' WHERE id = ?", (run_id,))
        later, done = store.begin_run("weekly", 2)  # a week later: a new audit, nothing skipped
        assert later != run_id and done == frozenset()
