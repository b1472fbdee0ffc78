"""Nothing touches the network: every scan mode runs with the network trapped in every process it starts.

A trap set in the CLI's own process alone missed git and the worker processes. Here a `sitecustomize` on
PYTHONPATH traps internet sockets and name lookups in every Python process (workers included, however
they are started), a `git` first on PATH records every git call, and where the system allows it the
whole process tree runs in a network namespace of its own (`unshare -rn`), where nothing can connect.
The last two tests show the traps catch a worker's and git's attempts.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT
from secrets_fixtures import GITHUB

SITECUSTOMIZE = """
import os, socket, sys

def _refuse(what):
    with open(os.environ["NETWORK_TRAP_LOG"], "a", encoding="utf-8") as log:
        log.write(f"python {os.getpid()}: {what!r}\\n")
    sys.stderr.write("NETWORK ATTEMPT\\n")
    raise OSError("the test's network trap refused this")

_connect, _connect_ex = socket.socket.connect, socket.socket.connect_ex

def connect(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6):  # unix sockets are how workers talk to the parent
        _refuse(address)
    return _connect(self, address)

def connect_ex(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6):
        _refuse(address)
    return _connect_ex(self, address)

socket.socket.connect, socket.socket.connect_ex = connect, connect_ex
socket.getaddrinfo = lambda *args, **kwargs: _refuse(args[:2])
socket.gethostbyname = lambda *args: _refuse(args)
"""

GIT_SHIM = """#!/bin/sh
printf '%s\\n' "$*" >> "$GIT_CALL_LOG"
exec {git} "$@"
"""

NETWORK_GIT = ("fetch", "clone", "pull", "push", "ls-remote", "remote-", "upload-pack", "http-", "submodule update")


@functools.lru_cache(maxsize=1)
def isolating_prefix() -> tuple[str, ...]:
    """`unshare -rn` where user namespaces are allowed: the process tree then has no network at all."""
    unshare = shutil.which("unshare")
    if unshare and subprocess.run([unshare, "-rn", "true"], capture_output=True).returncode == 0:
        return (unshare, "-rn")
    return ()


def trapped(tmp_path: Path, *argv: str, cwd: Path = ROOT) -> tuple[subprocess.CompletedProcess[bytes], str, str]:
    """Runs argv with every trap set; (process, Python's network attempts, git's calls)."""
    traps = tmp_path / "traps"
    traps.mkdir(exist_ok=True)
    (traps / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    real_git = shutil.which("git")
    assert real_git is not None
    (traps / "git").write_text(GIT_SHIM.format(git=real_git), encoding="utf-8")
    (traps / "git").chmod(0o755)
    network_log, git_log = traps / "network.log", traps / "git.log"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(traps), str(ROOT)]),
           "PATH": os.pathsep.join([str(traps), os.environ.get("PATH", "")]),
           "NETWORK_TRAP_LOG": str(network_log), "GIT_CALL_LOG": str(git_log)}
    proc = subprocess.run([*isolating_prefix(), *argv], cwd=cwd, capture_output=True, env=env, timeout=300)
    return proc, _text(network_log), _text(git_log)


def _text(log: Path) -> str:
    return log.read_text(encoding="utf-8") if log.exists() else ""


def network_calls(git_log: str) -> list[str]:
    return [call for call in git_log.splitlines() if any(word in call for word in NETWORK_GIT)]


@pytest.mark.parametrize("mode", [[], ["--staged"], ["--history"], ["--format", "sarif"], ["--format", "github"]])
def test_scans_never_open_a_connection(repo, tmp_path, mode):
    repo.write("app.py", f'TOKEN = "{GITHUB}"\n')
    if mode == ["--history"]:
        # more stored bytes than the pool's threshold: the history is scanned by worker processes
        repo.write("assets/noise.bin", os.urandom(17 * 1024 * 1024))
    repo.commit("add token")
    repo.write("more.py", f'OTHER = "{GITHUB}"\n')
    repo.git("add", "more.py")
    proc, attempts, git_calls = trapped(tmp_path, sys.executable, "-m", "scanner", "scan", *mode, str(repo.path))
    assert proc.returncode == 1, proc.stderr.decode()
    assert b"NETWORK ATTEMPT" not in proc.stderr and attempts == ""
    assert git_calls and network_calls(git_calls) == []


def test_the_trap_catches_a_worker_process(tmp_path):
    worker = ("import multiprocessing as mp, socket\n"
              "def reach(_):\n"
              "    try:\n"
              "        socket.create_connection(('192.0.2.1', 443), timeout=1)\n"
              "    except OSError:\n"
              "        pass\n"
              "if __name__ == '__main__':\n"
              "    for method in ('spawn', 'fork'):\n"
              "        with mp.get_context(method).Pool(1) as pool:\n"
              "            pool.map(reach, [0])\n")
    (tmp_path / "reach.py").write_text(worker, encoding="utf-8")
    proc, attempts, _ = trapped(tmp_path, sys.executable, str(tmp_path / "reach.py"), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr.decode()
    assert len(attempts.splitlines()) == 2 and str(os.getpid()) not in attempts


def test_the_trap_catches_git(tmp_path):
    proc, _, git_calls = trapped(tmp_path, "git", "ls-remote", "https://example.invalid/repo.git", cwd=tmp_path)
    assert proc.returncode != 0
    assert network_calls(git_calls) == ["ls-remote https://example.invalid/repo.git"]
