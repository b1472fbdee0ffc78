"""Staged and range scans read every added line git prints: a large file's lines are scanned (the size cap
is for trees), a NUL byte in an added line hides nothing, and what is skipped is named without -v."""

from __future__ import annotations

from git_fixtures import commit_file, findings, stripe_line
from secrets_fixtures import GITHUB, STRIPE

FILLER = "".join(f"row_{i:07d} = {i * 7919 % 1000003}\n" for i in range(2000))  # ~50 KB of plain lines


SETTINGS = FILLER[:FILLER.index("\n", 20_000) + 1]  # 20 KB, whole lines
KEY_LINE = SETTINGS.count("\n") + 2


def big_text(mb: float) -> str:
    return FILLER * int(mb * 1_000_000 / len(FILLER) + 1)


def test_a_large_staged_file_is_scanned(leakstop, repo):
    commit_file(repo, "README.md", "hello\n", "start")
    repo.write("vendor/bundle.js", big_text(10.9) + stripe_line(STRIPE))
    repo.git("add", "vendor/bundle.js")
    result = leakstop("scan", "--staged", repo.path, "--format", "json", timeout=300)
    assert result.code == 1, result.output
    assert [f["path"] for f in findings(result, "stripe-secret-key")] == ["vendor/bundle.js"]


def test_a_large_file_in_a_commit_range_is_scanned(leakstop, repo):
    base = commit_file(repo, "README.md", "hello\n", "start")
    commit_file(repo, "vendor/bundle.js", big_text(10.9) + stripe_line(STRIPE), "vendor")
    result = leakstop("scan", "--range", f"{base}..HEAD", repo.path, "--format", "json", timeout=300)
    assert result.code == 1, result.output
    assert [f["path"] for f in findings(result, "stripe-secret-key")] == ["vendor/bundle.js"]


def nul_then_key(repo) -> None:
    """settings.py is text to git (no NUL in its first 8,000 bytes); the appended lines hold a NUL."""
    commit_file(repo, "settings.py", SETTINGS, "settings")
    repo.write("settings.py", SETTINGS + "# \0\n" + stripe_line(STRIPE))


def test_a_nul_byte_in_added_lines_does_not_hide_them_from_the_staged_scan(leakstop, repo):
    nul_then_key(repo)
    repo.git("add", "settings.py")
    result = leakstop("scan", "--staged", repo.path, "--format", "json")
    assert [f["line"] for f in findings(result, "stripe-secret-key")] == [KEY_LINE]


def test_a_nul_byte_in_added_lines_does_not_hide_them_from_a_range_scan(leakstop, repo):
    nul_then_key(repo)
    base = repo.git("rev-parse", "HEAD").strip()
    repo.commit("key")
    result = leakstop("scan", "--range", f"{base}..HEAD", repo.path, "--format", "json")
    assert [f["line"] for f in findings(result, "stripe-secret-key")] == [KEY_LINE]


def test_a_skip_is_named_without_verbose(leakstop, repo):
    commit_file(repo, "README.md", "hello\n", "start")
    repo.write("logo.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + bytes(range(256)))
    repo.write("token.txt", f"{GITHUB}\n")
    repo.git("add", "--all")
    result = leakstop("scan", "--staged", repo.path)
    assert result.code == 1
    assert "skipped logo.png: binary" in result.stdout
