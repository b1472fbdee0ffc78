"""`leakstop hook install` and `leakstop selftest` on real repositories, committing through real git."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT
from secrets_fixtures import STRIPE
from source_checkout import run_leakstop_anywhere


@pytest.fixture
def leakstop():
    return run_leakstop_anywhere


def test_install_writes_an_executable_hook_that_uses_this_python(repo, leakstop):
    result = leakstop("hook", "install", cwd=repo.path)
    assert result.code == 0, result.output
    hook = repo.path / ".git" / "hooks" / "pre-commit"
    assert f"installed {hook}" in result.stdout
    assert os.access(hook, os.X_OK)
    text = hook.read_text()
    assert sys.executable in text and "scan --staged" in text
    assert not (repo.path / ".git" / "hooks" / "pre-push").exists()


def test_install_twice_is_idempotent(repo, leakstop):
    leakstop("hook", "install", cwd=repo.path)
    first = (repo.path / ".git" / "hooks" / "pre-commit").read_text()
    again = leakstop("hook", "install", cwd=repo.path)
    assert again.code == 0 and "updated" in again.stdout
    assert (repo.path / ".git" / "hooks" / "pre-commit").read_text() == first
    assert list((repo.path / ".git" / "hooks").glob("*.pre-leakstop")) == []


def test_foreign_hook_is_kept_without_force_and_moved_aside_with_it(repo, leakstop):
    hook = repo.path / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho team hook\n")
    refused = leakstop("hook", "install", cwd=repo.path)
    assert refused.code == 2
    assert "not leakstop's hook" in refused.stderr and "--force" in refused.stderr
    assert hook.read_text() == "#!/bin/sh\necho team hook\n"
    forced = leakstop("hook", "install", "--force", cwd=repo.path)
    assert forced.code == 0 and "replaced" in forced.stdout
    assert "scan --staged" in hook.read_text()
    assert (hook.parent / "pre-commit.pre-leakstop").read_text() == "#!/bin/sh\necho team hook\n"


def test_install_respects_core_hooks_path_and_pre_push(repo, leakstop):
    repo.git("config", "core.hooksPath", "githooks")
    result = leakstop("hook", "install", "--pre-push", cwd=repo.path)
    assert result.code == 0, result.output
    assert "scan --staged" in (repo.path / "githooks" / "pre-commit").read_text()
    assert "scan --pre-push" in (repo.path / "githooks" / "pre-push").read_text()
    assert not (repo.path / ".git" / "hooks" / "pre-commit").exists()


def test_install_outside_a_repository_is_a_one_line_error(tmp_path, leakstop):
    result = leakstop("hook", "install", cwd=tmp_path)
    assert result.code == 2
    assert result.stderr.strip().count("\n") == 0 and "not inside a git repository" in result.stderr


def test_installed_hook_blocks_a_commit_with_a_key_and_passes_a_clean_one(repo, leakstop):
    repo.commit("start")
    leakstop("hook", "install", cwd=repo.path)
    repo.write("ok.py", "print('hello')\n")
    repo.commit("clean")
    repo.write("settings.py", f'STRIPE_SECRET_KEY = "{STRIPE}"\n')
    repo.git("add", "settings.py")
    head = repo.git("rev-parse", "HEAD")
    proc = repo_commit(repo.path)
    assert proc[0] != 0 and "Stripe live secret key" in proc[1] and STRIPE not in proc[1]
    assert repo.git("rev-parse", "HEAD") == head


def repo_commit(path: Path) -> tuple[int, str]:
    """No PYTHONPATH here: the hook must find leakstop on its own."""
    proc = subprocess.run(["git", "commit", "-q", "-m", "add settings"], cwd=path, capture_output=True, text=True)
    return proc.returncode, proc.stdout + proc.stderr


def test_selftest_fails_where_the_hook_is_missing(repo, leakstop):
    result = leakstop("selftest", cwd=repo.path)
    assert result.code == 1
    assert "no pre-commit hook" in result.stderr and "leakstop hook install" in result.stderr


@pytest.mark.parametrize(("script", "mode", "says"), [
    ("#!/bin/sh\nexit 0\n", 0o755, ["let a commit with a canary secret through"]),
    ("#!/bin/sh\nexit 1\n", 0o644, ["not executable"]),
    ("#!/bin/sh\necho 'python: not found' >&2\nexit 127\n", 0o755,
     ["not because of the canary", "python: not found"]),  # a hook refusing every commit proves nothing
])
def test_selftest_fails_when_the_hook_does_not_block_the_canary(repo, leakstop, script, mode, says):
    hook = repo.path / ".git" / "hooks" / "pre-commit"
    hook.write_text(script)
    hook.chmod(mode)
    result = leakstop("selftest", cwd=repo.path)
    assert result.code == 1
    for words in says:
        assert words in result.stderr


def test_selftest_passes_when_the_hook_blocks_the_canary(repo, leakstop):
    # A hand-written hook that scans the whole work tree: enough to prove the judgement, whatever the flags.
    hook = repo.path / ".git" / "hooks" / "pre-commit"
    hook.write_text(f"#!/bin/sh\nPYTHONPATH='{ROOT}' exec '{sys.executable}' -m scanner scan .\n")
    hook.chmod(0o755)
    result = leakstop("selftest", cwd=repo.path)
    assert result.code == 0, result.output
    assert result.stdout.startswith("OK")


def test_selftest_passes_in_a_fresh_repository_with_the_hook_installed(repo, leakstop):
    assert leakstop("hook", "install", cwd=repo.path).code == 0
    result = leakstop("selftest", cwd=repo.path)
    assert result.code == 0, result.output
    assert result.stdout.startswith("OK")


def test_selftest_direct_checks_the_staged_scan_itself(tmp_path, leakstop):
    result = leakstop("selftest", "--direct", cwd=tmp_path)
    assert result.code == 0, result.output
    assert result.stdout.startswith("OK")


def test_installed_pre_push_hook_blocks_a_push_of_a_key(repo, leakstop, tmp_path):
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    repo.git("remote", "add", "origin", str(remote))
    repo.commit("start")
    assert leakstop("hook", "install", "--pre-push", cwd=repo.path).code == 0
    repo.git("push", "-q", "origin", "HEAD:refs/heads/main")
    repo.write("deploy.env", f"STRIPE_SECRET_KEY={STRIPE}\n")
    repo.git("add", "deploy.env")
    repo.git("commit", "-q", "--no-verify", "-m", "deploy")
    proc = subprocess.run(["git", "push", "origin", "HEAD:refs/heads/main"], cwd=repo.path, capture_output=True,
                          text=True)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0 and "Stripe live secret key" in output and STRIPE not in output
    assert subprocess.run(["git", "rev-parse", "refs/heads/main"], cwd=remote, capture_output=True,
                          text=True).stdout != repo.git("rev-parse", "HEAD")


def test_selftest_pre_push_proves_the_first_push_is_blocked(repo, leakstop):
    missing = leakstop("selftest", "--pre-push", cwd=repo.path)
    assert missing.code == 1 and "no pre-push hook" in missing.stderr and "--pre-push" in missing.stderr
    assert leakstop("hook", "install", "--pre-push", cwd=repo.path).code == 0
    result = leakstop("selftest", "--pre-push", cwd=repo.path)
    assert result.code == 0, result.output
    assert result.stdout.startswith("OK: the pre-push hook")
    direct = leakstop("selftest", "--pre-push", "--direct", cwd=repo.path)
    assert direct.code == 0, direct.output


def test_selftest_pre_push_fails_on_a_hook_that_lets_the_push_through(repo, leakstop):
    hook = repo.path / ".git" / "hooks" / "pre-push"
    hook.write_text("#!/bin/sh\nexit 0\n")
    hook.chmod(0o755)
    result = leakstop("selftest", "--pre-push", cwd=repo.path)
    assert result.code == 1 and "let a push with a canary secret through" in result.stderr
