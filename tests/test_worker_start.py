"""The worker pool's fixed costs: a history large enough for the pool starts it before its walk (judged by
what its repository stores, times what blobs hold over their packed size), the pool's processes start as
soon as it exists, not when the first batch is ready (a history's first batch comes only after its walk,
and the workers' start-up belongs under the walk), and they end without the interpreter's teardown, which
the scan would wait for."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from conftest import Repo
from git_fixtures import commit_file, stripe_line
from secrets_fixtures import STRIPE

from scanner.engine import parallel, worker_pool
from scanner.engine.worker_pool import ordered_results
from scanner.git import runner as git
from scanner.ruleset.rule_set import load_ruleset
from scanner.scan import ScanRequest, scan
from scanner.sources.files import FilesSource
from scanner.sources.history import HistorySource


def _mark_started(folder: str) -> None:
    Path(folder, str(os.getpid())).touch()


def _exit_handler_at_teardown(folder: str) -> None:
    import atexit

    atexit.register(Path(folder, f"teardown-{os.getpid()}").touch)


def _doubled(batch: Sequence[int]) -> list[int]:
    return [2 * n for n in batch]


def test_the_workers_start_before_the_first_batch_exists(tmp_path):
    started_before_first_batch: list[int] = []

    def slow_source() -> Iterator[list[int]]:
        """Like a history's walk: nothing to hand out for a while."""
        deadline = time.monotonic() + 20
        while len(list(tmp_path.iterdir())) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        started_before_first_batch.append(len(list(tmp_path.iterdir())))
        yield [1, 2]
        yield [3]

    results = list(ordered_results(slow_source(), _doubled, 2, _mark_started, lambda forked: (str(tmp_path),)))
    assert started_before_first_batch == [2]
    assert [(list(batch), result, why) for batch, result, why in results] == [([1, 2], [2, 4], ""), ([3], [6], "")]


def test_the_workers_end_without_the_interpreters_teardown(tmp_path):
    """An exit handler registered before the pool's own (as the interpreter's teardown would run it) does
    not run: the worker ended at once, after every result had come back."""
    results = list(ordered_results(iter([[1], [2, 3]]), _doubled, 2, _exit_handler_at_teardown,
                                 lambda forked: (str(tmp_path),)))
    assert [result for _, result, _ in results] == [[2], [4, 6]]
    assert list(tmp_path.iterdir()) == []


def _dies_once(batch: Sequence[tuple[str, int]]) -> list[int]:
    marker = Path(batch[0][0], "died")
    if not marker.exists():
        marker.touch()
        os._exit(1)
    return [2 * n for _, n in batch]


def test_a_forked_pool_that_broke_is_replaced_by_workers_started_afresh(tmp_path, monkeypatch):
    """By the time a worker dies the scan runs threads of its own, and forking is no longer safe: the
    replacement pool gets its arguments pickled, and finishes every batch."""
    starts = iter([True, False])
    monkeypatch.setattr(worker_pool, "may_fork", lambda: next(starts))
    given: list[bool] = []

    def initargs(forked: bool) -> tuple[str]:
        given.append(forked)
        return (str(tmp_path),)

    batches = iter([[(str(tmp_path), 1)], [(str(tmp_path), 2), (str(tmp_path), 3)]])
    results = list(ordered_results(batches, _dies_once, 2, _mark_started, initargs))
    assert [(result, why) for _, result, why in results] == [([2], ""), ([4, 6], "")]
    assert given == [True, False]


