"""A blocked developer knows what to do: the hook names the ways forward, and a baseline at the
conventional path is used without hook arguments."""

from __future__ import annotations

from git_fixtures import commit_file, stripe_line
from secrets_fixtures import GITHUB, STRIPE
from source_checkout import run_leakstop_anywhere


def test_a_blocked_commit_lists_the_ways_forward_and_the_bypass(leakstop, repo):
    repo.write("settings.py", stripe_line(STRIPE))
    repo.git("add", "settings.py")
    result = leakstop("scan", "--staged", repo.path)
    assert result.code == 1
    fingerprint = result.stdout.split("fingerprint ")[1].split()[0]
    assert "leakstop:allow" in result.stderr
    assert f"leakstop ignore {fingerprint} --reason" in result.stderr
    assert "rotate" in result.stderr
    assert "SKIP=leakstop git commit" in result.stderr and "--no-verify" in result.stderr
    assert STRIPE not in result.output


def test_a_push_names_its_own_hook_in_the_bypass(leakstop, repo):
    commit_file(repo, "token.txt", f"{GITHUB}\n")
    result = leakstop("scan", "--pre-push", repo.path, input=b"")
    assert result.code == 1 and "SKIP=leakstop-push git push" in result.stderr


def test_the_conventional_baseline_is_used_without_arguments(repo):
    commit_file(repo, "settings.py", stripe_line(STRIPE), "old key")
    created = run_leakstop_anywhere("baseline", "create", ".", cwd=repo.path)
    assert created.code == 0, created.output
    assert (repo.path / ".leakstop-baseline.json").is_file()
    repo.write("copy.py", stripe_line(STRIPE))
    repo.git("add", "copy.py")
    assert run_leakstop_anywhere("scan", "--staged", cwd=repo.path).code == 0
    repo.write("token.txt", f"{GITHUB}\n")
    repo.git("add", "token.txt")
    assert run_leakstop_anywhere("scan", "--staged", cwd=repo.path).code == 1
