"""Verification's safety and its reading of answers: signing, templating, the host rule, redirects,
rate limits, slow and broken providers, partners, the cache, and the test-only override's refusals."""

from __future__ import annotations

import datetime
import time
from dataclasses import replace

import pytest
from secrets_fixtures import AWS_KEY_ID, AWS_SECRET, STRIPE
from verify_fake import Answer, fake_providers_for
from verify_findings import builtin_specs, finding_for, findings

from scanner.errors import ConfigError
from scanner.verify.client import BaseUrlOverride, VerifyClient, base_url_override
from scanner.verify.run import ProviderFilter, cache_key, plan, sender, verify_all
from scanner.verify.sigv4 import sign_v4
from scanner.verify.spec import Condition, RequestTemplate, VerifySpec, spec_problems
from scanner.verify.template import TemplateError, prepare


@pytest.fixture(scope="module")
def fake(tmp_path_factory):
    return fake_providers_for(lambda: tmp_path_factory.mktemp("ca"))


def make_client(fake, **kw):
    return VerifyClient(**{"timeout": 5.0, "interval": 0.0, "sleep": lambda s: None,
                           "override": BaseUrlOverride(fake.url, str(fake.ca)), **kw})


def verify_one(rule_id: str, client, finding=None, others=()):
    if finding is None:
        finding, others = finding_for(rule_id)
    [result] = verify_all(plan([finding], list(others), builtin_specs(), ProviderFilter()), sender(client))
    return result.verification


SLACK_SPEC_ID = "slack-bot-token"


def test_sigv4_matches_the_documented_example():
    """AWS's published get-vanilla example: same key, date and request, same signature."""
    headers = sign_v4("GET", "https://example.amazonaws.com/", {}, b"", "AKIDEXAMPLE",
                      "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "us-east-1", "service",
                      now=datetime.datetime(2015, 8, 30, 12, 36, tzinfo=datetime.timezone.utc))
    assert headers["Authorization"] == (
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
        "SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")


def spec_for(url: str, host: str, **request) -> VerifySpec:
    return VerifySpec("test-rule", "Test", host=host, request=RequestTemplate("GET", url, **request),
                      valid=(Condition(status=(200,)),), invalid=(Condition(status=(401,)),))


def test_values_cannot_escape_their_place_in_the_request():
    spec = spec_for("https://api.example.com/check/{secret}?q={secret}", "api.example.com",
                    headers=(("X-Key", "{secret}"),))
    sneaky = "a/../admin?x=1#"
    request = prepare(spec, {"secret": sneaky})
    assert request.url == "https://api.example.com/check/a%2F..%2Fadmin%3Fx%3D1%23?q=a%2F..%2Fadmin%3Fx%3D1%23"
    with pytest.raises(TemplateError):
        prepare(spec, {"secret": "abc\r\nX-Injected: 1"})


def test_a_capture_cannot_move_the_request_to_another_host():
    spec = spec_for("https://{dc}.api.mailchimp.com/3.0/", "*.api.mailchimp.com")
    assert prepare(spec, {"dc": "us6"}).host == "us6.api.mailchimp.com"
    for evil in ("evil.example#", "evil.example/", "a.b", "evil.example?"):
        with pytest.raises(TemplateError, match="not the declared host"):
            prepare(spec, {"dc": evil})


def test_rules_check_names_each_problem_of_a_verify_block():
    spec = VerifySpec("r", "P", host="api.example.com",
                      request=RequestTemplate("GET", "http://other.example.com/{nope}"),
                      valid=(Condition(status=(200,)),), partners=(("key_id", ("missing-rule",)),))
    problems = " | ".join(spec_problems(spec, [], ["r"]))
    for expected in ("placeholder {nope}", "must use HTTPS", "not the declared host api.example.com",
                     "one `valid` and one `invalid`", "partner rule missing-rule does not exist"):
        assert expected in problems
    assert spec_problems(builtin_specs()["github-pat-classic"], [], list(builtin_specs())) == []


