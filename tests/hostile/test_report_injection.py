"""Repository text is data, never control: names, previews and reasons cannot forge report lines, drive the
terminal or break a report's encoding, in any format."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import run_leakstop
from secrets_fixtures import STRIPE

FORMATS = ("text", "json", "sarif", "csv", "junit", "github", "html")
KEY_LINE = f"key = '{STRIPE}'\n"
FORGED = "a\n::stop-commands::pwn\nNo secrets found.\nb.py"
# CSI "cursor up, erase line" would hide the finding's line; OSC 52 would write the reader's clipboard.
ESCAPES = "x = 1  # \x1b[1A\x1b[2K\x1b]52;c;cHdu\x07\x9b31m\n"


@pytest.fixture
def hostile_tree(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / FORGED).write_text(KEY_LINE)
    (tree / "esc.py").write_text(KEY_LINE.rstrip("\n") + ESCAPES)
    with open(os.fsencode(tree) + b"/caf\xe9.py", "wb") as fh:
        fh.write(KEY_LINE.encode())
    return tree


def raw_run(*args: str | Path) -> tuple[int, bytes, bytes]:
    import subprocess
    import sys

    from conftest import ROOT

    proc = subprocess.run([sys.executable, "-m", "scanner", *map(str, args)], cwd=ROOT, capture_output=True,
                          timeout=120)
    return proc.returncode, proc.stdout, proc.stderr


@pytest.mark.parametrize("fmt", FORMATS)
def test_names_and_lines_cannot_forge_lines_or_reach_the_terminal(hostile_tree, tmp_path, fmt):
    code, out, err = raw_run("scan", hostile_tree, "--no-git", "--no-group", "--format", fmt)
    report = tmp_path / f"report.{fmt}"
    code_file, _, _ = raw_run("scan", hostile_tree, "--no-git", "--no-group", "--format", fmt, "-o", report)
    assert code == 1 and code_file == 1, err
    for data in (out, err, report.read_bytes()):
        text = data.decode("utf-8")  # valid UTF-8, always
        assert "\x1b" not in text and "\x07" not in text and "\x9b" not in text
        lines = text.splitlines()
        assert not any(line.startswith("::stop-commands") for line in lines)
        assert "No secrets found." not in lines
        assert not any(line.strip() == "b.py" for line in lines)


@pytest.mark.parametrize("fmt", ("text", "csv", "junit", "github"))
def test_control_characters_are_shown_as_escapes(hostile_tree, fmt):
    _, out, _ = raw_run("scan", hostile_tree, "--no-git", "--no-group", "--format", fmt)
    text = out.decode("utf-8")
    assert "caf\\xe9.py" in text
    if fmt in ("text", "junit"):  # the formats that quote the line
        assert "\\x1b[2K" in text and "\\x9b" in text


@pytest.mark.parametrize("fmt", ("json", "sarif"))
def test_json_formats_parse_and_name_the_non_utf8_file(hostile_tree, tmp_path, fmt):
    report = tmp_path / f"out.{fmt}"  # a name whose extension says another format is an error (-f reaches no output)
    code, out, _ = raw_run("scan", hostile_tree, "--no-git", "--no-group", "--format", fmt, "-o", report)
    assert code == 1
    for data in (report.read_bytes(), raw_run("scan", hostile_tree, "--no-git", "--no-group", "--format", fmt)[1]):
        text = data.decode("utf-8")
        json.loads(text)
        assert "caf\\\\xe9.py" in text or fmt == "sarif"  # the escape itself, as JSON writes a backslash
        assert "\\u001b" not in text and "\x9b" not in text


def test_every_finding_survives_a_non_utf8_name_in_the_report_file(hostile_tree, tmp_path):
    report = tmp_path / "out.json"
    result = run_leakstop("scan", hostile_tree, "--no-git", "--no-group", "--format", "json", "-o", report)
    assert result.code == 1, result.output
    assert "internal error" not in result.output
    paths = {f["path"] for f in json.loads(report.read_text(encoding="utf-8"))["findings"]}
    assert paths == {"caf\\xe9.py", "esc.py", "a\\n::stop-commands::pwn\\nNo secrets found.\\nb.py"}


def test_ignore_reason_cannot_write_lines(tmp_path):
    from conftest import git

    git(tmp_path, "init", "-q")
    (tmp_path / "app.py").write_text(KEY_LINE)
    fp = run_leakstop("scan", tmp_path, "--format", "json").json()["findings"][0]["fingerprint"]
    reason = "ok\\n::stop-commands::pwn\\nNo secrets found.\\x1b[2K"  # YAML decodes the escapes
    (tmp_path / ".leakstopignore").write_text(f'- fingerprint: {fp}\n  added: 2026-01-01\n  reason: "{reason}"\n')
    code, out, err = raw_run("scan", tmp_path, "--show-suppressed", "--verbose")
    text = (out + err).decode("utf-8")
    assert code == 0, text
    assert "\x1b" not in text
    assert not any(line.startswith("::stop-commands") for line in text.splitlines())
