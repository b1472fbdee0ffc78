"""Inline allow comments and the .leakstopignore file, through the CLI on real repositories."""

from __future__ import annotations

import datetime as dt

import pytest
from config_fixtures import GITHUB, STRIPE, github_token, leakstop_anywhere
from test_bad_input import assert_one_line_error


@pytest.fixture
def leakstop():
    return leakstop_anywhere


def scan_json(leakstop, repo, *args: str):
    result = leakstop("scan", ".", "--format", "json", "--show-suppressed", *args, cwd=repo.path)
    assert result.code in (0, 1), result.output
    return result


def lines_found(result) -> list[int]:
    return sorted(f["line"] for f in result.json()["findings"])


@pytest.mark.parametrize("name,comment", [
    ("a.py", "# leakstop:allow"), ("a.js", "// leakstop:allow"), ("a.js", "/* gitleaks:allow */"),
    ("a.py", "# pragma: allowlist secret"), ("a.sql", "-- LEAKSTOP:ALLOW test key"),
])
def test_same_line_markers(leakstop, repo, name, comment):
    repo.write(name, f'token = "{GITHUB}"  {comment}\nother = "{STRIPE}"\n')
    result = scan_json(leakstop, repo)
    assert result.code == 1
    assert [f["rule_id"] for f in result.json()["findings"]] == ["stripe-secret-key"]
    [suppressed] = result.json()["suppressed"]
    assert suppressed["suppressed_by"].startswith("inline:") and suppressed["line"] == 1


@pytest.mark.parametrize("comment", ["# leakstop:allow-next-line", "# pragma: allowlist nextline secret"])
def test_next_line_markers_cover_only_the_next_line(leakstop, repo, comment):
    repo.write("a.py", f'{comment}\ntoken = "{GITHUB}"\nagain = "{github_token(1)}"\n')
    result = scan_json(leakstop, repo)
    assert lines_found(result) == [3]
    assert [s["line"] for s in result.json()["suppressed"]] == [2]


def test_next_line_marker_does_not_allow_its_own_line(leakstop, repo):
    repo.write("a.py", f'token = "{GITHUB}"  # leakstop:allow-next-line\n')
    assert lines_found(scan_json(leakstop, repo)) == [1]


def test_no_inline_allow_for_audits(leakstop, repo):
    repo.write("a.py", f'token = "{GITHUB}"  # leakstop:allow\n')
    assert leakstop("scan", ".", cwd=repo.path).code == 0
    result = scan_json(leakstop, repo, "--no-inline-allow")
    assert result.code == 1 and lines_found(result) == [1]


def test_multiline_secret_allowed_on_its_last_line(leakstop, repo):
    from secrets_fixtures import PRIVATE_KEY

    repo.write("key.pem", PRIVATE_KEY.rstrip("\n") + "  # leakstop:allow\n")
    result = scan_json(leakstop, repo)
    assert result.code == 0 and result.json()["suppressed"]


def fingerprint_of(leakstop, repo, path: str = ".") -> str:
    [finding] = leakstop("scan", path, "--format", "json", cwd=repo.path).json()["findings"]
    return finding["fingerprint"]


def test_ignore_survives_a_rebase_that_rewrites_and_moves_the_secret(leakstop, repo):
    repo.write("README.md", "hello\n")
    repo.commit("base")
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("app.py", f'TOKEN = "{GITHUB}"\n')
    old_commit = repo.commit("add token")
    fp = fingerprint_of(leakstop, repo)
    added = leakstop("ignore", fp, "--reason", "revoked test token", cwd=repo.path)
    assert added.code == 0, added.output
    repo.commit("ignore it")
    repo.git("checkout", "-q", "main")
    repo.write("app.py", "# header\n# more header\n")
    repo.commit("main moves on")
    repo.git("checkout", "-q", "feature")
    repo.git("rebase", "-q", "-X", "theirs", "main")
    assert repo.git("log", "--format=%H", "-1", "HEAD~1").strip() != old_commit
    text = (repo.path / "app.py").read_text()
    assert GITHUB in text
    result = scan_json(leakstop, repo)
    assert result.code == 0, result.output
    [suppressed] = result.json()["suppressed"]
    assert suppressed["fingerprint"] == fp and "revoked test token" in suppressed["suppressed_by"]


def test_ignore_never_hides_a_different_secret_on_the_same_line(leakstop, repo):
    repo.write("app.py", f'TOKEN = "{GITHUB}"\n')
    fp = fingerprint_of(leakstop, repo)
    assert leakstop("ignore", fp, "--reason", "fixture", cwd=repo.path).code == 0
    assert leakstop("scan", ".", cwd=repo.path).code == 0
    repo.write("app.py", f'TOKEN = "{github_token(2)}"\n')
    result = scan_json(leakstop, repo)
    assert result.code == 1 and lines_found(result) == [1]
    assert result.json()["findings"][0]["fingerprint"] != fp


def test_ignore_limited_to_a_path(leakstop, repo):
    repo.write("tests/fixture.py", f'TOKEN = "{GITHUB}"\n')
    repo.write("src/app.py", f'TOKEN = "{GITHUB}"\n')
    fp = fingerprint_of(leakstop, repo)
    assert leakstop("ignore", fp, "--reason", "fixture", "--path", "tests/**", cwd=repo.path).code == 0
    result = scan_json(leakstop, repo, "--no-group")
    assert [f["path"] for f in result.json()["findings"]] == ["src/app.py"]
    assert [f["path"] for f in result.json()["suppressed"]] == ["tests/fixture.py"]