def test_an_undeclared_host_is_refused_before_any_connection(fake):
    fake.reset(lambda seen: Answer(200, {}))
    finding, _ = finding_for("github-pat-classic")
    specs = {**builtin_specs(), "github-pat-classic": replace(
        builtin_specs()["github-pat-classic"], host="api.github.com",
        request=replace(builtin_specs()["github-pat-classic"].request, url="https://collector.example.net/user"))}
    [result] = verify_all(plan([finding], [], specs, ProviderFilter()), sender(make_client(fake)))
    assert result.verification.status == "error"
    assert "refused" in result.verification.reason
    assert fake.seen == []


def test_a_redirect_to_another_host_is_not_followed(fake):
    fake.reset(lambda seen: Answer(302, b"", (("Location", "https://collector.example.net/steal"),)))
    result = verify_one("github-pat-classic", make_client(fake))
    assert result.status == "unknown"
    assert result.reason == "redirect to another host (collector.example.net) refused (HTTP 302)"
    assert [s.host for s in fake.seen] == ["api.github.com"]


def test_rate_limited_requests_are_retried_after_the_time_asked(fake):
    answers = iter([Answer(429, {}, (("Retry-After", "3"),)), Answer(429, {}), Answer(200, {"login": "mira"})])
    fake.reset(lambda seen: next(answers))
    waits: list[float] = []
    result = verify_one("github-pat-classic", make_client(fake, sleep=waits.append))
    assert result.status == "valid"
    assert waits == [3.0, 2.0]
    assert len(fake.seen) == 3


def test_still_rate_limited_after_retries_is_unknown(fake):
    fake.reset(lambda seen: Answer(429, {}, (("Retry-After", "1"),)))
    result = verify_one("github-pat-classic", make_client(fake))
    assert (result.status, result.reason) == ("unknown", "rate-limited (HTTP 429)")


def test_a_provider_error_is_unknown(fake):
    fake.reset(lambda seen: Answer(500, "<html>oops</html>"))
    assert verify_one("stripe-secret-key", make_client(fake)).reason == "provider error (HTTP 500)"


def test_a_slow_provider_is_an_error_after_the_timeout(fake):
    fake.reset(lambda seen: Answer(200, {}, delay=1.5))
    result = verify_one("stripe-secret-key", make_client(fake, timeout=0.3))
    assert (result.status, result.reason) == ("error", "timed out after 0.3 s")


def test_malformed_json_is_unknown_not_valid(fake):
    fake.reset(lambda seen: Answer(200, b'{"ok": tru'))
    result = verify_one(SLACK_SPEC_ID, make_client(fake))
    assert (result.status, result.reason) == ("unknown", "unexpected answer (HTTP 200, body is not JSON)")


def test_a_refused_connection_is_an_error(fake):
    client = VerifyClient(timeout=2.0, override=BaseUrlOverride("https://127.0.0.1:9", str(fake.ca)))
    result = verify_one("stripe-secret-key", client)
    assert result.status == "error" and result.reason.startswith("network error")


def test_a_finding_without_its_partner_says_so(fake):
    fake.reset(lambda seen: Answer(200, {}))
    [secret] = [f for f in findings(f"aws_secret_access_key = {AWS_SECRET}\n")
                if f.rule_id == "aws-secret-access-key"]
    result = verify_one("aws-secret-access-key", make_client(fake), secret, [])
    assert result.status == "unknown"
    assert result.reason == "needs its partner (aws-access-key-id), not found in the same file"
    assert fake.seen == []


def test_a_partner_in_another_file_is_not_used(fake):
    [key_id] = [f for f in findings(f"AWS_ACCESS_KEY_ID={AWS_KEY_ID}\n", "other.env")
                if f.rule_id == "aws-access-key-id"]
    [secret] = [f for f in findings(f"aws_secret_access_key = {AWS_SECRET}\n")
                if f.rule_id == "aws-secret-access-key"]
    assert verify_one("aws-secret-access-key", make_client(fake), secret, [key_id]).status == "unknown"


