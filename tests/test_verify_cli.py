"""`scan --verify` through the real CLI against the fake providers: what each report format says, the
result filters, the exit-code policy, the dry run, and that nothing is sent without --verify."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from conftest import ROOT, run_leakstop
from secrets_fixtures import GITHUB, STRIPE
from verify_fake import Answer, fake_providers_for, override_env


@pytest.fixture(scope="module")
def fake(tmp_path_factory):
    return fake_providers_for(lambda: tmp_path_factory.mktemp("ca"))


def github_valid_stripe_invalid(seen):
    if seen.host == "api.github.com":
        return Answer(200, {"login": "mira-okafor"}, (("X-OAuth-Scopes", "repo"),))
    return Answer(401, {"error": {"message": "Invalid API Key provided"}})


@pytest.fixture
def project(tmp_path, fake):
    (tmp_path / "a_billing.py").write_text(f'STRIPE_KEY = "{STRIPE}"\n')
    (tmp_path / "z_ci.py").write_text(f'GITHUB_TOKEN = "{GITHUB}"\n')
    fake.reset(github_valid_stripe_invalid)
    return tmp_path


def scan(project, fake, *args):
    return run_leakstop("scan", "--no-git", str(project), *args, env=override_env(fake))


def test_json_carries_each_verification(project, fake):
    result = scan(project, fake, "--verify", "--format", "json")
    assert result.code == 1, result.stderr
    by_rule = {f["rule_id"]: f["verification"] for f in result.json()["findings"]}
    assert by_rule["github-pat-classic"]["status"] == "valid"
    assert by_rule["github-pat-classic"]["identity"] == "login=mira-okafor; x-oauth-scopes=repo"
    assert "github.com/settings/tokens" in by_rule["github-pat-classic"]["advice"]
    assert by_rule["stripe-secret-key"] == {"status": "invalid", "reason": "HTTP 401",
                                            "endpoint": "GET https://api.stripe.com/v1/account"}
    assert GITHUB not in result.stdout and STRIPE not in result.stdout


def test_text_lists_valid_keys_first(project, fake):
    result = scan(project, fake, "--verify")
    text = result.stdout
    assert text.index("z_ci.py") < text.index("a_billing.py"), "the valid GitHub token comes first"
    assert "verified: VALID (HTTP 200) as login=mira-okafor" in text
    assert "verified: INVALID (HTTP 401)" in text
    assert "1 verified valid." in result.stderr + text


def test_sarif_properties_carry_verification(project, fake):
    result = scan(project, fake, "--verify", "--format", "sarif")
    results = json.loads(result.stdout)["runs"][0]["results"]
    assert {r["ruleId"]: r["properties"]["verification"]["status"] for r in results} == {
        "github-pat-classic": "valid", "stripe-secret-key": "invalid"}


def test_only_verified_and_results_filter_the_report(project, fake):
    only = scan(project, fake, "--only-verified", "--format", "json").json()["findings"]
    assert [f["rule_id"] for f in only] == ["github-pat-classic"]
    invalid = scan(project, fake, "--results", "invalid,error", "--format", "json").json()["findings"]
    assert [f["rule_id"] for f in invalid] == ["stripe-secret-key"]


def test_fail_on_valid_sets_the_exit_code(project, fake):
    assert scan(project, fake, "--fail-on", "valid").code == 1
    fake.reset(lambda seen: Answer(401, {}))
    result = scan(project, fake, "--fail-on", "valid")
    assert result.code == 0, "findings remain in the report, but none is a live key"
    assert "verified: INVALID" in result.stdout


def test_a_bad_results_list_is_a_usage_error(project, fake):
    result = scan(project, fake, "--results", "valid,alive")
    assert result.code == 2
    assert "alive" in result.stderr and "Traceback" not in result.stderr


def test_dry_run_prints_redacted_requests_and_sends_nothing(project, fake):
    result = scan(project, fake, "--verify-dry-run")
    assert "GET https://api.github.com/user" in result.stderr
    assert "Authorization: token ghp_Q7********" in result.stderr
    assert GITHUB not in result.output and STRIPE not in result.output
    assert fake.seen == []


def test_the_override_alone_is_refused_by_the_cli(project, fake):
    result = run_leakstop("scan", "--no-git", str(project), "--verify",
                          env={"LEAKSTOP_VERIFY_TEST_BASE_URL": fake.url})
    assert result.code == 2
    assert result.stderr.startswith("leakstop: error: LEAKSTOP_VERIFY_TEST_BASE_URL is for leakstop's own tests")
    assert fake.seen == []


def test_rules_list_verifiable_shows_sixty_providers():
    result = run_leakstop("rules", "list", "--verifiable")
    assert result.code == 0
    lines = result.stdout.splitlines()
    assert len(lines) >= 60
    assert any(line.startswith("AWS ") and "POST https://sts.amazonaws.com/" in line for line in lines)


def test_rules_check_reports_a_bad_verify_block(tmp_path):
    rule = tmp_path / "acme.yaml"
    rule.write_text("""provider: Acme
