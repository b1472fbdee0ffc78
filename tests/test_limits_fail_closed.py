"""Every limit that stops work leaves a visible note, and in hook and CI modes a limit that leaves content
unscanned fails the scan (exit 2) unless --allow-partial says a partial scan is acceptable."""

from __future__ import annotations

import random

import pytest
from decode_fixtures import b64
from git_fixtures import commit_file, findings
from secrets_fixtures import GITHUB

from scanner.engine.decode import MAX_RUNS_PER_FRAGMENT

VALUES = 600


def setting(rng: random.Random, i: int) -> str:
    region = rng.choice(["eu-west-1", "us-east-2", "ap-south-1"])
    return f"shard {i} serves {region} with {rng.randint(2, 64)} replicas and cache ttl {rng.randint(30, 900)}s"


def rendered_bundle() -> str:
    """`helm template` output: 600 manifests, each carrying one base64 value (ConfigMaps' binaryData, which
    no Secret rule reads and which decode to plain settings); the 560th value is a GitHub token."""
    rng = random.Random(16)
    docs = []
    for i in range(VALUES):
        value = GITHUB if i == 560 else setting(rng, i)
        docs.append(f"---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: svc-{i:03d}-settings\n"
                    f"  namespace: shop\nbinaryData:\n  settings.txt: {b64(value)}\n")
    return "".join(docs)


def test_a_tree_scan_names_the_decoding_cap(leakstop, tmp_path):
    assert VALUES > MAX_RUNS_PER_FRAGMENT
    (tmp_path / "bundle.yaml").write_text(rendered_bundle(), encoding="utf-8")
    result = leakstop("scan", "--no-git", tmp_path, "--format", "json")
    assert result.code == 0, result.output
    report = result.json()
    assert report["partial"] is True
    [note] = [s for s in report["skipped"] if s.get("limit")]
    assert note["path"] == "bundle.yaml" and "decoding stopped at line" in note["reason"]
    assert any(w.startswith("not scanned in full: bundle.yaml: decoding stopped") for w in report["warnings"])
    assert "warning: not scanned in full: bundle.yaml" in result.stderr
    text = leakstop("scan", "--no-git", tmp_path)
    assert "warning: not scanned in full: bundle.yaml: decoding stopped at line" in text.stdout


def test_sarif_carries_the_note(leakstop, tmp_path):
    (tmp_path / "bundle.yaml").write_text(rendered_bundle(), encoding="utf-8")
    run = leakstop("scan", "--no-git", tmp_path, "--format", "sarif").json()["runs"][0]
    notes = [n["message"]["text"] for n in run["invocations"][0]["toolExecutionNotifications"]]
    assert any("not scanned in full: bundle.yaml" in n for n in notes)
    assert run["properties"]["partial"] is True


@pytest.fixture
def staged_bundle(repo):
    commit_file(repo, "README.md", "shop\n", "start")
    repo.write("deploy/rendered.yaml", rendered_bundle())
    repo.git("add", "deploy/rendered.yaml")
    return repo


def test_a_staged_scan_fails_closed_on_the_cap(leakstop, staged_bundle):
    result = leakstop("scan", "--staged", staged_bundle.path)
    assert result.code == 2, result.output
    [line] = [line for line in result.stdout.splitlines() if line.startswith("error:")]
    assert "deploy/rendered.yaml: decoding stopped" in line and "--allow-partial" in line


def test_allow_partial_exits_per_findings(leakstop, staged_bundle):
    result = leakstop("scan", "--staged", staged_bundle.path, "--allow-partial", "--format", "json")
    assert result.code == 0, result.output
    assert result.json()["errors"] == [] and result.json()["partial"] is True
    staged_bundle.write("app.env", f"GITHUB_TOKEN={GITHUB}\n")
    staged_bundle.git("add", "app.env")
    result = leakstop("scan", "--staged", staged_bundle.path, "--allow-partial", "--format", "json")
    assert result.code == 1 and [f["path"] for f in findings(result)] == ["app.env"], result.output


