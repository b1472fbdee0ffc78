"""A configuration can extend a shared base file and carry allowlists for single rules, gitleaks-style; a
baseline can be named in it. Everything they silence is counted and named, and a pull request cannot use
them to silence itself."""

from __future__ import annotations

import sys

import pytest
from conftest import Repo, git
from git_fixtures import commit_file, stripe_line
from secrets_fixtures import GITHUB, STRIPE

STRIPE_RULE = "stripe-secret-key"


def findings(result) -> dict[str, list[str]]:
    """rule id -> paths, of the reported findings."""
    out: dict[str, list[str]] = {}
    for finding in result.json()["findings"]:
        out.setdefault(finding["rule_id"], []).extend(o["path"] for o in finding["occurrences"])
    return out


@pytest.fixture
def project(tmp_path):
    git(tmp_path, "init", "-q")
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "pay.py").write_text(stripe_line(STRIPE))
    (tmp_path / "app" / "gh.py").write_text(f"token = '{GITHUB}'\n")
    return tmp_path


def test_extend_merges_lists_and_the_extending_file_wins(project, leakstop):
    (project / "policy").mkdir()
    (project / "policy" / "base.yaml").write_text(
        'exclude: ["vendor/**"]\nmin_severity: info\nallow:\n  stopwords: [sandbox]\n')
    (project / ".leakstop.yaml").write_text(
        'extend: policy/base.yaml\nexclude: ["app/gh.py"]\nmin_severity: low\n')
    shown = leakstop("config", "show", project, "--json")
    assert shown.code == 0, shown.output
    values = shown.json()["values"]
    assert values["exclude"]["value"] == ["vendor/**", "app/gh.py"]
    assert values["exclude"]["from"] == f"{project / 'policy' / 'base.yaml'} + {project / '.leakstop.yaml'}"
    assert values["min_severity"] == {"value": "low", "from": str(project / ".leakstop.yaml")}
    assert values["allow.stopwords"] == {"value": ["sandbox"], "from": str(project / "policy" / "base.yaml")}
    assert shown.json()["extends"] == [str(project / "policy" / "base.yaml")]
    result = leakstop("scan", project, "--format", "json")
    assert list(findings(result)) == [STRIPE_RULE], result.output


@pytest.mark.parametrize("case,message", [
    ("cycle", "extends cannot loop"),
    ("missing", "no such configuration file"),
    ("deep", "more than 8 files in one chain"),
])
def test_an_extend_chain_that_cannot_end_well_is_an_error(project, leakstop, case, message):
    if case == "cycle":
        (project / "a.yaml").write_text("extend: .leakstop.yaml\n")
        (project / ".leakstop.yaml").write_text("extend: a.yaml\n")
    elif case == "missing":
        (project / ".leakstop.yaml").write_text("extend: ../nowhere.yaml\n")
    else:
        (project / ".leakstop.yaml").write_text("extend: b1.yaml\n")
        for n in range(1, 10):
            (project / f"b{n}.yaml").write_text(f"extend: b{n + 1}.yaml\n")
        (project / "b10.yaml").write_text("exclude: []\n")
    result = leakstop("scan", project)
    assert result.code == 2, result.output
    assert result.stderr.startswith(f"leakstop: error: {project}") and message in result.stderr
    assert len(result.stderr.splitlines()) == 1


@pytest.mark.parametrize("condition", [
    "paths: ['app/pay.py']",
    "regexes: ['^sk_live_51H8']",
    "lines: ['^stripe_key = ']",
    "stopwords: ['PZT4V']",
])
def test_a_per_rule_allowlist_silences_that_rule_only_and_says_so(project, leakstop, condition):
    (project / "app" / "gh.py").write_text(f"stripe_key = '{GITHUB}'\n")  # the line condition matches here too
    (project / "app" / "other.py").write_text(f"stripe_key = '{GITHUB}'\n")
    (project / ".leakstop.yaml").write_text(
        f"allowlists:\n  - rules: {STRIPE_RULE}\n    {condition}\n    description: test fixture\n")
    result = leakstop("scan", project, "--format", "json", "--show-suppressed")
    assert result.code == 1, result.output
    report = result.json()
    assert STRIPE_RULE not in findings(result) and findings(result), "the other rule's findings stay"
    assert report["stats"]["suppressed"] == {"allowlist": 1}
    [suppressed] = report["suppressed"]
    assert suppressed["rule_id"] == STRIPE_RULE
    assert suppressed["suppressed_by"].startswith("allowlist: ")
    assert f"for {STRIPE_RULE} ({project / '.leakstop.yaml'}:1 #1: test fixture)" in suppressed["suppressed_by"]
    text = leakstop("scan", project)
    assert "1 suppressed (1 allowlist)" in text.stdout


def test_a_per_rule_allowlist_that_silences_everything_warns(project, leakstop):
    (project / ".leakstop.yaml").write_text(f"allowlists:\n  - rules: {STRIPE_RULE}\n    regexes: ['.']\n")
    result = leakstop("scan", project)
    assert f"warning: {project / '.leakstop.yaml'}:1 #1: allowlists: regex '.' matches any secret; " \
           f"{STRIPE_RULE} will report (nearly) nothing" in result.output


