"""An audit's policy as one digest: everything that decides which findings a repository's history has.

The store keeps, per repository, the digest of the policy its findings were made under. An incremental
audit judges only new commits, so when the digest differs (the `--config` file's rules, allowlists or
excludes changed, leakstop was upgraded, a limit moved) the commits audited before would keep the old
policy's verdicts: the repository is audited in full again instead. The digest is made by the task, from
the rules it actually runs, so a Dask worker and a local process with the same leakstop make the same one.
It holds no configuration text (an allowlist regex may well spell part of a secret), only a hash.
"""

from __future__ import annotations

from dataclasses import fields
from typing import TYPE_CHECKING

from scanner import __version__
from scanner.ruleset.rules import Rule
from scanner.sha256 import sha256

if TYPE_CHECKING:
    from scanner.audit.settings import AuditSettings
    from scanner.ruleset.rule_set import RuleSet

FORMAT = "policy1"
"""Bumped when what goes into the digest changes: every repository is then audited in full once."""

POLICY_CHANGED = "policy changed since last audit: full re-audit"
POLICY_UNKNOWN = f"{POLICY_CHANGED} (the store had no record of it)"
"""A repository recorded by a leakstop that did not store its policy."""


def policy_digest(ruleset: RuleSet, settings: AuditSettings | None, *, max_file_size: int,
                  archive_depth: int) -> str:
    """The digest of leakstop's version, every rule the audit runs (each field but the file it came from:
    a worker installed elsewhere runs the same rules), the configuration's allowlists and excludes, and the
    limits that decide what is read."""
    digest = sha256(f"{FORMAT}\0{__version__}\0{max_file_size}\0{archive_depth}\0".encode())
    digest.update((settings.policy if settings is not None else "built-in").encode())
    for rule in ruleset.rules:
        digest.update(rule_text(rule).encode("utf-8", "surrogatepass"))
    return f"{FORMAT}:{digest.hexdigest()}"


def rule_text(rule: Rule) -> str:
    """Every field of a rule but the file it was read from, as text: two installations' same rule is one."""
    return repr([getattr(rule, name) for name in _RULE_FIELDS])


_RULE_FIELDS = tuple(f.name for f in fields(Rule) if f.name != "source")


def reaudit_reason(known_commits: tuple[str, ...], known_policy: str, policy: str) -> str:
    """Why a repository audited before is audited in full again; empty when its last audit still holds (or
    there was none: a first audit is a full one anyway)."""
    if not known_commits or known_policy == policy:
        return ""
    return POLICY_CHANGED if known_policy else POLICY_UNKNOWN
