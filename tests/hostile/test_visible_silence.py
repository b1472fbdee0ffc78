"""Silence is always visible: every scan counts what it suppressed, by mechanism, and the files its
configuration excluded, names the configuration it used, and warns about settings that silence everything."""

from __future__ import annotations

import pytest
from conftest import git
from git_fixtures import stripe_line
from secrets_fixtures import GITHUB, SLACK, STRIPE


@pytest.fixture
def quiet_repo(tmp_path, leakstop):
    git(tmp_path, "init", "-q")
    (tmp_path / "a.py").write_text(stripe_line(STRIPE).rstrip("\n") + "  # leakstop:allow\n")
    (tmp_path / "b.py").write_text(f"token = '{GITHUB}'\n")
    (tmp_path / "c.py").write_text(f"slack = '{SLACK}'\n")
    (tmp_path / "vendor").mkdir()
    (tmp_path / "vendor" / "d.py").write_text("x = 1\n")
    github = [f for f in leakstop("scan", tmp_path, "--format", "json").json()["findings"]
              if f["rule_id"].startswith("github")][0]
    (tmp_path / ".leakstopignore").write_text(
        f"- fingerprint: {github['fingerprint']}\n  added: 2026-01-01\n  reason: fixture\n")
    (tmp_path / ".leakstop.yaml").write_text(
        f'exclude: ["vendor/**"]\nallow:\n  stopwords: ["{SLACK[-8:].lower()}"]\n')
    return tmp_path


def test_the_summary_counts_suppressions_by_mechanism_and_exclusions(quiet_repo, leakstop):
    result = leakstop("scan", quiet_repo)
    assert result.code == 0, result.output
    assert "3 suppressed (1 allowlist, 1 ignore, 1 inline)" in result.stdout
    assert "1 file excluded by configuration" in result.stdout
    assert f"Configuration: {quiet_repo / '.leakstop.yaml'}" in result.stdout
    stats = leakstop("scan", quiet_repo, "--format", "json").json()["stats"]
    assert stats["suppressed"] == {"allowlist": 1, "ignore": 1, "inline": 1} and stats["excluded"] == 1
    sarif = leakstop("scan", quiet_repo, "--format", "sarif").json()
    assert sarif["runs"][0]["properties"]["suppressed"] == stats["suppressed"]


@pytest.mark.parametrize("setting,warning", [
    ("allow:\n  patterns: ['.']\n", "matches any secret"),
    ("allow:\n  stopwords: ['e']\n", "is in most secrets"),
    ("max_file_size: 1\n", "nearly every file will be skipped"),
])
def test_a_configuration_that_silences_everything_warns(tmp_path, leakstop, setting, warning):
    git(tmp_path, "init", "-q")
    (tmp_path / "app.py").write_text(stripe_line(STRIPE))
    (tmp_path / ".leakstop.yaml").write_text(setting)
    result = leakstop("scan", tmp_path)
    assert f"warning: {tmp_path / '.leakstop.yaml'}" in result.output and warning in result.output


def test_outside_git_a_parent_folders_configuration_does_not_apply(tmp_path, leakstop):
    (tmp_path / ".leakstop.yaml").write_text('exclude: ["**"]\n')
    scanned = tmp_path / "project"
    scanned.mkdir()
    (scanned / "app.py").write_text(stripe_line(STRIPE))
    result = leakstop("scan", scanned)
    assert result.code == 1, result.output
    assert "Configuration:" not in result.output
