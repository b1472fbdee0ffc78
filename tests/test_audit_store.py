"""The findings store as a file: migrations from an older schema, a newer one refused, a crash in the
middle of a write, readers while a writer works, and a result recorded twice counted once."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import textwrap
from dataclasses import replace
from pathlib import Path

import pytest
from audit_fixtures import repo_with_secret, rows, run_cli

from scanner.audit.policy import POLICY_CHANGED, POLICY_UNKNOWN
from scanner.store import StoreError
from scanner.store.queries import open_findings, stored_findings
from scanner.store.records import Place, Previous, RepoResult, SeenSecret
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
    tests = str(Path(__file__).parent)
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


# -- policies: a store from before them, and a full re-audit that no longer reports what it did ---------------

def columns(path: Path) -> dict[str, list[str]]:
    db = sqlite3.connect(path)
    try:
        tables = [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {t: [row[1] for row in db.execute(f"PRAGMA table_info({t})")] for t in sorted(tables)}
    finally:
        db.close()


def as_written_before_policies(path: Path) -> None:
    """The store as a leakstop that recorded no policy left it: schema 2, without the columns 3 added."""
    db = sqlite3.connect(path)
    for table, column in (("repositories", "policy"), ("repo_findings", "gone_reason"),
                          ("run_repositories", "reaudit"), ("run_repositories", "dropped")):
        db.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    db.execute("PRAGMA user_version=2")
    db.close()


def test_a_store_of_schema_2_is_migrated_with_an_unknown_policy(tmp_path):
    path = tmp_path / "old.sqlite"
    db = connect(path, up_to=2)
    db.execute("INSERT INTO repositories (name, location) VALUES ('r', '/srv/r')")
    db.execute("INSERT INTO ref_tips VALUES (1, 'refs/heads/main', '" + "c" * 40 + "')")
    db.close()
    with Store.open(path) as store:
        assert store.previous("r") == Previous(("c" * 40,), frozenset(), policy="")
        run_id, _ = store.begin_run("key", 1)
        store.record(run_id, replace(result("r"), policy="policy1:abc", reaudit=POLICY_UNKNOWN))
        assert store.previous("r").policy == "policy1:abc"


def test_an_old_store_is_audited_in_full_once_then_incrementally(tmp_path):
    repo, _ = repo_with_secret(tmp_path / "org", "api")
    store = tmp_path / "audit.sqlite"
    assert run_cli("audit", tmp_path / "org", "--store", store, "--workers", "1").code == 1
    as_written_before_policies(store)
    connect(tmp_path / "schema2.sqlite", up_to=2).close()
    assert columns(store) == columns(tmp_path / "schema2.sqlite")  # what an older leakstop wrote
    repo.write("app.py", "print('hello')\n")
    repo.commit("app")

    second = run_cli("audit", tmp_path / "org", "--store", store, "--workers", "1")
    assert second.code == 1, second.output
    assert f"{repo.path}: {POLICY_UNKNOWN}\n" in second.stderr
    assert second.stdout == ""  # the same finding: nothing new, nothing gone
    assert rows(store, "PRAGMA user_version") == [(SCHEMA_VERSION,)]
    query = "SELECT incremental, commits, reaudit FROM run_repositories WHERE run_id = ?"
    assert rows(store, query, 2) == [(0, 3, POLICY_UNKNOWN)]
    third = run_cli("audit", tmp_path / "org", "--store", store, "--workers", "1")
    assert third.code == 1 and POLICY_CHANGED not in third.stderr, third.output
    assert rows(store, query, 3) == [(1, 0, "")]


def test_a_full_re_audit_drops_the_places_and_findings_it_no_longer_reports(tmp_path):
    fp = "ls1:" + "ab" * 16
    with Store.open(tmp_path / "s.sqlite") as store:
        run_id, _ = store.begin_run("one", 1)
        store.record(run_id, replace(result("r", places=3), policy="p1"))
        reaudited = replace(result("r", places=1), policy="p2", reaudit=POLICY_CHANGED)
        run_id, _ = store.begin_run("two", 1)
        assert store.record(run_id, reaudited).dropped == ()
        assert store.db.execute("SELECT path FROM occurrences").fetchall() == [("conf/0.py",)]

        failed = replace(reaudited, secrets=(), error="1 part(s) not scanned")
        run_id, _ = store.begin_run("three", 1)
        assert store.record(run_id, failed).dropped == ()  # an incomplete audit drops nothing
        assert store.previous("r").policy == "p2"

        silenced = replace(reaudited, secrets=(), policy="p3", silenced=((fp, "allowlist x.yaml:3 #1: path"),))
        run_id, _ = store.begin_run("four", 1)
        change = store.record(run_id, silenced)
        assert change.dropped == ((fp, "no longer reported: allowlist x.yaml:3 #1: path"),)
        assert change.findings == 0 and change.reaudit == POLICY_CHANGED
        assert store.db.execute("SELECT gone_reason, at_head FROM repo_findings").fetchall() == \
            [("no longer reported: allowlist x.yaml:3 #1: path", 0)]
        assert stored_findings(store.db) == [] and open_findings(store.db, ["r"]) == 0
        assert store.db.execute("SELECT count(*) FROM findings").fetchone() == (1,)  # and its triage history

        run_id, _ = store.begin_run("five", 1)
        back = store.record(run_id, replace(result("r", places=1), policy="p1", reaudit=POLICY_CHANGED))
        assert back.new == (fp,) and back.dropped == ()
        assert store.db.execute("SELECT gone_reason FROM repo_findings").fetchall() == [("",)]
