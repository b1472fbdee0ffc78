"""`scan --history` reads blobs in an order of its own (file by file), yet reports every secret oldest first.

Each test first proves that the pack really holds the newer blobs before the introducing one (otherwise
reading in pack order and reading in history order would be the same and the test could not fail).
"""

from __future__ import annotations

import os
import subprocess

import pytest
from conftest import Repo
from git_fixtures import commit_file, findings, stripe_line
from secrets_fixtures import GITHUB, STRIPE


def history(leakstop, path, *extra):
    return leakstop("scan", "--history", path, "--format", "json", *extra)


def storage_order(path) -> list[str]:
    """Object ids as git lists them unordered: pack order, the order leakstop reads blobs in."""
    out = subprocess.run(["git", "cat-file", "--batch-check=%(objectname)", "--batch-all-objects", "--unordered"],
                         cwd=path, capture_output=True, check=True).stdout.decode()
    return out.split()


def blob(repo: Repo, rev: str, path: str) -> str:
    return repo.git("rev-parse", f"{rev}:{path}").strip()


@pytest.fixture
def copied_secret(repo: Repo) -> tuple[Repo, list[tuple[str, str, int]]]:
    """A secret introduced in a file that is later cleaned, then copied into three newer files (one of
    them a byte-identical copy of another), all repacked so that HEAD's blobs come first in the pack.
    Returns the repository and the expected (commit, path, line) of every place, oldest first."""
    commit_file(repo, "README", "hello\n", "start")
    introduced = commit_file(repo, "a.py", stripe_line(STRIPE), "introduce")
    old = blob(repo, "HEAD", "a.py")
    commit_file(repo, "a.py", "x = 1\n", "clean a.py")
    copied = commit_file(repo, "b.py", "# copy\n" + stripe_line(STRIPE), "copy")
    again = commit_file(repo, "c.py", "# again\n\n" + stripe_line(STRIPE), "copy again")
    same = commit_file(repo, "d.py", "# copy\n" + stripe_line(STRIPE), "same blob as b.py")
    repo.git("repack", "-q", "-a", "-d", "-f")
    order = storage_order(repo.path)
    assert not list((repo.path / ".git" / "objects").glob("??/*")), "everything is packed"
    assert order.index(blob(repo, "HEAD", "b.py")) < order.index(old), "the pack holds the copy first"
    assert order.index(blob(repo, "HEAD", "c.py")) < order.index(old)
    return repo, [(introduced, "a.py", 1), (copied, "b.py", 2), (again, "c.py", 3), (same, "d.py", 2)]


def test_grouped_finding_starts_at_the_introducing_commit(leakstop, copied_secret):
    repo, places = copied_secret
    result = history(leakstop, repo.path)
    [f] = findings(result)
    assert (f["commit"], f["path"], f["line"]) == places[0]
    assert [(o["commit"], o["path"], o["line"]) for o in f["occurrences"]] == places
    assert f["present_at_head"] is True
    assert result.json()["stats"]["blobs"] == 5  # README, a.py twice, b.py (= d.py), c.py


def test_no_group_lists_places_oldest_first(leakstop, copied_secret):
    repo, places = copied_secret
    ungrouped = findings(history(leakstop, repo.path, "--no-group"))
    assert [(f["commit"], f["path"], f["line"]) for f in ungrouped] == places


def test_text_report_names_the_introducing_commit_first(leakstop, copied_secret):
    repo, places = copied_secret
    out = leakstop("scan", "--history", repo.path).stdout
    shown = [line.split(" in commit ")[1][:12] for line in out.splitlines() if " in commit " in line]
    assert shown == [commit[:12] for commit, _, _ in places[:3]]  # the first place, then "also at" two more


def test_secrets_in_one_commit_keep_file_order_when_the_pack_reverses_it(leakstop, repo):
    commit_file(repo, "README", "hello\n")
    repo.write("one.txt", stripe_line(STRIPE))
    repo.write("two.txt", "# second\n" + stripe_line(STRIPE) + f'token = "{GITHUB}"\n')
    both = repo.commit("two files")
    commit_file(repo, "one.txt", "gone\n", "clean one.txt")
    repo.git("repack", "-q", "-a", "-d", "-f")
    order = storage_order(repo.path)
    assert order.index(blob(repo, "HEAD", "two.txt")) < order.index(blob(repo, "HEAD~1", "one.txt"))
    stripe = findings(history(leakstop, repo.path), "stripe-secret-key")
    assert [(o["commit"], o["path"]) for o in stripe[0]["occurrences"]] == [(both, "one.txt"), (both, "two.txt")]
    ungrouped = findings(history(leakstop, repo.path, "--no-group"))
    assert [f["path"] for f in ungrouped] == ["one.txt", "two.txt", "two.txt"]


@pytest.mark.parametrize("damage", ["missing", "corrupt"])
def test_unreadable_loose_blob_next_to_a_pack_fails_closed_naming_it(leakstop, repo, damage):
    for i in range(5):
        commit_file(repo, f"f{i}.txt", f"value {i}\n")
    repo.git("repack", "-q", "-a", "-d")
    commit_file(repo, "late.txt", "nothing secret\n")
    late = blob(repo, "HEAD", "late.txt")
    loose = repo.path / ".git" / "objects" / late[:2] / late[2:]
    if damage == "missing":
        os.remove(loose)
    else:
        loose.chmod(0o644)
        loose.write_bytes(b"not a zlib stream")
    result = leakstop("scan", "--history", repo.path)
    assert result.code == 2 and late in result.stderr and "Traceback" not in result.output, result.output


def test_objects_borrowed_through_alternates_are_read_and_fail_closed_when_gone(leakstop, repo, tmp_path):
    introduced = commit_file(repo, "a.py", stripe_line(STRIPE), "introduce")
    secret_blob = blob(repo, "HEAD", "a.py")
    borrower = tmp_path / "borrower"
    subprocess.run(["git", "clone", "-q", "--shared", str(repo.path), str(borrower)], check=True)
    assert storage_order(borrower), "the clone lists its alternate's objects"
    [f] = findings(history(leakstop, borrower))
    assert (f["commit"], f["path"]) == (introduced, "a.py")
    os.remove(repo.path / ".git" / "objects" / secret_blob[:2] / secret_blob[2:])
    result = leakstop("scan", "--history", borrower)
    assert result.code == 2 and secret_blob in result.stderr and "Traceback" not in result.output


def test_partial_clone_reports_blobs_it_does_not_have_until_they_are_fetched(leakstop, repo, tmp_path):
    """A blob-less clone holds only HEAD's blobs; the older ones are promised by the remote. A scan never
    fetches (that would run the remote's programs): they are reported as not scanned, exit 2, and
    scanned once the user has fetched them."""
    introduced = commit_file(repo, "a.py", stripe_line(STRIPE), "introduce")
    commit_file(repo, "a.py", "x = 1\n", "clean")
    repo.git("config", "uploadpack.allowFilter", "true")
    clone = tmp_path / "partial"
    subprocess.run(["git", "clone", "-q", "--filter=blob:none", f"file://{repo.path}", str(clone)], check=True)
    old_blob = blob(repo, introduced, "a.py")
    assert old_blob not in storage_order(clone), "the old blob is not in the clone yet"
    result = leakstop("scan", "--history", clone)
    assert result.code == 2 and "a.py (blob " in result.output and "partial clone" in result.output, result.output
    subprocess.run(["git", "cat-file", "-e", old_blob], cwd=clone, check=True)  # git's own lazy fetch
    [f] = findings(history(leakstop, clone))
    assert (f["commit"], f["path"]) == (introduced, "a.py")