def test_expired_and_unused_entries_are_reported(leakstop, repo):
    repo.write("app.py", f'TOKEN = "{GITHUB}"\n')
    fp = fingerprint_of(leakstop, repo)
    repo.write(".leakstopignore", f"- fingerprint: {fp}\n  reason: until rotation\n  added: 2020-01-01\n"
                                  "  expires: 2020-02-01\n"
                                  f"- fingerprint: ls1:{'0' * 32}\n  reason: long gone\n  added: 2020-01-01\n")
    result = scan_json(leakstop, repo)
    assert result.code == 1 and lines_found(result) == [1]
    warnings = result.json()["warnings"]
    assert any("expired on 2020-02-01" in w and ".leakstopignore:1" in w for w in warnings)
    assert not any("matched nothing" in w for w in warnings)
    warnings = scan_json(leakstop, repo, "--report-unused-ignores").json()["warnings"]
    assert any(".leakstopignore:5" in w and "matched nothing" in w and "long gone" in w for w in warnings)


def test_ignore_command_keeps_the_file_sorted_and_hand_edits_intact(leakstop, repo):
    ids = sorted(f"ls1:{c * 32}" for c in "fa3")
    for fp in (ids[2], ids[0]):
        assert leakstop("ignore", fp, "--reason", f"why {fp[4]}", cwd=repo.path).code == 0
    path = repo.path / ".leakstopignore"
    path.write_text(path.read_text().replace('reason: "why 3"', '# a hand-written note\n  reason: "why 3"'))
    expires = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    assert leakstop("ignore", ids[1], "--reason", "middle", "--expires", expires, cwd=repo.path).code == 0
    text = path.read_text()
    assert [line.split()[-1] for line in text.splitlines() if "fingerprint:" in line] == ids
    assert '# a hand-written note\n  reason: "why 3"' in text and f"expires: {expires}" in text
    assert text.startswith("# leakstop")
    again = leakstop("ignore", ids[1], "--reason", "twice", cwd=repo.path)
    assert_one_line_error(again, "already ignored")


@pytest.mark.parametrize("args,needle", [
    (["not-a-fingerprint", "--reason", "x"], "not a leakstop fingerprint"),
    ([f"ls1:{'a' * 32}", "--reason", "  "], "--reason"),
    ([f"ls1:{'a' * 32}", "--reason", "x", "--expires", "soon"], "not a date"),
    ([f"ls1:{'a' * 32}", "--reason", "x", "--expires", "2001-01-01"], "in the past"),
])
def test_ignore_command_rejects_bad_input(leakstop, repo, args, needle):
    assert_one_line_error(leakstop("ignore", *args, cwd=repo.path), needle)
    assert not (repo.path / ".leakstopignore").exists()


def test_ignore_command_requires_a_reason(leakstop, repo):
    result = leakstop("ignore", f"ls1:{'a' * 32}", cwd=repo.path)
    assert result.code == 2 and "--reason" in result.stderr


@pytest.mark.parametrize("text,needles", [
    ("- fingerprint: ls1:abc\n  reason: x\n  added: 2024-01-01\n", [".leakstopignore:1", "ls1:abc"]),
    (f"- fingerprint: ls1:{'a' * 32}\n  added: 2024-01-01\n", [".leakstopignore:1", "no reason"]),
    (f"- fingerprint: ls1:{'a' * 32}\n  reason: ok\n  added: 2024-01-01\n"
     f"- fingerprint: ls1:{'b' * 32}\n  reason: ok\n  added: 2024-01-01\n  expire: 2025-01-01\n",
     [".leakstopignore:4", "unknown key 'expire'"]),
    (f"- fingerprint: ls1:{'a' * 32}\n  reason: ok\n  added: someday\n", [".leakstopignore:1", "not a date"]),
    ("- fingerprint: [unclosed\n", [".leakstopignore", "line"]),
    ("fingerprint: x\n", [".leakstopignore:1", "list of entries"]),
])
def test_corrupt_ignore_file_is_a_one_line_error(leakstop, repo, text, needles):
    repo.write("app.py", f'TOKEN = "{GITHUB}"\n')
    repo.write(".leakstopignore", text)
    assert_one_line_error(leakstop("scan", ".", cwd=repo.path), *needles)


def test_inline_allow_on_stdin(leakstop, repo):
    allowed = f'token = "{GITHUB}"  # leakstop:allow\n'.encode()
    assert leakstop("scan", "-", cwd=repo.path, input=allowed).code == 0
    assert leakstop("scan", "-", "--no-inline-allow", cwd=repo.path, input=allowed).code == 1


@pytest.mark.parametrize("marker", ["leakstop:ALLow", "LEAKSTOP:ALLOW", "Leakstop:Allow"])
def test_an_allow_marker_counts_in_any_casing(tmp_path, leakstop, marker):
    (tmp_path / "settings.py").write_text(f"STRIPE_KEY = '{STRIPE}'  # {marker}\n")
    assert leakstop("scan", "--no-git", tmp_path).code == 0


def test_a_path_limited_ignore_does_not_hide_a_history_finding_that_also_occurs_elsewhere(leakstop, repo):
    repo.write("tests/fixture.py", f'TOKEN = "{GITHUB}"\n')
    repo.write("src/app.py", f'TOKEN = "{GITHUB}"\n')
    repo.commit("one blob at two paths")
    fp = fingerprint_of(leakstop, repo)
    assert leakstop("ignore", fp, "--reason", "fixture", "--path", "tests/**", cwd=repo.path).code == 0
    result = leakstop("scan", "--history", ".", "--format", "json", cwd=repo.path)
    assert result.code == 1
    [finding] = result.json()["findings"]
    assert "src/app.py" in {o["path"] for o in finding["occurrences"]}
