"""`scan --staged`: what the next commit adds, with the staged file's line numbers."""

from __future__ import annotations

import subprocess

from git_fixtures import findings, stripe_line
from secrets_fixtures import GITHUB, PRIVATE_KEY, STRIPE


def staged(leakstop, repo, *extra):
    return leakstop("scan", "--staged", repo.path, "--format", "json", *extra)


def test_first_commit_on_an_unborn_head(leakstop, repo):
    repo.write("app.py", "x = 1\n" + stripe_line(STRIPE))
    repo.git("add", "app.py")
    result = staged(leakstop, repo)
    assert result.code == 1, result.output
    [f] = findings(result, "stripe-secret-key")
    assert (f["path"], f["line"], f["column"]) == ("app.py", 2, 15)


def test_only_added_lines_are_reported_at_staged_line_numbers(leakstop, repo):
    repo.write("app.py", stripe_line(STRIPE) + "a\nb\n")
    repo.commit("old secret, already in history")
    repo.write("app.py", stripe_line(STRIPE) + "a\nb\n" + f'token = "{GITHUB}"\n')
    repo.git("add", "app.py")
    result = staged(leakstop, repo)
    assert [(f["rule_id"], f["line"]) for f in findings(result)] == [("github-pat-classic", 4)]


def test_clean_staged_change_exits_zero(leakstop, repo):
    repo.write("a.txt", "hello\n")
    repo.git("add", "a.txt")
    result = leakstop("scan", "--staged", repo.path)
    assert result.code == 0, result.output
    assert "No secrets found" in result.stdout


def test_partially_staged_file_scans_the_index_not_the_working_tree(leakstop, repo):
    repo.write("a.txt", "one\n")
    repo.commit()
    repo.write("a.txt", "one\n" + stripe_line(STRIPE))
    repo.git("add", "a.txt")
    repo.write("a.txt", "one\nsafe now\n")  # fixed in the working tree, but the index still holds the key
    assert staged(leakstop, repo).code == 1
    repo.git("add", "a.txt")
    repo.write("a.txt", "one\nsafe now\n" + f'token = "{GITHUB}"\n')  # unstaged secret: not committed
    assert staged(leakstop, repo).code == 0


def test_rename_does_not_report_old_content_but_does_report_new_lines(leakstop, repo):
    repo.write("old.py", stripe_line(STRIPE) + "".join(f"line {i}\n" for i in range(20)))
    repo.commit()
    repo.git("mv", "old.py", "new name.py")
    assert staged(leakstop, repo).code == 0
    with open(repo.path / "new name.py", "a") as fh:
        fh.write(f'token = "{GITHUB}"\n')
    repo.git("add", "-A")
    [f] = findings(staged(leakstop, repo))
    assert (f["path"], f["line"], f["rule_id"]) == ("new name.py", 22, "github-pat-classic")


def test_deletion_and_mode_change_add_nothing(leakstop, repo):
    repo.write("secret.txt", stripe_line(STRIPE))
    repo.write("tool.sh", stripe_line(STRIPE.replace("5", "6")))
    repo.commit()
    repo.git("rm", "-q", "secret.txt")
    repo.git("update-index", "--chmod=+x", "tool.sh")
    result = staged(leakstop, repo)
    assert result.code == 0 and findings(result) == []


def test_private_key_added_over_several_lines_is_one_finding(leakstop, repo):
    repo.write("notes.txt", "a\n")
    repo.commit()
    repo.write("notes.txt", "a\n" + PRIVATE_KEY)
    repo.git("add", "notes.txt")
    result = staged(leakstop, repo)
    keys = [f for f in findings(result) if f["rule_id"].startswith("private-key")]
    assert len(keys) == 1 and keys[0]["line"] == 2 and keys[0]["end_line"] == 7


def test_crlf_file(leakstop, repo):
    repo.write("win.txt", b"first\r\n" + stripe_line(STRIPE).replace("\n", "\r\n").encode())
    repo.git("add", "win.txt")
    [f] = findings(staged(leakstop, repo))
    assert (f["line"], f["column"]) == (2, 15)
    assert not f["preview"].endswith("\r")


def test_unusual_paths(leakstop, repo):
    names = ["with space.txt", "caf\u00e9/\u00fcber.txt", "tab\there.txt", "new\nline.txt", "quote\"d.txt"]
    for name in names:
        repo.write(name, stripe_line(STRIPE))
    repo.git("add", "-A")
    [f] = findings(staged(leakstop, repo))
    # a newline is shown as `\n` in every format: a name must not start a line of its own
    assert sorted(loc["path"] for loc in f["occurrences"]) == sorted(n.replace("\n", "\\n") for n in names)


