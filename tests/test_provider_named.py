"""A random value under a bare `key` is a credential only where a provider is named next to it."""

from __future__ import annotations

import pytest

from scanner.engine.match import scan_fragment
from scanner.engine.ranking import outranked
from scanner.fragment import Fragment
from scanner.ruleset.rule_set import RuleSet, load_ruleset

RULE = "generic-provider-named-key"
VALUE = "Hq7Zm2Xk9Lv4Tp8Rw3NcB6"


@pytest.fixture(scope="module")
def ruleset() -> RuleSet:
    return load_ruleset()


def verdicts(ruleset: RuleSet, text: str, path: str = "config/services.yml") -> list[tuple[str, str]]:
    result = scan_fragment(ruleset, Fragment(text=text, path=path), keep_dropped=True)
    return [(m.rule.id, m.dropped_by) for m in result.matches if m.secret == VALUE]


@pytest.mark.parametrize("text", [
    f"doppler:\n  key: {VALUE}\n",  # a YAML block under the provider
    f"services:\n  tailscale:\n    region: eu\n    key: {VALUE}\n",  # two lines above
    f"[pulumi]\nkey = \"{VALUE}\"\n",  # a TOML table
    f"2026-01-04 INFO connecting to the Tailscale API\n2026-01-04 DEBUG using key={VALUE}\n",  # a log
    f'{{"doppler": {{"key": "{VALUE}"}}}}',  # the same line
    f"auth0:\n  key: {VALUE}\n",  # a name with a digit in it
    f"azure:\n  key: {VALUE}\n",  # one word of the provider's name (Microsoft Azure) that names it alone
    f"backblaze_b2:\n  key: {VALUE}\n",  # a name with a digit in the key
    f"google:\n  key: {VALUE}\n",  # the first word of a provider's name (Google Cloud)
    f"mongodb:\n  key: {VALUE}\n",  # (MongoDB Atlas)
    f"2026-01-04 INFO connecting to tailscale-prod-2\nkey={VALUE}\n",
    # a web API's address names the provider it calls, whose name leakstop may not know
    f'fetch("https://api.zorbly.io/v2/items?limit=10&key={VALUE}&page=2")',
    f"GET https://maps.zorbly.com/maps/api/geocode/json?address=Paris&key={VALUE}",
    f"[INFO] connecting to the Zorbly API\n[DEBUG] using key={VALUE}\n",  # a name said to be an API
    # or what the key is for, whoever issued it: a JWT signing key in .NET settings, an encryption block
    f'{{"Jwt": {{"Key": "{VALUE}", "Issuer": "corp"}}}}',
    f"encryption:\n  key: {VALUE}\n",
    # an INI or TOML section names every key of its own, however many lines down
    f"[pulumi]\nregion = eu\n# rotated monthly\nfrom = ops@corp.io\n\nkey = {VALUE}\n",
    # a comment that closes the key's line, saying whose key it is
    f'ts = TimeSeries(key="{VALUE}")  # alpha vantage, free tier',
    f'    {{"key": "{VALUE}"}},  // Doppler',
])
def test_a_bare_key_next_to_a_providers_name_is_reported(ruleset, text):
    assert (RULE, "") in verdicts(ruleset, text)


