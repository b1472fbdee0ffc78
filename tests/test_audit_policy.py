"""The policy digest a repository is audited under: what changes it (the version, any rule's field, the
configuration's allowlists and excludes, the limits) and what does not (where rules and entries were
written), and when it makes an audit a full one."""

from __future__ import annotations

from dataclasses import replace

import pytest

from scanner.audit import policy
from scanner.audit.policy import POLICY_CHANGED, POLICY_UNKNOWN, policy_digest, reaudit_reason
from scanner.audit.settings import AuditSettings
from scanner.audit.task import builtin_rules
from scanner.ruleset.rule_set import RuleSet


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return builtin_rules()


def digest(ruleset: RuleSet, settings: AuditSettings | None = None, size: int = 10_000_000, depth: int = 2) -> str:
    return policy_digest(ruleset, settings, max_file_size=size, archive_depth=depth)


def test_the_same_rules_and_limits_give_the_same_digest(rules):
    same = RuleSet(tuple(replace(rule, source=f"/elsewhere/{rule.id}.yaml") for rule in rules.rules))
    assert digest(rules) == digest(same) == digest(builtin_rules())
    assert digest(rules).startswith("policy1:") and len(digest(rules)) == len("policy1:") + 64


def test_each_thing_that_decides_findings_changes_the_digest(rules, monkeypatch):
    first = rules.rules[0]
    settings = AuditSettings(key="k", kept_rule_ids=frozenset(r.id for r in rules.rules), policy="filters-a")
    variants = {
        "built-in": digest(rules),
        "a rule's pattern": digest(RuleSet((replace(first, pattern=first.pattern + "x"), *rules.rules[1:]))),
        "a rule's entropy": digest(RuleSet((replace(first, min_entropy=first.min_entropy + 0.5), *rules.rules[1:]))),
        "a rule fewer": digest(RuleSet(rules.rules[1:])),
        "a configuration": digest(rules, settings),
        "its allowlists": digest(rules, replace(settings, policy="filters-b")),
        "max file size": digest(rules, size=1_000_000),
        "archive depth": digest(rules, depth=1),
    }
    monkeypatch.setattr(policy, "__version__", "99.0.0")
    variants["leakstop's version"] = digest(rules)
    assert len(set(variants.values())) == len(variants), variants


@pytest.mark.parametrize(("known_commits", "known_policy", "expected"), [
    ((), "", ""),                            # a first audit is a full one anyway
    (("c" * 40,), "policy1:a", ""),           # the same policy: incremental
    (("c" * 40,), "policy1:b", POLICY_CHANGED),
    (("c" * 40,), "", POLICY_UNKNOWN),        # a store that recorded no policy
])
def test_when_an_audited_repository_is_audited_in_full(known_commits, known_policy, expected):
    assert reaudit_reason(known_commits, known_policy, "policy1:a") == expected
