"""The process entry point pauses the garbage collector only while start-up runs: collection is on again
for the scan itself (a long history scan must still free its cycles), and what start-up built is frozen."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

PROBE = """
import gc, json, sys
from scanner.cli.launch import main
states = []
import scanner.cli.main
original = scanner.cli.main.main.main
def recording_main(*args, **kwargs):
    states.append({"enabled": gc.isenabled(), "frozen": gc.get_freeze_count()})
    return original(*args, **kwargs)
scanner.cli.main.main.main = recording_main
try:
    main(sys.argv[1:], prog_name="leakstop")
except SystemExit as exit:
    code = exit.code
print(json.dumps({"code": code, "while_running": states, "after": gc.isenabled()}))
"""


def probe(*args: str) -> dict:
    proc = subprocess.run([sys.executable, "-c", PROBE, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_collection_is_on_while_the_command_runs_and_start_up_is_frozen():
    result = probe("--version")
    assert result["code"] == 0
    [state] = result["while_running"]
    assert state["enabled"] and state["frozen"] > 0
    assert result["after"]


FREEZE_REPORT = ("import atexit, gc, sys\n"
                 "atexit.register(lambda: sys.stderr.write(f'FROZEN {gc.get_freeze_count()}\\n'))\n")


def test_the_console_script_and_python_m_use_the_launcher(tmp_path):
    """Seen from inside the process, not read from pyproject.toml: the installed `leakstop` script and
    `python -m scanner` leave start-up frozen, which only the launcher does."""
    (tmp_path / "sitecustomize.py").write_text(FREEZE_REPORT, encoding="utf-8")
    script = Path(sys.executable).with_name("leakstop")
    assert script.exists(), "the suite runs in the environment leakstop is installed in"
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    for argv in ([str(script), "--version"], [sys.executable, "-m", "scanner", "--version"]):
        proc = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, env=env, timeout=60)
        assert proc.returncode == 0 and "leakstop" in proc.stdout, proc.stderr
        assert int(proc.stderr.rsplit("FROZEN ", 1)[-1]) > 0, argv
