"""Generic matches in tests and docs are looked at, not skipped: confidence `fixture`, counted, listed on request."""

from __future__ import annotations

import secrets
import string

from conftest import Repo
from git_fixtures import findings


def _token(n: int = 0) -> str:
    """Fixed made-up values (a random one fails the generic rule's randomness checks now and then)."""
    return ("Zq8mW2vk4T9xR7bN1cQp", "Hv3nR8tLq2Wx9cK4mZb7")[n]


def test_a_generic_key_only_in_tests_is_counted_not_reported(repo: Repo, leakstop) -> None:
    repo.write("tests/test_client.py", f'api_key = "{_token()}"\n')
    repo.write("docs/setup.md", f'DB_PASSWORD={_token(1)}!\n')
    shown = leakstop("scan", repo.path)
    assert shown.code == 0, shown.output
    assert "2 suppressed (2 fixture)" in shown.stdout
    assert "--min-confidence fixture lists them" in shown.stdout

    listed = leakstop("scan", repo.path, "--min-confidence", "fixture", "--format", "json")
    assert listed.code == 1, listed.output
    got = findings(listed)
    assert {f["confidence"] for f in got} == {"fixture"}
    assert {f["path"] for f in got} == {"tests/test_client.py", "docs/setup.md"}


def test_the_same_key_outside_tests_is_reported_there(repo: Repo, leakstop) -> None:
    line = f'api_key = "{_token()}"\n'
    repo.write("tests/test_client.py", line)
    repo.write("src/client.py", line)
    repo.commit("client and its test")
    for mode in ((), ("--history",)):
        result = leakstop("scan", *mode, repo.path, "--format", "json")
        assert result.code == 1, result.output
        (finding,) = findings(result, "generic-api-key-assignment")
        assert finding["confidence"] == "low"  # the rule's own
        assert "src/client.py" in {o["path"] for o in finding["occurrences"]}


def test_a_provider_key_in_tests_is_still_reported(repo: Repo, leakstop) -> None:
    key = "sk_live_" + "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(24))
    repo.write("tests/test_payments.py", f'STRIPE = "{key}"\n')
    result = leakstop("scan", repo.path, "--format", "json")
    assert result.code == 1, result.output
    assert [f["confidence"] for f in findings(result)] == ["high"]


def test_a_file_named_on_the_command_line_keeps_the_rules_confidence(repo: Repo, leakstop) -> None:
    """Asked about one file, the answer is about that file: its tests/ folder does not lower the match."""
    repo.write("tests/test_client.py", f'api_key = "{_token()}"\n')
    whole = leakstop("scan", repo.path, "--format", "json")
    assert whole.code == 0 and not findings(whole), whole.output  # in the tree: a fixture, counted only
    for named in (repo.path / "tests" / "test_client.py", "tests/test_client.py"):
        result = leakstop("scan", named, "--format", "json", cwd=repo.path)
        assert result.code == 1, result.output
        assert [(f["rule_id"], f["confidence"]) for f in findings(result)] == [("generic-api-key-assignment", "low")]
