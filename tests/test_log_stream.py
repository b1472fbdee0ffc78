"""Commit ranges are read from one `git log -p` stream, split by structure: content cannot forge a commit
boundary, and the stream is read in linear time."""

from __future__ import annotations

import subprocess
import time

import pytest
from conftest import Repo
from git_fixtures import commit_file, findings, stripe_line
from secrets_fixtures import GITHUB, STRIPE

from scanner.errors import GitError
from scanner.git import runner as git
from scanner.git.log_stream import log_commits, raw_commits

FAKE_SHA = "f00dfeed" * 5
FILLER = "".join(f"setting_{i:05d} = {i * 31 % 977}\n" for i in range(600))  # ~14 KB: git calls it text


def forged_header() -> str:
    """What leakstop's own --format prints before a commit, as file content."""
    return f"\0\x01{FAKE_SHA}\0Mallory\0mallory@example.invalid\0" "2020-01-01T00:00:00+00:00\0\n"


def test_a_file_cannot_forge_a_commit_boundary(leakstop, repo):
    base = commit_file(repo, "README.md", "hello\n", "start")
    content = FILLER + forged_header() + f':000000 100644 {"0" * 40} {"1" * 40} A\0x\0\0' \
        + stripe_line(STRIPE) + f'token = "{GITHUB}"\n'
    real = commit_file(repo, "settings.py", content, "settings")
    result = leakstop("scan", "--range", f"{base}..HEAD", repo.path, "--format", "json")
    assert result.code == 1, result.output
    assert sorted((f["rule_id"], f["commit"]) for f in findings(result)) == [
        ("github-pat-classic", real), ("stripe-secret-key", real)]
    assert result.json()["stats"]["commits"] == 1


def test_a_path_cannot_forge_a_commit_boundary(leakstop, repo):
    base = commit_file(repo, "README.md", "hello\n", "start")
    repo.write(f"\x01{FAKE_SHA}", "a name that starts like a commit\n")
    real = commit_file(repo, "token.txt", f'token = "{GITHUB}"\n', "two files")
    for args in (["--range", f"{base}..HEAD"], ["--history"]):
        result = leakstop("scan", *args, repo.path, "--format", "json")
        assert [(f["rule_id"], f["commit"]) for f in findings(result)] == [("github-pat-classic", real)], args


def test_split_is_the_same_whatever_the_chunk_size(repo):
    commit_file(repo, "a.txt", "one\n", "first")
    repo.git("commit", "-q", "--allow-empty", "-m", "empty")
    repo.git("checkout", "-qb", "side")
    commit_file(repo, "b.txt", FILLER + forged_header() + "tail\n", "side")
    repo.git("checkout", "-q", "main")
    commit_file(repo, "a.txt", "two\n", "main")
    repo.git("merge", "-q", "--no-edit", "side")
    repo.git("mv", "a.txt", "renamed.txt")
    repo.commit("rename")
    info = git.repository(repo.path)
    out = b"".join(git.stream_git(repo.path, "-c", "core.quotePath=true", "log", "--reverse", "--topo-order",
                                  "--root", "--cc", *git._DIFF_FLAGS, git._COMMIT_FORMAT, "--all", "--"))
    whole = list(log_commits(iter([out]), 6))
    assert [fields[0].decode() for fields, _ in whole] == \
        repo.git("rev-list", "--reverse", "--topo-order", "--all").split()
    for size in (1, 2, 3, 7, 64):
        pieces = iter(out[i:i + size] for i in range(0, len(out), size))
        assert list(log_commits(pieces, 6)) == whole, size
    assert [c.sha for c, _ in git.commit_patches(info, ["--all"])] == [f[0].decode() for f, _ in whole]


def test_raw_output_splits_as_the_structural_reader_splits_it_whatever_the_chunk_size(repo):
    """A history's walk reads `--raw` output without patches by one expression per commit: it must split
    it exactly as `log_commits` does, a rename's two paths included, with a chunk's end anywhere (inside a
    record, between a rename's paths, inside a header), a path that starts like a commit, and an empty
    commit; and output cut inside a commit fails instead of losing its last records."""
    commit_file(repo, "a.txt", "one\n" * 50, "first")
    repo.git("commit", "-q", "--allow-empty", "-m", "empty")
    repo.write(f"\x01{FAKE_SHA}", "a name that starts like a commit\n")
    repo.write(":colon\x01name", "and one that starts like a record\n")
    repo.commit("odd names")
    repo.git("checkout", "-qb", "side")
    commit_file(repo, "b.txt", "side\n", "side")
    repo.git("checkout", "-q", "main")
    commit_file(repo, "a.txt", "one\n" * 49 + "two\n", "main")
    repo.git("merge", "-q", "--no-edit", "side")
    repo.git("mv", "a.txt", "renamed.txt")
    repo.commit("rename")
    flags = [f for f in git._TREE_FLAGS if f != "--no-renames"]
    out = b"".join(git.stream_git(repo.path, "log", "--reverse", "--topo-order", "-M", *flags, "--all", "--"))
    assert b" R100\0" in out
    whole = [(fields, body.lstrip(b"\n\0")) for fields, body in log_commits(iter([out]), 6)]
    assert len(whole) == 7 and not whole[1][1]
    for size in (1, 2, 3, 5, 7, 64, len(out)):
        pieces = iter(out[i:i + size] for i in range(0, len(out), size))
        assert list(raw_commits(pieces, 6)) == whole, size
    for cut in (out[:-3], out[:out.rindex(b"R100") + 8]):
        with pytest.raises(GitError):
            list(raw_commits(iter([cut]), 6))


