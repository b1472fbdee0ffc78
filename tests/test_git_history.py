"""`scan --history`: every blob of every ref scanned once, findings attributed to their commits."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys

import pytest
from conftest import ROOT
from git_fixtures import commit_file, findings, stripe_line
from secrets_fixtures import GITHUB, STRIPE


def history(leakstop, path, *extra, **kw):
    return leakstop("scan", "--history", path, "--format", "json", *extra, **kw)


def test_secret_added_then_removed_is_found_at_its_commit(leakstop, repo):
    commit_file(repo, "README", "hello\n")
    added = commit_file(repo, "config.py", "debug = True\n" + stripe_line(STRIPE), "add config")
    commit_file(repo, "config.py", "debug = True\n", "remove the key")
    result = history(leakstop, repo.path)
    assert result.code == 1
    [f] = findings(result)
    assert (f["commit"], f["path"], f["line"], f["author"], f["email"]) == (
        added, "config.py", 2, "Ada Tester", "ada@example.invalid")
    assert f["date"][:4].isdigit()
    assert f["present_at_head"] is False
    assert result.json()["stats"]["commits"] == 3


def test_one_finding_per_secret_oldest_first_and_no_group(leakstop, repo):
    first = commit_file(repo, "a.py", stripe_line(STRIPE), "first")
    second = commit_file(repo, "b/copy.py", "# copied\n" + stripe_line(STRIPE), "second")
    commit_file(repo, "a.py", "x = 1\n" + stripe_line(STRIPE), "third")  # an edit: the key stays, not a new place
    [f] = findings(history(leakstop, repo.path))
    places = [(loc["commit"], loc["path"], loc["line"]) for loc in f["occurrences"]]
    assert places == [(first, "a.py", 1), (second, "b/copy.py", 2)]
    assert f["present_at_head"] is True
    ungrouped = findings(history(leakstop, repo.path, "--no-group"))
    assert len(ungrouped) == 3 and all(len(u["occurrences"]) == 1 for u in ungrouped)


def test_same_blob_in_two_commits_is_scanned_once_but_reported_at_both(leakstop, repo):
    one = commit_file(repo, "k.txt", stripe_line(STRIPE), "add")
    repo.git("rm", "-q", "k.txt")
    repo.commit("remove")
    two = commit_file(repo, "k.txt", stripe_line(STRIPE), "add again")
    result = history(leakstop, repo.path)
    [f] = findings(result)
    assert [loc["commit"] for loc in f["occurrences"]] == [one, two]
    assert result.json()["stats"]["blobs"] == 1


def test_same_blob_at_a_path_limited_rule_path_and_elsewhere(leakstop, repo):
    """The .pgpass rule reports the blob only where it is a .pgpass; the Stripe key in it at both paths."""
    text = "db.example.com:5432:app:admin:Tr0ub4dor-and-3\n" + stripe_line(STRIPE)
    repo.write(".pgpass", text)
    repo.write("notes.txt", text)
    both = repo.commit("add both")
    moved = commit_file(repo, "backup/.pgpass", text, "copy")
    by_rule = {f["rule_id"]: f for f in findings(history(leakstop, repo.path))}
    assert [(o["commit"], o["path"]) for o in by_rule["pgpass-password"]["occurrences"]] == [
        (both, ".pgpass"), (moved, "backup/.pgpass")]
    stripe = next(f for rule, f in by_rule.items() if rule.startswith("stripe"))
    assert sorted(o["path"] for o in stripe["occurrences"]) == [".pgpass", "backup/.pgpass", "notes.txt"]


def test_all_branches_by_default_and_branch_narrows(leakstop, repo):
    commit_file(repo, "a.txt", "a\n")
    repo.git("checkout", "-qb", "experiment")
    commit_file(repo, "exp.txt", stripe_line(STRIPE))
    repo.git("checkout", "-q", "main")
    assert [f["path"] for f in findings(history(leakstop, repo.path))] == ["exp.txt"]
    narrowed = history(leakstop, repo.path, "--branch", "main")
    assert narrowed.code == 0 and findings(narrowed) == []
    bad = leakstop("scan", "--history", repo.path, "--branch", "nope")
    assert bad.code == 2 and "nope" in bad.stderr


def test_merge_resolution_that_adds_a_secret(leakstop, repo):
    commit_file(repo, "c.txt", "base\n")
    repo.git("checkout", "-qb", "topic")
    commit_file(repo, "c.txt", "topic\n")
    repo.git("checkout", "-q", "main")
    commit_file(repo, "c.txt", "main\n")
    subprocess.run(["git", "merge", "-q", "topic"], cwd=repo.path, capture_output=True)
    merge = commit_file(repo, "c.txt", "main\n" + stripe_line(STRIPE), "merge")
    [f] = findings(history(leakstop, repo.path))
    assert f["commit"] == merge


def test_bare_clone_and_shallow_clone(leakstop, repo, tmp_path):
    commit_file(repo, "a.txt", stripe_line(STRIPE))
    commit_file(repo, "b.txt", f'token = "{GITHUB}"\n')
    bare = tmp_path / "bare.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(repo.path), str(bare)], check=True)
    assert len(findings(history(leakstop, bare))) == 2
    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo.path}", str(shallow)], check=True)
    result = history(leakstop, shallow)
    assert "shallow" in " ".join(result.json()["warnings"])
    assert len(findings(result)) == 2  # both files are in the one commit that exists


def test_empty_repository(leakstop, repo):
    result = history(leakstop, repo.path)
    assert result.code == 0, result.output
    assert result.json()["stats"]["commits"] == 0


def test_missing_object_fails_closed_naming_it(leakstop, repo):
    commit_file(repo, "a.txt", "nothing secret\n")
    blob = repo.git("rev-parse", "HEAD:a.txt").strip()
    os.remove(repo.path / ".git" / "objects" / blob[:2] / blob[2:])
    result = leakstop("scan", "--history", repo.path)
    assert result.code == 2 and blob in result.stderr and "Traceback" not in result.output


def test_corrupt_object_fails_closed_naming_it(leakstop, repo):
    commit_file(repo, "a.txt", "nothing secret\n")
    blob = repo.git("rev-parse", "HEAD:a.txt").strip()
    path = repo.path / ".git" / "objects" / blob[:2] / blob[2:]
    path.chmod(0o644)
    path.write_bytes(b"garbage")
    result = leakstop("scan", "--history", repo.path)
    assert result.code == 2 and blob in result.stderr and "Traceback" not in result.output


def test_large_blob_is_skipped_and_listed(leakstop, repo):
    commit_file(repo, "big.txt", stripe_line(STRIPE) + "a" * 200_000)
    result = history(leakstop, repo.path, "--max-file-size", "100k")
    assert result.code == 0
    [skip] = result.json()["skipped"]
    assert skip["path"].startswith("big.txt") and "max-file-size" in skip["reason"]
    text = leakstop("scan", "--history", repo.path, "--max-file-size", "100k", "--verbose")
    assert "big.txt" in text.stdout


def test_lfs_pointer_and_non_utf8_names_and_contents(leakstop, repo):
    commit_file(repo, "weights.bin", "version https://git-lfs.github.com/spec/v1\noid sha256:" + "b" * 64 + "\n")
    name = b"caf\xe9.txt".decode("utf-8", "surrogateescape")
    (repo.path / name).write_bytes(b"caf\xe9\n" + stripe_line(STRIPE).encode())
    repo.commit("latin-1")
    result = history(leakstop, repo.path)
    [f] = findings(result)
    assert (f["path"], f["line"]) == ("caf\\xe9.txt", 2)
    assert any("LFS pointer" in s["reason"] for s in result.json()["skipped"])


@pytest.mark.parametrize("prefilter", ["hyperscan", "aho-corasick"])
def test_hyperscan_and_portable_prefilters_agree(leakstop, repo, prefilter):
    commit_file(repo, "a.txt", stripe_line(STRIPE))
    commit_file(repo, "B.TXT", f'TOKEN = "{GITHUB}"\n')
    commit_file(repo, "c.txt", "nothing to see\n" * 50)
    result = history(leakstop, repo.path, env={"LEAKSTOP_PREFILTER": prefilter})
    assert sorted(f["rule_id"] for f in findings(result)) == ["github-pat-classic", "stripe-secret-key"]


def test_not_a_repository(leakstop, tmp_path):
    for mode in ("--history", "--staged"):
        result = leakstop("scan", mode, tmp_path)
        assert result.code == 2 and "not a git repository" in result.stderr and "Traceback" not in result.output


def test_git_missing(leakstop, repo, tmp_path):
    empty = tmp_path / "bin"
    empty.mkdir()
    result = leakstop("scan", "--history", repo.path, env={"PATH": str(empty)})
    assert result.code == 2 and "git is not installed" in result.stderr


def run_in_terminal(args: list[str]) -> str:
    """The CLI with stderr on a pseudo-terminal, as a person at a shell sees it."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "scanner", *args], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=follower, env=os.environ)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    proc.wait()
    os.close(leader)
    return b"".join(chunks).decode("utf-8", "replace")


