"""Commit ranges: `--since`, `--range A..B` and `--pre-push` scan only what those commits add."""

from __future__ import annotations

import subprocess

from git_fixtures import commit_file, findings, stripe_line
from secrets_fixtures import GITHUB, STRIPE

ZERO = "0" * 40


def test_range_reports_only_the_commits_in_b_not_in_a(leakstop, repo):
    commit_file(repo, "old.txt", stripe_line(STRIPE), "old secret")
    base = commit_file(repo, "a.txt", "a\n")
    repo.git("checkout", "-qb", "feature")
    new = commit_file(repo, "old.txt", stripe_line(STRIPE) + f'token = "{GITHUB}"\n', "new secret")
    result = leakstop("scan", "--range", f"{base}..feature", repo.path, "--format", "json")
    assert [(f["rule_id"], f["commit"], f["line"]) for f in findings(result)] == [("github-pat-classic", new, 2)]
    assert result.json()["stats"]["commits"] == 1


def test_since(leakstop, repo):
    base = commit_file(repo, "a.txt", "a\n")
    commit_file(repo, "b.txt", stripe_line(STRIPE))
    assert leakstop("scan", "--since", base, repo.path).code == 1
    assert leakstop("scan", "--since", "HEAD", repo.path).code == 0


def test_bad_revisions_are_clear_errors(leakstop, repo):
    commit_file(repo, "a.txt", "a\n")
    for args in (["--range", "nope..HEAD"], ["--range", "HEAD"], ["--since", "nope"]):
        result = leakstop("scan", *args, repo.path)
        assert result.code == 2 and "Traceback" not in result.output, args


def cloned(repo, tmp_path):
    """A clone whose origin is a bare copy of `repo`: the shape a developer pushes from."""
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(repo.path), str(remote)], check=True)
    work = tmp_path / "work"
    subprocess.run(["git", "clone", "-q", str(remote), str(work)], check=True)
    return work


def commit_in(path, name, content, message="change"):
    (path / name).write_text(content)
    subprocess.run(["git", "-C", str(path), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(path), "commit", "-qm", message], check=True)
    return subprocess.run(["git", "-C", str(path), "rev-parse", "HEAD"], capture_output=True,
                          text=True, check=True).stdout.strip()


def test_pre_push_existing_branch_scans_only_new_commits(leakstop, repo, tmp_path):
    commit_file(repo, "old.txt", stripe_line(STRIPE))
    work = cloned(repo, tmp_path)
    remote_sha = subprocess.run(["git", "-C", str(work), "rev-parse", "origin/main"], capture_output=True,
                                text=True).stdout.strip()
    clean = commit_in(work, "a.txt", "fine\n")
    line = f"refs/heads/main {clean} refs/heads/main {remote_sha}\n"
    assert leakstop("scan", "--pre-push", work, input=line.encode()).code == 0
    dirty = commit_in(work, "b.txt", f'token = "{GITHUB}"\n')
    line = f"refs/heads/main {dirty} refs/heads/main {remote_sha}\n"
    result = leakstop("scan", "--pre-push", work, "--format", "json", input=line.encode())
    assert [f["commit"] for f in findings(result)] == [dirty]


def test_pre_push_new_branch_scans_commits_not_on_any_remote(leakstop, repo, tmp_path):
    commit_file(repo, "old.txt", stripe_line(STRIPE))
    work = cloned(repo, tmp_path)
    subprocess.run(["git", "-C", str(work), "checkout", "-qb", "topic"], check=True)
    tip = commit_in(work, "b.txt", f'token = "{GITHUB}"\n')
    line = f"refs/heads/topic {tip} refs/heads/topic {ZERO}\n"
    result = leakstop("scan", "--pre-push", work, "--format", "json", input=line.encode())
    assert [f["rule_id"] for f in findings(result)] == ["github-pat-classic"]
    assert result.json()["stats"]["commits"] == 1


def test_pre_push_deletion_and_nothing_to_push(leakstop, repo, tmp_path):
    commit_file(repo, "old.txt", stripe_line(STRIPE))
    work = cloned(repo, tmp_path)
    line = f"(delete) {ZERO} refs/heads/gone {'1' * 40}\n"
    assert leakstop("scan", "--pre-push", work, input=line.encode()).code == 0
    # git runs the hook with nothing on stdin when everything is up to date (and sets GIT_EXEC_PATH)
    assert leakstop("scan", "--pre-push", work, input=b"", env={"GIT_EXEC_PATH": "/usr/lib/git-core"}).code == 0


def test_pre_push_unknown_remote_sha_falls_back_to_commits_not_on_remotes(leakstop, repo, tmp_path):
    commit_file(repo, "old.txt", stripe_line(STRIPE))
    work = cloned(repo, tmp_path)
    tip = commit_in(work, "b.txt", f'token = "{GITHUB}"\n')
    line = f"refs/heads/main {tip} refs/heads/main {'e' * 40}\n"
    result = leakstop("scan", "--pre-push", work, "--format", "json", input=line.encode())
    assert [f["rule_id"] for f in findings(result)] == ["github-pat-classic"]


def test_pre_commit_framework_variables(leakstop, repo, tmp_path):
    commit_file(repo, "old.txt", stripe_line(STRIPE))
    work = cloned(repo, tmp_path)
    base = commit_in(work, "a.txt", "fine\n")
    tip = commit_in(work, "b.txt", f'token = "{GITHUB}"\n')
    result = leakstop("scan", "--pre-push", work, "--format", "json", input=b"",
                      env={"PRE_COMMIT_FROM_REF": base, "PRE_COMMIT_TO_REF": tip})
    assert [f["commit"] for f in findings(result)] == [tip]
    assert result.json()["stats"]["commits"] == 1


def test_modes_exclude_each_other(leakstop, repo):
    result = leakstop("scan", "--staged", "--history", repo.path)
    assert result.code == 2 and "choose one" in result.stderr
    result = leakstop("scan", "--staged", "--branch", "main", repo.path)
    assert result.code == 2 and "--branch" in result.stderr
