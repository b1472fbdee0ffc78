"""Archives in the git modes: a zip or jar staged (or committed in a pushed range) with a key inside is
looked into, as the tree and history scans do."""

from __future__ import annotations

import io
import zipfile

from git_fixtures import commit_file, findings
from secrets_fixtures import GITHUB


def sdk_jar(nested: bool = False) -> bytes:
    """A vendored SDK: class files, a manifest, and a properties file holding a token."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as jar:
        jar.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\nCreated-By: 17.0.2\n")
        jar.writestr("com/acme/sdk/Client.class", bytes(range(256)) * 4)
        jar.writestr("config/app.properties", f"acme.endpoint=https://api.acme.test\ngithub.token={GITHUB}\n")
    if not nested:
        return buffer.getvalue()
    outer = io.BytesIO()
    with zipfile.ZipFile(outer, "w") as bundle:
        bundle.writestr("lib/sdk.jar", buffer.getvalue())
    return outer.getvalue()


def test_a_staged_jar_with_a_key_inside_is_blocked(leakstop, repo):
    commit_file(repo, "README.md", "app\n", "start")
    repo.write("libs/acme-sdk.jar", sdk_jar())
    repo.git("add", "libs/acme-sdk.jar")
    result = leakstop("scan", "--staged", repo.path, "--format", "json")
    assert result.code == 1, result.output
    [finding] = findings(result, "github-pat-classic")
    assert (finding["path"], finding["line"]) == ("libs/acme-sdk.jar!config/app.properties", 2)


def test_a_zip_in_a_pushed_range_is_looked_into_down_to_a_nested_jar(leakstop, repo):
    base = commit_file(repo, "README.md", "app\n", "start")
    added = commit_file(repo, "vendor/bundle.zip", sdk_jar(nested=True), "vendor the sdk")
    result = leakstop("scan", "--range", f"{base}..HEAD", repo.path, "--format", "json")
    assert result.code == 1, result.output
    [finding] = findings(result, "github-pat-classic")
    assert finding["path"] == "vendor/bundle.zip!lib/sdk.jar!config/app.properties"
    assert finding["commit"] == added


def test_a_binary_merely_named_like_an_archive_stays_a_binary_skip(leakstop, repo):
    commit_file(repo, "README.md", "app\n", "start")
    repo.write("fake.zip", b"\0\1\2not a zip at all\0" * 20)
    repo.git("add", "fake.zip")
    result = leakstop("scan", "--staged", repo.path, "--format", "json")
    assert result.code == 0 and {"path": "fake.zip", "reason": "binary", "error": False} in result.json()["skipped"]
