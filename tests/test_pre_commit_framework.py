"""The real pre-commit framework running this repository's `.pre-commit-hooks.yaml`.

pre-commit needs a committed revision, so the hooks are taken from a clone of this checkout's HEAD; it
builds a virtualenv and pip-installs leakstop from that clone once per session (PRE_COMMIT_HOME is shared).
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from commit_variants import CASES, prepare
from conftest import ROOT, Repo, git
from secrets_fixtures import AWS_KEY_ID, GITHUB, STRIPE

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class HookSource:
    path: Path
    rev: str
    home: Path
    """PRE_COMMIT_HOME, shared by every test so the hook environment is built once."""


@pytest.fixture(scope="session")
def hook_source(tmp_path_factory: pytest.TempPathFactory) -> HookSource:
    if not (ROOT / ".git").exists():
        pytest.skip("needs a git checkout of leakstop (pre-commit installs hooks from a git revision)")
    clone = tmp_path_factory.mktemp("leakstop-src") / "leakstop"
    git(ROOT.parent, "clone", "-q", "--no-hardlinks", str(ROOT), str(clone))
    rev = git(clone, "rev-parse", "HEAD").strip()
    return HookSource(clone, rev, tmp_path_factory.mktemp("pre-commit-home"))


def run(cwd: Path, *args: str, source: HookSource) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(source.home), "PRE_COMMIT_COLOR": "never"}
    return subprocess.run(list(args), cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture
def framework_repo(repo: Repo, hook_source: HookSource) -> Repo:
    repo.write(".pre-commit-config.yaml", (
        "repos:\n"
        f"  - repo: {hook_source.path}\n"
        f"    rev: {hook_source.rev}\n"
        "    hooks:\n"
        "      - id: leakstop\n"
        "      - id: leakstop-push\n"
    ))
    repo.git("add", "--all")
    repo.git("-c", "core.hooksPath=/dev/null", "commit", "-q", "-m", "pre-commit config")
    installed = run(repo.path, sys.executable, "-m", "pre_commit", "install", "-t", "pre-commit", "-t", "pre-push",
                    source=hook_source)
    assert installed.returncode == 0, installed.stderr
    return repo


def commit(repo: Repo, source: HookSource, message: str) -> subprocess.CompletedProcess[str]:
    return run(repo.path, "git", "commit", "-m", message, source=source)


def head(repo: Repo) -> str:
    return repo.git("rev-parse", "HEAD").strip()


def test_hook_manifest_matches_the_cli_interface():
    import yaml

    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert hooks["leakstop"]["entry"] == "leakstop scan --pre-commit"
    assert hooks["leakstop"]["stages"] == ["pre-commit"]
    # the files pre-commit passes (its files/exclude applied); with none to check the hook is skipped
    assert hooks["leakstop"].get("pass_filenames", True) and not hooks["leakstop"].get("always_run", False)
    assert hooks["leakstop-push"]["entry"] == "leakstop scan --pre-push"
    assert hooks["leakstop-push"]["stages"] == ["pre-push"]
    assert hooks["leakstop-push"]["pass_filenames"] is False and hooks["leakstop-push"]["always_run"] is True
    assert {hook["language"] for hook in hooks.values()} == {"python"}


def test_commit_with_a_planted_key_is_blocked_with_a_readable_message(framework_repo, hook_source):
    before = head(framework_repo)
    framework_repo.write("app/settings.py", f'STRIPE_SECRET_KEY = "{STRIPE}"\n')
    framework_repo.git("add", "app/settings.py")
    result = commit(framework_repo, hook_source, "add settings")
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "leakstop" in output and "Failed" in output
    assert "Stripe live secret key" in output and "app/settings.py" in output
    assert STRIPE not in output
    assert head(framework_repo) == before


def test_clean_commit_passes(framework_repo, hook_source):
    framework_repo.write("app/settings.py", 'STRIPE_SECRET_KEY = os.environ["STRIPE_SECRET_KEY"]\n')
    framework_repo.git("add", "app/settings.py")
    result = commit(framework_repo, hook_source, "read key from env")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Passed" in result.stdout + result.stderr


def test_push_of_a_range_with_a_key_is_blocked(framework_repo, hook_source, tmp_path):
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    framework_repo.git("remote", "add", "origin", str(remote))
    pushed = run(framework_repo.path, "git", "push", "-q", "origin", "HEAD:refs/heads/main", source=hook_source)
    assert pushed.returncode == 0, pushed.stdout + pushed.stderr
    # the key slips past the commit hook (--no-verify) and is buried under a clean commit
    framework_repo.write("deploy.env", f"AWS_ACCESS_KEY_ID={AWS_KEY_ID}\n")
    framework_repo.git("add", "deploy.env")
    framework_repo.git("commit", "-q", "--no-verify", "-m", "deploy settings")
    framework_repo.write("deploy.env", "AWS_ACCESS_KEY_ID=${AWS_ACCESS_KEY_ID}\n")
    framework_repo.git("add", "deploy.env")
    framework_repo.git("commit", "-q", "--no-verify", "-m", "use env")
    result = run(framework_repo.path, "git", "push", "origin", "HEAD:refs/heads/main", source=hook_source)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "AWS" in output and "deploy.env" in output and AWS_KEY_ID not in output
    remote_head = git(remote, "rev-parse", "refs/heads/main").strip()
    assert remote_head != head(framework_repo)


def test_selftest_proves_the_framework_hook_blocks(framework_repo, hook_source):
    from source_checkout import run_leakstop_anywhere

    result = run_leakstop_anywhere("selftest", cwd=framework_repo.path, env={"PRE_COMMIT_HOME": str(hook_source.home)})
    assert result.code == 0, result.output
    assert result.stdout.startswith("OK")


@pytest.mark.parametrize("case", sorted(CASES))
def test_framework_hook_scans_the_index_git_commits(framework_repo, hook_source, case):
    prepare(framework_repo)
    setup, args = CASES[case]
    setup(framework_repo)
    before = head(framework_repo)
    result = run(framework_repo.path, "git", "commit", "-m", "change", *args, source=hook_source)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "Stripe live secret key" in output and STRIPE not in output
    assert head(framework_repo) == before


def test_first_push_holding_the_root_commit_is_scanned(framework_repo, hook_source, tmp_path):
    """pre-commit passes no FROM/TO refs when the push holds the root commit."""
    remote = tmp_path / "first.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    framework_repo.git("remote", "add", "origin", str(remote))
    framework_repo.write("token.txt", f'token = "{GITHUB}"\n')
    framework_repo.git("add", "token.txt")
    framework_repo.git("commit", "-q", "--no-verify", "-m", "token")
    result = run(framework_repo.path, "git", "push", "-u", "origin", "main", source=hook_source)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "GitHub" in output and GITHUB not in output


def test_run_all_files_scans_every_file(framework_repo, hook_source):
    """pre-commit.ci and `pre-commit run --all-files` stage nothing: the files are what is checked."""
    for name, line in (("app/settings.py", f'STRIPE_SECRET_KEY = "{STRIPE}"\n'),
                       ("deploy.env", f"AWS_ACCESS_KEY_ID={AWS_KEY_ID}\n"), ("tools/token.txt", f"{GITHUB}\n")):
        framework_repo.write(name, line)
    framework_repo.git("add", "--all")
    framework_repo.git("commit", "-q", "--no-verify", "-m", "keys")
    result = run(framework_repo.path, sys.executable, "-m", "pre_commit", "run", "--all-files", "leakstop",
                 source=hook_source)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    for name in ("app/settings.py", "deploy.env", "tools/token.txt"):
        assert name in output
    assert STRIPE not in output and GITHUB not in output


def test_the_hooks_exclude_is_honoured(framework_repo, hook_source):
    config = framework_repo.path / ".pre-commit-config.yaml"
    config.write_text(config.read_text().replace("      - id: leakstop\n",
                                                 "      - id: leakstop\n        exclude: ^fixtures/\n"))
    framework_repo.git("add", ".pre-commit-config.yaml")
    framework_repo.write("fixtures/fake.env", f"STRIPE_SECRET_KEY={STRIPE}\n")
    framework_repo.git("add", "fixtures/fake.env")
    assert commit(framework_repo, hook_source, "fake key for the tests").returncode == 0
    framework_repo.write("app.env", f"STRIPE_SECRET_KEY={STRIPE}\n")
    framework_repo.git("add", "app.env")
    assert commit(framework_repo, hook_source, "real key").returncode != 0
