"""A configuration that silences everything is a warning on a terminal, and an error (exit 2) where a
change is judged for others: --range, --since, --pre-push, and any scan in CI."""

from __future__ import annotations

import pytest
from git_fixtures import commit_file, stripe_line
from secrets_fixtures import STRIPE

SILENCING = [
    ("allow:\n  patterns: ['.']\n", "matches any secret"),
    ('exclude: ["**"]\n', "matches every path"),
    ("max_file_size: 1\n", "nearly every file will be skipped"),
]


@pytest.mark.parametrize(("setting", "says"), SILENCING)
def test_a_range_scan_under_a_silencing_base_configuration_is_an_error(leakstop, repo, setting, says):
    base = commit_file(repo, ".leakstop.yaml", setting, "quiet, please")
    commit_file(repo, "pay.py", stripe_line(STRIPE), "pay")
    result = leakstop("scan", "--range", f"{base}..HEAD", repo.path)
    assert result.code == 2, result.output
    [error] = [line for line in result.stdout.splitlines() if line.startswith("error:")]
    assert says in error and "fix the configuration" in error


@pytest.mark.parametrize(("setting", "says"), SILENCING)
def test_a_tree_scan_warns_on_a_terminal_and_fails_in_ci(leakstop, repo, setting, says):
    commit_file(repo, ".leakstop.yaml", setting, "quiet, please")
    commit_file(repo, "pay.py", stripe_line(STRIPE), "pay")
    local = leakstop("scan", repo.path)
    assert local.code in (0, 1) and says in local.stdout and "error:" not in local.stdout, local.output
    in_ci = leakstop("scan", repo.path, env={"CI": "true"})
    assert in_ci.code == 2 and says in in_ci.stdout and "fix the configuration" in in_ci.stdout, in_ci.output


def test_an_ordinary_configuration_is_no_error_in_ci(leakstop, repo):
    base = commit_file(repo, ".leakstop.yaml", 'exclude: ["docs/**"]\n', "config")
    commit_file(repo, "pay.py", stripe_line(STRIPE), "pay")
    result = leakstop("scan", "--range", f"{base}..HEAD", repo.path, env={"CI": "true"})
    assert result.code == 1, result.output