@pytest.mark.parametrize(("text", "dropped"), [
    (f"key: {VALUE}\n", "filter:no-provider-named"),  # no provider at all
    (f"cache:\n  paths: [node_modules]\n  key: {VALUE}\n", "filter:no-provider-named"),
    (f"stream:\n  key: {VALUE}\n", "filter:no-provider-named"),  # an everyday word names no provider
    (f"better:\n  key: {VALUE}\n", "filter:no-provider-named"),  # nor does an everyday word of a name
    (f"cloud:\n  key: {VALUE}\n", "filter:no-provider-named"),  # nor the everyday first word of one
    (f"doppler:\n  notes: none\n  region: eu\n  key: {VALUE}\n", "filter:no-provider-named"),  # three lines up
    # a section that names no provider, or a key past the next section's line
    (f"[cache]\nregion = eu\nttl = 60\nkey = {VALUE}\n", "filter:no-provider-named"),
    (f"[pulumi]\nregion = eu\n[cache]\nttl = 60\nbackend = disk\nkey = {VALUE}\n", "filter:no-provider-named"),
    # a random value's letters on the line above spell no provider (`Ably` inside it)
    (f"- key: x9QzK2mW8vLp4RtNAbly\n  key: {VALUE}\n", "filter:no-provider-named"),
    (f"# one entry per line\nkey: {VALUE}\n", "filter:no-provider-named"),  # LINE, the provider, is a word too
    (f'{{"meta": {{"page": 2, "key": "{VALUE}"}}}}', "filter:no-provider-named"),
    (f"https://cdn.zorbly.io/images/logo.png?key={VALUE}", "filter:no-provider-named"),  # no API
    (f"see https://api.zorbly.io/docs and the key={VALUE}", "filter:no-provider-named"),  # not its query
    (f"# api docs: see the wiki\nkey: {VALUE}\n", "filter:no-provider-named"),  # `api` names nothing alone
    (f"# json settings\nkey: {VALUE}\n", "filter:no-provider-named"),  # nor a format's name (JSON Web Key's `json`)
    (f"# call the REST api with it\nkey: {VALUE}\n", "filter:no-provider-named"),  # nor with a word of kind
    # a comment far along the line, or one whose first words name no provider
    (f'key = "{VALUE}"' + " " * 40 + "# doppler", "filter:no-provider-named"),
    (f'key = "{VALUE}"  # rotated monthly, unlike the doppler one', "filter:no-provider-named"),
    (f'{{ key: "{VALUE}", src: "//doppler.invalid/v3/" }}', "filter:no-provider-named"),  # a URL, no comment
])
def test_a_bare_key_with_no_provider_named_is_dropped(ruleset, text, dropped):
    assert (RULE, dropped) in verdicts(ruleset, text)


@pytest.mark.parametrize("text", [
    f"doppler:\n  public key: {VALUE}\n",
    f"doppler:\n  cache_key: {VALUE}\n",
    "doppler:\n  key: deploy-settings-production\n",
])
def test_keys_that_are_no_credential_stay_out(ruleset, text):
    result = scan_fragment(ruleset, Fragment(text=text, path="config/services.yml"), keep_dropped=True)
    assert not [m for m in result.matches if m.rule.id == RULE and not m.dropped_by]


def test_only_the_generic_rules_enabled_still_know_the_providers(ruleset):
    """The broad rule reads a mapping's own `key:` too; the one finding is the rule that named Doppler."""
    generic = ruleset.subset([r for r in ruleset.rules if r.provider == "Generic"])
    result = scan_fragment(generic, Fragment(text=f"doppler:\n  key: {VALUE}\n", path="config/services.yml"))
    beaten = outranked(result.matches)
    assert [m.rule.id for i, m in enumerate(result.matches) if i not in beaten] == [RULE]


def test_a_near_miss_of_the_named_providers_shape_is_claimed(ruleset):
    """MailerLite's API keys are 32 hex characters: 28 of them under its block is a cut key."""
    text = "mailerlite:\n  key: 5d0c8a7e2b4f6193ac1e3d5f7b9a\n"
    result = scan_fragment(ruleset, Fragment(text=text, path="config/services.yml"), keep_dropped=True)
    assert [m.dropped_by for m in result.matches if m.rule.id == RULE] == ["claimed:MailerLite"]


def test_no_format_or_everyday_word_names_a_provider(ruleset):
    """A provider whose display name starts with a format's name (`JSON Web Key`) made `json` a provider word:
    every `{"json": "..."}` a provider's key, every bare `key` under a line that says json a credential."""
    assert not ruleset.provider_words & {"json", "yaml", "toml", "html", "http", "https", "data", "config", "private"}

