"""Shared fixtures: the real CLI in a subprocess, and real git repositories in temporary folders."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True, scope="session")
def _isolated_environment(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Every test: a private rule cache, fixed git identity, no user git config, no colour."""
    home = tmp_path_factory.mktemp("home")
    os.environ.update({
        "LEAKSTOP_CACHE_DIR": str(tmp_path_factory.mktemp("cache")),
        "GIT_AUTHOR_NAME": "Ada Tester", "GIT_AUTHOR_EMAIL": "ada@example.invalid",
        "GIT_COMMITTER_NAME": "Ada Tester", "GIT_COMMITTER_EMAIL": "ada@example.invalid",
        "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(home), "NO_COLOR": "1",
    })
    os.environ.pop("LEAKSTOP_DEBUG", None)
    for ci_variable in ("CI", "GITHUB_ACTIONS"):  # a CI runner makes every scan strict (cli/fail_closed.py)
        os.environ.pop(ci_variable, None)
    subprocess.run(["git", "config", "--global", "init.defaultBranch", "main"], check=True)
    subprocess.run(["git", "config", "--global", "commit.gpgsign", "false"], check=True)


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run_leakstop(*args: str | Path, cwd: Path | None = None, input: bytes | None = None,
                 env: dict[str, str] | None = None, timeout: float = 120) -> Result:
    """The real CLI, as users run it: a new interpreter, real argv, real exit code."""
    proc = subprocess.run(
        [sys.executable, "-m", "scanner", *map(str, args)], cwd=cwd or ROOT, input=input,
        capture_output=True, timeout=timeout, env={**os.environ, **(env or {})},
    )
    return Result(proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace"))


@pytest.fixture
def leakstop():
    return run_leakstop


def git(cwd: Path, *args: str, input: bytes | None = None) -> str:
    proc = subprocess.run(["git", *args], cwd=cwd, input=input, capture_output=True, check=True)
    return proc.stdout.decode("utf-8", "replace")


@dataclass
class Repo:
    """A real git repository in a temporary folder."""

    path: Path

    def write(self, name: str, content: str | bytes) -> Path:
        target = self.path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
        return target

    def git(self, *args: str, input: bytes | None = None) -> str:
        return git(self.path, *args, input=input)

    def commit(self, message: str = "change", *paths: str) -> str:
        self.git("add", "--all", *paths)
        self.git("commit", "-q", "--allow-empty", "-m", message)
        return self.git("rev-parse", "HEAD").strip()


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    path = tmp_path / "repo"
    path.mkdir()
    git(path, "init", "-q")
    return Repo(path)
