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
    assert "not at HEAD, but still in ci.yml on another branch or tag since 20" in out, out
    assert "no longer at HEAD" not in out
    assert "reachable from experiment" in out


def test_a_branch_cut_before_the_removal_keeps_the_exposure_open(leakstop, repo):
    """Removing the file on main does not end the exposure while a branch made before still holds it."""
    commit_file(repo, "conf.env", KEY_LINE, "deploy settings")
    repo.git("branch", "old")
    repo.git("rm", "-q", "conf.env")
    repo.commit("drop the settings")
    kept = leakstop("scan", "--history", repo.path, "--no-cache", "-f", "json").json()["findings"][0]
    assert kept["exposed_until"] == "" and "old" in kept["reachable_from"]
    repo.git("branch", "-D", "old")
    gone = leakstop("scan", "--history", repo.path, "--no-cache", "-f", "json").json()["findings"][0]
    assert gone["exposed_until"] and gone["reachable_from"] == ["main"]
