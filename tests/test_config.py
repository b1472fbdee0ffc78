"""Configuration through the CLI: found from any sub-folder, adds without removing, and refuses typos."""

from __future__ import annotations

import textwrap

import pytest
from config_fixtures import ACME_RULE, ACME_TOKEN, GITHUB, STRIPE, leakstop_anywhere
from test_bad_input import assert_one_line_error


@pytest.fixture
def leakstop():
    return leakstop_anywhere


def rule_ids(result) -> set[str]:
    return {f["rule_id"] for f in result.json()["findings"]}


def active_rules(result) -> int:
    [line] = [line for line in result.stdout.splitlines() if line.startswith("active rules:")]
    return int(line.split()[2])


@pytest.fixture
def two_secrets(repo):
    repo.write("app/settings.py", f'STRIPE = "{STRIPE}"\nACME = "{ACME_TOKEN}"\n')
    repo.write("rules/acme.yaml", ACME_RULE)
    return repo


def test_config_that_only_adds_one_rule_keeps_builtins(leakstop, two_secrets):
    assert rule_ids(leakstop("scan", ".", "--format", "json", cwd=two_secrets.path)) == {"stripe-secret-key"}
    two_secrets.write(".leakstop.yaml", "rules: [rules/acme.yaml]\n")
    result = leakstop("scan", ".", "--format", "json", cwd=two_secrets.path)
    assert result.code == 1
    assert rule_ids(result) == {"stripe-secret-key", "acme-token"}


def test_config_found_from_a_sub_folder_with_paths_relative_to_it(leakstop, two_secrets):
    two_secrets.write(".leakstop.yaml", "rules: [rules/acme.yaml]\n")
    result = leakstop("scan", ".", "--format", "json", cwd=two_secrets.path / "app")
    assert rule_ids(result) == {"stripe-secret-key", "acme-token"}


def test_pyproject_tool_table(leakstop, two_secrets):
    two_secrets.write("pyproject.toml", '[project]\nname = "x"\n\n[tool.leakstop]\ndisable = ["stripe-secret-key"]\n'
                      'rules = ["rules/acme.yaml"]\n')
    result = leakstop("scan", ".", "--format", "json", cwd=two_secrets.path / "app")
    # the disabled rule's secret is still a provider's key under the provider's name, by another rule
    assert rule_ids(result) == {"acme-token", "generic-provider-bare-key"}


def test_disable_and_explicit_builtin_off(leakstop, two_secrets):
    two_secrets.write("strict.yaml", "use_builtin_rules: false\nrules: [rules/acme.yaml]\n")
    result = leakstop("scan", ".", "--config", "strict.yaml", "--format", "json", cwd=two_secrets.path)
    assert rule_ids(result) == {"acme-token"}
    shown = leakstop("config", "show", "--config", "strict.yaml", cwd=two_secrets.path)
    assert active_rules(shown) == 1 and "built-in rules OFF" in shown.stdout


def test_config_show_names_origins_and_counts_rules(leakstop, two_secrets):
    base = active_rules(leakstop("config", "show", cwd=two_secrets.path))
    assert base > 100
    two_secrets.write(".leakstop.yaml", "rules: [rules/acme.yaml]\ndisable: [stripe-secret-key]\n")
    shown = leakstop("config", "show", cwd=two_secrets.path)
    assert shown.code == 0, shown.output
    assert active_rules(shown) == base  # one added, one disabled
    [disable] = [line for line in shown.stdout.splitlines() if line.strip().startswith("disable")]
    assert "stripe-secret-key" in disable and ".leakstop.yaml" in disable
    [size] = [line for line in shown.stdout.splitlines() if line.strip().startswith("max_file_size")]
    assert "(default)" in size


def test_exclude_and_allowlist(leakstop, repo):
    repo.write("src/a.py", f'KEY = "{STRIPE}"\n')
    repo.write("vendor/lib/b.py", f'KEY = "{GITHUB}"\n')
    repo.write(".leakstop.yaml", "exclude: [vendor/]\n")
    assert rule_ids(leakstop("scan", ".", "--format", "json", cwd=repo.path)) == {"stripe-secret-key"}
    repo.write(".leakstop.yaml", f"allow:\n  patterns: ['^{STRIPE[:12]}']\n")
    result = leakstop("scan", ".", "--format", "json", "--show-suppressed", cwd=repo.path)
    assert rule_ids(result) == {"github-pat-classic"}
    [suppressed] = result.json()["suppressed"]
    assert suppressed["suppressed_by"].startswith("allowlist: pattern")
    repo.write(".leakstop.yaml", f"allow:\n  stopwords: ['{GITHUB[6:14].upper()}']\n")
    assert rule_ids(leakstop("scan", ".", "--format", "json", cwd=repo.path)) == {"stripe-secret-key"}


def test_exclude_matching_everything_warns(leakstop, repo):
    repo.write("a.py", f'KEY = "{STRIPE}"\n')
    repo.write(".leakstop.yaml", "exclude: ['**']\n")
    result = leakstop("scan", ".", cwd=repo.path)
    assert result.code == 0
    assert "exclude glob '**' matches every path" in result.stdout


