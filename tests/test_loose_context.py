"""Provider names spelt apart from their credential noun, keyword-pattern rules' context branch, and
revisions named in log lines: each with the forms it must find and the near misses it must leave alone."""

from __future__ import annotations

import random
import string
import time

import pytest

from scanner.engine.match import scan_fragment
from scanner.fragment import Fragment
from scanner.ruleset.keyed_context import keyed_context
from scanner.ruleset.rule_set import RuleSet
from scanner.ruleset.rules import parse_rule_file

RNG = random.Random(20261204)
ALNUM = "".join(RNG.choice(string.ascii_letters + string.digits) for _ in range(40))
HEX = "".join(RNG.choice("0123456789abcdef") for _ in range(32))

CONTEXT_RULE = f"""\
provider: Quorvex
rules:
  - id: quorvex-api-secret
    name: Quorvex API secret
    context: {{names: ['quorvex api secret', 'quorvex secret'], token: '[A-Za-z0-9]{{40}}'}}
    examples: ['QUORVEX_API_SECRET={ALNUM}', 'quorvex_secret: {ALNUM[::-1]}']
    negative_examples: ['QUORVEX_SECRET=short', 'secret={ALNUM}']
    remediation: Rotate the secret in the Quorvex console.
  - id: stream-secret
    name: Stream secret
    context: {{names: ['stream secret'], token: '[A-Za-z0-9]{{40}}'}}
    examples: ['STREAM_SECRET={ALNUM}', 'stream secret: {ALNUM[::-1]}']
    negative_examples: ['STREAM_SECRET=short', 'secret={ALNUM}']
    remediation: Rotate it.
  - id: kelvandor-token
    name: Kelvandor token
    context: {{names: ['kelvandor'], token: '[a-f0-9]{{32}}'}}
    examples: ['KELVANDOR_TOKEN={HEX}', 'kelvandor: {HEX[::-1]}']
    negative_examples: ['KELVANDOR_TOKEN=abc', 'token={HEX}']
    remediation: Revoke it.
"""

KEYED_PATTERN = ("(?i:vortaq[\\w.-]{0,20}?api[_.-]?key[\\w.-]{0,10}[\"'']?\\s{0,5}(?:[:=]|=>|:=)\\s{0,5}[\"'']?)"
                 "([a-f0-9]{32})(?![A-Za-z0-9_-])")


def pattern_rule(rule_id: str, pattern: str, example: str, negative: str, extra: str = "") -> str:
    """One pattern rule of a test rule file, keyed on its provider's name (the id's first word)."""
    return (f"  - id: {rule_id}\n    name: {rule_id.replace('-', ' ')}\n    keywords: [{rule_id.split('-')[0]}]\n"
            f"    pattern: '{pattern}'\n    secret_group: 1\n{extra}"
            f"    examples: ['{example}']\n    negative_examples: ['{negative}']\n    remediation: Revoke it.\n")


def rule_file(provider: str, *rules: str) -> str:
    return f"provider: {provider}\nrules:\n" + "".join(rules)


KEYED_RULE = rule_file(
    "Vortaq",
    pattern_rule("vortaq-api-key", KEYED_PATTERN, f"VORTAQ_API_KEY={HEX}", f"API_KEY={HEX}",
                 "    min_entropy: 3.0\n    filters: [placeholder, template, variable]\n"),
    pattern_rule("vortaq-multiline-secret", "(?m)^vortaq_secret = ([a-f0-9]{32})$", f"vortaq_secret = {HEX}",
                 "vortaq_secret = abc"),
)


def ruleset_of(tmp_path, text: str) -> RuleSet:
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    return RuleSet(tuple(parse_rule_file(path)))


def found(ruleset: RuleSet, text: str, path: str = "config/settings.yaml") -> list[tuple[str, str]]:
    return [(m.rule.id, m.secret) for m in scan_fragment(ruleset, Fragment(text=text, path=path)).matches]


@pytest.fixture
def context_rules(tmp_path):
    return ruleset_of(tmp_path, CONTEXT_RULE)


@pytest.fixture
def keyed_rules(tmp_path):
    return ruleset_of(tmp_path, KEYED_RULE)


@pytest.mark.parametrize("text", [
    "quorvex:\n  secret: {T}\n",  # a YAML block under the provider
    "quorvex:\n  api:\n    secret: {T}\n",  # two levels down
    '{{"quorvex": {{"api_secret": "{T}"}}}}',  # a JSON object under the provider
    "QUORVEX_PROJECT_SECRET={T}",  # a word between the provider and the noun
    "quorvex:\n  projectSecret: {T}\n",
    "quorvexsecret = {T}",  # nothing between them
    'quorvexClientSecret := "{T}"',
    'variable "quorvex_secret" {{\n  type    = string\n  default = "{T}"\n}}',
    '- name: QUORVEX_API_SECRET\n  value: "{T}"',
    "quorvex:\n  a: 1\n  b: 2\n  c: 3\n  secret: {T}\n",  # four lines below the provider, siblings between
])
def test_a_name_ending_in_a_credential_noun_finds_the_noun_apart_from_the_provider(context_rules, text):
    assert found(context_rules, text.format(T=ALNUM)) == [("quorvex-api-secret", ALNUM)]


