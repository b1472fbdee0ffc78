"""Audits that are interrupted or spread out: a killed audit resumed by the same command, and tasks on a
real Dask LocalCluster (two worker processes on localhost), one of which is killed mid-audit."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from audit_fixtures import audit_cli, repo_with_secret, rows, run_cli
from conftest import ROOT


def done_count(store: Path) -> int:
    if not store.exists():
        return 0
    try:
        return rows(store, "SELECT count(*) FROM run_repositories WHERE outcome = 'done'")[0][0]
    except sqlite3.OperationalError:  # not created yet
        return 0


def audit_under_way(tmp_path: Path, total: int, workers: int, done: int) -> tuple[subprocess.Popen[bytes], Path]:
    """An audit of `total` repositories in its own process group, once `done` of them are in the store."""
    for i in range(total):
        repo_with_secret(tmp_path / "org", f"svc{i}", filler=30)
    store = tmp_path / "audit.sqlite"
    proc = subprocess.Popen(audit_cli("audit", tmp_path / "org", "--store", store, "--workers", str(workers)),
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 60
    while done_count(store) < done and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)  # a reader while the audit writes
    return proc, store


@pytest.mark.slow
def test_a_killed_audit_resumes_without_scanning_again(tmp_path):
    total = 8
    proc, store = audit_under_way(tmp_path, total, workers=1, done=2)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    before = dict(rows(store, "SELECT repo_id, at FROM run_repositories"))
    assert 2 <= len(before) < total, "the audit was not interrupted mid-way"

    resumed = run_cli("audit", tmp_path / "org", "--store", store, "--workers", "1")
    assert resumed.code == 1, resumed.output
    assert f"Audited {total - len(before)} of {total} repositories (resumed run 1: {len(before)} already done)" \
        in resumed.stderr
    after = dict(rows(store, "SELECT repo_id, at FROM run_repositories WHERE run_id = 1"))
    assert len(after) == total and rows(store, "SELECT count(*) FROM runs") == [(1,)]
    assert all(after[repo] == at for repo, at in before.items())  # not scanned (nor written) again
    assert rows(store, "SELECT count(*) FROM findings") == [(total,)]
    assert rows(store, "SELECT count(*) FROM occurrences") == [(total,)]


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  host="127.0.0.1") as local:
        yield local


@pytest.mark.slow
def test_an_audit_on_a_dask_cluster_matches_the_local_pool(tmp_path, cluster):
    for i in range(4):
        repo_with_secret(tmp_path / "org", f"repo{i}")
    on_dask = run_cli("audit", tmp_path / "org", "--store", tmp_path / "dask.sqlite", "--dask",
                      cluster.scheduler_address)
    local = run_cli("audit", tmp_path / "org", "--store", tmp_path / "local.sqlite")
    assert on_dask.code == local.code == 1, on_dask.output + local.output
    query = "SELECT fingerprint, path, line, commit_id FROM occurrences ORDER BY fingerprint"
    assert rows(tmp_path / "dask.sqlite", query) == rows(tmp_path / "local.sqlite", query)
    assert len(rows(tmp_path / "dask.sqlite", query)) == 4
    # the same policy digest, so each executor's store is audited incrementally by the other
    policies = "SELECT name, policy FROM repositories ORDER BY name"
    assert rows(tmp_path / "dask.sqlite", policies) == rows(tmp_path / "local.sqlite", policies)
    assert {policy for _, policy in rows(tmp_path / "dask.sqlite", policies)} != {""}
    swapped = (run_cli("audit", tmp_path / "org", "--store", tmp_path / "dask.sqlite"),
               run_cli("audit", tmp_path / "org", "--store", tmp_path / "local.sqlite", "--dask",
                       cluster.scheduler_address))
    for store, again in zip(("dask.sqlite", "local.sqlite"), swapped):
        assert again.code == 1 and "full re-audit" not in again.stderr, again.output
        assert rows(tmp_path / store, "SELECT DISTINCT incremental, commits, reaudit FROM run_repositories "
                                      "WHERE run_id = 2") == [(1, 0, "")]


def test_an_unreachable_scheduler_is_one_line(tmp_path):
    repo_with_secret(tmp_path / "org", "one")
    result = run_cli("audit", tmp_path / "org", "--store", tmp_path / "s.sqlite", "--dask", "tcp://127.0.0.1:9",
                     env={"DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "2s"})
    assert result.code == 2
    assert result.stderr.startswith("leakstop: error: --dask tcp://127.0.0.1:9: cannot reach the scheduler")
    assert result.stderr.count("\n") == 1


@pytest.mark.slow
def test_a_dask_worker_killed_mid_audit_loses_nothing(tmp_path, cluster):
    from scanner.audit.executors import DaskCluster
    from scanner.audit.run import run_audit
    from scanner.audit.targets import Target
    from scanner.store.store import Store

    total = 10
    targets = [Target(str(repo.path), str(repo.path), False)
               for repo, _ in (repo_with_secret(tmp_path / "org", f"r{i}", filler=40) for i in range(total))]
    executor = DaskCluster(cluster.scheduler_address)
    killed: list[int] = []

    def kill_a_worker(*_: object) -> None:
        """After the first result: kill a worker that holds tasks (running or queued on it)."""
        if not killed:
            busy = [addr for addr, keys in executor.client.processing().items() if keys]
            if busy:
                pid = executor.client.run(os.getpid)[busy[0]]
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)

    with Store.open(tmp_path / "s.sqlite") as store:
        try:
            outcome = run_audit(store, targets, executor, cache_dir=tmp_path / "cache", max_file_size=10**7,
                                on_result=kill_a_worker)
        finally:
            executor.close()
        assert killed and outcome.failures == []
        assert len(outcome.changes) == total and outcome.findings == total
        assert store.db.execute("SELECT count(*) FROM run_repositories WHERE outcome = 'done'").fetchone() == (total,)
        assert store.db.execute("SELECT count(*) FROM occurrences").fetchone() == (total,)
        assert store.db.execute("SELECT count(DISTINCT fingerprint) FROM findings").fetchone() == (total,)


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


@pytest.mark.slow
def test_a_local_pool_worker_killed_mid_audit_loses_nothing(tmp_path):
    total = 8
    proc, store = audit_under_way(tmp_path, total, workers=2, done=1)
    workers = children(proc.pid)
    assert workers and done_count(store) < total, "the audit was not caught mid-way"
    os.kill(workers[0], signal.SIGKILL)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 1, err
    assert f"Audited {total} of {total} repositories" in err.decode()
    assert rows(store, "SELECT count(*) FROM run_repositories WHERE outcome = 'done'") == [(total,)]
    assert rows(store, "SELECT count(*) FROM occurrences") == [(total,)]


def test_progress_is_shown_on_a_terminal_only(tmp_path):
    import pty

    repo_with_secret(tmp_path / "org", "one")
    repo_with_secret(tmp_path / "org", "two")
    controller, terminal = pty.openpty()
    proc = subprocess.Popen(audit_cli("audit", tmp_path / "org", "--store", tmp_path / "s.sqlite"), cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=terminal)
    os.close(terminal)
    proc.stdout.read()
    proc.wait(timeout=120)
    shown = b""
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    os.close(controller)
    assert b"\raudit: 2/2 repositories, 2 findings, 0 failed" in shown
    piped = run_cli("audit", tmp_path / "org", "--store", tmp_path / "s.sqlite")
    assert "audit:" not in piped.stderr


@pytest.mark.slow
def test_a_repository_that_kills_its_worker_every_time_fails_alone(tmp_path, monkeypatch):
    from audit_fixtures import task_that_kills_poison

    import scanner.audit.executors as executors
    from scanner.audit.run import run_audit
    from scanner.audit.targets import Target
    from scanner.store.store import Store

    monkeypatch.setattr(executors, "audit_repository", task_that_kills_poison)
    names = ["a", "b", "poison", "c"]
    targets = [Target(str(repo.path), str(repo.path), False)
               for repo, _ in (repo_with_secret(tmp_path / "org", name) for name in names)]
    with Store.open(tmp_path / "s.sqlite") as store:
        outcome = run_audit(store, targets, executors.LocalPool(2), cache_dir=None, max_file_size=10**6)
    assert [(Path(name).name, reason) for name, reason in outcome.failures] == [
        ("poison", "the process auditing it died each time it was started")]
    assert outcome.findings == 3
