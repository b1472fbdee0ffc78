"""Fail closed: whatever leakstop could not read ends in exit 2 and one line naming it, never a clean pass."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from secrets_fixtures import STRIPE
from test_bad_input import GOOD_RULE, write_rule


def one_line_error(result, *names):
    assert result.code == 2, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("leakstop: error:"), result.stderr
    for name in names:
        assert name in lines[0]


def object_path(repo, oid: str) -> Path:
    return repo.path / ".git" / "objects" / oid[:2] / oid[2:]


def corrupt(path: Path) -> None:
    path.chmod(0o644)
    path.write_bytes(b"not a zlib stream")


def test_corrupt_blob_in_the_middle_of_a_long_history(leakstop, repo):
    oids = []
    for i in range(30):
        repo.write(f"f{i}.txt", f"value {i}\n")
        repo.commit(f"c{i}")
        oids.append(repo.git("rev-parse", f"HEAD:f{i}.txt").strip())
    corrupt(object_path(repo, oids[15]))
    one_line_error(leakstop("scan", "--history", repo.path, "--format", "json"), oids[15])


def test_corrupt_pack_fails_closed(leakstop, repo):
    for i in range(20):
        repo.write(f"f{i}.txt", f"value {i} " + "x" * 2000 + "\n")
        repo.commit(f"c{i}")
    repo.git("gc", "-q", "--aggressive")
    [pack] = (repo.path / ".git" / "objects" / "pack").glob("*.pack")
    data = bytearray(pack.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 64] = b"\xff" * 64
    pack.chmod(0o644)
    pack.write_bytes(bytes(data))
    result = leakstop("scan", "--history", repo.path)
    assert result.code == 2 and "Traceback" not in result.output, result.output


@pytest.mark.parametrize("damage", ["missing", "corrupt"])
def test_staged_blob_that_cannot_be_read_is_never_clean(leakstop, repo, damage):
    repo.write("README", "hello\n")
    repo.commit("first")
    repo.write("app.py", f"key = '{STRIPE}'\n")
    repo.git("add", "app.py")
    blob = repo.git("rev-parse", ":app.py").strip()
    if damage == "missing":
        os.remove(object_path(repo, blob))
    else:
        corrupt(object_path(repo, blob))
    # git diff reads an unchanged working-tree file instead of the blob: change it so the blob must be read
    repo.write("app.py", "unrelated = 1\n")
    one_line_error(leakstop("scan", "--staged", repo.path), blob)


def test_staged_scan_whose_rule_times_out_is_an_error_not_clean(leakstop, repo, tmp_path):
    rule = write_rule(tmp_path, GOOD_RULE.format(pattern="acme_(a|aa)+b"))
    repo.write("victim.txt", "acme_" + "a" * 5000 + "!\n")
    repo.git("add", "victim.txt")
    result = leakstop("scan", "--staged", repo.path, "--rules-path", rule, "--rule-timeout", "0.3", timeout=60)
    # the scan goes on past a stuck rule: one error line names rule and file, the summary says incomplete
    assert result.code == 2 and "Traceback" not in result.output
    errors = [ln for ln in result.output.splitlines() if "error:" in ln]
    assert len(errors) == 1, result.output
    error = errors[0]
    assert "victim.txt" in error and "acme-token timed out" in error
    assert "INCOMPLETE" in result.output
