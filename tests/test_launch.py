"""The process entry point pauses the garbage collector only while start-up runs: collection is on again
for the scan itself (a long history scan must still free its cycles), and what start-up built is frozen."""

from __future__ import annotations

import json
import subprocess
import sys

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


def test_the_console_script_and_python_m_use_the_launcher(leakstop):
    assert 'leakstop = "scanner.cli.launch:main"' in (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    result = leakstop("--version")
    assert result.code == 0 and "leakstop" in result.stdout
