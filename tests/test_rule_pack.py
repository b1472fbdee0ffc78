"""Every built-in rule finds each of its examples and none of its negatives, through the real engine."""

from __future__ import annotations

import pytest

from scanner.cli.rules import rule_problems
from scanner.ruleset.named_provider import provider_words
from scanner.ruleset.rules import builtin_rules_dir, load_rules, rule_files

BUILTIN = load_rules(rule_files([builtin_rules_dir()]))
NAMES = provider_words(BUILTIN)


@pytest.mark.parametrize("rule", BUILTIN, ids=lambda r: r.id)
def test_rule_examples_and_negatives(rule):
    assert len(rule.examples) >= 2, "every rule ships at least two examples"
    assert len(rule.negative_examples) >= 2, "every rule ships at least two negative examples"
    assert rule.remediation and rule.references
    assert [p.message for p in rule_problems(rule, NAMES)] == []


def test_pack_size_and_required_providers():
    ids = {r.id for r in BUILTIN}
    providers = {r.provider for r in BUILTIN}
    assert len(ids) >= 60
    for needed in ("Stripe", "AWS", "OpenAI", "Anthropic", "GitHub", "GitLab", "Slack", "Twilio", "SendGrid"):
        assert needed in providers, needed


def test_rules_check_command_passes_on_builtin_pack(leakstop):
    result = leakstop("rules", "check")
    assert result.code == 0, result.stderr[-2000:]
    assert "0 problems" in result.stderr


def test_rules_list_shows_the_pack(leakstop):
    result = leakstop("rules", "list")
    assert result.code == 0
    assert "stripe-secret-key" in result.stdout
    assert len(result.stdout.splitlines()) == len(BUILTIN)
