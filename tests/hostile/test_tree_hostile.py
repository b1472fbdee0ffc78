"""Hostile trees: each case through the real CLI, each ends in a finding, a skip note or a one-line error."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from conftest import ROOT, Result
from secrets_fixtures import STRIPE

from hostile.privileges import unprivileged_prefix

KEY_LINE = f"key = '{STRIPE}'\n"


def scan_json(leakstop, *args):
    result = leakstop("scan", *args, "--format", "json")
    assert "Traceback" not in result.output
    return result, (result.json() if result.stdout.startswith("{") else None)


def test_zero_byte_and_whitespace_only_files(leakstop, tmp_path):
    (tmp_path / "empty").write_bytes(b"")
    (tmp_path / "blank").write_bytes(b"\n\n\r\n   \t")
    result, report = scan_json(leakstop, tmp_path)
    assert result.code == 0 and report["stats"]["files"] == 2


def test_one_line_of_50_mb_is_scanned_and_located(leakstop, tmp_path):
    filler = "a1" * (25 * 1024 * 1024 // 2)
    (tmp_path / "minified.js").write_text(filler + ';k="' + STRIPE + '";' + filler)
    result, report = scan_json(leakstop, tmp_path, "--max-file-size", "120MB")
    assert result.code == 1
    [finding] = [f for f in report["findings"] if f["rule_id"] == "stripe-secret-key"]
    assert (finding["line"], finding["column"]) == (1, len(filler) + 5)


def test_sparse_2gb_file_is_skipped_by_size_without_reading(leakstop, tmp_path):
    with open(tmp_path / "disk.img", "wb") as fh:
        fh.truncate(2 * 1024**3)
    (tmp_path / "app.py").write_text(KEY_LINE)
    result, report = scan_json(leakstop, tmp_path)
    assert result.code == 1
    assert any(s["path"] == "disk.img" and "larger than" in s["reason"] for s in report["skipped"])
    assert report["stats"]["bytes"] < 1024**2


@pytest.mark.parametrize("name,data", [
    ("crlf.txt", ("x = 1\r\n" + KEY_LINE.replace("\n", "\r\n")).encode()),
    ("cr.txt", ("x = 1\r" + KEY_LINE.replace("\n", "\r")).encode()),
    ("mixed.txt", ("x = 1\r\ny = 2\n" + KEY_LINE).encode()),
    ("utf32.txt", "\ufeff".encode("utf-32-le")[:0] + b"\xff\xfe\x00\x00" + ("x = 1\n" + KEY_LINE).encode("utf-32-le")),
    ("nul-late.txt", b"x = 1\n" + KEY_LINE.encode() + b"a" * 9000 + b"\x00tail"),
])
def test_line_endings_and_encodings(leakstop, tmp_path, name, data):
    (tmp_path / name).write_bytes(data)
    result, report = scan_json(leakstop, tmp_path)
    assert result.code == 1, result.output
    [finding] = [f for f in report["findings"] if f["rule_id"] == "stripe-secret-key"]
    assert finding["column"] == 8
    assert finding["line"] == (3 if name == "mixed.txt" else 2)


def test_secret_inside_a_binary_file_is_skipped_and_said(leakstop, tmp_path):
    (tmp_path / "lib.so").write_bytes(b"\x7fELF\x00\x00" + KEY_LINE.encode() + b"\x00" * 100)
    result, report = scan_json(leakstop, tmp_path)
    assert result.code == 0
    assert {"path": "lib.so", "reason": "binary", "error": False} in report["skipped"]


def test_file_name_with_invalid_utf8_bytes(leakstop, tmp_path):
    name = os.fsencode(tmp_path) + b"/caf\xe9-\xff.py"
    with open(name, "wb") as fh:
        fh.write(KEY_LINE.encode())
    result, report = scan_json(leakstop, tmp_path, "--no-git")
    assert result.code == 1
    assert len(report["findings"]) == 1


def test_permission_denied_file_fails_closed(tmp_path):
    (tmp_path / "ok.py").write_text("x = 1\n")
    locked = tmp_path / "locked.py"
    locked.write_text(KEY_LINE)
    locked.chmod(0)
    proc = subprocess.run([*unprivileged_prefix(), sys.executable, "-m", "scanner", "scan", str(tmp_path)],
                          cwd=ROOT, capture_output=True, env={**os.environ})
    result = Result(proc.returncode, proc.stdout.decode(), proc.stderr.decode())
    assert result.code == 2, result.output
    assert "locked.py: cannot read" in result.output
    assert "Traceback" not in result.output


def test_permission_denied_folder_fails_closed(tmp_path):
    (tmp_path / "ok.py").write_text("x = 1\n")
    locked = tmp_path / "private"
    locked.mkdir()
    (locked / "key.py").write_text(KEY_LINE)
    locked.chmod(0)
    try:
        proc = subprocess.run([*unprivileged_prefix(), sys.executable, "-m", "scanner", "scan", "--no-git",
                               str(tmp_path)], cwd=ROOT, capture_output=True, env={**os.environ})
    finally:
        locked.chmod(0o755)
    out = proc.stdout.decode() + proc.stderr.decode()
    assert proc.returncode == 2, out
    assert "private: cannot list folder" in out


def test_deep_directory_tree(leakstop, tmp_path):
    deep = tmp_path
    for i in range(120):
        deep = deep / f"d{i}"
    deep.mkdir(parents=True)
    (deep / "k.py").write_text(KEY_LINE)
    result, report = scan_json(leakstop, tmp_path, "--no-git")
    assert result.code == 1
    assert report["findings"][0]["path"].count("/") == 120


@pytest.mark.slow
def test_100k_tiny_files(leakstop, tmp_path):
    for d in range(100):
        folder = tmp_path / f"pkg{d}"
        folder.mkdir()
        for f in range(1000):
            (folder / f"m{f}.py").write_text("x = 1\n")
    (tmp_path / "pkg42" / "m999.py").write_text(KEY_LINE)
    result, report = scan_json(leakstop, tmp_path, "--no-git")
    assert result.code == 1
    assert report["stats"]["files"] == 100_000
    assert [f["path"] for f in report["findings"]] == ["pkg42/m999.py"]


def test_file_that_vanishes_between_listing_and_reading_is_noted_not_fatal(tmp_path):
    from scanner.report import ScanStats, Skipped
    from scanner.sources.files import FilesSource

    (tmp_path / "goes.py").write_text(KEY_LINE)
    source = FilesSource([tmp_path], use_git=False)
    [(shown, anchor, relative)] = list(source.listing(tmp_path))
    (anchor / relative).unlink()
    [item] = list(source.read(shown, anchor, relative, ScanStats()))
    assert isinstance(item, Skipped)
    assert (item.path, item.error) == ("goes.py", False) and "vanished" in item.reason


@pytest.mark.parametrize("use_git", [True, False], ids=["git", "no-git"])
def test_a_tracked_folder_replaced_by_a_symlink_is_not_read_through(leakstop, tmp_path, use_git):
    """`d/x.txt` is tracked; `d` then becomes a link to a folder outside the repository holding an `x.txt`."""
    from conftest import git

    repo, outside = tmp_path / "repo", tmp_path / "outside"
    (repo / "d").mkdir(parents=True)
    outside.mkdir()
    (repo / "d" / "x.txt").write_text("nothing here\n")
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "d")
    (repo / "d" / "x.txt").unlink()
    (repo / "d").rmdir()
    (outside / "x.txt").write_text(KEY_LINE)
    (repo / "d").symlink_to(outside, target_is_directory=True)
    result, report = scan_json(leakstop, repo, *(() if use_git else ("--no-git",)), "--verbose")
    assert result.code == 0, result.output
    assert report["findings"] == []
    assert any(s["path"].startswith("d") and "symlink" in s["reason"] for s in report["skipped"])


def test_open_below_refuses_a_link_at_any_component(tmp_path):
    from scanner.sources.files import LinkedPath, open_below

    (tmp_path / "real" / "deep").mkdir(parents=True)
    (tmp_path / "real" / "deep" / "f.txt").write_text("x")
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "link").symlink_to(tmp_path / "real")
    (tmp_path / "a" / "file-link").symlink_to(tmp_path / "real" / "deep" / "f.txt")
    for relative, where in (("link/deep/f.txt", "link"), ("file-link", "file-link")):
        with pytest.raises(LinkedPath) as caught:
            open_below(tmp_path / "a", relative)
        assert caught.value.args[0] == where
    os.close(open_below(tmp_path, "real/deep/f.txt"))
