"""`--range A...B` is a pull request's range, as in `git diff A...B`: the commits on B since it left A (from
their merge base), never the commits A gained meanwhile."""

from __future__ import annotations

from git_fixtures import commit_file, findings, stripe_line
from secrets_fixtures import GITHUB, SLACK, STRIPE


def diverged(repo):  # type: ignore[no-untyped-def]
    """main and feature each gain a secret after feature branched off; the fork point holds one too."""
    commit_file(repo, "settings.py", stripe_line(STRIPE), "Billing settings")
    repo.git("checkout", "-qb", "feature")
    on_feature = commit_file(repo, "ci/deploy.env", f"GITHUB_TOKEN={GITHUB}\n", "Deploy from CI")
    repo.git("checkout", "-q", "main")
    commit_file(repo, "notify.py", f'SLACK_BOT_TOKEN = "{SLACK}"\n', "Post releases to Slack")
    return on_feature


def test_three_dots_scan_only_the_commits_b_added_since_the_merge_base(leakstop, repo):
    on_feature = diverged(repo)
    result = leakstop("scan", "--range", "main...feature", repo.path, "--format", "json")
    assert result.code == 1, result.output
    assert [(f["path"], f["commit"]) for f in findings(result)] == [("ci/deploy.env", on_feature)]
    assert result.json()["stats"]["commits"] == 1
    # the same commits as two dots, and the same as from the merge base itself
    base = repo.git("merge-base", "main", "feature").strip()
    for other in ("main..feature", f"{base}..feature"):
        same = leakstop("scan", "--range", other, repo.path, "--format", "json")
        assert [(f["path"], f["commit"]) for f in findings(same)] == [("ci/deploy.env", on_feature)], other


def test_three_dots_with_the_change_on_the_other_side_finds_nothing_of_main(leakstop, repo):
    diverged(repo)
    result = leakstop("scan", "--range", "feature...main", repo.path, "--format", "json")
    assert [f["path"] for f in findings(result)] == ["notify.py"]


def test_three_dots_with_an_unknown_side_is_a_one_line_error(leakstop, repo):
    diverged(repo)
    result = leakstop("scan", "--range", "main...nope", repo.path)
    assert result.code == 2 and "Traceback" not in result.output
    assert "nope" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_the_help_says_what_three_dots_mean(leakstop):
    text = " ".join(leakstop("scan", "--help").stdout.split())
    assert "A...B" in text and "merge base" in text
