"""A tree scan inside git scans checked-out submodules, and names the ones it cannot read."""

from __future__ import annotations

from conftest import Repo, git
from git_fixtures import commit_file, findings
from secrets_fixtures import GITHUB


def with_submodule(repo: Repo, tmp_path) -> None:
    sub = Repo(tmp_path / "vendor-lib")
    sub.path.mkdir()
    sub.git("init", "-q")
    commit_file(sub, "config/token.txt", f'token = "{GITHUB}"\n', "token")
    commit_file(repo, "README.md", "hello\n", "start")
    repo.git("-c", "protocol.file.allow=always", "submodule", "add", "-q", str(sub.path), "vendor/lib")
    repo.commit("add the submodule")


def test_a_checked_out_submodule_is_scanned(leakstop, repo, tmp_path):
    with_submodule(repo, tmp_path)
    result = leakstop("scan", repo.path, "--format", "json")
    assert result.code == 1, result.output
    assert [f["path"] for f in findings(result)] == ["vendor/lib/config/token.txt"]


def test_a_submodule_not_checked_out_is_named(leakstop, repo, tmp_path):
    with_submodule(repo, tmp_path)
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(repo.path), str(clone))
    result = leakstop("scan", clone, "--format", "json")
    assert result.code == 0, result.output
    assert any(s["path"] == "vendor/lib" and "not checked out" in s["reason"] for s in result.json()["skipped"])