def test_non_utf8_name_and_content(leakstop, repo):
    (repo.path / "caf\udce9.txt".encode("utf-8", "surrogateescape").decode("utf-8", "surrogateescape")
     ).write_bytes(b"caf\xe9 = 1\n" + stripe_line(STRIPE).encode())
    repo.git("add", "-A")
    [f] = findings(staged(leakstop, repo))
    assert f["path"] == "caf\\xe9.txt" and f["line"] == 2


def test_binary_is_skipped_but_utf16_text_is_scanned(leakstop, repo):
    repo.write("blob.bin", b"\x00\x01" + STRIPE.encode() + b"\x00")
    repo.write("wide.txt", b"\xff\xfe" + stripe_line(STRIPE).encode("utf-16-le"))
    repo.git("add", "-A")
    result = staged(leakstop, repo, "--verbose")
    [f] = findings(result)
    assert f["path"] == "wide.txt"
    assert {"path": "blob.bin", "reason": "binary", "error": False} in result.json()["skipped"]


def test_submodule_is_skipped_with_a_note(leakstop, repo, tmp_path):
    sub = tmp_path / "sub"
    sub.mkdir()
    subprocess.run(["git", "init", "-q", str(sub)], check=True)
    (sub / "s.txt").write_text(stripe_line(STRIPE))
    subprocess.run(["git", "-C", str(sub), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(sub), "commit", "-qm", "s"], check=True)
    repo.git("-c", "protocol.file.allow=always", "submodule", "add", "-q", str(sub), "vendored")
    result = staged(leakstop, repo)
    assert result.code == 0
    assert any(s["path"] == "vendored" and "submodule" in s["reason"] for s in result.json()["skipped"])


def test_merge_in_progress(leakstop, repo):
    repo.write("conf.txt", "base\n")
    repo.commit()
    repo.git("checkout", "-qb", "topic")
    repo.write("conf.txt", "topic\n")
    repo.commit()
    repo.git("checkout", "-q", "main")
    repo.write("conf.txt", "main\n")
    repo.commit()
    subprocess.run(["git", "merge", "-q", "topic"], cwd=repo.path, capture_output=True)
    conflicted = staged(leakstop, repo)
    assert conflicted.code == 0
    assert any("unmerged" in s["reason"] for s in conflicted.json()["skipped"])
    repo.write("conf.txt", "main\n" + stripe_line(STRIPE))  # the resolution brings a secret in
    repo.git("add", "conf.txt")
    [f] = findings(staged(leakstop, repo))
    assert (f["path"], f["line"]) == ("conf.txt", 2)


def test_linked_worktree(leakstop, repo, tmp_path):
    repo.write("a.txt", "a\n")
    repo.commit()
    other = tmp_path / "other"
    repo.git("worktree", "add", "-q", str(other))
    (other / "b.txt").write_text(stripe_line(STRIPE))
    subprocess.run(["git", "-C", str(other), "add", "b.txt"], check=True)
    assert staged(leakstop, repo).code == 0
    result = leakstop("scan", "--staged", other, "--format", "json")
    assert [f["path"] for f in findings(result)] == ["b.txt"]


def test_lfs_pointer_is_scanned_as_text_and_noted(leakstop, repo):
    repo.write("model.bin", "version https://git-lfs.github.com/spec/v1\noid sha256:" + "a" * 64 + "\nsize 12\n")
    repo.git("add", "-A")
    result = staged(leakstop, repo, "--verbose")
    assert result.code == 0
    assert any("LFS pointer" in s["reason"] for s in result.json()["skipped"])


def test_hook_environment_variables_do_not_redirect_the_scan(leakstop, repo, tmp_path):
    repo.write("a.txt", stripe_line(STRIPE))
    repo.git("add", "a.txt")
    result = leakstop("scan", "--staged", repo.path, env={"GIT_INDEX_FILE": str(tmp_path / "nope"),
                                                          "GIT_DIR": str(tmp_path)})
    assert result.code == 1, result.output


def test_default_repository_is_the_current_folder(leakstop, repo):
    repo.write("a.txt", stripe_line(STRIPE))
    repo.git("add", "a.txt")
    assert leakstop("scan", "--staged", cwd=repo.path).code == 1
