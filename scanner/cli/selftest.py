"""`leakstop selftest`: prove that the commit path really blocks a secret.

A hook that is not installed, points at a deleted virtualenv, or scans nothing lets every commit through
in silence, which looks exactly like a clean history. The only convincing check is to commit a secret and
watch it be refused, so this plants a canary in a throw-away repository and commits it through the hook.
"""

from __future__ import annotations

import os
import secrets
import shutil
import string
import tempfile
from dataclasses import dataclass
from pathlib import Path

from scanner.git.runner import git_outcome, run_git

CANARY_RULE = "stripe-secret-key"
CANARY_FILE = "leakstop-canary.env"
# The pre-commit framework reads this from the repository being committed to, so it is copied along.
FRAMEWORK_CONFIG = ".pre-commit-config.yaml"


def canary_secret() -> str:
    """A fresh, well-formed, high-entropy key each run (never a fixed string a filter might learn)."""
    alphabet = string.ascii_letters + string.digits
    return "sk_" + "live_" + "".join(secrets.choice(alphabet) for _ in range(32))


@dataclass(frozen=True)
class SelftestResult:
    blocked: bool
    message: str


def run_selftest(hooks: Path, config_from: Path | None, who: str = "") -> SelftestResult:
    """Commit a canary through the pre-commit hook found in `hooks`, in a temporary repository; `who`
    names the hook in the verdict when its path says nothing (a throw-away one)."""
    hook = hooks / "pre-commit"
    problem = hook_problem(hook)
    if problem:
        return problem
    with tempfile.TemporaryDirectory(prefix="leakstop-selftest-") as tmp:
        repo = Path(tmp)
        prepare_repository(repo, config_from)
        plant_canary(repo)
        code, output = git_outcome(repo, "-c", f"core.hooksPath={hooks}", "-c", "commit.gpgsign=false",
                                   "commit", "-q", "-m", "leakstop selftest canary")
    return judge(hook, code, output, who=who)


def run_push_selftest(hooks: Path, config_from: Path | None, who: str = "") -> SelftestResult:
    """Push a canary through the pre-push hook found in `hooks`: the first push of a repository to an
    empty remote (the root commit included), the case that once went through unscanned."""
    hook = hooks / "pre-push"
    problem = hook_problem(hook)
    if problem:
        return problem
    with tempfile.TemporaryDirectory(prefix="leakstop-selftest-") as tmp:
        repo, remote = Path(tmp) / "work", Path(tmp) / "remote.git"
        repo.mkdir()
        run_git(Path(tmp), "init", "-q", "--bare", str(remote))
        prepare_repository(repo, config_from)
        plant_canary(repo)
        run_git(repo, "-c", "core.hooksPath=/dev/null", "-c", "commit.gpgsign=false", "commit", "-q", "-m",
                "leakstop selftest canary")
        run_git(repo, "remote", "add", "origin", str(remote))
        code, output = git_outcome(repo, "-c", f"core.hooksPath={hooks}", "push", "-q", "origin",
                                   "HEAD:refs/heads/main", local_remote=True)
    return judge(hook, code, output, "push", who)


def hook_problem(hook: Path) -> SelftestResult | None:
    if not hook.is_file():
        return SelftestResult(False, f"no {hook.name} hook at {hook}: run `leakstop hook install"
                                     f"{' --pre-push' if hook.name == 'pre-push' else ''}`, or `pre-commit install "
                                     f"-t {hook.name}` with the leakstop hooks in .pre-commit-config.yaml")
    if not os.access(hook, os.X_OK):
        return SelftestResult(False, f"the {hook.name} hook at {hook} is not executable, so git skips it: "
                                     f"chmod +x {hook}")
    return None


def plant_canary(repo: Path) -> None:
    (repo / CANARY_FILE).write_text(f"STRIPE_SECRET_KEY={canary_secret()}\n", encoding="utf-8")
    run_git(repo, "add", CANARY_FILE)


def prepare_repository(repo: Path, config_from: Path | None) -> None:
    run_git(repo, "init", "-q")
    run_git(repo, "config", "user.name", "leakstop selftest")
    run_git(repo, "config", "user.email", "selftest@leakstop.invalid")
    if config_from is not None and (config_from / FRAMEWORK_CONFIG).is_file():
        shutil.copy(config_from / FRAMEWORK_CONFIG, repo / FRAMEWORK_CONFIG)
    for baseline, relative in baselines(config_from):
        (repo / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(baseline, repo / relative)
    (repo / "README.md").write_text("leakstop selftest\n", encoding="utf-8")
    run_git(repo, "add", "--all")
    run_git(repo, "-c", "core.hooksPath=/dev/null", "-c", "commit.gpgsign=false", "commit", "-q", "-m", "start")


def baselines(root: Path | None) -> list[tuple[Path, str]]:
    """(file, path in the repository) of the project's baselines: the conventional one and the one its
    configuration names. A hook whose arguments name a baseline (`--baseline ci/known.json`) must find it
    in the throw-away repository too, or it fails for that instead of judging the canary (which, being
    new, no baseline holds)."""
    if root is None:
        return []
    from scanner.config import load_config
    from scanner.errors import ScannerError
    from scanner.suppress import BASELINE_FILE

    found = [root / BASELINE_FILE]
    try:
        named = load_config(root).baseline
    except ScannerError:
        named = None  # the hook will say what is wrong with the configuration
    found += [named] if named is not None else []
    out = []
    for file in found:
        try:
            relative = file.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            continue  # outside the repository: the hook reads it where it is
        if file.is_file():
            out.append((file, relative))
    return out


def judge(hook: Path, code: int, output: str, action: str = "commit", who: str = "") -> SelftestResult:
    """Blocked means: the commit (or push) failed AND leakstop named the canary. A hook that fails for
    another reason (a broken interpreter path, a missing flag) would refuse everything, which is no proof."""
    who = who or f"the {hook.name} hook at {hook}"
    if code == 0:
        return SelftestResult(False, f"{who} let a {action} with a canary secret "
                                     f"through; it does not run leakstop (or leakstop does not see what the "
                                     f"{action} sends)")
    if CANARY_RULE not in output and "Stripe live secret key" not in output:
        tail = " | ".join(output.strip().splitlines()[-3:]) or f"exit {code}"
        return SelftestResult(False, f"{who} failed, but not because of the canary "
                                     f"secret: {tail}")
    return SelftestResult(True, f"OK: {who} blocked a {action} with a canary secret")
