"""Nothing touches the network: every scan mode runs with socket creation and name lookups booby-trapped."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from conftest import ROOT
from secrets_fixtures import GITHUB

TRAPPED_CLI = """
import socket, sys
def refuse(*args, **kwargs):
    sys.stderr.write("NETWORK ATTEMPT\\n")
    raise SystemExit(99)
socket.socket.connect = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse
from scanner.cli.main import main
sys.argv = ["leakstop", *sys.argv[1:]]
main()
"""


@pytest.mark.parametrize("mode", [[], ["--staged"], ["--history"], ["--format", "sarif"], ["--format", "github"]])
def test_scans_never_open_a_connection(repo, mode):
    repo.write("app.py", f'TOKEN = "{GITHUB}"\n')
    repo.commit("add token")
    repo.write("more.py", f'OTHER = "{GITHUB}"\n')
    repo.git("add", "more.py")
    proc = subprocess.run([sys.executable, "-c", TRAPPED_CLI, "scan", *mode, str(repo.path)], cwd=ROOT,
                          capture_output=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert b"NETWORK ATTEMPT" not in proc.stderr
    assert proc.returncode == 1, proc.stderr.decode()
