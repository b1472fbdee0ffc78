"""--max-archive-depth: how deep archives inside archives are opened, in every mode (default 2)."""

from __future__ import annotations

import io
import zipfile

import pytest
from git_fixtures import commit_file, findings
from secrets_fixtures import GITHUB


def zipped(name: str, data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, data)
    return buffer.getvalue()


# a release bundle holding a plugin archive holding a jar holding a properties file with a token
BUNDLE = zipped("plugins/sync.zip", zipped("lib/client.jar",
                                           zipped("client.properties", f"github.token={GITHUB}\n".encode())))
INNER = "release.zip!plugins/sync.zip!lib/client.jar!client.properties"


def test_the_default_depth_stops_before_the_third_level_and_says_so(leakstop, tmp_path):
    (tmp_path / "release.zip").write_bytes(BUNDLE)
    result = leakstop("scan", "--no-git", tmp_path, "--format", "json")
    assert result.code == 0 and findings(result) == [], result.output
    assert any("nested deeper than the limit (2 levels)" in w for w in result.json()["warnings"])


@pytest.mark.parametrize("mode", ["tree", "staged", "range", "history"])
def test_a_deeper_limit_finds_the_token_in_every_mode(leakstop, repo, mode):
    base = commit_file(repo, "README.md", "app\n", "start")
    repo.write("release.zip", BUNDLE)
    repo.git("add", "release.zip")
    if mode != "staged":
        repo.commit("release")
    args = {"tree": [repo.path], "staged": ["--staged", repo.path], "range": ["--range", f"{base}..HEAD", repo.path],
            "history": ["--history", repo.path]}[mode]
    result = leakstop("scan", *args, "--max-archive-depth", "3", "--format", "json")
    assert result.code == 1, result.output
    assert [f["path"] for f in findings(result, "github-pat-classic")] == [INNER]


def test_depth_zero_does_not_open_archives(leakstop, tmp_path):
    (tmp_path / "release.zip").write_bytes(zipped("app.properties", f"github.token={GITHUB}\n".encode()))
    opened = leakstop("scan", "--no-git", tmp_path, "--format", "json")
    assert opened.code == 1, opened.output
    closed = leakstop("scan", "--no-git", tmp_path, "--max-archive-depth", "0", "--format", "json")
    assert closed.code == 0 and closed.json()["skipped"] == [
        {"path": "release.zip", "reason": "archive not opened (--max-archive-depth 0)", "error": False}]