rules:
  - id: acme-token
    name: Acme token
    keywords: [acme_]
    pattern: '\\b(acme_[a-z0-9]{20})\\b'
    secret_group: 1
    examples: ['ACME=acme_k3j9x0q2m7v8b1n4c6z5']
    negative_examples: ['ACME=acme_short']
    remediation: Revoke it.
    verify:
      host: api.acme.example
      request: {url: 'https://telemetry.example.net/me?t={secret}&o={org}'}
      valid: [{status: [200]}]
      invalid: [{status: [401]}]
""")
    result = run_leakstop("rules", "check", "--rules-path", rule)
    assert result.code == 1
    assert "placeholder {org}" in result.stderr
    assert "url host telemetry.example.net is not the declared host api.acme.example" in result.stderr


TRAPPED_CLI = """
import socket, sys
def refuse(*args, **kwargs):
    sys.stderr.write("NETWORK ATTEMPT\\n")
    raise OSError("network refused by test")
socket.socket.connect = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse
from scanner.cli.main import main
sys.argv = ["leakstop", *sys.argv[1:]]
main()
"""


@pytest.mark.parametrize("flags, touches_network", [([], False), (["--verify-dry-run"], False),
                                                    (["--verify"], True)])
def test_only_verify_opens_a_connection(project, flags, touches_network):
    """The existing no-network trap: without --verify nothing connects; with it, the trap fires (so the
    trap would see a leak) and the finding is reported as a network error, not as a crash."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEAKSTOP_VERIFY_TEST")}
    proc = subprocess.run([sys.executable, "-c", TRAPPED_CLI, "scan", "--no-git", "--format", "json", *flags,
                           str(project)], cwd=ROOT, capture_output=True, env={**env, "PYTHONPATH": str(ROOT)})
    assert (b"NETWORK ATTEMPT" in proc.stderr) == touches_network
    assert proc.returncode == 1, proc.stderr.decode()
    statuses = {f.get("verification", {}).get("status") for f in json.loads(proc.stdout)["findings"]}
    assert statuses == ({"error"} if touches_network else {None})


def test_the_docs_list_every_verifiable_provider():
    docs = (ROOT / "docs" / "verification.md").read_text()
    listed = run_leakstop("rules", "list", "--verifiable").stdout.splitlines()
    for line in listed:
        provider, endpoints = line[:36].strip(), line[36:].strip()
        assert f"| {provider} | {endpoints} |" in docs, line


def test_a_finding_without_a_check_says_so_in_json(tmp_path, fake):
    (tmp_path / "settings.py").write_text('DB_PASSWORD = "Tr0ub4dor&3-horse-battery"\n')
    fake.reset(github_valid_stripe_invalid)
    result = scan(tmp_path, fake, "--verify", "--format", "json")
    [finding] = result.json()["findings"]
    assert finding["verification"] == {"status": "unknown", "reason": "no verification for this rule"}
    assert fake.seen == []


def test_a_live_key_in_history_says_rewriting_history_is_not_enough(repo, fake):
    repo.write("ci.py", f'GITHUB_TOKEN = "{GITHUB}"\n')
    repo.commit("add token")
    repo.write("ci.py", "GITHUB_TOKEN = os.environ['GITHUB_TOKEN']\n")
    repo.commit("remove token")
    fake.reset(github_valid_stripe_invalid)
    result = run_leakstop("scan", "--history", "--verify", "--format", "json", repo.path, env=override_env(fake))
    [finding] = result.json()["findings"]
    assert finding["verification"]["status"] == "valid"
    assert "Rewriting history does not un-leak a pushed secret" in finding["verification"]["advice"]