def test_a_commit_larger_than_the_raw_buffer_is_read_on_by_structure(monkeypatch):
    """A commit whose raw records outgrow RAW_BUFFER (a commit of a million files) is not matched again at
    every chunk: the rest of the stream goes to the structural reader, with the same split."""
    from scanner.git import log_stream

    def added(count: int) -> bytes:
        return b"".join(b":000000 100644 " + b"0" * 40 + b" " + f"{i:040x}".encode() + b" A\0dir/file_%d.txt\0" % i
                        for i in range(count))

    records = added(3000)
    head = b"\0\x01" + b"\0".join([b"a" * 40, b"", b"Ann", b"ann@example.invalid", b"2024-01-01T00:00:00+00:00",
                                      b"huge"]) + b"\0\n"
    small = b"\0\x01" + b"\0".join([b"b" * 40, b"a" * 40, b"Bo", b"bo@example.invalid", b"2024-01-02T00:00:00+00:00",
                                       b"small"]) + b"\0\n" + added(2)
    out = head + records + small
    expected = [(fields, body.lstrip(b"\n\0")) for fields, body in log_commits(iter([out]), 6)]
    assert len(expected) == 2 and expected[0][1] == records
    monkeypatch.setattr(log_stream, "RAW_BUFFER", 64 * 1024)
    handed_on = []

    def structural(chunks, fields):
        handed_on.append(fields)
        return log_commits(chunks, fields)

    monkeypatch.setattr(log_stream, "log_commits", structural)
    pieces = iter(out[i:i + 4096] for i in range(0, len(out), 4096))
    assert list(raw_commits(pieces, 6)) == expected
    assert handed_on == [6]


@pytest.mark.slow
def test_a_large_added_file_is_read_in_linear_time(leakstop, tmp_path):
    """~30 MB in one commit: the range scan costs about what scanning the file itself costs (it was
    quadratic: the whole buffered output was split again on every 1 MB read)."""
    repo = Repo(tmp_path / "big")
    repo.path.mkdir()
    repo.git("init", "-q")
    base = commit_file(repo, "README.md", "hello\n", "start")
    body = FILLER * (30_000_000 // len(FILLER))
    commit_file(repo, "vendor/data.txt", body + stripe_line(STRIPE), "vendor")
    started = time.monotonic()
    tree = leakstop("scan", repo.path / "vendor" / "data.txt", "--max-file-size", "1G", timeout=600)
    tree_seconds = time.monotonic() - started
    started = time.monotonic()
    ranged = leakstop("scan", "--range", f"{base}..HEAD", repo.path, timeout=600)
    range_seconds = time.monotonic() - started
    assert tree.code == ranged.code == 1, ranged.output
    assert range_seconds < 3 * tree_seconds + 3, (range_seconds, tree_seconds)



def test_a_merge_that_keeps_a_rename_is_parsed_with_the_records_after_it(leakstop, repo):
    """A merge's combined raw record names one path even when a parent saw a rename (`RM`): reading two
    paths there swallowed the next record and failed the whole range ("a commit starts with ...")."""
    repo.write("settings.txt", "".join(f"line {n}\n" for n in range(40)))
    repo.write("notes.txt", "one\n")
    repo.commit("base")
    repo.git("checkout", "-q", "-b", "rename")
    repo.git("mv", "settings.txt", "config.txt")
    repo.write("notes.txt", "one\nrename side\n")
    repo.commit("rename")
    repo.git("checkout", "-q", "main")
    repo.write("settings.txt", "".join(f"line {n}\n" for n in range(39)) + "changed\n")
    repo.write("notes.txt", "one\nmain side\n")
    repo.commit("modify")
    with pytest.raises(subprocess.CalledProcessError):  # notes.txt conflicts; the merge resolves it below
        repo.git("merge", "-q", "--no-edit", "rename")
    repo.write("notes.txt", "one\nmain side\nrename side\n" + stripe_line(STRIPE))
    repo.commit("merge")
    raw = repo.git("log", "--cc", "--raw", "-1", "--format=")
    assert "RM\tconfig.txt" in raw or "MR\tconfig.txt" in raw, raw
    result = leakstop("scan", "--range", "HEAD~2..HEAD", repo.path, "--format", "json")
    assert result.code == 1, result.output
    assert [f["path"] for f in findings(result)] == ["notes.txt"]
