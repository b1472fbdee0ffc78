"""Findings to verify, made by the real engine from each rule's own examples (and its partners')."""

from __future__ import annotations

import functools

from scanner.engine.match import scan_fragment
from scanner.findings import Finding
from scanner.fragment import Fragment
from scanner.ruleset.rule_set import load_ruleset
from scanner.ruleset.rules import builtin_rules_dir, rule_files
from scanner.scan import findings_in
from scanner.verify.spec import VerifySpec, load_specs


@functools.lru_cache(maxsize=1)
def builtin_specs() -> dict[str, VerifySpec]:
    return load_specs(rule_files([builtin_rules_dir()]))


@functools.lru_cache(maxsize=1)
def ruleset():  # type: ignore[no-untyped-def]
    return load_ruleset()


def findings(text: str, path: str = "settings.py") -> list[Finding]:
    fragment = Fragment(text, path)
    return findings_in(fragment, scan_fragment(ruleset(), fragment).matches, show_secrets=False)


def examples_of(rule_id: str) -> tuple[str, ...]:
    return next(r.examples for r in ruleset().rules if r.id == rule_id)


def finding_for(rule_id: str) -> tuple[Finding, list[Finding]]:
    """A finding of the rule from one of its examples, followed by an example of each partner rule, and
    every other finding of that text (where partners are looked for)."""
    spec = builtin_specs()[rule_id]
    partners = [examples_of(ids[0])[0] for _, ids in spec.partners]
    for example in examples_of(rule_id):
        found = findings("\n".join([example, *partners]) + "\n")
        mine = [f for f in found if f.rule_id == rule_id]
        if mine:
            return mine[0], [f for f in found if f is not mine[0]]
    raise AssertionError(f"no example of {rule_id} is found")
