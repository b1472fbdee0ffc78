"""Baselines through the CLI: create, scan against, update, import from detect-secrets and gitleaks."""

from __future__ import annotations

import hashlib
import json

import pytest
from config_fixtures import GITHUB, STRIPE, github_token, leakstop_anywhere
from test_bad_input import assert_one_line_error

BASELINE = ".leakstop-baseline.json"


@pytest.fixture
def leakstop():
    return leakstop_anywhere


def sha1(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()


@pytest.fixture
def old_repo(repo):
    repo.write("app/settings.py", f'STRIPE = "{STRIPE}"\n')
    repo.write("deploy/ci.sh", f'export GH="{GITHUB}"\n')
    repo.commit("years of history")
    return repo


def test_baseline_then_a_new_secret_reports_only_the_new_one(leakstop, old_repo):
    created = leakstop("baseline", "create", cwd=old_repo.path)
    assert created.code == 0, created.output
    assert leakstop("scan", ".", "--baseline", BASELINE, cwd=old_repo.path).code == 0
    old_repo.write("app/new.py", f'TOKEN = "{github_token(4)}"\n')
    result = leakstop("scan", ".", "--baseline", BASELINE, "--format", "json", "--show-suppressed",
                      cwd=old_repo.path)
    assert result.code == 1
    assert [f["path"] for f in result.json()["findings"]] == ["app/new.py"]
    assert {s["suppressed_by"] for s in result.json()["suppressed"]} == {f"baseline: {BASELINE}"}


def test_baseline_file_holds_no_secret_no_lines_and_is_stable(leakstop, old_repo):
    leakstop("baseline", "create", cwd=old_repo.path)
    first = (old_repo.path / BASELINE).read_text()
    old_repo.write("app/settings.py", f'# moved down\n\n\nSTRIPE = "{STRIPE}"\n')
    leakstop("baseline", "create", cwd=old_repo.path)
    assert (old_repo.path / BASELINE).read_text() == first
    assert STRIPE not in first and GITHUB not in first and STRIPE[:12] not in first
    data = json.loads(first)
    assert data["version"] == 1 and data["entries"] == sorted(data["entries"]) and len(data["entries"]) == 2
    entry_lines = [line for line in first.splitlines() if "ls1:" in line]
    assert len(entry_lines) == 2  # one entry per line


def test_baseline_update_prunes_secrets_that_are_gone(leakstop, old_repo):
    leakstop("baseline", "create", "-o", "base.json", cwd=old_repo.path)
    old_repo.write("deploy/ci.sh", 'export GH="$GH_TOKEN"\n')
    updated = leakstop("baseline", "update", "-b", "base.json", cwd=old_repo.path)
    assert updated.code == 0 and "1 entry pruned, 1 kept" in updated.stderr
    old_repo.write("deploy/ci.sh", f'export GH="{GITHUB}"\n')
    result = leakstop("scan", ".", "--baseline", "base.json", "--format", "json", cwd=old_repo.path)
    assert result.code == 1 and [f["path"] for f in result.json()["findings"]] == ["deploy/ci.sh"]


def test_baseline_create_honours_config_and_ignores(leakstop, old_repo):
    old_repo.write(".leakstop.yaml", "exclude: [deploy/]\n")
    leakstop("baseline", "create", cwd=old_repo.path)
    assert len(json.loads((old_repo.path / BASELINE).read_text())["entries"]) == 1


def entries_in(path) -> list[str]:
    return json.loads(path.read_text())["entries"]


def test_baseline_create_writes_the_file_the_configuration_names(leakstop, old_repo):
    """Relative to the configuration file, not to where the command runs; -b still wins."""
    (old_repo.path / "ci").mkdir()
    old_repo.write(".leakstop.yaml", "baseline: ci/known-secrets.json\n")
    created = leakstop("baseline", "create", "..", cwd=old_repo.path / "app")
    assert created.code == 0, created.output
    configured = old_repo.path / "ci" / "known-secrets.json"
    assert len(entries_in(configured)) == 2 and str(configured) in created.stderr
    assert not (old_repo.path / BASELINE).exists() and not (old_repo.path / "app" / BASELINE).exists()
    assert leakstop("scan", ".", cwd=old_repo.path).code == 0  # the scan reads the file create wrote
    assert leakstop("baseline", "create", "-b", "elsewhere.json", cwd=old_repo.path).code == 0
    assert len(entries_in(old_repo.path / "elsewhere.json")) == 2


def test_baseline_update_prunes_the_file_the_configuration_names(leakstop, old_repo):
    (old_repo.path / "ci").mkdir()
    old_repo.write("ci/leakstop.yaml", "baseline: known-secrets.json\n")
    configured = old_repo.path / "ci" / "known-secrets.json"
    assert leakstop("baseline", "create", "--config", "ci/leakstop.yaml", cwd=old_repo.path).code == 0
    old_repo.write("deploy/ci.sh", 'export GH="$GH_TOKEN"\n')
    updated = leakstop("baseline", "update", "--config", "ci/leakstop.yaml", cwd=old_repo.path)
    assert updated.code == 0, updated.output
    assert f"{configured}: 1 entry pruned, 1 kept" in updated.stderr
    assert len(entries_in(configured)) == 1 and not (old_repo.path / BASELINE).exists()


def test_import_detect_secrets_baseline(leakstop, old_repo):
    detect = {
        "version": "1.5.0", "plugins_used": [], "filters_used": [],
        "results": {
            "app/settings.py": [{"type": "Secret Keyword", "filename": "app/settings.py",
                                 "hashed_secret": sha1(STRIPE), "is_verified": False, "line_number": 1}],
            "old.py": [{"type": "Secret Keyword", "filename": "old.py", "hashed_secret": sha1("gone"),
                        "is_verified": False, "line_number": 9}],
        },
        "generated_at": "2024-01-01T00:00:00Z",
    }
    old_repo.write(".secrets.baseline", json.dumps(detect, indent=2))
    imported = leakstop("baseline", "import", "--from", "detect-secrets", ".secrets.baseline", cwd=old_repo.path)
    assert imported.code == 0, imported.output
    text = (old_repo.path / BASELINE).read_text()
    assert f"sha1:{sha1(STRIPE)}" in text and "line_number" not in text and "2024" not in text
    result = leakstop("scan", ".", "--baseline", BASELINE, "--format", "json", cwd=old_repo.path)
    assert result.code == 1
    assert [f["path"] for f in result.json()["findings"]] == ["deploy/ci.sh"]
    pruned = leakstop("baseline", "update", cwd=old_repo.path)
    assert "1 entry pruned, 1 kept" in pruned.stderr


def test_import_gitleaks_report_converts_plaintext_and_warns_about_redacted(leakstop, old_repo):
    report = [
        {"RuleID": "github-pat", "Secret": GITHUB, "File": "deploy/ci.sh", "StartLine": 1,
         "Fingerprint": "abc123:deploy/ci.sh:github-pat:1"},
        {"RuleID": "stripe-access-token", "Secret": "REDACTED", "File": "app/settings.py", "StartLine": 1,
         "Fingerprint": "abc123:app/settings.py:stripe-access-token:1"},
    ]
    old_repo.write("gitleaks.json", json.dumps(report))
    imported = leakstop("baseline", "import", "--from", "gitleaks", "gitleaks.json", "-o", "b.json",
                        cwd=old_repo.path)
    assert imported.code == 0
    assert "1 finding(s) have a redacted Secret" in imported.stderr
    assert "abc123:app/settings.py:stripe-access-token:1" in imported.stderr
    text = (old_repo.path / "b.json").read_text()
    assert GITHUB not in text and f"sha1:{sha1(GITHUB)}" in text
    result = leakstop("scan", ".", "--baseline", "b.json", "--format", "json", cwd=old_repo.path)
    assert [f["path"] for f in result.json()["findings"]] == ["app/settings.py"]


def test_import_merges_into_an_existing_baseline(leakstop, old_repo):
    leakstop("baseline", "create", cwd=old_repo.path)
    old_repo.write("g.json", json.dumps([{"Secret": "s3cr3t-value-xyz", "Fingerprint": "x"}]))
    leakstop("baseline", "import", "--from", "gitleaks", "g.json", cwd=old_repo.path)
    assert len(json.loads((old_repo.path / BASELINE).read_text())["entries"]) == 3


@pytest.mark.parametrize("text,needles", [
    ('{"format": "leakstop-baseline", "version": 1, "entries": [\n  "ls1:abc",\n]}', ["b.json:3", "invalid JSON"]),
    ('{"format": "leakstop-baseline", "version": 1, "entries": [\n  "ls1:abc"\n]}', ["b.json:2", '"ls1:abc"']),
    ('{"format": "leakstop-baseline", "version": 7, "entries": []}', ["b.json", "version 7 is newer"]),
    ('{"version": 1, "entries": []}', ["b.json:1", "not a leakstop baseline"]),
    ('{"format": "leakstop-baseline", "version": 1, "entries": {}}', ["b.json", "entries"]),
    ("", ["b.json:1", "invalid JSON"]),
])
def test_corrupt_baseline_is_a_one_line_error(leakstop, old_repo, text, needles):
    old_repo.write("b.json", text)
    assert_one_line_error(leakstop("scan", ".", "--baseline", "b.json", cwd=old_repo.path), *needles)
    assert_one_line_error(leakstop("baseline", "update", "-b", "b.json", cwd=old_repo.path), *needles)


@pytest.mark.parametrize("tool,text,needle", [
    ("detect-secrets", '{"results": {"a.py": [{"type": "x"}]}}', "no valid hashed_secret"),
    ("detect-secrets", "[]", "not a detect-secrets baseline"),
    ("gitleaks", '{"results": {}}', "not a gitleaks JSON report"),
    ("gitleaks", "{oops", "invalid JSON"),
])
def test_bad_import_is_a_one_line_error(leakstop, old_repo, tool, text, needle):
    old_repo.write("in.json", text)
    assert_one_line_error(leakstop("baseline", "import", "--from", tool, "in.json", cwd=old_repo.path), needle)
    assert not (old_repo.path / BASELINE).exists()


def test_missing_baseline_file(leakstop, old_repo):
    assert_one_line_error(leakstop("scan", ".", "--baseline", "nope.json", cwd=old_repo.path), "nope.json")


def test_baseline_create_from_history_covers_deleted_secrets(leakstop, old_repo):
    old_repo.write("deploy/ci.sh", 'export GH="$GH_TOKEN"\n')
    old_repo.commit("remove the token from the tree")
    created = leakstop("baseline", "create", "--history", cwd=old_repo.path)
    assert created.code == 0, created.output
    assert len(json.loads((old_repo.path / BASELINE).read_text())["entries"]) == 2
    assert leakstop("scan", "--history", "--baseline", BASELINE, cwd=old_repo.path).code == 0
    old_repo.write("new.py", f'T = "{github_token(5)}"\n')
    old_repo.commit("a new leak")
    result = leakstop("scan", "--history", "--baseline", BASELINE, "--format", "json", cwd=old_repo.path)
    assert result.code == 1 and [f["path"] for f in result.json()["findings"]] == ["new.py"]