@pytest.mark.parametrize("text", [
    "quorvex:\n  key: {T}\n",  # another noun than the names say
    "QUORVEX_REGION={T}",  # no noun at all
    "myquorvex:\n  secret: {T}\n",  # the provider's name inside another word
    "quorvex:\n  searchSecret: {T}\n",  # a noun made public by the word before it
    "quorvex:\n  a: 1\n  b: 2\n  c: 3\n  d: 4\n  secret: {T}\n",  # five lines below the provider
    "# Quorvex secrets rotate monthly\nregion: eu\nzone: b\nvalue: {T}\n",  # the noun three lines above the token
    "quorvex:\n\n  secret: {T}\n",  # a blank line ends the provider's block
    "quorvex_secret_sha: {T}",  # a digest word between
    "stream:\n  secret: {T}\n",  # an everyday word alone names no provider
    "Here is the stream secret key: x{T}",  # not whole
    "git clone https://quorvex+deploy-secret-81:{T}@git.quorvex.invalid/a/b.git",  # a URL's password
])
def test_loosened_names_still_need_the_noun_a_distinctive_provider_and_the_block(context_rules, text):
    assert found(context_rules, text.format(T=ALNUM)) == []


@pytest.mark.parametrize("spelt", ["Quorvex Api Secret", "quorvexapisecret", "QUORVEX_API_SECRET",
                                   "quorvex-api-secret", "QuorvexApiSecret", "quorvex.api.secret"])
def test_a_multi_word_name_matches_its_single_identifier_spellings(context_rules, spelt):
    assert found(context_rules, f"{spelt} = {ALNUM}") == [("quorvex-api-secret", ALNUM)]


@pytest.mark.parametrize("text", [
    "Kelvandor build {T} passed",
    "2024-05-01 INFO kelvandor deployed {T} to production",
    "kelvandor: merged {T}",
    "Kelvandor release @{T}",
])
def test_a_revision_after_a_version_control_word_in_a_log_line_is_not_a_token(context_rules, text):
    assert found(context_rules, text.format(T=HEX)) == []


@pytest.mark.parametrize("text", [
    "kelvandor token {T}",
    "KELVANDOR_RELEASE_TOKEN={T}",
    "KELVANDOR_TOKEN_BUILD={T}",  # a key may end in such a word: only prose is read as a revision
])
def test_a_token_named_by_a_key_is_still_found(context_rules, text):
    assert found(context_rules, text.format(T=HEX)) == [("kelvandor-token", HEX)]


@pytest.mark.parametrize("text", [
    "vortaq:\n  api:\n    key: {T}\n",  # a Spring-style YAML block
    "vortaq:\n  api_key: {T}\n",
    'variable "vortaq_api_key" {{\n  type    = string\n  default = "{T}"\n}}',  # a Terraform default
    "        - name: VORTAQ_API_KEY\n          value: \"{T}\"\n",  # a Kubernetes env entry
    "vortaqkey = {T}",
    'const vortaqKey = "{T}";',
])
def test_a_keyword_pattern_rule_finds_its_token_in_the_forms_its_pattern_does_not_spell(keyed_rules, text):
    assert found(keyed_rules, text.format(T=HEX)) == [("vortaq-api-key", HEX)]


@pytest.mark.parametrize("text", [
    "vortaq:\n  region: {T}\n",  # no credential noun
    "VORTAQ_SEARCH_KEY={T}",  # a key meant to be public
    "vortaq_key_checksum: {T}",  # a digest word between
    "vortaq key {T}ab",  # longer than the shape
    "Vortaq build {T} passed",
])
def test_the_context_branch_keeps_the_rules_near_misses_out(keyed_rules, text):
    assert found(keyed_rules, text.format(T=HEX)) == []


