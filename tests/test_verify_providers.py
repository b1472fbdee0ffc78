"""Every verify block against a fake of its provider: the documented valid answer reads as `valid` (with
what the key reaches, where the block names it), the documented refusal as `invalid`; the request goes to
the declared host and carries the credential the way the provider expects (AWS: signed, never sent)."""

from __future__ import annotations

import base64
import json
from urllib.parse import quote, quote_plus, unquote, urlsplit

import pytest
from verify_canned import CANNED
from verify_fake import Seen, fake_providers_for
from verify_findings import builtin_specs, finding_for

from scanner.verify.client import BaseUrlOverride, VerifyClient
from scanner.verify.run import ProviderFilter, plan, sender, verify_all
from scanner.verify.spec import VerifySpec, host_allowed

VERIFIABLE = sorted(rule_id for rule_id, spec in builtin_specs().items() if spec.request is not None)


@pytest.fixture(scope="module")
def fake(tmp_path_factory):
    return fake_providers_for(lambda: tmp_path_factory.mktemp("ca"))


@pytest.fixture(scope="module")
def client(fake):
    client = VerifyClient(timeout=5.0, interval=0.0, override=BaseUrlOverride(fake.url, str(fake.ca)))
    yield client
    client.close()


def template_key(spec: VerifySpec) -> str:
    assert spec.request is not None
    parts = urlsplit(spec.request.url)
    return parts.netloc + parts.path


def sent_forms(secret: str) -> set[str]:
    return {secret, quote(secret, safe="-._~:@"), quote_plus(secret), json.dumps(secret)[1:-1]}


def carries(seen: Seen, secret: str) -> bool:
    """Whether the secret is anywhere in the request: URL, headers (Basic auth decoded), body."""
    texts = [unquote(seen.path), unquote(seen.query), seen.body.decode("utf-8", "replace"), *seen.headers.values()]
    auth = seen.headers.get("authorization", "")
    if auth.startswith("Basic "):
        texts.append(base64.b64decode(auth[6:]).decode("utf-8", "replace"))
    return any(form in text for text in texts for form in sent_forms(secret))


def test_at_least_sixty_providers_are_verifiable():
    providers = {builtin_specs()[r].provider for r in VERIFIABLE}
    assert len(providers) >= 60, sorted(providers)


def test_every_verifiable_endpoint_has_canned_answers():
    assert {template_key(builtin_specs()[r]) for r in VERIFIABLE} <= set(CANNED)


@pytest.mark.parametrize("outcome", ["valid", "invalid"])
@pytest.mark.parametrize("rule_id", VERIFIABLE)
def test_provider_answers(fake, client, rule_id, outcome):
    spec = builtin_specs()[rule_id]
    finding, others = finding_for(rule_id)
    valid, invalid = CANNED[template_key(spec)]
    fake.reset(lambda seen: valid if outcome == "valid" else invalid)
    [result] = verify_all(plan([finding], others, builtin_specs(), ProviderFilter()), sender(client))
    verification = result.verification
    assert verification is not None
    assert verification.status == outcome, verification
    if outcome == "valid" and spec.identity:
        assert verification.identity, "the canned answer holds what the key reaches"
    [seen] = fake.seen
    assert host_allowed(seen.host, spec.host)
    assert seen.method == spec.request.method
    if spec.request.sign:
        partner = dict(zip([n for n, _ in spec.partners], [o.secret for o in others if o.rule_id.startswith("aws")]))
        key_id = finding.secret if finding.secret.startswith("AKIA") else partner.get("access_key_id", "")
        assert f"Credential={key_id}/" in seen.headers["authorization"]
        signing_secrets = [s for s in [finding.secret, *partner.values()] if not s.startswith("AKIA")]
        assert signing_secrets and not any(carries(seen, s) for s in signing_secrets), "SigV4 never sends the secret"
    else:
        assert carries(seen, finding.secret)
    assert finding.secret not in verification.reason + verification.identity + verification.endpoint
