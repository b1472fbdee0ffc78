"""`rules list` and `rules check` see the rules a scan would use: the built-in pack plus the rule files the
configuration names (found as `scan` finds it, or named by --config / LEAKSTOP_CONFIG)."""

from __future__ import annotations

from pathlib import Path

import pytest
from config_fixtures import ACME_RULE
from conftest import Repo

GOOD_EXAMPLE = '["acme_q7rt2mx9pl4vk8nb1zw6yh3j"]'


def acme_rule(example: str = GOOD_EXAMPLE) -> str:
    """config_fixtures' custom rule, with another `examples:` list when a test needs a broken one."""
    assert GOOD_EXAMPLE in ACME_RULE
    return ACME_RULE.replace(GOOD_EXAMPLE, example)


def configured(repo: Repo, rule_text: str) -> Path:
    """A repository whose .leakstop.yaml names one rule file in `team-rules/`."""
    rule_file = repo.write("team-rules/acme.yaml", rule_text)
    repo.write(".leakstop.yaml", "rules: [team-rules]\n")
    return rule_file


def listed_ids(stdout: str) -> list[str]:
    return [line.split()[0] for line in stdout.splitlines() if line.strip()]


def test_rules_list_shows_the_configurations_rules_beside_the_built_in_ones(repo, leakstop):
    configured(repo, acme_rule())
    result = leakstop("rules", "list", cwd=repo.path)
    assert result.code == 0, result.output
    ids = listed_ids(result.stdout)
    assert "acme-token" in ids
    assert len(ids) > 100, "the built-in rules are still listed"
    # a sub-folder finds the same configuration, as a scan of it would
    (repo.path / "src").mkdir()
    assert "acme-token" in listed_ids(leakstop("rules", "list", cwd=repo.path / "src").stdout)


@pytest.mark.parametrize("how", ["flag", "environment"])
def test_rules_list_takes_the_configuration_named_by_flag_or_environment(tmp_path, leakstop, how):
    elsewhere = tmp_path / "shared"
    (elsewhere / "rules").mkdir(parents=True)
    (elsewhere / "rules" / "acme.yaml").write_text(acme_rule())
    config = elsewhere / "leakstop.yaml"
    config.write_text("rules: [rules]\ndisable: [generic-api-key-assignment]\n")
    work = tmp_path / "work"
    work.mkdir()
    if how == "flag":
        result = leakstop("rules", "list", "--config", config, cwd=work)
    else:
        result = leakstop("rules", "list", cwd=work, env={"LEAKSTOP_CONFIG": str(config)})
    assert result.code == 0, result.output
    ids = listed_ids(result.stdout)
    assert "acme-token" in ids
    assert "generic-api-key-assignment" not in ids, "a rule the configuration disables is not one a scan uses"


def test_rules_list_without_built_in_rules_when_the_configuration_says_so(repo, leakstop):
    configured(repo, acme_rule())
    repo.write(".leakstop.yaml", "rules: [team-rules]\nuse_builtin_rules: false\n")
    result = leakstop("rules", "list", cwd=repo.path)
    assert result.code == 0, result.output
    assert listed_ids(result.stdout) == ["acme-token"]


def test_rules_check_checks_the_configurations_rules_and_names_their_file(repo, leakstop):
    rule_file = configured(repo, acme_rule(example='["acme_short"]'))
    result = leakstop("rules", "check", cwd=repo.path)
    assert result.code == 1, result.output
    assert f"{rule_file}: rule 'acme-token': example 1 is not found" in result.stderr
    assert "1 rule checked, 1 problem" in result.stderr, "the user's rules are checked, not the whole pack"
    rule_file.write_text(acme_rule())
    fixed = leakstop("rules", "check", cwd=repo.path)
    assert fixed.code == 0, fixed.output
    assert "1 rule checked, 0 problems" in fixed.stderr


def test_rules_check_reports_an_invalid_configured_rule_file_with_its_path(repo, leakstop):
    rule_file = configured(repo, acme_rule().replace("remediation:", "remedation:"))
    result = leakstop("rules", "check", cwd=repo.path)
    assert result.code == 2, result.output
    assert f"{rule_file}: rule 'acme-token': remedation: unknown field" in result.stderr


def test_rules_check_refuses_a_configured_rule_that_reuses_a_built_in_id(repo, leakstop):
    rule_file = configured(repo, acme_rule().replace("id: acme-token", "id: generic-api-key-assignment"))
    result = leakstop("rules", "check", cwd=repo.path)
    assert result.code in (1, 2), result.output
    assert f"{rule_file}" in result.stderr and "generic-api-key-assignment" in result.stderr


def test_rules_check_with_a_configuration_and_rules_path_checks_both(repo, leakstop, tmp_path):
    configured(repo, acme_rule())
    extra = tmp_path / "extra.yaml"
    extra.write_text(acme_rule(example='["acme_short"]').replace("acme-token", "acme-ci-token"))
    result = leakstop("rules", "check", "--rules-path", extra, cwd=repo.path)
    assert result.code == 1, result.output
    assert f"{extra}: rule 'acme-ci-token': example 1 is not found" in result.stderr
    assert "2 rules checked, 1 problem" in result.stderr
