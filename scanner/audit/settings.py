"""What `leakstop audit --config FILE` applies to every audited repository.

The configuration is read once, where the audit starts, and travels with each job as plain values (the
rules it adds, the ids of the rules it keeps, its exclude globs and allowlists), so a worker on another
machine needs neither the file nor the rule files it names. Nothing is ever read from an audited
repository: a `.leakstop.yaml` inside one is the audited party's wish, not the auditor's policy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from scanner.ruleset.rule_set import RuleSet

if TYPE_CHECKING:
    from scanner.ruleset.rules import Rule
    from scanner.scan import Suppressor


@dataclass(frozen=True)
class AuditSettings:
    """One configuration, ready for the tasks; small and picklable."""

    key: str
    """A digest of everything below: the worker's rule set is built once per key, and a rerun resumes an
    interrupted audit only when it applies the same configuration."""
    kept_rule_ids: frozenset[str]
    """The rules a scan with this configuration runs (after `disable`, `min_confidence`, `min_severity`)."""
    own_rules: tuple[Rule, ...] = ()
    """The rules the configuration's `rules:` files define (the built-in ones each worker loads itself)."""
    builtin: bool = True
    exclude: tuple[str, ...] = ()
    suppressors: tuple[Suppressor, ...] = ()
    """The configuration's global and per-rule allowlists."""
    policy: str = ""
    """A digest of what the configuration decides besides its rules (excludes, allowlists), without where
    each entry was written: part of every repository's policy digest (`scanner.audit.policy`)."""

    def ruleset(self, builtin_rules: RuleSet | None) -> RuleSet:
        """The configured rule set from the worker's built-in rules (None when the configuration turns them
        off) and the configuration's own."""
        loaded = (*(builtin_rules.rules if builtin_rules is not None else ()), *self.own_rules)
        return RuleSet(tuple(rule for rule in loaded if rule.id in self.kept_rule_ids))
