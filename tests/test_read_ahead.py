"""ReadAhead runs a source ahead of the pool in a thread: same items, same order, errors and cleanup
intact, and never more than its budget of text waiting."""

from __future__ import annotations

import threading

import pytest

from scanner.engine.parallel import ReadAhead
from scanner.fragment import Fragment
from scanner.report import Skipped


def fragments(n, size=10, log=None):
    try:
        for i in range(n):
            if log is not None:
                log.append(i)
            yield Fragment(text=str(i % 10) * size, path=f"f{i}.txt")
            if i == 2:
                yield Skipped("big.bin", "larger than --max-file-size")
    finally:
        if log is not None:
            log.append("closed")


def test_items_arrive_in_order_skipped_notes_included():
    got = list(ReadAhead(fragments(50), budget=100))
    assert [getattr(i, "path", None) for i in got if isinstance(i, Fragment)] == [f"f{i}.txt" for i in range(50)]
    assert isinstance(got[3], Skipped)


def test_the_source_never_runs_more_than_the_budget_ahead():
    produced: list = []
    stream = ReadAhead(fragments(1000, size=10, log=produced), budget=100)
    next(stream)
    for _ in range(100):  # give the producer every chance to run ahead
        if len(produced) > 12:
            break
        threading.Event().wait(0.002)
    assert len(produced) <= 13, "10-character fragments against a 100-character budget: ~10 ahead at most"
    stream.close()


def test_a_source_error_reaches_the_consumer():
    def failing():
        yield Fragment(text="ok", path="a")
        raise OSError("git died")

    stream = ReadAhead(failing(), budget=100)
    assert next(stream).path == "a"
    with pytest.raises(OSError, match="git died"):
        next(stream)


def test_stopping_early_runs_the_source_cleanup():
    log: list = []
    stream = ReadAhead(fragments(10_000, log=log), budget=50)
    next(stream)
    stream.close()
    for _ in range(500):
        if "closed" in log:
            break
        threading.Event().wait(0.002)
    assert log[-1] == "closed", "the git reader's finally (which stops git) must run"


def wait_for(condition) -> bool:
    for _ in range(500):
        if condition():
            return True
        threading.Event().wait(0.002)
    return False


def test_the_source_starts_at_the_first_request_and_runs_ahead():
    """Not before: the pool forks its workers first, while no other thread runs. Then a history's walk runs
    while the workers start, not one batch per request."""
    produced: list = []
    stream = ReadAhead(fragments(1000, size=10, log=produced), budget=100)
    threading.Event().wait(0.05)
    assert produced == []
    next(stream)
    assert wait_for(lambda: len(produced) >= 5), "nothing was produced ahead of the consumer"
    stream.close()


def test_closing_before_reading_runs_the_source_cleanup():
    """The pool may fail to start after the source has (a first batch scanned in this process): git must
    still be stopped."""
    log: list = []
    source = fragments(10_000, log=log)
    next(source)
    stream = ReadAhead(source, budget=50)
    stream.close()
    assert wait_for(lambda: "closed" in log), "the git reader's finally (which stops git) must run"
    assert list(stream) == []


def test_closing_ends_a_consumer_waiting_in_another_thread():
    def slow():
        yield Fragment(text="a", path="a")
        threading.Event().wait(5)  # a source that takes long for its next item
        yield Fragment(text="b", path="b")

    stream = ReadAhead(slow(), budget=100)
    assert next(stream).path == "a"
    got: list = []
    consumer = threading.Thread(target=lambda: got.extend(stream))
    consumer.start()
    threading.Event().wait(0.05)
    stream.close()
    consumer.join(timeout=5)
    assert not consumer.is_alive() and got == []


def test_a_ctrl_c_between_the_start_and_the_first_item_closes_cleanly():
    """A Ctrl-C can land in the first request after the producer started and before it returned: closing
    then must leave the source's cleanup to the running producer (closing a generator that another thread
    is running raises ValueError, which the scan reported as an internal error instead of exit 130)."""
    entered, release, log = threading.Event(), threading.Event(), []

    def source():
        try:
            entered.set()
            release.wait(5)
            yield Fragment(text="a", path="a")
        finally:
            log.append("closed")

    stream = ReadAhead(source(), budget=100)
    stream._thread.start()  # the state the interrupted first request leaves
    assert entered.wait(5)
    stream.close()
    release.set()
    assert wait_for(lambda: "closed" in log), "the producer must run the source's cleanup"
