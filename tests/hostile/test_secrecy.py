"""Secrets stay secret: plant known secrets, run every mode × format × option through the real CLI, and grep
every channel (stdout, stderr, each file written, the whole cache folder) for each full secret."""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

import pytest
from conftest import ROOT, run_leakstop
from secrets_fixtures import AWS_SECRET, GITHUB, OPENAI, PRIVATE_KEY, SLACK

# Not the shared STRIPE fixture: that one is also a rule example, so the rule cache holds it by design.
STRIPE = "sk_" + "live_" + "7Yq2Wm9Rt4Lp6Zx1Bn8Vc3Kd5Hs0Gj"
# Secrets that share a line with another secret: each finding's preview must mask its neighbours too.
PAIRED = {
    "paired-stripe-tree": "sk_" + "live_" + "XpBujpfC3YtVHCom90tdHHlU",
    "paired-github-tree": "ghp_" + "ONcdPKfDhzrYQcYR3MBYqx1A6gMvwbaPoln6",
    "paired-github-history": "ghp_" + "TH9hmcbsKBy8qH93cE0xCvyRmEo9hoUUWrOd",
    "paired-stripe-history": "sk_" + "live_" + "vmi1r6HiBfOmE3M1gtb2U5zK",
    "paired-gitlab-staged": "glpat-" + "c95WBJ8OxinNFwM1iCx7",
}

FORMATS = ("text", "json", "sarif", "csv", "junit", "github", "html")
MODES = ("tree", "stdin", "staged", "history")
# A multi-line key is checked by its longest line: a report may quote one line of it, never a full one.
NEEDLES = {"stripe": STRIPE, "github": GITHUB, "slack": SLACK, "aws-secret": AWS_SECRET, "openai": OPENAI,
           "private-key": max(PRIVATE_KEY.splitlines(), key=len), **PAIRED}


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    """One repository holding secrets in history (deleted since), in the working tree and staged."""
    from conftest import Repo, git

    path = tmp_path_factory.mktemp("secrecy") / "repo"
    path.mkdir()
    git(path, "init", "-q")
    repo = Repo(path)
    repo.write("old.py", f"token = '{GITHUB}'\nslack = '{SLACK}'\n")
    repo.write("settings.json", f'{{"github_token": "{PAIRED["paired-github-history"]}", '
                                f'"stripe_key": "{PAIRED["paired-stripe-history"]}"}}\n')
    repo.write("id_rsa", PRIVATE_KEY)
    repo.commit("history")
    (path / "old.py").unlink()
    (path / "settings.json").unlink()
    repo.commit("removed")
    repo.write("app.py", f"stripe_key = '{STRIPE}'\naws_secret_access_key = '{AWS_SECRET}'\n")
    repo.write("env.sh", f"export STRIPE_KEY={PAIRED['paired-stripe-tree']} "
                         f"GITHUB_TOKEN={PAIRED['paired-github-tree']}\n")
    repo.write("staged.py", f"OPENAI_API_KEY = '{OPENAI}'; GITLAB_TOKEN = '{PAIRED['paired-gitlab-staged']}'\n")
    repo.git("add", "staged.py")
    return repo


def mode_args(mode: str, repo_path: Path) -> tuple[list[str], bytes | None]:
    if mode == "stdin":
        return ["-"], b"".join((repo_path / name).read_bytes() for name in ("app.py", "env.sh", "staged.py"))
    if mode == "tree":
        return [str(repo_path)], None
    return [f"--{mode}", str(repo_path)], None


def leaked(text: str) -> list[str]:
    return [name for name, secret in NEEDLES.items() if secret in text]


