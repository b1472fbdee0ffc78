"""History reports a secret where it entered a path, not at every later edit of the file."""

from __future__ import annotations

from git_fixtures import commit_file, findings
from secrets_fixtures import GITHUB

KEY_LINE = f'  GITHUB_TOKEN: "{GITHUB}"\n'


def places(leakstop, repo) -> list[tuple[str, str]]:
    [finding] = findings(leakstop("scan", "--history", repo.path, "--format", "json"))
    return [(loc["path"], loc["commit"]) for loc in finding["occurrences"]]


def test_later_edits_of_the_file_are_not_new_places(leakstop, repo):
    entered = commit_file(repo, "ci.yml", KEY_LINE, "ci")
    for n in range(4):
        commit_file(repo, "ci.yml", KEY_LINE + "".join(f"  step_{i}: run\n" for i in range(n + 1)), f"edit {n}")
    assert places(leakstop, repo) == [("ci.yml", entered)]


def test_a_secret_that_leaves_and_comes_back_entered_twice(leakstop, repo):
    first = commit_file(repo, "ci.yml", KEY_LINE, "ci")
    commit_file(repo, "ci.yml", "  GITHUB_TOKEN: ${{ secrets.TOKEN }}\n", "use a secret")
    again = commit_file(repo, "ci.yml", KEY_LINE + "  retry: 3\n", "revert by hand")
    commit_file(repo, "ci.yml", KEY_LINE + "  retry: 4\n", "tune")
    copied = commit_file(repo, "deploy.yml", KEY_LINE, "copy")
    assert places(leakstop, repo) == [("ci.yml", first), ("ci.yml", again), ("deploy.yml", copied)]