def test_progress_only_on_a_terminal_and_not_with_quiet(leakstop, repo):
    commit_file(repo, "a.txt", "hello\n")
    assert "MB/s" in run_in_terminal(["scan", "--history", str(repo.path), "--format", "json"])
    assert "MB/s" not in run_in_terminal(["scan", "--history", str(repo.path), "--format", "json", "--quiet"])
    assert "MB/s" not in leakstop("scan", "--history", repo.path).stderr


def test_json_occurrences_round_trip(leakstop, repo):
    commit_file(repo, "a.txt", stripe_line(STRIPE))
    data = history(leakstop, repo.path).json()
    assert json.loads(json.dumps(data)) == data


def test_large_history_uses_worker_processes_and_finds_everything(leakstop, repo):
    """Past 16 MB the engine runs in worker processes; secrets late in the stream are still found and
    keep the commit that introduced them."""
    filler = "url = https://example.invalid/path\n" * 14_000  # ~500 KB that passes the keyword gate
    for i in range(40):
        repo.write(f"data/f{i}.txt", f"# file {i}\n" + filler)
    first = repo.commit("bulk")
    late = commit_file(repo, "data/f39.txt", f"# file 39\n{filler}{stripe_line(STRIPE)}", "late secret")
    result = history(leakstop, repo.path)
    assert result.json()["stats"]["bytes"] > 16 * 1024 * 1024
    [f] = findings(result, "stripe-secret-key")
    assert (f["commit"], f["line"]) == (late, 14_002)
    assert first != late


