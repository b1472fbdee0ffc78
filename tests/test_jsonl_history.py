"""A history scan's JSON Lines records carry what its JSON findings carry: where each secret left its paths,
which refs reach it and how long it was exposed (known once the whole history is scanned)."""

from __future__ import annotations

import json

from git_fixtures import commit_file
from secrets_fixtures import GITHUB, STRIPE


def leaked_and_removed(repo) -> None:  # type: ignore[no-untyped-def]
    """Two secrets on two branches; one removed later (its exposure has an end), one still at HEAD."""
    commit_file(repo, "deploy/ci.yml", f'  GITHUB_TOKEN: "{GITHUB}"\n', "Add the CI token")
    commit_file(repo, "deploy/ci.yml", "  GITHUB_TOKEN: ${{ secrets.CI_TOKEN }}\n", "Read the token from secrets")
    repo.git("tag", "v1.0")
    repo.git("checkout", "-q", "-b", "billing")
    commit_file(repo, "shop/billing.py", f'STRIPE_SECRET_KEY = "{STRIPE}"\n', "Add billing settings")
    repo.git("checkout", "-q", "main")


def without_scan_time(finding: dict) -> dict:  # type: ignore[type-arg]
    """A secret still held somewhere is exposed 'up to the scan': two scans differ there by their time."""
    return {k: v for k, v in finding.items() if not (k == "exposed_for" and not finding.get("exposed_until"))}


def test_jsonl_records_carry_the_same_fields_as_json_findings(leakstop, repo):
    leaked_and_removed(repo)
    as_json = leakstop("scan", "--history", repo.path, "-f", "json")
    assert as_json.code == 1, as_json.output
    as_jsonl = leakstop("scan", "--history", repo.path, "-f", "jsonl")
    assert as_jsonl.code == 1, as_jsonl.output
    expected = as_json.json()["findings"]
    lines = [json.loads(line) for line in as_jsonl.stdout.splitlines()]
    assert [sorted(line) for line in lines] == [sorted(f) for f in expected]
    assert [without_scan_time(line) for line in lines] == [without_scan_time(f) for f in expected]
    removed = next(line for line in lines if line["path"] == "deploy/ci.yml")
    assert removed["occurrences"][0]["left_commit"], "where the secret left its path"
    assert removed["reachable_from"] == ["billing", "main", "v1.0"]
    assert removed["exposed_until"] and removed["exposed_for"] >= 0
    still = next(line for line in lines if line["path"] == "shop/billing.py")
    assert still["reachable_from"] == ["billing"] and still["exposed_until"] == ""


def test_jsonl_written_to_a_file_and_to_stdout_agree(leakstop, repo, tmp_path):
    leaked_and_removed(repo)
    streamed = leakstop("scan", "--history", repo.path, "-f", "jsonl", "-o", "-", "-o", tmp_path / "r.jsonl")
    assert streamed.code == 1, streamed.output
    on_stdout = [without_scan_time(json.loads(line)) for line in streamed.stdout.splitlines()]
    in_file = [without_scan_time(json.loads(line)) for line in (tmp_path / "r.jsonl").read_text().splitlines()]
    assert on_stdout == in_file and len(on_stdout) == 2
