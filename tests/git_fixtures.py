"""Helpers for the git-source tests: JSON findings by rule, and repositories in particular states."""

from __future__ import annotations

from typing import Any

from conftest import Repo


def findings(result: Any, rule_id: str | None = None) -> list[dict[str, Any]]:
    data = result.json()
    return [f for f in data["findings"] if rule_id is None or f["rule_id"] == rule_id]


def stripe_line(secret: str) -> str:
    return f'stripe_key = "{secret}"\n'


def commit_file(repo: Repo, name: str, content: str | bytes, message: str = "change") -> str:
    repo.write(name, content)
    return repo.commit(message)
