"""`--pre-push` scans what the push sends to *its target*: the first push (the root commit) included, and a
new branch against what the target remote has, not against every remote."""

from __future__ import annotations

import subprocess
from pathlib import Path

from conftest import Repo, git
from git_fixtures import commit_file, findings
from secrets_fixtures import GITHUB, STRIPE
from source_checkout import run_leakstop_anywhere

ZERO = "0" * 40


def bare(path: Path) -> Path:
    git(path.parent, "init", "-q", "--bare", str(path))
    return path


def first_push_repo(repo: Repo, tmp_path: Path) -> str:
    """A fresh repository with an empty remote and one unpushed commit holding a token (--no-verify)."""
    repo.git("remote", "add", "origin", str(bare(tmp_path / "origin.git")))
    return commit_file(repo, "token.txt", f'token = "{GITHUB}"\n', "first")


def test_pre_push_told_nothing_scans_the_unpushed_commits_of_head(leakstop, repo, tmp_path):
    first_push_repo(repo, tmp_path)
    result = leakstop("scan", "--pre-push", repo.path, "--format", "json", input=b"")
    assert result.code == 1, result.output
    assert [f["rule_id"] for f in findings(result)] == ["github-pat-classic"]
    assert any("told nothing about the push" in w for w in result.json()["warnings"])


def test_framework_root_commit_push_is_scanned(leakstop, repo, tmp_path):
    """pre-commit sets no FROM/TO refs when the push holds the root commit, only the branch and remote."""
    first_push_repo(repo, tmp_path)
    env = {"PRE_COMMIT_LOCAL_BRANCH": "refs/heads/main", "PRE_COMMIT_REMOTE_BRANCH": "refs/heads/main",
           "PRE_COMMIT_REMOTE_NAME": "origin", "PRE_COMMIT_REMOTE_URL": str(tmp_path / "origin.git")}
    result = leakstop("scan", "--pre-push", repo.path, "--format", "json", input=b"", env=env)
    assert result.code == 1, result.output
    assert result.json()["stats"]["commits"] == 1


def test_empty_stdin_with_a_named_remote_is_nothing_to_push(leakstop, repo, tmp_path):
    """git runs the hook with empty stdin when everything is up to date."""
    first_push_repo(repo, tmp_path)
    result = leakstop("scan", "--pre-push", "--remote", "origin", repo.path, input=b"")
    assert result.code == 0, result.output


def test_remote_needs_pre_push(leakstop, repo):
    result = leakstop("scan", "--staged", "--remote", "origin", repo.path)
    assert result.code == 2 and "--remote" in result.stderr


def two_remotes(repo: Repo, tmp_path: Path) -> str:
    """`private` has a commit with a key (fetched here); `public` has only the clean start."""
    start = commit_file(repo, "README.md", "hello\n", "start")
    for name in ("private", "public"):
        repo.git("remote", "add", name, str(bare(tmp_path / f"{name}.git")))
    repo.git("push", "-q", "--no-verify", "public", "HEAD:refs/heads/main")
    commit_file(repo, "deploy.env", f"STRIPE_SECRET_KEY={STRIPE}\n", "deploy")
    repo.git("push", "-q", "--no-verify", "private", "HEAD:refs/heads/main")
    repo.git("fetch", "-q", "--all")
    return start


def test_new_branch_is_scanned_against_the_target_remote(leakstop, repo, tmp_path):
    two_remotes(repo, tmp_path)
    repo.git("checkout", "-qb", "topic")
    tip = commit_file(repo, "notes.txt", "clean\n", "notes")
    line = f"refs/heads/topic {tip} refs/heads/topic {ZERO}\n".encode()
    to_public = leakstop("scan", "--pre-push", "--remote", "public", repo.path, "--format", "json", input=line)
    assert to_public.code == 1, to_public.output
    assert [f["rule_id"] for f in findings(to_public)] == ["stripe-secret-key"]
    to_private = leakstop("scan", "--pre-push", "--remote", "private", repo.path, input=line)
    assert to_private.code == 0, to_private.output


def test_an_unfetched_target_tip_is_scanned_against_the_target_remote(leakstop, repo, tmp_path):
    two_remotes(repo, tmp_path)
    line = f"refs/heads/main {repo.git('rev-parse', 'HEAD').strip()} refs/heads/main {'e' * 40}\n".encode()
    result = leakstop("scan", "--pre-push", "--remote", "public", repo.path, input=line)
    assert result.code == 1, result.output


def test_a_push_to_a_url_of_no_remote_scans_everything_it_sends(leakstop, repo, tmp_path):
    two_remotes(repo, tmp_path)
    tip = repo.git("rev-parse", "HEAD").strip()
    line = f"refs/heads/main {tip} refs/heads/main {ZERO}\n".encode()
    elsewhere = str(bare(tmp_path / "elsewhere.git"))
    assert leakstop("scan", "--pre-push", "--remote", elsewhere, repo.path, input=line).code == 1
    # the URL of a configured remote is that remote
    private_url = str(tmp_path / "private.git")
    assert leakstop("scan", "--pre-push", "--remote", private_url, repo.path, input=line).code == 0


def push(repo: Repo, *args: str) -> subprocess.CompletedProcess[str]:
    """No PYTHONPATH here: the hook must find leakstop on its own."""
    return subprocess.run(["git", "push", *args], cwd=repo.path, capture_output=True, text=True)


def test_installed_hook_blocks_a_branch_that_brings_a_private_remotes_key_to_a_public_one(repo, tmp_path):
    two_remotes(repo, tmp_path)
    repo.git("checkout", "-qb", "topic")
    commit_file(repo, "notes.txt", "clean\n", "notes")
    assert run_leakstop_anywhere("hook", "install", "--pre-push", cwd=repo.path).code == 0
    proc = push(repo, "public", "topic")
    assert proc.returncode != 0 and "Stripe live secret key" in proc.stdout + proc.stderr
    assert push(repo, "private", "topic").returncode == 0


def test_installed_hook_blocks_the_first_push(repo, tmp_path):
    first_push_repo(repo, tmp_path)
    assert run_leakstop_anywhere("hook", "install", "--pre-push", cwd=repo.path).code == 0
    proc = push(repo, "-u", "origin", "main")
    assert proc.returncode != 0 and "GitHub" in proc.stdout + proc.stderr
    assert push(repo, "origin", "main").returncode != 0  # still blocked: nothing was pushed
