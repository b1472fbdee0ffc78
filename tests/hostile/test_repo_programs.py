"""A scanned repository never makes git run a program: one repository armed with every vector, each mode.

Every program its configuration names is one script that leaves a marker file named after the vector;
`test_the_vectors_are_armed` proves plain git runs them, the other tests that a scan never does.
"""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest
from conftest import Repo, git
from secrets_fixtures import GITHUB, STRIPE

SIGNATURE = "\n ".join([
    "gpgsig -----BEGIN PGP SIGNATURE-----", "",
    "iHUEABYKAB0WIQTq3vY7mRk2cVb0s8pZ1LwYqJd4EgUCZ3Xk1wAKCRDpZ1LwYqJd",
    "4Ej7AQDc3oYVQb1m6Wn0tP7xL2kR9sHf4aJ8uG3vN5qM1dXyPwEA0mVh2Lz9KqR4", "=Qk7d", "-----END PGP SIGNATURE-----",
])


class Programs:
    """Scripts that leave a marker named after the vector that ran them."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.markers = folder / "markers"
        self.markers.mkdir()
        (folder / "bin").mkdir()

    def __call__(self, vector: str) -> str:
        script = self.folder / "bin" / vector
        script.write_text(f'#!/bin/sh\ntouch "{self.markers}/{vector}"\nexit 0\n')
        script.chmod(script.stat().st_mode | stat.S_IXUSR)
        return str(script)


def sign_head(repo: Repo) -> str:
    """Rewrite HEAD as a commit carrying a signature header: `log.showSignature` then calls gpg.program."""
    body = repo.git("cat-file", "commit", "HEAD")
    headers, _, message = body.partition("\n\n")
    signed = f"{headers}\n{SIGNATURE}\n\n{message}"
    sha = repo.git("hash-object", "-t", "commit", "-w", "--stdin", input=signed.encode()).strip()
    repo.git("update-ref", "refs/heads/main", sha)
    return sha


def arm(repo: Repo, program: Programs) -> None:
    """Every program a repository's own files can name, each pointed at a marker script."""
    hooks = repo.path.parent / "hooks"
    hooks.mkdir()
    for hook in ("pre-commit", "post-checkout", "post-index-change", "reference-transaction", "pre-push",
                 "fsmonitor-watchman", "post-rewrite", "pre-auto-gc"):
        (hooks / hook).write_text(f"#!/bin/sh\n{program('hook-' + hook)}\n")
        (hooks / hook).chmod(0o755)
    vectors = ("core.fsmonitor", "diff.external", "diff.armed.textconv", "diff.armed.command", "filter.armed.clean",
               "filter.armed.smudge", "filter.armed-process.process", "core.pager", "pager.log", "core.editor",
               "sequence.editor", "gpg.program", "gpg.ssh.program", "core.sshCommand")
    for key in vectors:
        repo.git("config", key, program(key))
    repo.git("config", "core.hooksPath", str(hooks))
    repo.git("config", "log.showSignature", "true")
    repo.git("config", "credential.helper", "!" + program("credential.helper"))
    repo.write(".git/info/attributes", "* diff=armed filter=armed\n*.py filter=armed-process\n*.txt diff\n")


@pytest.fixture
def armed(tmp_path: Path) -> tuple[Repo, Path, dict[str, str]]:
    """A repository with a key in its history, a staged key and an untracked key, then armed."""
    path = tmp_path / "repo"
    path.mkdir()
    git(path, "init", "-q")
    repo = Repo(path)
    repo.write("README.md", "armed\n")
    first = repo.commit("first")
    repo.write("pay.py", f"stripe_key = '{STRIPE}'\n")
    repo.commit("pay")
    repo.write("notes.txt", "later\n")
    repo.commit("notes")
    head = sign_head(repo)
    repo.git("reset", "-q", "--hard", head)
    repo.write("ci.sh", f"export GH_TOKEN={GITHUB}\n")
    repo.git("add", "ci.sh")
    repo.write("untracked.env", f"STRIPE={STRIPE}\n")
    program = Programs(tmp_path)
    arm(repo, program)
    return repo, program.markers, {"first": first, "head": head}


def ran(markers: Path) -> list[str]:
    return sorted(os.listdir(markers))


def test_the_vectors_are_armed(armed):
    repo, markers, commits = armed
    (repo.path / "README.md").write_text("changed\n")
    (repo.path / "pay.py").write_text("changed\n")
    plain_git = (["status"], ["log", "-1"], ["diff", "HEAD~1", "HEAD"],
                 ["log", "-p", "--no-ext-diff", "--", "README.md"], ["diff", "--", "README.md"],
                 ["diff", "--", "pay.py"])
    for args in plain_git:
        subprocess.run(["git", *args], cwd=repo.path, capture_output=True)
    assert {"core.fsmonitor", "gpg.program", "diff.external", "diff.armed.command", "diff.armed.textconv",
            "filter.armed.clean", "filter.armed-process.process"} <= set(ran(markers))


MODES = {
    "tree": lambda repo, commits: (["scan", repo.path], None),
    "no-git": lambda repo, commits: (["scan", "--no-git", repo.path], None),
    "staged": lambda repo, commits: (["scan", "--staged", repo.path], None),
    "range": lambda repo, commits: (["scan", "--range", f"{commits['first']}..HEAD", repo.path], None),
    "since": lambda repo, commits: (["scan", "--since", commits["first"], repo.path], None),
    "pre-push": lambda repo, commits: (
        ["scan", "--pre-push", repo.path], f"refs/heads/main {commits['head']} refs/heads/main {commits['first']}\n"),
    "history": lambda repo, commits: (["scan", "--history", repo.path], None),
    "history-branch": lambda repo, commits: (["scan", "--history", "--branch", "main", repo.path], None),
}


@pytest.mark.parametrize("mode", MODES)
def test_no_mode_runs_a_program_the_repository_names(leakstop, armed, mode):
    repo, markers, commits = armed
    args, stdin = MODES[mode](repo, commits)
    result = leakstop(*args, "--format", "json", input=stdin.encode() if stdin else None)
    assert result.code == 1, result.output  # the scan itself still works: the keys are found
    assert ran(markers) == []


def test_a_hook_installed_by_leakstop_still_lands_in_core_hooks_path(leakstop, tmp_path):
    path = tmp_path / "own"
    path.mkdir()
    git(path, "init", "-q")
    git(path, "config", "core.hooksPath", ".githooks")
    result = leakstop("hook", "install", cwd=path)
    assert result.code == 0, result.output
    assert (path / ".githooks" / "pre-commit").exists()


def test_a_partial_clone_is_never_fetched_from_during_a_history_scan(leakstop, tmp_path):
    origin = Repo(tmp_path / "origin")
    origin.path.mkdir()
    git(origin.path, "init", "-q")
    origin.write("pay.py", f"stripe_key = '{STRIPE}'\n")
    origin.commit("key")
    origin.write("pay.py", "stripe_key = read_from_vault()\n")
    origin.commit("vault")
    origin.git("config", "uploadpack.allowFilter", "true")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--filter=blob:none", f"file://{origin.path}", str(clone))
    program = Programs(tmp_path)
    git(clone, "config", "remote.origin.uploadpack", program("uploadpack"))
    git(clone, "config", "protocol.file.allow", "always")
    result = leakstop("scan", "--history", clone, "--format", "json")
    assert ran(program.markers) == []
    assert result.code == 2, result.output
    assert "Traceback" not in result.output
    [error] = result.json()["errors"]
    assert error.startswith("pay.py (blob ") and "not in this partial clone" in error
