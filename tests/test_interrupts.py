"""Ctrl-C ends a command as interrupted (exit 130, one line) wherever it lands, a finaliser included: raised
there, Python prints the KeyboardInterrupt as "Exception ignored" and carries on, and the scan ended as if
complete."""

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


def test_ctrl_c_inside_a_finaliser_still_ends_the_command_as_interrupted(capsys):
    with pytest.raises(SystemExit) as ended, error_handler():
        _InterruptedWhileFreed()
        done = True
    assert done, "the command went on past the finaliser: only the handler remembered the Ctrl-C"
    assert ended.value.code == EXIT_INTERRUPTED
    err = capsys.readouterr().err
    assert err == "leakstop: interrupted; the scan is incomplete\n"


def test_a_command_ending_on_its_own_exit_code_after_a_lost_ctrl_c_is_interrupted(capsys):
    with pytest.raises(SystemExit) as ended, error_handler():
        _InterruptedWhileFreed()
        raise SystemExit(1)  # a scan with findings
    assert ended.value.code == EXIT_INTERRUPTED


def test_outside_a_command_ctrl_c_is_python_s_own_again():
    with error_handler():
        pass
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