def test_submodule_commits_are_noted_and_worktree_scans_the_whole_repository(leakstop, repo, tmp_path):
    sub = tmp_path / "sub"
    sub.mkdir()
    subprocess.run(["git", "init", "-q", str(sub)], check=True)
    (sub / "s.txt").write_text("inside\n")
    subprocess.run(["git", "-C", str(sub), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(sub), "commit", "-qm", "s"], check=True)
    repo.git("-c", "protocol.file.allow=always", "submodule", "add", "-q", str(sub), "vendored")
    repo.commit("add submodule")
    commit_file(repo, "k.txt", stripe_line(STRIPE))
    other = tmp_path / "linked"
    repo.git("worktree", "add", "-q", "--detach", str(other), "HEAD~1")
    result = history(leakstop, other)
    assert [f["path"] for f in findings(result)] == ["k.txt"]
    assert any("submodule" in s["reason"] for s in result.json()["skipped"])


def test_configured_exclude_applies_to_history_and_staged(leakstop, repo):
    repo.write(".leakstop.yaml", "exclude: [vendor/]\n")
    commit_file(repo, "vendor/lib.py", stripe_line(STRIPE))
    commit_file(repo, "src/app.py", f'token = "{GITHUB}"\n')
    result = history(leakstop, repo.path)
    assert [f["path"] for f in findings(result)] == ["src/app.py"]
    repo.write("vendor/more.py", stripe_line(STRIPE.replace("5", "7")))
    repo.git("add", "-A")
    assert leakstop("scan", "--staged", repo.path).code == 0