def test_a_tree_scan_in_ci_fails_closed_on_the_size_limit(leakstop, tmp_path):
    (tmp_path / "dump.sql").write_text("-- rows\n" * 20_000, encoding="utf-8")
    on_a_laptop = leakstop("scan", "--no-git", tmp_path, "--max-file-size", "100k")
    assert on_a_laptop.code == 0, on_a_laptop.output
    assert "warning: not scanned in full: dump.sql: larger than --max-file-size" in on_a_laptop.stdout
    in_ci = leakstop("scan", "--no-git", tmp_path, "--max-file-size", "100k", env={"CI": "true"})
    assert in_ci.code == 2 and "--allow-partial" in in_ci.stdout, in_ci.output
    accepted = leakstop("scan", "--no-git", tmp_path, "--max-file-size", "100k", "--allow-partial",
                        env={"CI": "true"})
    assert accepted.code == 0, accepted.output


def test_an_archive_limit_is_a_note_and_fails_closed_in_ci(leakstop, repo):
    import io
    import zipfile

    def zipped(name: str, data: bytes) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr(name, data)
        return buffer.getvalue()

    commit_file(repo, "vendor/deep.zip", zipped("a.zip", zipped("b.zip", zipped("c.txt", b"hello\n"))), "vendor")
    tree = leakstop("scan", repo.path, "--format", "json")
    assert tree.code == 0 and tree.json()["partial"] is True, tree.output
    assert any("deep.zip!a.zip!b.zip: archive nested deeper" in w for w in tree.json()["warnings"])
    in_ci = leakstop("scan", repo.path, env={"GITHUB_ACTIONS": "true"})
    assert in_ci.code == 2 and "--allow-partial" in in_ci.stdout, in_ci.output


def test_a_long_encoded_text_is_decoded_and_a_long_encoded_image_is_not(leakstop, tmp_path):
    """A base64 config file over 64 KB (the length past which runs were dropped as embedded files) is
    decoded; an embedded binary file of that length is neither decoded nor a note."""
    rng = random.Random(20)
    config = "".join(f"{setting(rng, i)}\n" for i in range(1200)) + f"github_token: {GITHUB}\n"
    assert len(b64(config)) > 64 * 1024
    image = bytes(rng.randrange(256) for _ in range(80_000))
    import base64

    (tmp_path / "values.yaml").write_text(f"appConfig: {b64(config)}\n", encoding="utf-8")
    (tmp_path / "logo.css").write_text(f".logo {{ background: url(data:image/png;base64,"
                                       f"{base64.b64encode(image).decode()}) }}\n", encoding="utf-8")
    result = leakstop("scan", "--no-git", tmp_path, "--format", "json")
    assert result.code == 1, result.output
    assert [(f["path"], f.get("decoded")) for f in findings(result, "github-pat-classic")] == [
        ("values.yaml", "base64")]
    assert result.json()["partial"] is False and result.json()["warnings"] == []


def test_a_binary_file_over_the_size_limit_is_no_limit_hit(leakstop, tmp_path):
    """Binary files are not scanned at any size, so one over the size limit leaves nothing unscanned: a
    12 MB video in the tree must not fail every CI scan."""
    rng = random.Random(12)
    (tmp_path / "intro.mp4").write_bytes(bytes(rng.randrange(256) for _ in range(200_000)))
    result = leakstop("scan", "--no-git", tmp_path, "--max-file-size", "100k", "--format", "json",
                      env={"CI": "true"})
    assert result.code == 0, result.output
    assert result.json()["partial"] is False
    assert result.json()["skipped"][0]["reason"].startswith("binary (and larger than --max-file-size")


def test_history_tells_an_oversized_binary_blob_from_an_oversized_text_blob(leakstop, repo):
    rng = random.Random(7)
    commit_file(repo, "media/intro.mp4", bytes(rng.randrange(256) for _ in range(200_000)), "video")
    commit_file(repo, "db/dump.sql", "INSERT INTO t VALUES (1);\n" * 8_000, "dump")
    result = leakstop("scan", "--history", repo.path, "--max-file-size", "100k", "--format", "json")
    reasons = {s["path"].split(" ")[0]: (s["reason"].split(" (")[0], s.get("limit", False))
               for s in result.json()["skipped"]}
    assert reasons == {"media/intro.mp4": ("binary", False), "db/dump.sql": ("larger than --max-file-size", True)}
    in_ci = leakstop("scan", "--history", repo.path, "--max-file-size", "100k", env={"CI": "true"})
    [error] = [line for line in in_ci.stdout.splitlines() if line.startswith("error:")]
    assert in_ci.code == 2 and "db/dump.sql" in error and "intro.mp4" not in error
