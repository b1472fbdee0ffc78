"""`rules list` and `rules check` see the rules a scan would use: the built-in pack plus the rule files the
configuration names (found as `scan` finds it, or named by --config / LEAKSTOP_CONFIG)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import Repo

# Made up for these tests: 30 random letters and digits after an invented provider's prefix.
KESTREL_KEY = "kst_" + "Vb3nQ8wZr1Lx6Tc9Pm2Hj5Ds7Gk4Fy"


def kestrel_rule(example: str = f"KESTREL_TOKEN={KESTREL_KEY}") -> str:
    return f"""\
rules:
  - id: kestrel-deploy-key
    provider: Kestrel
    name: Kestrel deploy key
    keywords: [kst_]
    pattern: '\\bkst_[A-Za-z0-9]{{30}}\\b'
    examples: ['{example}']
    remediation: Revoke it in the Kestrel dashboard.
"""


def configured(repo: Repo, rule_text: str) -> Path:
    """A repository whose .leakstop.yaml names one rule file in `team-rules/`."""
    rule_file = repo.write("team-rules/kestrel.yaml", rule_text)
    repo.write(".leakstop.yaml", "rules: [team-rules]\n")
    return rule_file


def listed_ids(stdout: str) -> list[str]:
    return [line.split()[0] for line in stdout.splitlines() if line.strip()]


def test_rules_list_shows_the_configurations_rules_beside_the_built_in_ones(repo, leakstop):
    configured(repo, kestrel_rule())
    result = leakstop("rules", "list", cwd=repo.path)
    assert result.code == 0, result.output
    ids = listed_ids(result.stdout)
    assert "kestrel-deploy-key" in ids
    assert len(ids) > 100, "the built-in rules are still listed"
    # a sub-folder finds the same configuration, as a scan of it would
    (repo.path / "src").mkdir()
    assert "kestrel-deploy-key" in listed_ids(leakstop("rules", "list", cwd=repo.path / "src").stdout)


@pytest.mark.parametrize("how", ["flag", "environment"])
def test_rules_list_takes_the_configuration_named_by_flag_or_environment(tmp_path, leakstop, how):
    elsewhere = tmp_path / "shared"
    (elsewhere / "rules").mkdir(parents=True)
    (elsewhere / "rules" / "kestrel.yaml").write_text(kestrel_rule())
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
    assert "kestrel-deploy-key" in ids
    assert "generic-api-key-assignment" not in ids, "a rule the configuration disables is not one a scan uses"


def test_rules_list_without_built_in_rules_when_the_configuration_says_so(repo, leakstop):
    configured(repo, kestrel_rule())
    repo.write(".leakstop.yaml", "rules: [team-rules]\nuse_builtin_rules: false\n")
    result = leakstop("rules", "list", cwd=repo.path)
    assert result.code == 0, result.output
    assert listed_ids(result.stdout) == ["kestrel-deploy-key"]


def test_rules_check_checks_the_configurations_rules_and_names_their_file(repo, leakstop):
    rule_file = configured(repo, kestrel_rule(example="KESTREL_TOKEN=kst_tooshort"))
    result = leakstop("rules", "check", cwd=repo.path)
    assert result.code == 1, result.output
    assert f"{rule_file}: rule 'kestrel-deploy-key': example 1 is not found" in result.stderr
    assert "1 rule checked, 1 problem" in result.stderr, "the user's rules are checked, not the whole pack"
    rule_file.write_text(kestrel_rule())
    fixed = leakstop("rules", "check", cwd=repo.path)
    assert fixed.code == 0, fixed.output
    assert "1 rule checked, 0 problems" in fixed.stderr


def test_rules_check_reports_an_invalid_configured_rule_file_with_its_path(repo, leakstop):
    rule_file = configured(repo, kestrel_rule().replace("    remediation:", "    remedation:"))
    result = leakstop("rules", "check", cwd=repo.path)
    assert result.code == 2, result.output
    assert f"{rule_file}: rule 'kestrel-deploy-key': remedation: unknown field" in result.stderr


def test_rules_check_refuses_a_configured_rule_that_reuses_a_built_in_id(repo, leakstop):
    rule_file = configured(repo, kestrel_rule().replace("id: kestrel-deploy-key", "id: generic-api-key-assignment"))
    result = leakstop("rules", "check", cwd=repo.path)
    assert result.code in (1, 2), result.output
    assert f"{rule_file}" in result.stderr and "generic-api-key-assignment" in result.stderr


def test_rules_check_with_a_configuration_and_rules_path_checks_both(repo, leakstop, tmp_path):
    configured(repo, kestrel_rule())
    extra = tmp_path / "extra.yaml"
    extra.write_text(kestrel_rule(example="KESTREL_TOKEN=kst_tooshort").replace("kestrel-deploy-key",
                                                                                "kestrel-ci-key"))
    result = leakstop("rules", "check", "--rules-path", extra, cwd=repo.path)
    assert result.code == 1, result.output
    assert f"{extra}: rule 'kestrel-ci-key': example 1 is not found" in result.stderr
    assert "2 rules checked, 1 problem" in result.stderr
