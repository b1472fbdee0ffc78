"""The text report's one-line answer to "is it still there?" for a secret that HEAD does not hold."""

from __future__ import annotations

from git_fixtures import commit_file
from secrets_fixtures import GITHUB

KEY_LINE = f'  GITHUB_TOKEN: "{GITHUB}"\n'


def test_a_secret_still_on_another_branch_is_not_called_gone(leakstop, repo):
    commit_file(repo, "README.md", "shop\n", "start")
    repo.git("checkout", "-q", "-b", "experiment")
    commit_file(repo, "ci.yml", KEY_LINE, "try the deploy")
    repo.git("checkout", "-q", "main")
    out = leakstop("scan", "--history", repo.path).stdout
    assert "not at HEAD, but still in ci.yml on another branch since 20" in out, out
    assert "no longer at HEAD" not in out
    assert "reachable from experiment" in out