def files_under(folder: Path) -> dict[Path, str]:
    return {p: p.read_bytes().decode("utf-8", "replace") for p in folder.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def warm_cache(tmp_path_factory) -> Path:
    """A cache folder that a scan of a clean file has filled: the rule cache, and nothing of the planted
    repository's. A cold rule load in each of the 34 tests took three minutes."""
    folder = tmp_path_factory.mktemp("warm-cache")
    clean = tmp_path_factory.mktemp("clean") / "clean.py"
    clean.write_text("print('hello')\n")
    assert run_leakstop("scan", clean, env={"LEAKSTOP_CACHE_DIR": str(folder)}).code == 0
    return folder


@pytest.fixture
def cache(warm_cache: Path, tmp_path: Path) -> Path:
    """The test's own copy of the warm cache folder, whose every file its grep reads."""
    return Path(shutil.copytree(warm_cache, tmp_path / "cache"))


def run_with_cache(cache: Path, *args: str, input: bytes | None = None):
    return run_leakstop(*args, input=input, env={"LEAKSTOP_CACHE_DIR": str(cache)})


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("fmt", FORMATS)
def test_no_output_channel_holds_a_secret(planted, cache, tmp_path, mode, fmt):
    args, stdin = mode_args(mode, planted.path)
    out = tmp_path / f"report.{fmt}"
    to_stdout = run_with_cache(cache, "scan", *args, "--format", fmt, "--verbose", "--show-suppressed", input=stdin)
    to_file = run_with_cache(cache, "scan", *args, "--format", fmt, "-o", str(out), input=stdin)
    assert to_stdout.code == 1 and to_file.code == 1, to_stdout.output + to_file.output
    assert out.stat().st_size > 0
    assert leaked(to_stdout.output) == [] and leaked(to_file.output) == []
    assert leaked(out.read_text(encoding="utf-8")) == []
    for path, content in files_under(cache).items():
        assert leaked(content) == [], path


@pytest.mark.parametrize("mode", MODES)
def test_show_secrets_does_print_them_so_the_grep_can_fail(planted, cache, mode):
    args, stdin = mode_args(mode, planted.path)
    result = run_with_cache(cache, "scan", *args, "--format", "json", "--show-secrets", input=stdin)
    assert result.code == 1
    tree = {"stripe", "aws-secret", "openai", "paired-stripe-tree", "paired-github-tree", "paired-gitlab-staged"}
    expected = {"tree": tree, "stdin": tree, "staged": {"openai", "paired-gitlab-staged"},
                "history": {"github", "slack", "private-key", "paired-github-history", "paired-stripe-history"}}[mode]
    assert expected <= set(leaked(result.stdout))


def test_baseline_ignore_and_config_show_hold_no_secret(planted, cache, tmp_path):
    baseline = tmp_path / "baseline.json"
    created = run_with_cache(cache, "baseline", "create", "--history", "-o", str(baseline), str(planted.path))
    assert created.code == 0, created.output
    report = run_leakstop("scan", planted.path, "--format", "json").json()
    fingerprint = report["findings"][0]["fingerprint"]
    ignore_file = tmp_path / ".leakstopignore"
    from_repo = {"PYTHONPATH": str(ROOT)}
    ignored = run_leakstop("ignore", fingerprint, "--reason", "test key", "--file", ignore_file,
                           cwd=planted.path, env=from_repo)
    shown = run_leakstop("config", "show", planted.path, cwd=planted.path, env=from_repo)
    assert ignored.code == 0 and shown.code == 0, ignored.output + shown.output
    for result in (created, ignored, shown):
        assert leaked(result.output) == []
    written = {baseline: baseline.read_text(), ignore_file: ignore_file.read_text(), **files_under(cache)}
    for path, content in written.items():
        assert leaked(content) == [], path


def test_cache_and_baseline_are_owner_only(planted, tmp_path):
    baseline = tmp_path / "baseline.json"
    cache = tmp_path / "fresh-cache"
    result = run_leakstop("baseline", "create", "-o", baseline, planted.path, env={"LEAKSTOP_CACHE_DIR": str(cache)})
    assert result.code == 0, result.output
    assert stat.S_IMODE(baseline.stat().st_mode) == 0o600
    cached = [p for p in cache.rglob("*")]
    assert [p for p in cached if p.is_file()], "the rule cache should have been written"
    for p in cached:
        assert stat.S_IMODE(p.stat().st_mode) == (0o700 if p.is_dir() else 0o600), p
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
