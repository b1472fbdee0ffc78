"""The pre-commit hook scans the index git is about to commit, whichever way the commit was asked for.

`git commit -a`, `git commit PATH`, `--only`, `--include` and `--amend -a` build a temporary index and
run the hook with GIT_INDEX_FILE naming it; `.git/index` is stale then. Each case commits a Stripe key
that `.git/index` does not hold, through the hook `leakstop hook install` writes.
"""

from __future__ import annotations

import subprocess

import pytest
from commit_variants import CASES, CLEAN, LEAKY, prepare
from conftest import Repo
from secrets_fixtures import STRIPE
from source_checkout import run_leakstop_anywhere


def commit_through_hook(repo: Repo, args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "commit", "-m", "change", *args], cwd=repo.path, capture_output=True, text=True)


@pytest.mark.parametrize("case", sorted(CASES))
def test_installed_hook_scans_the_index_git_commits(repo, case):
    prepare(repo)
    assert run_leakstop_anywhere("hook", "install", cwd=repo.path).code == 0
    setup, args = CASES[case]
    setup(repo)
    before = repo.git("rev-parse", "HEAD")
    proc = commit_through_hook(repo, args)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, output
    assert "Stripe live secret key" in output and STRIPE not in output
    assert repo.git("rev-parse", "HEAD") == before


def test_installed_hook_passes_a_clean_commit_a(repo):
    prepare(repo)
    repo.write("settings.py", CLEAN + "DEBUG = False\n")
    assert run_leakstop_anywhere("hook", "install", cwd=repo.path).code == 0
    proc = commit_through_hook(repo, ["-a"])
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_an_index_of_another_repository_is_not_read(repo, tmp_path):
    """GIT_INDEX_FILE of a hook in another repository (leakstop run on `repo` from that hook) is ignored."""
    repo.write("a.txt", LEAKY)
    repo.git("add", "a.txt")
    other = Repo(tmp_path / "other")
    other.path.mkdir()
    other.git("init", "-q")
    other.commit("empty")
    other_index = other.path / ".git" / "index"
    result = run_leakstop_anywhere("scan", "--staged", repo.path, env={"GIT_INDEX_FILE": str(other_index)})
    assert result.code == 1, result.output


def test_installed_hook_reads_a_linked_worktrees_temporary_index(repo, tmp_path):
    prepare(repo)
    repo.git("stash", "-q")
    repo.git("worktree", "add", "-q", str(tmp_path / "linked"), "-b", "side")
    linked = Repo(tmp_path / "linked")
    linked.write("settings.py", LEAKY)
    assert run_leakstop_anywhere("hook", "install", cwd=linked.path).code == 0
    proc = commit_through_hook(linked, ["-a"])
    assert proc.returncode != 0 and "Stripe live secret key" in proc.stdout + proc.stderr
