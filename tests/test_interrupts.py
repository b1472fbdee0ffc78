"""Ctrl-C ends a command as interrupted (exit 130, one line) wherever it lands, a finaliser included: raised
there, Python prints the KeyboardInterrupt as "Exception ignored" and carries on, and the scan went on to its
end. The `regex` parser's sets have a finaliser, so a cold start compiling the rules lost Ctrl-C so."""

from __future__ import annotations

import os
import signal
import threading
import time
import weakref
from collections.abc import Iterator

import pytest

from scanner.cli.error_handler import EXIT_INTERRUPTED, error_handler


class _InterruptedWhileFreed:
    def __del__(self) -> None:
        _ctrl_c_here()


def _ctrl_c_here() -> None:
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(0.05)  # the handler runs here, inside the finaliser


def _generator_freed_half_read() -> None:
    def lines() -> Iterator[int]:
        try:
            yield 1
        finally:  # runs as the generator is freed
            _ctrl_c_here()

    read = lines()
    next(read)
    del read


def _object_with_a_finalize_callback() -> None:
    class Source:
        pass

    source = Source()
    weakref.finalize(source, _ctrl_c_here)
    del source


def _busy(seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        pass


FINALISERS = {"__del__": _InterruptedWhileFreed, "generator": _generator_freed_half_read,
              "weakref.finalize": _object_with_a_finalize_callback}
REST_OF_THE_SCAN = {"busy": _busy, "sleeping": time.sleep, "waiting": lambda s: threading.Event().wait(s)}


@pytest.mark.parametrize("rest", sorted(REST_OF_THE_SCAN))
@pytest.mark.parametrize("finaliser", sorted(FINALISERS))
def test_ctrl_c_inside_a_finaliser_stops_the_command_soon_after(capsys, finaliser, rest):
    reached: list[str] = []
    started = time.monotonic()
    with pytest.raises(SystemExit) as ended, error_handler():
        FINALISERS[finaliser]()
        reached.append("past the finaliser")
        REST_OF_THE_SCAN[rest](5)
        reached.append("the scan's end")
    assert reached == ["past the finaliser"], "the Ctrl-C was dropped and the scan went on to its end"
    assert time.monotonic() - started < 2.5, "the Ctrl-C was sent again, but only a busy scan saw it"
    assert ended.value.code == EXIT_INTERRUPTED
    err = capsys.readouterr().err
    assert err == "leakstop: interrupted; the scan is incomplete\n"


def test_a_command_ending_on_its_own_exit_code_after_a_lost_ctrl_c_is_interrupted(capsys):
    with pytest.raises(SystemExit) as ended, error_handler():
        _InterruptedWhileFreed()
        raise SystemExit(1)  # a scan with findings, before the Ctrl-C is asked again
    assert ended.value.code == EXIT_INTERRUPTED
    time.sleep(0.05)  # a Ctrl-C still to be asked again would raise here, outside any command


def test_outside_a_command_ctrl_c_is_python_s_own_again():
    with error_handler():
        pass
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