def test_without_proc_the_workers_start_afresh(tmp_path, monkeypatch):
    """Where /proc cannot list the scan's descriptors, a forked worker could not close its copies of the
    scan's pipes: none is forked."""
    listdir = os.listdir

    def no_proc(path: str | Path = ".") -> list[str]:
        if str(path) == "/proc/self/fd":
            raise PermissionError(path)
        return listdir(path)

    monkeypatch.setattr(worker_pool, "may_fork", lambda: True)
    monkeypatch.setattr(os, "listdir", no_proc)
    given: list[bool] = []

    def initargs(forked: bool) -> tuple[str]:
        given.append(forked)
        return (str(tmp_path),)

    results = list(ordered_results(iter([[1], [2]]), _doubled, 2, _mark_started, initargs))
    assert [result for _, result, _ in results] == [[2], [4]]
    assert given == [False]


def test_forked_workers_keep_none_of_the_scans_pipes(tmp_path, monkeypatch):
    """A process at the other end of a pipe the scan held when its workers were forked (a git reading its
    input to the end) sees the scan close it: the workers closed their copies."""
    monkeypatch.setattr(worker_pool, "may_fork", lambda: True)
    reader = subprocess.Popen(["cat"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
    assert reader.stdin is not None
    ended = []

    def source() -> Iterator[list[int]]:
        yield [1]
        reader.stdin.close()
        ended.append(reader.wait(timeout=20))  # a worker holding the pipe open: TimeoutExpired
        yield [2]

    results = list(ordered_results(source(), _doubled, 2, _mark_started, lambda forked: (str(tmp_path),)))
    assert [result for _, result, _ in results] == [[2], [4]]
    assert ended == [0]
    assert len(list(tmp_path.iterdir())) == 2


@pytest.mark.parametrize("forked", [True, False], ids=["forked", "not-forked"])
def test_a_tree_past_half_a_megabyte_goes_to_forked_workers_that_share_the_loaded_gate(tmp_path, monkeypatch, forked):
    """Forked workers cost milliseconds and share the gate this process loaded: the rest of a 1.2 MB tree goes
    to them in small tasks, and the report is the same. Workers started afresh wait for BULK_BYTES."""
    for i in range(24):
        (tmp_path / f"mod{i:02}.py").write_text("".join(f"value_{i}_{n} = compute({n}, 'x')\n" for n in range(1700)))
    (tmp_path / "zz_settings.py").write_text(stripe_line(STRIPE))
    monkeypatch.setattr(parallel, "usable_cores", lambda: 2)
    monkeypatch.setattr(worker_pool, "may_fork", lambda: forked)
    chunks: list[int] = []
    batches = parallel.batches
    monkeypatch.setattr(parallel, "batches", lambda items, size: chunks.append(size) or batches(items, size))
    ruleset = load_ruleset()
    ruleset.build_gate()
    assert ruleset.gate_ready()
    report = scan(ScanRequest(source=FilesSource([tmp_path], use_git=False), ruleset=ruleset))
    assert [f.rule_id for f in report.findings] == ["stripe-secret-key"] and report.complete
    assert chunks == ([parallel.CHUNK, parallel.SMALL_CHUNK] if forked else [parallel.CHUNK])


def test_a_history_whose_blobs_outweigh_bulk_bytes_starts_the_pool_before_its_walk(repo: Repo, monkeypatch):
    """Packed, it stores less than BULK_BYTES; its blobs hold more (blobs hold ~3 times their packed size):
    the pool starts up front, and this process scans nothing itself."""
    for i in range(20):
        commit_file(repo, f"mod{i}.py", "".join(f"value_{i}_{n} = {n * n}\n" for n in range(400)), f"module {i}")
    stored = git.stored_bytes(repo.path)
    monkeypatch.setattr(parallel, "BULK_BYTES", 2 * stored)
    monkeypatch.setattr(parallel, "usable_cores", lambda: 2)
    in_parent = []
    scanned_items = parallel._scanned_items
    monkeypatch.setattr(parallel, "_scanned_items", lambda *args: in_parent.append(1) or scanned_items(*args))
    report = scan(ScanRequest(source=HistorySource(repo.path, max_file_size=1_000_000), ruleset=load_ruleset()))
    assert report.stats.blobs == 20
    assert in_parent == []