def test_only_plain_single_group_patterns_get_a_context_branch(keyed_rules):
    by_id = {r.id: r for r in keyed_rules.rules}
    assert by_id["vortaq-api-key"].pattern.startswith("(?|")
    assert by_id["vortaq-multiline-secret"].pattern == "(?m)^vortaq_secret = ([a-f0-9]{32})$"
    assert keyed_context(r"(?i)box[\w.-]{0,9}key=([a-z0-9]{32})", 1, ["box"], "Box") is None  # everyday word
    assert keyed_context(r"(?i)acme[\w.-]{0,9}pass(?:word)?=([^\s]{3,64})", 1, ["acme"], "Acme") is None
    assert keyed_context(r"(?i)acme[\w.-]{0,9}key=([a-z0-9]{32})([a-z]{4})", 1, ["acme"], "Acme") is None
    assert keyed_context(r"(?i)acme[\w.-]{0,9}key=([a-z0-9]{32})", 1, ["acme"], "Acme") is not None
    both = r"(?|acme[\w.-]{0,9}key=([a-z0-9]{32})|\[acme\][^\[]{0,99}key = ([a-z0-9]{32}))"
    assert keyed_context(both, 1, ["acme"], "Acme") is not None  # a branch reset capturing one shape
    dotted = r"(?i)acme[\w.-]{0,9}token=((?-i:s\.[A-Za-z0-9]{24}))"
    assert keyed_context(dotted, 1, ["acme"], "Acme") is not None  # an escaped literal in the shape
    named = keyed_context(r"(?i)acme[\w.-]{0,9}token=([a-z0-9]{32})", 1, ["acme"], "Acme", "Acme HMAC key")
    assert named is not None and named.nouns == ("token", "key")  # the rule's name says `key` too


@pytest.mark.parametrize("line", [
    "quorvex secret " * 4000,
    ("quorvex:\n  secret:\n" * 3000),
    "vortaq api key vortaq " * 4000,
])
def test_hostile_repetitions_of_names_and_nouns_stay_fast_and_quiet(context_rules, keyed_rules, line):
    started = time.monotonic()
    assert found(context_rules, line) == [] and found(keyed_rules, line) == []
    assert time.monotonic() - started < 5.0


B64 = "".join(RNG.choice(string.ascii_letters + string.digits + "+/") for _ in range(43)) + "="


@pytest.mark.parametrize(("text", "secret"), [
    (f"curl -u {B64}: https://api.imaging.invalid/v2/tags", B64),
    (f"curl -s --user '{B64 * 3}:' https://api.imaging.invalid/v2/tags", B64 * 3),
])
def test_a_base64_key_as_curls_user_name_is_found_at_any_length(text, secret):
    from scanner.ruleset.rule_set import load_ruleset

    assert ("generic-curl-user-token", secret) in found(load_ruleset(), text, path="scripts/tag.sh")


PREFIXED = "ztk_" + "".join(RNG.choice(string.ascii_letters + string.digits) for _ in range(30))
PREFIXED_RULE = rule_file("Zentrik", pattern_rule(
    "zentrik-token", "(?<![A-Za-z0-9_-])(ztk_[A-Za-z0-9]{30})(?![A-Za-z0-9_-])", f"ZENTRIK_TOKEN={PREFIXED}",
    f"ZENTRIK_TOKEN=x-{PREFIXED}"))


@pytest.mark.parametrize(("text", "found_it"), [
    (f'TOKEN="${{ZENTRIK_TOKEN:-{PREFIXED}}}"', True),  # the shell's default for an unset variable
    (f"      - ZENTRIK_TOKEN=${{ZENTRIK_TOKEN:-{PREFIXED}}}", True),  # docker-compose
    (f"ZENTRIK_NAME: a-{PREFIXED}", False),  # inside a longer name, as before
])
def test_a_prefixed_token_as_the_shells_default_value_is_found(tmp_path, text, found_it):
    ruleset = ruleset_of(tmp_path, PREFIXED_RULE)
    assert (found(ruleset, text, path="run.sh") == [("zentrik-token", PREFIXED)]) is found_it


LIVE = "vlive_" + "".join(RNG.choice(string.ascii_letters + string.digits) for _ in range(30))
PROXIMITY_RULE = rule_file("Vortaq", pattern_rule(
    "vortaq-live-token", "(?i)vortaq[^\\n]{0,80}?(?<![A-Za-z0-9_-])((?-i:vlive_[A-Za-z0-9]{30}))(?![A-Za-z0-9_-])",
    f"VORTAQ_LIVE={LIVE}", f"LIVE={LIVE}"))


@pytest.mark.parametrize(("text", "found_it"), [
    (f"vortaq:\n  live:\n    value: {LIVE}\n", True),  # the name two lines above, as a context rule reads it
    (f"payments:\n  provider: other\n  value: {LIVE}\n", False),  # no name
    (f"vortaq:\n  a: 1\n  b: 2\n  value: {LIVE}\n", False),  # three lines above, no credential on the token's line
    (f"vortaq:\n  a: 1\n  b: 2\n  api_key: {LIVE}\n", True),  # three lines above, a key on the token's line
    (f"vortaq:\n  a: 1\n  b: 2\n  c: 3\n  d: 4\n  value: {LIVE}\n", False),  # five lines above
])
def test_a_rule_asking_only_for_its_name_near_the_token_reads_the_lines_above(tmp_path, text, found_it):
    ruleset = ruleset_of(tmp_path, PROXIMITY_RULE)
    assert (found(ruleset, text) == [("vortaq-live-token", LIVE)]) is found_it
