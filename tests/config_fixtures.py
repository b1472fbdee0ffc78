"""Helpers for the configuration, ignore and baseline tests: distinct fake secrets and a custom rule file."""

from __future__ import annotations

import os
import textwrap

from conftest import ROOT, run_leakstop
from secrets_fixtures import GITHUB, STRIPE


def leakstop_anywhere(*args, cwd=None, env=None, **kwargs):  # type: ignore[no-untyped-def]
    """The real CLI run from inside a test repository (configuration is found from the working folder),
    importing the package from this checkout."""
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH", "")]))
    return run_leakstop(*args, cwd=cwd, env={"PYTHONPATH": path, **(env or {})}, **kwargs)


def github_token(n: int) -> str:
    """Distinct, well-formed GitHub tokens (same rule, different secret), built at run time."""
    alphabet = "Q7rT2mX9pL4vK8nB1zW6yH3jD5fG0aC2sE7uMkP"
    return "ghp_" + "".join(alphabet[(i * (n + 3) + n) % len(alphabet)] for i in range(36))


ACME_TOKEN = "acme_" + "q7rt2mx9pl4vk8nb1zw6yh3j"
ACME_RULE = textwrap.dedent("""\
    provider: Acme
    rules:
      - id: acme-token
        name: Acme API token
        severity: low
        confidence: medium
        keywords: [acme_]
        pattern: '\\b(acme_[a-z0-9]{24})\\b'
        secret_group: 1
        examples: ["acme_q7rt2mx9pl4vk8nb1zw6yh3j"]
        negative_examples: ["acme_short"]
        remediation: Revoke the token in the Acme console.
    """)

__all__ = ["ACME_RULE", "ACME_TOKEN", "GITHUB", "STRIPE", "github_token", "leakstop_anywhere"]
