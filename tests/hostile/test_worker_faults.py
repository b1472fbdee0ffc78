"""Worker faults fail closed, fast: a worker or a `git cat-file` killed mid-scan ends in a complete report
(after one retry) or exit 2 naming what was not scanned, within seconds; Ctrl-C ends in 130, quietly."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import ROOT, Repo, git
from git_fixtures import commit_file, stripe_line
from secrets_fixtures import GITHUB, STRIPE

from scanner.engine import parallel
from scanner.engine.worker_pool import WORKER_NAME
from scanner.errors import GitError
from scanner.git import runner as scanner_git
from scanner.report import Report
from scanner.ruleset.rule_set import load_ruleset
from scanner.scan import ScanRequest, scan
from scanner.sources.history import HistorySource

pytestmark = pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="finds processes through /proc")

DEADLINE = 30.0


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found.extend(int(p) for p in (task / "children").read_text().split())
        except OSError:
            continue
    return found


def descendants(pid: int) -> list[int]:
    out, todo = [], children(pid)
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children(p))
    return out


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def workers_of(pid: int) -> list[int]:
    """Forked or started afresh, a worker names itself (a forked one has the scan's command line, and so has
    every process the scan starts until it runs its program)."""
    return [p for p in descendants(pid) if comm(p) == WORKER_NAME]


def comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def cat_files_of(pid: int) -> list[int]:
    return [p for w in workers_of(pid) for p in children(w) if "cat-file" in cmdline(p)]


def busy_workers_of(pid: int) -> list[int]:
    """Workers past start-up, reading blobs: a kill mid-scan."""
    return [w for w in workers_of(pid) if any("cat-file" in cmdline(p) for p in children(w))]


def wait_for(find: Callable[[], list[int]], timeout: float = 20.0) -> list[int]:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        found = find()
        if found:
            return found
        time.sleep(0.01)
    raise AssertionError("no such process appeared")


def kill(pid: int, sig: int = signal.SIGKILL) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)


@pytest.fixture
def history(repo: Repo) -> Repo:
    commit_file(repo, "app.py", stripe_line(STRIPE), "stripe key")
    for i in range(30):
        commit_file(repo, f"mod{i}.py", f"value = {i}\n" * (50 * (i + 1)), f"module {i}")
    commit_file(repo, "ci.yml", f"token: {GITHUB}\n", "github token")
    return repo


def history_report(path: Path, monkeypatch, pooled: bool = True) -> Report:
    """The scan, in a thread given DEADLINE seconds: a hang fails the test instead of stopping the suite."""
    monkeypatch.setattr(parallel, "BULK_BYTES", 0 if pooled else 1 << 40)
    monkeypatch.setattr(parallel, "CHUNK", 2)
    monkeypatch.setattr(parallel, "usable_cores", lambda: 2)
    outcome: list[Report | BaseException] = []

    def run() -> None:
        try:
            outcome.append(scan(ScanRequest(source=HistorySource(path, max_file_size=1_000_000),
                                            ruleset=load_ruleset())))
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            outcome.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(DEADLINE)
    assert outcome, "the scan hung"
    if isinstance(outcome[0], BaseException):
        raise outcome[0]
    return outcome[0]


def found(report: Report) -> list[tuple[str, list[str]]]:
    return [(f.rule_id, [loc.path for loc in f.locations]) for f in report.findings]


def fault_after_batches(monkeypatch, n: int, fault: Callable[[], None]) -> None:
    """Injects `fault` while the pool works: once `n` batches were handed to it."""
    real = parallel.batches

    def faulty(items, size):  # type: ignore[no-untyped-def]
        for i, batch in enumerate(real(items, size)):
            if i == n:
                fault()
            yield batch

    monkeypatch.setattr(parallel, "batches", faulty)


def test_a_killed_worker_is_noticed_and_its_batch_retried(history, monkeypatch):
    expected = found(history_report(history.path, monkeypatch, pooled=False))
    me = os.getpid()
    fault_after_batches(monkeypatch, 3, lambda: kill(wait_for(lambda: busy_workers_of(me))[0]))
    started = time.monotonic()
    report = history_report(history.path, monkeypatch)
    assert time.monotonic() - started < DEADLINE
    assert report.complete, report.errors
    assert found(report) == expected


def test_workers_that_keep_dying_end_the_scan_naming_what_was_not_scanned(history, monkeypatch):
    me, stop = os.getpid(), threading.Event()

    def killer() -> None:
        while not stop.is_set():
            for pid in workers_of(me):
                kill(pid)
            time.sleep(0.005)

    thread = threading.Thread(target=killer, daemon=True)
    fault_after_batches(monkeypatch, 0, thread.start)
    started = time.monotonic()
    try:
        report = history_report(history.path, monkeypatch)
    finally:
        stop.set()
    assert time.monotonic() - started < DEADLINE
    assert not report.complete
    assert any(e.startswith("app.py (blob ") and "worker process died, twice" in e for e in report.errors)


def test_a_killed_git_cat_file_is_retried(history, monkeypatch):
    expected = found(history_report(history.path, monkeypatch, pooled=False))
    me = os.getpid()
    fault_after_batches(monkeypatch, 3, lambda: kill(wait_for(lambda: cat_files_of(me))[0]))
    started = time.monotonic()
    report = history_report(history.path, monkeypatch)
    assert time.monotonic() - started < DEADLINE
    assert report.complete, report.errors
    assert found(report) == expected


def test_a_stalled_git_cat_file_is_stopped_by_the_watchdog(history, monkeypatch):
    monkeypatch.setattr(scanner_git.BlobReader, "STALL_SECONDS", 1.0)
    start = scanner_git.BlobReader._start

    def stopped(self):  # type: ignore[no-untyped-def]
        proc = start(self)
        os.kill(proc.pid, signal.SIGSTOP)
        return proc

    monkeypatch.setattr(scanner_git.BlobReader, "_start", stopped)
    started = time.monotonic()
    with pytest.raises(GitError, match="sent nothing for 1 s"):
        history_report(history.path, monkeypatch, pooled=False)
    assert time.monotonic() - started < 10


# --- through the real CLI, on a repository large enough (> 16 MB stored) for the pool to start on its own


@pytest.fixture(scope="module")
def large_repo(tmp_path_factory) -> Path:
    """28 MB of word-like text that compresses poorly, and a key in the last file, in one commit."""
    path = tmp_path_factory.mktemp("large") / "repo"
    path.mkdir()
    git(path, "init", "-q")
    alphabet = (b"abcdefghijklmnopqrstuvwxyz0123456789" * 7)[:224] + b" " * 28 + b"\n" * 4
    for i in range(28):
        (path / f"data{i:02}.txt").write_bytes(os.urandom(1 << 20).translate(alphabet))
    (path / "zz_key.py").write_text(stripe_line(STRIPE))
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", "large")
    return path


def start_cli(*args: str | Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "scanner", *map(str, args)], cwd=ROOT, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def finish(proc: subprocess.Popen[bytes], started: float) -> tuple[int, str, str]:
    try:
        out, err = proc.communicate(timeout=DEADLINE - (time.monotonic() - started) + 5)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        raise AssertionError("the scan hung") from None
    assert time.monotonic() - started < DEADLINE
    return proc.returncode, out.decode(errors="replace"), err.decode(errors="replace")


@pytest.mark.parametrize("target", ["worker", "cat-file"])
def test_cli_history_survives_a_killed_worker_or_git(large_repo, target):
    started = time.monotonic()
    proc = start_cli("scan", "--history", large_repo, "--no-cache", "--format", "json")  # cold: workers read
    find = workers_of if target == "worker" else cat_files_of
    kill(wait_for(lambda: find(proc.pid))[0])
    code, out, err = finish(proc, started)
    assert "Traceback" not in err
    assert code == 1, err  # the retry scanned the lost batch: a complete report, with the key
    assert '"stripe-secret-key"' in out


def test_cli_large_tree_survives_a_killed_worker(large_repo):
    started = time.monotonic()
    proc = start_cli("scan", large_repo, "--format", "json")
    kill(wait_for(lambda: workers_of(proc.pid))[0])
    code, out, err = finish(proc, started)
    assert "Traceback" not in err
    assert code == 1, err
    assert '"stripe-secret-key"' in out


@pytest.mark.parametrize("moment", ["workers-starting", "workers-reading"])
def test_ctrl_c_is_quiet(large_repo, moment):
    """The terminal sends SIGINT to the whole process group: parent, workers and their git."""
    started = time.monotonic()
    proc = start_cli("scan", "--history", large_repo, "--no-cache")
    wait_for(lambda: (workers_of if moment == "workers-starting" else cat_files_of)(proc.pid))
    os.killpg(proc.pid, signal.SIGINT)
    code, out, err = finish(proc, started)
    assert code == 130, err
    assert "Traceback" not in err and "Error" not in err, err
    assert err.strip() == "leakstop: interrupted; the scan is incomplete"
    time.sleep(0.5)
    assert in_session(proc.pid) == [], "a worker or git outlived the scan"


def in_session(sid: int) -> list[int]:
    """Live processes of the session the CLI led (its workers and their git, even once orphaned)."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[3]) == sid and fields[0] != "Z":
            out.append(int(stat.parent.name))
    return out
