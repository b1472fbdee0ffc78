"""A provider named as a whole key with no credential noun (`{"acme": "<token>"}`), and as the key of the
block its token is nested in: the forms each must find and the near misses each must leave alone."""

from __future__ import annotations

import random
import string

import pytest
from rule_fixtures import found, module_rules

RNG = random.Random(20261205)
ALNUM = "".join(RNG.choice(string.ascii_letters + string.digits) for _ in range(40))
HEX = "".join(RNG.choice("0123456789abcdef") for _ in range(32))
HEX40 = "".join(RNG.choice("0123456789abcdef") for _ in range(40))

VORTAQ_PATTERN = ("(?i:vortaq[\\w.-]{0,20}?api[_.-]?key[\\w.-]{0,10}[\"'']?\\s{0,5}(?:[:=]|=>|:=)\\s{0,5}[\"'']?)"
                  "([a-f0-9]{32})(?![A-Za-z0-9_-])")
RULES = rf"""provider: Quorvex
rules:
  - id: quorvex-api-key
    name: Quorvex API key
    context: {{names: ['quorvex api key'], token: '[A-Za-z0-9]{{40}}'}}
    examples: ['QUORVEX_API_KEY={ALNUM}']
    remediation: Rotate the key in the Quorvex console.
  - id: brindle-key
    name: Brindle key
    context: {{names: ['brindle key'], token: '[a-f0-9]{{40}}'}}
    examples: ['BRINDLE_KEY={HEX40}']
    remediation: Rotate it.
  - id: vortaq-api-key
    name: Vortaq API key
    provider: Vortaq
    keywords: [vortaq]
    pattern: '{VORTAQ_PATTERN}'
    secret_group: 1
    min_entropy: 3.0
    filters: [placeholder, template, variable]
    examples: ['VORTAQ_API_KEY={HEX}']
    remediation: Revoke it.
"""


rules = module_rules(RULES)


BARE_KEYS = [
    '{{"{name}": "{T}"}}',
    "{NAME}={T}",
    "{name}: {T}",
    "./bin/sync --{name} {T} --quiet",
    "./bin/sync --{name}={T}",
    "{name} = '{T}'",
    'opts = {{ :{name} => "{T}" }}',
    "{Name}: '{T}'",
    "{Name} -> {T}",
    'client = {Name}Client("{T}")',  # its client's constructor, the key its first argument
    "const c = new {Name}.Client('{T}');",
    'c := New{Name}Client("{T}")',
    "{name}.init(`{T}`)",
    "| service | key |\n|---|---|\n| {Name} | `{T}` |",  # a table's row
    "| **{Name}** | {T} | production |",
]


@pytest.mark.parametrize("form", BARE_KEYS)
@pytest.mark.parametrize(("name", "rule_id", "token"), [
    ("quorvex", "quorvex-api-key", ALNUM),  # a context rule whose name ends in a credential noun
    ("vortaq", "vortaq-api-key", HEX),  # a keyword-pattern rule's context branch
])
def test_a_key_that_is_the_providers_name_alone_names_its_token(rules, form, name, rule_id, token):
    text = form.format(name=name, NAME=name.upper(), Name=name.capitalize(), T=token)
    assert found(rules, text) == [(rule_id, token)]


WORDY = "QuorvexReportingServiceAccountProduction"  # 40 letters: the shape, but a name


@pytest.mark.parametrize("text", [
    f"quorvex_region: {ALNUM}",  # the key goes on: it names something else of the provider's
    f"my_quorvex: {ALNUM}",  # the name inside another key
    f"cfg.quorvex = '{ALNUM}'",  # an attribute path
    f"$quorvex = '{ALNUM}'",
    f"/quorvex: {ALNUM}",
    f"quorvex: {WORDY}",  # the shape, but not a generated value
    f"quorvex: x{ALNUM}",  # not whole
    f'{{"brindle": "{HEX40}"}}',  # a lock file's pinned commit, in the rule's own shape
    f"-quorvex {ALNUM}",  # a single-dash word is no flag of this form
    f'region = QuorvexRegion("{ALNUM}")',  # a call that is no client's constructor
    f'my_quorvex_client("{ALNUM}")',
    f'QuorvexClient(timeout=3, name="{ALNUM}")',  # not its first argument
    f"| Quorvex | {WORDY} |",
    f"| Quorvex | notes | more notes | {ALNUM} |",  # too far along the row
])
def test_a_bare_provider_key_keeps_out_names_paths_and_pinned_commits(rules, text):
    assert found(rules, text) == []


def test_a_pinned_commits_length_is_still_found_under_a_credential_key(rules):
    assert found(rules, f"BRINDLE_KEY={HEX40}") == [("brindle-key", HEX40)]


LOWER32 = "".join(RNG.choice(string.ascii_lowercase + string.digits) for _ in range(32))
ALNUM64 = "".join(RNG.choice(string.ascii_letters + string.digits) for _ in range(64))
UUID = "-".join("".join(RNG.choice("0123456789abcdef") for _ in range(n)) for n in (8, 4, 4, 4, 12))
COSMOS = "".join(RNG.choice(string.ascii_letters + string.digits + "+/") for _ in range(86)) + "=="


@pytest.mark.parametrize(("text", "rule_id", "secret"), [
    # a product's or a company's own word, where the rule's names had only the other
    (f"ADOBE_COMMERCE_ACCESS_TOKEN={LOWER32}", "magento-access-token", LOWER32),
    (f"tanzu_observability_api_token: {UUID}", "wavefront-api-token", UUID),
    (f"HASHICORP_CLOUD_CLIENT_SECRET={ALNUM64}", "hcp-client-secret", ALNUM64),
    (f'config.hashicorpNomad = "{UUID}"', "nomad-token", UUID),
    # a keyword-pattern rule whose keyword names the product (Cosmos DB), not the company (Azure)
    (f"cosmos:\n  endpoint: https://acme.invalid\n  key: {COSMOS}\n", "azure-cosmosdb-key", COSMOS),
])
def test_a_product_word_names_the_rule_its_company_word_does(text, rule_id, secret):
    from scanner.ruleset.rule_set import load_ruleset

    assert (rule_id, secret) in found(load_ruleset(), text, path="deploy/settings.yaml")
