"""Helpers for the audit tests: repositories with freshly generated tokens, the CLI, and a look into the
store file."""

from __future__ import annotations

import os
import secrets
import sqlite3
import string
import subprocess
import sys
from pathlib import Path
from typing import Any

from conftest import ROOT, Repo, Result, git

_ALNUM = string.ascii_letters + string.digits


def github_token() -> str:
    return "ghp_" + "".join(secrets.choice(_ALNUM) for _ in range(36))


def stripe_key() -> str:
    return "sk_" + "live_" + "".join(secrets.choice(_ALNUM) for _ in range(24))


def new_repo(root: Path, name: str) -> Repo:
    path = root / name
    path.mkdir(parents=True)
    git(path, "init", "-q")
    return Repo(path)


def repo_with_secret(root: Path, name: str, token: str | None = None, *, filler: int = 0) -> tuple[Repo, str]:
    """A repository whose second commit adds one GitHub token to settings.py (after `filler` plain files)."""
    repo = new_repo(root, name)
    repo.write("README.md", f"# {name}\n\nThe {name} service.\n")
    for i in range(filler):
        repo.write(f"src/module_{i}.py", f"def handler_{i}(event):\n    return event.get('id', {i})\n" * 20)
    repo.commit("start")
    token = token or github_token()
    repo.write("settings.py", f'DEBUG = False\nGITHUB_TOKEN = "{token}"\n')
    repo.commit("settings")
    return repo, token


def audit_cli(*args: str | Path) -> list[str]:
    """argv of the real CLI in a new interpreter."""
    return [sys.executable, "-m", "scanner", *map(str, args)]


def run_cli(*args: str | Path, timeout: float = 120, env: dict[str, str] | None = None) -> Result:
    proc = subprocess.run(audit_cli(*args), cwd=ROOT, capture_output=True, timeout=timeout,
                          env={**os.environ, **(env or {})})
    return Result(proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace"))


def rows(store: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """A plain read of the store file, as any SQLite client would make it."""
    db = sqlite3.connect(str(store), timeout=30)
    try:
        return db.execute(sql, params).fetchall()
    finally:
        db.close()


def store_bytes(store: Path) -> bytes:
    """The store and its WAL and shared-memory files, as they lie on disk."""
    return b"".join(p.read_bytes() for p in store.parent.glob(store.name + "*"))


def task_that_kills_poison(job: Any) -> Any:
    """The audit task, except that a repository named `poison` kills the process auditing it, every time."""
    from scanner.audit.task import audit_repository

    if job.name.endswith("poison"):
        os._exit(9)
    return audit_repository(job)
