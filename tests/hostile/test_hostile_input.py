"""Hostile input that once cost time, ran git options, slipped past validation or was skipped quietly."""

from __future__ import annotations

import os
import random
import string
import subprocess
import sys
import time

import pytest
from conftest import ROOT, git
from secrets_fixtures import STRIPE

from hostile.privileges import unprivileged_prefix
from scanner.engine.match import Match
from scanner.engine.ranking import outranked


def aws_key_ids(count: int, seed: int = 22) -> list[str]:
    rng = random.Random(seed)
    alphabet = string.ascii_uppercase + "234567"
    return sorted({"AKIA" + "".join(rng.choice(alphabet) for _ in range(16)) for _ in range(count)})


def test_20k_keys_in_one_file_list_100_with_a_note(leakstop, tmp_path):
    keys = aws_key_ids(20_000)
    (tmp_path / "generated.env").write_text("".join(f"AWS_ACCESS_KEY_ID_{i}={k}\n" for i, k in enumerate(keys)))
    result = leakstop("scan", "--no-git", tmp_path, "--format", "json")
    assert result.code == 1, result.output
    report = result.json()
    assert len(report["findings"]) == 100
    [note] = report["warnings"]
    assert note.startswith("generated.env: 19") and "more aws-access-key-id finding(s) not listed" in note


def test_a_baseline_records_every_key_past_the_listing_limit(leakstop, tmp_path):
    keys = aws_key_ids(150)
    (tmp_path / "tree").mkdir()
    (tmp_path / "tree" / "keys.env").write_text("".join(f"K{i}={k}\n" for i, k in enumerate(keys)))
    baseline = tmp_path / "baseline.json"
    assert leakstop("baseline", "create", tmp_path / "tree", "-o", baseline).code == 0
    result = leakstop("scan", "--no-git", tmp_path / "tree", "--baseline", baseline, "--format", "json")
    assert result.code == 0, result.output


class _Rule:
    def __init__(self, provider: str, confidence: str, paths: tuple[str, ...] = (),
                 filters: tuple[str, ...] = ()) -> None:
        self.provider, self.confidence, self.paths, self.filters = provider, confidence, paths, filters
        self.id = f"{provider}-{confidence}{'-file' if paths else ''}{'-named' if filters else ''}"


def _brute_force(matches: list[Match]) -> set[int]:
    """The pairwise definition: a more specific rule wins; between generic rules of one rank, the longer
    secret, then the rule that found its provider named, then the first rule id."""
    def rank(m: Match) -> tuple[bool, bool, int]:
        return m.rule.provider != "Generic", not m.rule.paths, {"high": 2, "medium": 1, "low": 0}[m.rule.confidence]

    def beats(other: Match, m: Match) -> bool:
        if rank(other) != rank(m) or rank(m)[0]:
            return rank(other) > rank(m)
        def key(x: Match) -> tuple[int, bool, str]:
            return x.start - x.end, "provider-named" not in x.rule.filters, x.rule.id

        return key(other) < key(m)

    return {i for i, m in enumerate(matches)
            if any(o is not m and o.start < m.end and m.start < o.end and not o.dropped_by and beats(o, m)
                   for o in matches)}


def test_ranking_20k_matches_on_one_text_is_not_quadratic():
    generic, provider = _Rule("Generic", "medium"), _Rule("AWS", "high")
    matches = [Match(rule=rule, start=i * 30, end=i * 30 + 20, secret="x", entropy=0.0)  # type: ignore[arg-type]
               for i in range(20_000) for rule in (generic, provider)]
    started = time.perf_counter()
    beaten = outranked(matches)
    # comparing every pair: 1.6 billion comparisons (minutes); sorting and bisecting: ~0.1 s
    assert time.perf_counter() - started < 10
    assert beaten == set(range(0, 40_000, 2))