def test_one_credential_pair_is_asked_once_and_the_cache_holds_no_secret(fake):
    answer = Answer(200, "<GetCallerIdentityResult><Arn>arn:aws:iam::1:user/x</Arn></GetCallerIdentityResult>")
    fake.reset(lambda seen: answer)
    found = findings(f"AWS_ACCESS_KEY_ID={AWS_KEY_ID}\naws_secret_access_key = {AWS_SECRET}\n")
    planned = plan(found, [], builtin_specs(), ProviderFilter())
    results = verify_all(planned, sender(make_client(fake)))
    assert {r.rule_id: r.verification.status for r in results} == {
        "aws-access-key-id": "valid", "aws-secret-access-key": "valid"}
    assert len(fake.seen) == 1
    for p in planned:
        key = cache_key(p.spec, p.values)
        assert p.finding.secret not in key and "AKIA" not in key


def test_requests_to_one_host_are_spaced_and_capped(fake):
    fake.reset(lambda seen: Answer(200, {}, delay=0.3))
    tokens = [f"{STRIPE[:-1]}{i}" for i in range(3)]
    found = findings("".join(f"STRIPE_KEY={t}\n" for t in tokens))
    started = time.monotonic()
    verify_all(plan(found, [], builtin_specs(), ProviderFilter()), sender(make_client(fake, per_host=1)))
    assert len(fake.seen) == 3
    assert time.monotonic() - started >= 0.85, "one request at a time to a host"
    fake.reset(lambda seen: Answer(200, {}))
    started = time.monotonic()
    verify_all(plan(found, [], builtin_specs(), ProviderFilter()), sender(make_client(fake, interval=0.25)))
    assert time.monotonic() - started >= 0.5, "three starts at least 0.25 s apart"


def test_providers_can_be_allowed_and_denied(fake):
    fake.reset(lambda seen: Answer(200, {}))
    found = findings(f"STRIPE_KEY={STRIPE}\nGH={finding_for('github-pat-classic')[0].secret}\n")
    results = verify_all(plan(found, [], builtin_specs(), ProviderFilter.parse("-stripe")), sender(make_client(fake)))
    assert {r.provider: r.verification.reason for r in results}["Stripe"] == "provider not selected for verification"
    assert [s.host for s in fake.seen] == ["api.github.com"]
    assert ProviderFilter.parse("aws,GitHub").allows(builtin_specs()["github-pat-classic"])
    assert not ProviderFilter.parse("aws").allows(builtin_specs()["github-pat-classic"])


def test_upload_only_tokens_are_unknown_without_a_request(fake):
    fake.reset(lambda seen: Answer(200, {}))
    result = verify_one("pypi-api-token", make_client(fake))
    assert result.status == "unknown" and "uploading" in result.reason
    assert fake.seen == []


@pytest.mark.parametrize("env", [
    {"LEAKSTOP_VERIFY_TEST_BASE_URL": "https://127.0.0.1:1"},
    {"LEAKSTOP_VERIFY_TEST_BASE_URL": "https://api.github.com", "LEAKSTOP_VERIFY_TEST_CA": __file__},
    {"LEAKSTOP_VERIFY_TEST_BASE_URL": "http://127.0.0.1:1", "LEAKSTOP_VERIFY_TEST_CA": __file__},
    {"LEAKSTOP_VERIFY_TEST_CA": __file__},
])
def test_the_test_override_is_refused_unless_complete_and_local(monkeypatch, env):
    for name in ("LEAKSTOP_VERIFY_TEST_BASE_URL", "LEAKSTOP_VERIFY_TEST_CA"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match="refused"):
        base_url_override()
