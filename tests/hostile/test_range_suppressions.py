"""A change cannot silence the scan of itself: in --range/--since the suppressions come from the base
revision, and whatever the change adds to them is named, not applied (unless --trust-range-config)."""

from __future__ import annotations

import pytest
from conftest import Repo
from git_fixtures import commit_file, stripe_line
from secrets_fixtures import STRIPE


@pytest.fixture
def pull_request(repo: Repo) -> tuple[Repo, str]:
    commit_file(repo, ".leakstop.yaml", "exclude: []\n", "config")
    commit_file(repo, "README", "hello\n", "base")
    base = repo.git("rev-parse", "HEAD").strip()
    repo.write("pay.py", stripe_line(STRIPE))
    repo.write(".leakstop.yaml", 'exclude: ["pay.py"]\n')
    repo.commit("add payments")
    return repo, base


@pytest.mark.parametrize("how", ["range", "since"])
def test_an_exclude_added_by_the_change_is_named_not_applied(leakstop, pull_request, how):
    repo, base = pull_request
    args = ["--range", f"{base}..HEAD"] if how == "range" else ["--since", base]
    result = leakstop("scan", *args, repo.path)
    assert result.code == 1, result.output
    assert "pay.py" in result.stdout and "stripe" in result.stdout.lower()
    assert "this change adds 1 exclude (pay.py)" in result.output
    assert "not applied" in result.output


def test_trust_range_config_applies_it(leakstop, pull_request):
    repo, base = pull_request
    result = leakstop("scan", "--range", f"{base}..HEAD", "--trust-range-config", repo.path)
    assert result.code == 0, result.output


def test_an_ignore_entry_and_an_allow_comment_added_by_the_change(leakstop, repo):
    commit_file(repo, "README", "hello\n", "base")
    base = repo.git("rev-parse", "HEAD").strip()
    repo.write("pay.py", stripe_line(STRIPE).rstrip("\n") + "  # leakstop:allow\n")
    repo.write("billing.py", "# again\n" + stripe_line(STRIPE))
    fingerprint = leakstop("scan", repo.path, "--format", "json", "--no-inline-allow").json()["findings"][0][
        "fingerprint"]
    repo.write(".leakstopignore", f"- fingerprint: {fingerprint}\n  added: 2026-01-01\n  reason: fixture\n")
    repo.commit("add payments")
    result = leakstop("scan", "--range", f"{base}..HEAD", repo.path, "--format", "json")
    assert result.code == 1, result.output
    assert {loc["path"] for f in result.json()["findings"] for loc in f["occurrences"]} == {"pay.py", "billing.py"}
    warnings = " ".join(result.json()["warnings"])
    assert "1 ignore entry" in warnings and "1 inline allow comment" in warnings and "pay.py:1" in warnings
    trusted = leakstop("scan", "--range", f"{base}..HEAD", repo.path, "--trust-range-config")
    assert trusted.code == 0, trusted.output


def test_suppressions_already_in_the_base_still_apply(leakstop, repo):
    commit_file(repo, ".leakstop.yaml", 'exclude: ["fixtures/**"]\n', "config")
    base = repo.git("rev-parse", "HEAD").strip()
    commit_file(repo, "fixtures/pay.py", stripe_line(STRIPE), "fixture")
    result = leakstop("scan", "--range", f"{base}..HEAD", repo.path)
    assert result.code == 0, result.output
    assert "this change adds" not in result.output
