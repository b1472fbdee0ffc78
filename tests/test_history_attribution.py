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


def test_the_text_report_says_whether_the_secret_is_still_at_head_and_since_when(leakstop, repo):
    commit_file(repo, "ci.yml", KEY_LINE, "ci")
    still = leakstop("scan", "--history", repo.path)
    assert "still at HEAD since 20" in still.stdout
    tree = leakstop("scan", repo.path)
    assert tree.code == 1 and "HEAD" not in tree.stdout  # a tree scan has no history to speak of
    commit_file(repo, "ci.yml", "  GITHUB_TOKEN: ${{ secrets.TOKEN }}\n", "use a secret")
    gone = leakstop("scan", "--history", repo.path)
    assert "no longer at HEAD, but in history since 20" in gone.stdout


def history_finding(leakstop, repo) -> dict:
    [finding] = findings(leakstop("scan", "--history", repo.path, "--format", "json"))
    return finding


def test_an_occurrence_says_where_the_secret_left_its_path(leakstop, repo):
    entered = commit_file(repo, "ci.yml", KEY_LINE, "ci")
    commit_file(repo, "ci.yml", KEY_LINE + "  retry: 3\n", "tune")
    left = commit_file(repo, "ci.yml", "  GITHUB_TOKEN: ${{ secrets.TOKEN }}\n", "use a secret")
    copied = commit_file(repo, "deploy.yml", KEY_LINE, "copy")
    repo.git("rm", "-q", "deploy.yml")
    deleted = repo.commit("drop deploy")
    finding = history_finding(leakstop, repo)
    assert [(o["path"], o["commit"], o.get("left_commit")) for o in finding["occurrences"]] == [
        ("ci.yml", entered, left), ("deploy.yml", copied, deleted)]
    assert finding["present_at_head"] is False
    assert finding["exposed_until"] and finding["exposed_for"] >= 0


def test_a_secret_still_present_is_exposed_until_now_and_names_its_refs(leakstop, repo):
    import time

    entered = commit_file(repo, "ci.yml", KEY_LINE, "ci")
    repo.git("tag", "v1.0")
    repo.git("branch", "release")
    commit_file(repo, "README.md", "ci\n", "docs")
    repo.git("checkout", "-q", "-b", "hotfix", entered)
    finding = history_finding(leakstop, repo)
    assert finding["occurrences"][0].get("left_commit") is None
    assert finding["exposed_until"] == ""
    assert sorted(finding["reachable_from"]) == ["hotfix", "main", "release", "v1.0"]
    assert 0 <= finding["exposed_for"] < time.time()


def test_the_text_report_answers_the_incident_in_one_block(leakstop, repo):
    commit_file(repo, "ci.yml", KEY_LINE, "ci")
    repo.git("tag", "v1.0")
    left = commit_file(repo, "ci.yml", "  GITHUB_TOKEN: ${{ secrets.TOKEN }}\n", "use a secret")
    out = leakstop("scan", "--history", repo.path).stdout
    # the release tag still holds the key in its files: removing it on main does not end the exposure
    assert "not at HEAD, but still in a file on another branch or tag since 20" in out
    assert f"removed from ci.yml by commit {left[:12]}" in out
    assert "exposed for " in out and "to now)" in out and "reachable from main, v1.0" in out


def test_sarif_carries_the_exposure(leakstop, repo):
    commit_file(repo, "ci.yml", KEY_LINE, "ci")
    left = commit_file(repo, "ci.yml", "  GITHUB_TOKEN: ${{ secrets.TOKEN }}\n", "use a secret")
    [result] = leakstop("scan", "--history", repo.path, "--format", "sarif").json()["runs"][0]["results"]
    props = result["properties"]
    assert props["leftCommit"] == left and props["reachableFrom"] == ["main"]
    assert props["exposedSince"] and props["exposedUntil"] and props["exposedFor"] >= 0


def test_the_refs_graph_names_the_refs_for_each_ref_contains_names(repo):
    """One pass over the refs' commit graph answers every secret; it must name exactly what git's
    `for-each-ref --contains` names: tags at their commits, a tag on a blob never, remote-tracking
    branches but not their HEAD, ambiguous short names as git shortens them."""
    from scanner.git import runner as git
    from scanner.sources.exposure import RefReach
    from scanner.sources.history_walk import walk

    first = commit_file(repo, "a.txt", "one\n", "one")
    second = commit_file(repo, "a.txt", "two\n", "two")
    repo.git("checkout", "-q", "-b", "side", first)
    side = commit_file(repo, "b.txt", "side\n", "side")
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--no-edit", "side")
    merged = repo.git("rev-parse", "HEAD").strip()
    repo.git("tag", "-a", "-m", "release", "v2.0", second)
    repo.git("tag", "light", side)
    repo.git("tag", "side", first)  # a tag named as a branch: both get longer short names
    repo.git("tag", "a-blob", repo.git("rev-parse", "HEAD:a.txt").strip())
    repo.git("update-ref", "refs/remotes/origin/main", second)
    repo.git("symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/main")
    info = git.repository(repo.path)
    tips = git.containing_ref_tips(info)
    assert tips is not None
    parents: dict[str, list[str]] = {}
    order = git.commit_order(info, ["--all"], parents)  # the scan cache's walk gives the same graph
    walked = walk(info, ["--all"], ())  # and so does the walk of a scan without one
    assert walked.parents == parents and walked.order == order
    graphs = (RefReach(tips, git.commit_parents(info, [sha for _, sha in tips])),
              RefReach(tips, ((sha, parents[sha]) for sha in reversed(order))))
    for commits in ([first], [second], [side], [merged], [second, side]):
        for graph in graphs:
            assert graph.refs(commits) == git.refs_containing(info, commits)
    assert "origin/main" in graphs[0].refs([first]) and "v2.0" in graphs[0].refs([first])
    repo.git("tag", "-a", "-m", "of a tag", "nested", "v2.0")
    assert git.containing_ref_tips(info) is None  # then each secret is asked of git
