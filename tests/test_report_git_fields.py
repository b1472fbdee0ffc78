"""Git findings say which commit in words people know: its subject, its author's email, whether the secret is
still at HEAD, and a link to the commit on GitHub or GitLab."""

from __future__ import annotations

import json

from git_fixtures import commit_file
from secrets_fixtures import STRIPE


def leaky_history(repo, remote: str | None) -> str:  # type: ignore[no-untyped-def]
    if remote is not None:
        repo.git("remote", "add", "origin", remote)
    return commit_file(repo, "billing.py", f'STRIPE_SECRET_KEY = "{STRIPE}"\n', "Add billing settings")


def test_json_and_text_carry_subject_email_and_link(leakstop, repo):
    sha = leaky_history(repo, "https://octo:tok3nvalue9@github.com/octo/shop.git")
    result = leakstop("scan", "--history", repo.path, "-f", "json")
    finding = result.json()["findings"][0]
    assert finding["subject"] == "Add billing settings"
    assert finding["email"] == "ada@example.invalid"
    assert finding["present_at_head"] is True
    assert finding["commit_url"] == f"https://github.com/octo/shop/commit/{sha}"
    assert "tok3nvalue9" not in result.output
    text = leakstop("scan", "--history", repo.path).stdout
    assert f'in commit {sha[:12]} "Add billing settings" by Ada Tester <ada@example.invalid>' in text


def test_sarif_carries_present_at_head_and_the_gitlab_link(leakstop, repo, tmp_path):
    sha = leaky_history(repo, "git@gitlab.com:octo/shop.git")
    commit_file(repo, "billing.py", "STRIPE_SECRET_KEY = read_from_vault()\n", "Read the key from the vault")
    leakstop("scan", "--history", repo.path, "-o", tmp_path / "r.sarif")
    properties = json.loads((tmp_path / "r.sarif").read_text())["runs"][0]["results"][0]["properties"]
    assert properties["presentAtHead"] is False
    assert properties["commitUrl"] == f"https://gitlab.com/octo/shop/-/commit/{sha}"
    assert properties["commitSubject"] == "Add billing settings"
    assert properties["authorEmail"] == "ada@example.invalid"


def test_range_scans_carry_the_subject_and_no_link_without_a_known_forge(leakstop, repo):
    base = commit_file(repo, "README.md", "shop\n", "Start")
    leaky_history(repo, "https://git.example.invalid/octo/shop.git")
    finding = leakstop("scan", "--since-commit", base, repo.path, "-f", "json").json()["findings"][0]
    assert finding["subject"] == "Add billing settings"
    assert "commit_url" not in finding


def test_streamed_lines_carry_the_link_too(leakstop, repo):
    sha = leaky_history(repo, "https://github.com/octo/shop")
    [line] = leakstop("scan", "--history", repo.path, "-f", "jsonl").stdout.splitlines()
    assert json.loads(line)["commit_url"] == f"https://github.com/octo/shop/commit/{sha}"


def test_a_secret_pasted_into_the_commit_subject_is_redacted_there_too(leakstop, repo, tmp_path):
    commit_file(repo, "billing.py", f'STRIPE_SECRET_KEY = "{STRIPE}"\n', f"Use the live key {STRIPE}")
    for fmt in ("text", "json", "jsonl", "sarif", "junit"):
        result = leakstop("scan", "--history", repo.path, "-f", fmt)
        assert result.code == 1, result.output
        assert STRIPE not in result.output, fmt
        assert "Use the live key sk_" in result.output, fmt
    shown = leakstop("scan", "--history", repo.path, "-f", "json", "--show-secrets").json()
    assert shown["findings"][0]["subject"] == f"Use the live key {STRIPE}"


def test_a_commit_subject_naming_another_findings_secret_is_redacted_in_every_finding(leakstop, repo):
    from secrets_fixtures import GITHUB

    repo.write("billing.py", f'STRIPE_SECRET_KEY = "{STRIPE}"\n')
    repo.write("ci.env", f"GITHUB_TOKEN={GITHUB}\n")
    repo.commit(f"Rotate keys: billing uses {STRIPE}, CI uses {GITHUB}")
    for fmt in ("text", "json", "sarif"):
        result = leakstop("scan", "--history", repo.path, "-f", fmt)
        assert result.code == 1, result.output
        assert STRIPE not in result.output and GITHUB not in result.output, fmt