def test_outranked_sweep_agrees_with_comparing_every_pair():
    rng = random.Random(5)
    rules = [_Rule(p, c) for p in ("Generic", "Stripe") for c in ("low", "medium", "high")]
    rules += [_Rule("Generic", c) for c in ("low", "medium", "high")]  # same rank, another rule id
    rules += [_Rule("Generic", c, filters=("provider-named",)) for c in ("low", "medium")]  # names its provider
    rules += [_Rule("dotenv", c, (".env",)) for c in ("medium", "high")]  # a file format's rule
    for index, rule in enumerate(rules):
        rule.id += f"-{index}"
    for _ in range(2000):
        matches = []
        for _ in range(rng.randrange(0, 12)):
            start = rng.randrange(0, 40)
            matches.append(Match(rule=rng.choice(rules), start=start, end=start + rng.randrange(1, 12),  # type: ignore[arg-type]
                                 secret="x", entropy=0.0, dropped_by=rng.choice(["", "", "entropy"])))
        assert outranked(matches) == _brute_force(matches)


def one_line_error(result, *needles: str) -> None:
    assert result.code == 2, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("leakstop: error:"), result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


@pytest.fixture
def keyed(repo):
    repo.write("README.md", "hello\n")
    repo.commit("first")
    repo.write("pay.py", f"stripe_key = '{STRIPE}'\n")
    repo.commit("pay")
    return repo


@pytest.mark.parametrize("spec", ["--output={out}...", "--output={out}..HEAD", "HEAD~1..--output={out}"])
def test_a_range_is_never_read_as_a_git_option(leakstop, keyed, tmp_path, spec):
    out = tmp_path / "written-by-git"
    result = leakstop("scan", "--range", spec.format(out=out), keyed.path)
    one_line_error(result, "--output=")
    assert not list(tmp_path.glob("written-by-git*"))


@pytest.mark.parametrize("spec", ["...", ".."])
def test_a_range_without_commits_is_an_error_not_a_clean_scan(leakstop, keyed, spec):
    one_line_error(leakstop("scan", "--range", spec, keyed.path), "range")


def test_pre_push_input_is_never_read_as_a_git_option(leakstop, keyed, tmp_path):
    out = tmp_path / "written-by-git"
    line = f"refs/heads/main --output={out} refs/heads/main {'0' * 40}\n"
    result = leakstop("scan", "--pre-push", keyed.path, input=line.encode())
    one_line_error(result, "--output=")
    assert not out.exists()


def test_a_range_of_real_commits_still_scans(leakstop, keyed):
    result = leakstop("scan", "--range", "HEAD~1..HEAD", keyed.path, "--format", "json")
    assert result.code == 1 and [f["rule_id"] for f in result.json()["findings"]] == ["stripe-secret-key"]


def test_git_replace_does_not_hide_a_committed_key_from_history(leakstop, repo):
    repo.write("pay.py", f"stripe_key = '{STRIPE}'\n")
    repo.commit("key")
    keyed = repo.git("rev-parse", "HEAD:pay.py").strip()
    clean = repo.git("hash-object", "-w", "--stdin", input=b"stripe_key = vault()\n").strip()
    repo.git("replace", keyed, clean)
    result = leakstop("scan", "--history", repo.path, "--format", "json")
    assert result.code == 1, result.output
    assert [f["rule_id"] for f in result.json()["findings"]] == ["stripe-secret-key"]


def test_a_replacement_blob_holding_a_key_is_scanned_where_it_is_shown(leakstop, repo):
    repo.write("pay.py", "stripe_key = vault()\n")
    repo.commit("clean")
    clean = repo.git("rev-parse", "HEAD:pay.py").strip()
    keyed = repo.git("hash-object", "-w", "--stdin", input=f"stripe_key = '{STRIPE}'\n".encode()).strip()
    repo.git("replace", clean, keyed)
    result = leakstop("scan", "--history", repo.path, "--format", "json")
    assert result.code == 1, result.output
    [finding] = result.json()["findings"]
    assert finding["path"] == "pay.py"


def test_history_reports_a_password_first_committed_under_tests_and_later_under_app(leakstop, repo):
    line = 'db_password = "Qv7!mK2pZx9w"\n'
    repo.write("tests/settings.py", line)
    repo.commit("fixture")
    repo.write("app/settings.py", line)
    repo.commit("copied into the app")
    result = leakstop("scan", "--history", repo.path, "--format", "json")
    assert result.code == 1, result.output
    [finding] = [f for f in result.json()["findings"] if f["rule_id"] == "generic-password-assignment"]
    assert [o["path"] for o in finding["occurrences"]] == ["app/settings.py"]