def test_a_per_rule_allowlist_naming_an_unknown_rule_is_an_error(project, leakstop):
    (project / ".leakstop.yaml").write_text("allowlists:\n  - rules: [stripe-secret-kee]\n    paths: [app/**]\n")
    result = leakstop("scan", project)
    assert result.code == 2 and "allowlists: no rule has the id 'stripe-secret-kee'" in result.stderr
    (project / ".leakstop.yaml").write_text("allowlists:\n  - rules: [stripe-secret-key]\n    path: [app/**]\n")
    result = leakstop("scan", project)
    assert result.code == 2 and "unknown key 'allowlists.0.path' (did you mean 'allowlists.0.paths'?)" in result.stderr


@pytest.mark.parametrize("change", ["allowlist", "extended file"])
def test_a_pull_request_cannot_silence_itself_with_an_allowlist_or_an_extended_file(repo: Repo, leakstop, change):
    commit_file(repo, "policy.yaml", "exclude: []\n", "policy")
    commit_file(repo, ".leakstop.yaml", "extend: policy.yaml\n", "config")
    base = repo.git("rev-parse", "HEAD").strip()
    repo.write("pay.py", stripe_line(STRIPE))
    if change == "allowlist":
        repo.write(".leakstop.yaml", f"extend: policy.yaml\nallowlists:\n  - rules: {STRIPE_RULE}\n"
                                     "    paths: [pay.py]\n")
    else:
        repo.write("policy.yaml", 'exclude: ["pay.py"]\n')
    repo.commit("add payments")
    result = leakstop("scan", "--range", f"{base}..HEAD", repo.path, "--format", "json")
    assert result.code == 1, result.output
    assert findings(result) == {STRIPE_RULE: ["pay.py"]}
    warning = " ".join(result.json()["warnings"])
    assert ("1 per-rule allowlist (for stripe-secret-key)" if change == "allowlist"
            else "1 exclude (pay.py)") in warning and "not applied" in warning
    trusted = leakstop("scan", "--range", f"{base}..HEAD", repo.path, "--trust-range-config")
    assert trusted.code == 0, trusted.output


def test_a_pull_request_cannot_hide_a_key_as_a_new_example_of_a_custom_rule(repo: Repo, leakstop):
    from test_rule_authoring import GOOD_RULE, ZEPHYR_KEY

    commit_file(repo, "rules/zephyr.yaml", GOOD_RULE, "rule")
    commit_file(repo, ".leakstop.yaml", "rules: [rules]\n", "config")
    base = repo.git("rev-parse", "HEAD").strip()
    real = ZEPHYR_KEY[:-6] + "Hq2Wz9"
    repo.write("rules/zephyr.yaml", GOOD_RULE.replace("examples: [", f"examples: ['ZEPHYR_KEY={real}', "))
    repo.commit("another example")
    result = leakstop("scan", "--range", f"{base}..HEAD", repo.path, "--format", "json")
    assert result.code == 1, result.output
    assert [f["secret"][:6] for f in result.json()["findings"]] == ["zph_Qm"]
    assert "1 rule example" in " ".join(result.json()["warnings"])


def test_a_baseline_named_in_the_configuration_is_used_relative_to_it(project, leakstop):
    (project / "ci").mkdir()
    created = leakstop("baseline", "create", project, "-o", project / "ci" / "secrets-baseline.json")
    assert created.code == 0, created.output
    (project / "ci" / "leakstop.yaml").write_text("baseline: secrets-baseline.json\n")
    result = leakstop("scan", project, "--config", project / "ci" / "leakstop.yaml", "--format", "json")
    assert result.code == 0, result.output
    assert result.json()["stats"]["suppressed"] == {"baseline": 2}
    (project / "ci" / "leakstop.yaml").write_text("baseline: missing.json\n")
    result = leakstop("scan", project, "--config", project / "ci" / "leakstop.yaml")
    assert result.code == 2 and "baseline:" in result.stderr and "no such file" in result.stderr


def test_selftest_works_where_the_hook_names_the_configurations_baseline(project, leakstop):
    from conftest import ROOT

    (project / "ci").mkdir()
    created = leakstop("baseline", "create", project, "-o", project / "ci" / "known-secrets.json")
    assert created.code == 0, created.output
    (project / ".leakstop.yaml").write_text("baseline: ci/known-secrets.json\n")
    hook = project / ".git" / "hooks" / "pre-commit"
    hook.parent.mkdir(exist_ok=True)
    hook.write_text(f"#!/bin/sh\nPYTHONPATH='{ROOT}' exec '{sys.executable}' -m scanner scan --staged "
                    "--baseline ci/known-secrets.json\n")
    hook.chmod(0o755)
    result = leakstop("selftest", cwd=project)
    assert result.code == 0, result.output
    assert result.stdout.startswith("OK")