def test_thresholds_from_config_and_cli_precedence(leakstop, two_secrets):
    # acme-token is low severity, medium confidence; stripe is high/critical.
    two_secrets.write(".leakstop.yaml", "rules: [rules/acme.yaml]\nmin_severity: high\n")
    assert rule_ids(leakstop("scan", ".", "--format", "json", cwd=two_secrets.path)) == {"stripe-secret-key"}
    result = leakstop("scan", ".", "--format", "json", "--min-severity", "low", cwd=two_secrets.path)
    assert rule_ids(result) == {"stripe-secret-key", "acme-token"}
    result = leakstop("scan", ".", "--format", "json", "--min-severity", "low", "--min-confidence", "high",
                      cwd=two_secrets.path)
    assert rule_ids(result) == {"stripe-secret-key"}


def test_max_file_size_from_config_and_cli_override(leakstop, repo):
    repo.write("big.txt", f"k = '{STRIPE}'\n" + "a" * 4000)
    repo.write(".leakstop.yaml", "max_file_size: 2k\n")
    assert leakstop("scan", ".", cwd=repo.path).code == 0
    assert leakstop("scan", ".", "--max-file-size", "1MB", cwd=repo.path).code == 1


@pytest.mark.parametrize("name,text,needles", [
    (".leakstop.yaml", "exclude:\n  - a\n bad: [\n", [".leakstop.yaml", "line 3"]),
    (".leakstop.yaml", "rules: []\ndisabled: [stripe-secret-key]\n", [".leakstop.yaml:2", "unknown key 'disabled'",
                                                                      "did you mean 'disable'"]),
    (".leakstop.yaml", "allow:\n  stopword: [x]\n", [".leakstop.yaml:2", "unknown key 'allow.stopword'"]),
    (".leakstop.yaml", "use_builtin_rules: 'no'\n", [".leakstop.yaml:1", "use_builtin_rules",
                                                     "expected boolean, got string"]),
    (".leakstop.yaml", "exclude: vendor/\n", [".leakstop.yaml:1", "exclude", "expected array"]),
    (".leakstop.yaml", "min_severity: urgent\n", ["min_severity", "urgent"]),
    (".leakstop.yaml", "max_file_size: lots\n", ["max_file_size", "not a size"]),
    (".leakstop.yaml", "disable: [no-such-rule]\n", [".leakstop.yaml:1", "no rule has the id 'no-such-rule'"]),
    (".leakstop.yaml", "allow:\n  patterns: ['(unclosed']\n", ["allow.patterns", "does not compile"]),
    (".leakstop.yaml", "rules: [missing.yaml]\n", ["missing.yaml"]),
    (".leakstop.yaml", "- just\n- a list\n", [".leakstop.yaml", "mapping"]),
    ("pyproject.toml", "[tool.leakstop]\nexclude = ['x']\nmin_severity = high\n", ["pyproject.toml", "line 3"]),
    ("pyproject.toml", "[tool.leakstop]\nexlude = ['x']\n", ["pyproject.toml:2", "unknown key 'exlude'"]),
])
def test_bad_config_is_a_one_line_error(leakstop, repo, name, text, needles):
    repo.write("a.py", f'KEY = "{STRIPE}"\n')
    repo.write(name, text)
    assert_one_line_error(leakstop("scan", ".", cwd=repo.path), *needles)
    assert_one_line_error(leakstop("config", "show", cwd=repo.path), *needles)


def test_two_configs_in_one_folder_is_an_error(leakstop, repo):
    repo.write(".leakstop.yaml", "exclude: [x]\n")
    repo.write("pyproject.toml", "[tool.leakstop]\nexclude = ['y']\n")
    assert_one_line_error(leakstop("scan", ".", cwd=repo.path), "keep one")


def test_missing_explicit_config(leakstop, repo):
    assert_one_line_error(leakstop("scan", ".", "--config", "nope.yaml", cwd=repo.path), "nope.yaml")


def test_existing_flags_still_work_with_a_config(leakstop, two_secrets):
    two_secrets.write(".leakstop.yaml", textwrap.dedent("""\
        exclude: [docs/]
        """))
    result = leakstop("scan", ".", "--rules-path", "rules/acme.yaml", "--no-builtin-rules", "--format", "json",
                      cwd=two_secrets.path)
    assert rule_ids(result) == {"acme-token"}


def test_validated_config_is_reused_only_while_its_text_is_unchanged(leakstop, repo, tmp_path):
    cache = tmp_path / "cache"
    env = {"LEAKSTOP_CACHE_DIR": str(cache)}
    repo.write("a.py", f'KEY = "{STRIPE}"\n')
    repo.write(".leakstop.yaml", "exclude: [a.py]\n")
    assert leakstop("scan", ".", cwd=repo.path, env=env).code == 0
    assert leakstop("scan", ".", cwd=repo.path, env=env).code == 0  # from the cache: still excluded
    [cached] = cache.glob("config-*.json")
    assert cached.stat().st_mode & 0o077 == 0
    repo.write(".leakstop.yaml", "exclude: a.py\n")
    assert_one_line_error(leakstop("scan", ".", cwd=repo.path, env=env), "exclude", "expected array")


def test_config_show_json(leakstop, two_secrets):
    two_secrets.write(".leakstop.yaml", "min_confidence: high\nexclude: ['*']\n")
    shown = leakstop("config", "show", "--json", cwd=two_secrets.path)
    data = shown.json()
    assert data["file"].endswith(".leakstop.yaml")
    assert data["values"]["min_confidence"] == {"value": "high", "from": data["file"]}
    assert data["values"]["use_builtin_rules"] == {"value": True, "from": "default"}
    two_secrets.write("empty.yaml", "")
    everything = active_rules(leakstop("config", "show", "--config", "empty.yaml", cwd=two_secrets.path))
    assert 0 < data["active_rules"] < everything
    assert any("matches every path" in w for w in data["warnings"])