@pytest.mark.parametrize("use_git", [True, False])
def test_a_symlinked_scan_target_is_resolved_but_links_inside_it_are_not(leakstop, tmp_path, use_git):
    real = tmp_path / "real-repo"
    real.mkdir()
    if use_git:
        git(real, "init", "-q")
    (real / "pay.py").write_text(f"stripe_key = '{STRIPE}'\n")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "other.py").write_text(f"stripe_key = '{STRIPE}'\n")
    (real / "elsewhere").symlink_to(outside)
    (tmp_path / "repo").symlink_to(real)
    result = leakstop("scan", tmp_path / "repo", *([] if use_git else ["--no-git"]), "--format", "json")
    assert result.code == 1, result.output
    assert [f["path"] for f in result.json()["findings"]] == ["pay.py"]


def test_a_symlinked_file_named_on_the_command_line_is_read(leakstop, tmp_path):
    (tmp_path / "real.env").write_text(f"STRIPE={STRIPE}\n")
    (tmp_path / "link.env").symlink_to(tmp_path / "real.env")
    result = leakstop("scan", tmp_path / "link.env", "--format", "json")
    assert result.code == 1, result.output
    assert [f["path"] for f in result.json()["findings"]] == ["link.env"]


def test_a_dangling_symlink_target_is_an_error(leakstop, tmp_path):
    (tmp_path / "gone").symlink_to(tmp_path / "nowhere")
    one_line_error(leakstop("scan", tmp_path / "gone"), "symlink to nothing")


@pytest.mark.parametrize(("setting", "needle"), [
    ("max_file_size: 0", "must be positive"), ("max_file_size: -5", "must be positive"),
    ("max_file_size: 1e400", "not a size"), ('max_file_size: "infMB"', "not a size"),
    ('max_file_size: "nan"', "not a size"), ("max_file_size: 2TB", "at most 1TiB"),
    ('rules: ["\\0"]', "not a path"), ("rules: ['/']", "root of the file system"),
])
def test_a_config_value_the_cli_would_refuse_is_a_one_line_error(leakstop, tmp_path, setting, needle):
    (tmp_path / "app.py").write_text(f"stripe_key = '{STRIPE}'\n")
    (tmp_path / ".leakstop.yaml").write_text(setting + "\n")
    one_line_error(leakstop("scan", "--no-git", tmp_path), ".leakstop.yaml:1", needle)


@pytest.mark.parametrize("size", ["inf", "-inf", "nan", "1e400", "0", "-5", "2TB"])
def test_a_max_file_size_flag_that_is_no_size_is_a_usage_error(leakstop, tmp_path, size):
    result = leakstop("scan", "--no-git", tmp_path, "--max-file-size", size)
    assert result.code == 2 and "Traceback" not in result.output, result.output
    assert "Invalid value for '--max-file-size'" in result.stderr


def test_the_file_system_root_is_no_rules_path(leakstop, tmp_path):
    one_line_error(leakstop("scan", "--no-git", tmp_path, "--rules-path", "/"), "root of the file system")


def test_an_unreadable_untracked_folder_fails_a_git_listed_tree_scan(repo):
    repo.write("ok.py", "x = 1\n")
    repo.commit("first")
    locked = repo.path / "private"
    locked.mkdir()
    (locked / "key.py").write_text(f"stripe_key = '{STRIPE}'\n")
    locked.chmod(0)
    try:
        proc = subprocess.run([*unprivileged_prefix(), sys.executable, "-m", "scanner", "scan", str(repo.path)],
                              cwd=ROOT, capture_output=True, env={**os.environ})
    finally:
        locked.chmod(0o755)
    out = proc.stdout.decode() + proc.stderr.decode()
    assert proc.returncode == 2, out
    assert "private: cannot list folder" in out and "Traceback" not in out


@pytest.mark.parametrize("mode", ["tree", "staged", "history"])
def test_text_whose_first_line_is_one_nul_byte_is_scanned(leakstop, repo, mode):
    repo.write("README.md", "hi\n")
    repo.commit("first")
    repo.write("pay.py", b"\0\n" + f"stripe_key = '{STRIPE}'\n".encode())
    repo.git("add", "pay.py")
    if mode == "history":
        repo.commit("pay")
    args = {"tree": [], "staged": ["--staged"], "history": ["--history"]}[mode]
    result = leakstop("scan", *args, repo.path, "--format", "json")
    assert result.code == 1, result.output
    assert [f["path"] for f in result.json()["findings"]] == ["pay.py"]


