"""Ctrl-C ends a command as interrupted (exit 130, one line) wherever it lands, a finaliser included: raised
there, Python prints the KeyboardInterrupt as "Exception ignored" and carries on, and the scan went on to its
end. The `regex` parser's sets have a finaliser, so a cold start compiling the rules lost Ctrl-C so."""

from __future__ import annotations

import os
import signal
import time

import pytest

from scanner.cli.error_handler import EXIT_INTERRUPTED, error_handler


class _InterruptedWhileFreed:
    def __del__(self) -> None:
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.05)  # the handler runs here, inside the finaliser


def test_ctrl_c_inside_a_finaliser_stops_the_command_soon_after(capsys):
    reached: list[str] = []
    with pytest.raises(SystemExit) as ended, error_handler():
        _InterruptedWhileFreed()
        reached.append("past the finaliser")
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:  # the rest of a long scan
            pass
        reached.append("the scan's end")
    assert reached == ["past the finaliser"], "the Ctrl-C was dropped and the scan went on to its end"
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