def test_real_binaries_are_still_skipped(leakstop, tmp_path):
    png_like = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10\0\0\0\x10\x08\x06\0\0\0" + f"k='{STRIPE}'".encode()
    (tmp_path / "image.png").write_bytes(png_like)
    result = leakstop("scan", "--no-git", tmp_path, "--format", "json", "--verbose")
    assert result.code == 0 and result.json()["skipped"][0]["reason"] == "binary", result.output


def test_pre_push_outside_a_hook_says_it_has_nothing_to_scan(leakstop, keyed, monkeypatch):
    monkeypatch.delenv("GIT_EXEC_PATH", raising=False)
    env = {"PRE_COMMIT_FROM_REF": "", "PRE_COMMIT_TO_REF": ""}
    one_line_error(leakstop("scan", "--pre-push", keyed.path, input=b"", env=env), "--pre-push", "nothing to scan")


def test_a_real_pre_push_hook_with_everything_up_to_date_passes(leakstop, keyed, tmp_path):
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    keyed.git("remote", "add", "origin", str(remote))
    keyed.git("config", "core.hooksPath", str(tmp_path / "hooks"))
    hook = tmp_path / "hooks" / "pre-push"
    hook.parent.mkdir()
    hook.write_text(f"#!/bin/sh\ncd {ROOT} && exec {sys.executable} -m scanner scan --pre-push {keyed.path}\n")
    hook.chmod(0o755)
    with pytest.raises(subprocess.CalledProcessError):  # the first push sends the key: the hook blocks it
        keyed.git("push", "-q", "origin", "HEAD:main")
    keyed.git("push", "-q", "--no-verify", "origin", "HEAD:main")
    keyed.git("push", "-q", "origin", "HEAD:main")  # nothing to push: the hook runs with empty stdin


def test_pre_push_of_a_branch_deletion_is_a_clean_scan(leakstop, keyed):
    line = f"(delete) {'0' * 40} refs/heads/old {keyed.git('rev-parse', 'HEAD').strip()}\n"
    assert leakstop("scan", "--pre-push", keyed.path, input=line.encode()).code == 0


def test_stdin_past_the_size_limit_is_not_read_and_not_a_clean_pass(leakstop):
    big = b"x = 1\n" * (2 * 1024 * 1024 // 6 + 1)
    result = leakstop("scan", "-", "--max-file-size", "1MB", "--format", "json", input=big)
    assert result.code == 2, result.output
    assert "larger than --max-file-size" in result.json()["errors"][0]


def test_stdin_within_the_limit_is_scanned(leakstop):
    result = leakstop("scan", "-", "--format", "json", input=f"stripe_key = '{STRIPE}'\n".encode())
    assert result.code == 1


def report_mode(leakstop, tmp_path, *flags: str, umask: int = 0o022, existing: int | None = None) -> int:
    (tmp_path / "tree").mkdir(exist_ok=True)
    (tmp_path / "tree" / "pay.py").write_text(f"stripe_key = '{STRIPE}'\n")
    out = tmp_path / "report.json"
    if existing is not None:
        out.write_text("old")
        out.chmod(existing)
    old = os.umask(umask)
    try:
        result = leakstop("scan", "--no-git", tmp_path / "tree", "--format", "json", "-o", out, *flags)
    finally:
        os.umask(old)
    assert result.code == 1, result.output
    return out.stat().st_mode & 0o777


def test_a_report_holding_secrets_is_written_owner_only(leakstop, tmp_path):
    assert report_mode(leakstop, tmp_path, "--show-secrets") == 0o600
    assert report_mode(leakstop, tmp_path, "--show-secrets", existing=0o644) == 0o600


def test_a_redacted_report_follows_the_umask_and_tightens_an_existing_file(leakstop, tmp_path):
    assert report_mode(leakstop, tmp_path, umask=0o022) == 0o644
    assert report_mode(leakstop, tmp_path, umask=0o077, existing=0o666) == 0o600
