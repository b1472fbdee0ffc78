"""A `provider_key` rule: any provider's name that the rule set knows, as the whole key of a random value
whose shape that provider's rules do not know (`{"quorvex": "<token>"}`, `QuorvexClient("<token>")`, a
table row). The forms it must find, the keys and values it must leave alone, and the gate and windows that
keep it from costing every text a regex pass."""

from __future__ import annotations

import json
import random
import string
import subprocess
import sys

import pytest
from rule_fixtures import found, module_rules

from scanner.engine.filters import is_not_random
from scanner.engine.match import WINDOWED_TEXT, keyword_windows, scan_fragment
from scanner.engine.ranking import outranked
from scanner.errors import RuleError
from scanner.fragment import Fragment
from scanner.ruleset.gate import loosened_patterns, rule_gate
from scanner.ruleset.key_leads import PUBLIC_HALF_PROVIDERS
from scanner.ruleset.named_provider import BRAND_WORDS
from scanner.ruleset.provider_keys import provider_key_words, provider_keyed, with_provider_keys
from scanner.ruleset.rule_set import RuleSet, load_ruleset
from scanner.ruleset.rules import parse_rule_file

RNG = random.Random(20261205)


def token(length: int = 28, alphabet: str = string.ascii_letters + string.digits) -> str:
    """A random value the rule takes: one in a hundred 26-character draws reads as words (`not-random`),
    and which draw a test gets depends on the order the suite's workers run the tests in."""
    while True:
        value = "".join(RNG.choice(alphabet) for _ in range(length))
        if any(c.isdigit() for c in value) and any(c.isalpha() for c in value) and not is_not_random(value):
            return value


HEX = token(40, "0123456789abcdef")
MIXED = token(30)
RULES = rf"""provider: Quorvex
rules:
  - id: quorvex-service-token
    name: Quorvex service token
    keywords: [qvx_]
    pattern: 'qvx_[a-z0-9]{{32}}'
    remediation: Rotate the token in the Quorvex console.
    examples: ['QUORVEX_URL=https://qvx_{HEX[:32]}@api.quorvex.invalid']
  - id: tallowick-token
    name: Tallowick token
    provider: Tallowick
    context: {{names: ['tallowick token'], token: 'tlw_[A-Za-z0-9]{{30}}'}}
    examples: ['TALLOWICK_TOKEN=tlw_{MIXED}']
    remediation: Revoke it.
  - id: generic-provider-bare-key
    name: Random value under a provider's name as its whole key
    provider: Generic
    provider_key:
      token: '[A-Za-z0-9][A-Za-z0-9+/=_.~-]{{14,254}}[A-Za-z0-9=]'
    min_entropy: 3.0
    filters: [placeholder, template, variable, uuid, identifier, not-random, provider-shape]
    examples: ['{{"quorvex": "{MIXED}"}}']
    remediation: Revoke it.
"""


rules = module_rules(RULES)


FORMS = [
    'SERVICES = {{"quorvex": "{T}"}}',
    "QUORVEX={T}",
    "export Quorvex='{T}'",
    "quorvex: {T}",
    ":quorvex => '{T}'",
    "deploy --quorvex {T}",
    'client = QuorvexClient("{T}")',
    "client = new Quorvex.Client('{T}')",
    'c := NewQuorvexClient("{T}")',
    'quorvex.init("{T}")',
    'client = QuorvexConnection("{T}")',  # `client` would take `QuorvexConnection` for its value
    'client = QuorvexApiClient("{T}")',  # the key the pattern reads is `QuorvexApi`
    "|                    Quorvex | `{T}` |",  # a right-aligned cell
    "QUORVEX = " + " " * 200 + "{T}",
    "| service | key |\n|---|---|\n| Quorvex | `{T}` |",
    'SERVICES = {{"tallowick": "{T}"}}',
    "notes\nquorvex {T}\n",  # a line of the name and the value alone
    'client = quorvex.Quorvex("{T}")',  # a module's class
    "$client = new \\Quorvex\\QuorvexClient('{T}');",  # PHP's namespaced class
    "services:\n  quorvex:\n    {T}\n",  # YAML's value alone on the next line
    "# Quorvex   {T}",
    'client = QuorvexClient("EU7X2KQ9", "{T}")',  # the account's id first
    'pusher = new Quorvex(1849233, "9f1c27", "{T}")',  # an app's id and key, then its secret
    'client = QuorvexClient("{T}", "eu-west-1-production")',  # the key first, a region after it
    'client := quorvex.NewClient("EU7X2KQ9", "{T}")',  # Go's constructor in the provider's package
    "$client = new \\Quorvex\\Client('{T}');",  # PHP's class in the provider's namespace
    # a call's arguments each on a line of their own, under it
    'client = quorvex.Client(\n    "k7y9uzogxcux",\n    "{T}",\n)',
    "$client = \\Quorvex\\Client::make('{T}');",  # PHP's static factories and Rust's `new`
    'let client = Quorvex::new("https://api.quorvex.io", "{T}");',
    "client = Quorvex.create('{T}')",
]


@pytest.mark.parametrize("form", FORMS)
def test_a_provider_named_as_the_whole_key_leads_to_a_value_of_any_generated_shape(rules, form):
    value = token(26)
    assert found(rules, form.format(T=value)) == [("generic-provider-bare-key", value)]


NOT_REPORTED = [
    'SERVICES = {{"billing": "{T}"}}',  # not a provider's name
    'SERVICES = {{"myquorvex": "{T}"}}',  # a longer word
    'SERVICES = {{"cfg.quorvex": "{T}"}}',  # a field of something else
    'path = "/quorvex={T}"',
    "the quorvex {T} was deployed",  # prose, not a key
    "quorvex {T} --region eu",  # a command's arguments
    "myquorvex {T}",
    'settings.quorvex("{T}")',  # a method, not a class
    'settings.quorvex("eu", "{T}")',
    'QuorvexClient(region, "{T}")',  # a variable's value is not known to be an id
    'clip = Quorvex("intro", "{T}")',  # a class that is no client's takes other values first
    "quorvex:\n  - {T}\n",  # a list
    "quorvex:\n  region: {T}\n",  # a nested key's value
]


@pytest.mark.parametrize("form", NOT_REPORTED)
def test_other_keys_lead_nowhere(rules, form):
    assert found(rules, form.format(T=token(26))) == []


def test_a_key_that_names_no_provider_makes_no_match_not_even_a_suppressed_one(rules):
    """`--show-suppressed` lists what a rule matched and a filter dropped; a key like `rules:` on a line
    that names a provider is no match of this rule at all."""
    text = f'SERVICES = {{"billing": "{MIXED}"}}  # not quorvex'
    assert scan_fragment(rules, Fragment(text=text, path="app/settings.py"), keep_dropped=True).matches == []


@pytest.mark.parametrize("value", [
    HEX,  # a pinned commit's length of hex
    token(64, "0123456789abcdef"),  # a SHA-256 digest's
    "7c9e6679-7425-40de-944b-e07fc1f90ae7",  # an id
    "quorvex_activity_sync_handler_v2",  # a name
    "${QUORVEX_TOKEN}",
    "3.14.159-beta.2",  # too short, and a version
])
def test_values_that_do_not_look_generated_are_not_taken(rules, value):
    assert found(rules, f'{{"quorvex": "{value}"}}') == []


@pytest.mark.parametrize("form", ['client = QuorvexClient("{T}")', "quorvex.init('{T}')"])
def test_a_constructor_takes_a_key_of_a_digests_length_never_a_pinned_commit(rules, form):
    """A lock file maps a name to a commit; a client's constructor takes its key, whatever its shape."""
    assert found(rules, form.format(T=HEX)) == [("generic-provider-bare-key", HEX)]
    assert found(rules, f'{{"quorvex": "{HEX}"}}') == []


def test_a_near_miss_of_the_providers_own_format_is_claimed_not_reported(rules):
    """Tallowick's tokens start `tlw_`: one cut short under its bare name is a near miss, not a new format."""
    assert found(rules, f'{{"tallowick": "tlw_{MIXED[:20]}"}}') == []


def test_a_token_of_the_providers_own_shape_is_one_finding_of_the_providers_rule(rules):
    matches = scan_fragment(rules, Fragment(text=f'{{"tallowick": "tlw_{MIXED}"}}', path="app/settings.py")).matches
    kept = [m.rule.id for i, m in enumerate(matches) if i not in outranked(matches)]
    assert kept == ["tallowick-token"]


def test_the_rules_keywords_are_the_provider_names_without_credential_nouns(rules):
    rule = next(r for r in rules.rules if r.id == "generic-provider-bare-key")
    assert provider_keyed(rule.pattern)
    assert "quorvex" in rule.keywords and "tallowick" in rule.keywords
    assert list(rule.keywords) == sorted(rule.keywords)  # the engine looks a key up by bisection
    assert provider_key_words(["quorvex", "quorvexsecret", "agoraappcertificate", "keygen", "tallowick"]) == (
        "keygen", "quorvex", "tallowick")


def test_names_come_from_every_rule_loaded_with_it(rules):
    """A custom rule file's `provider_key` rule knows the built-in providers when loaded with them."""
    rule = next(r for r in rules.rules if r.id == "generic-provider-bare-key")
    (keyed,) = with_provider_keys([rule], ["zorblax", "quorvex"])
    assert keyed.keywords == ("quorvex", "zorblax")
    assert found(RuleSet((keyed,)), f'{{"zorblax": "{MIXED}"}}') == [("generic-provider-bare-key", MIXED)]


def test_the_gate_holds_exact_expressions_of_the_names_and_skips_texts_without_them(rules):
    index = next(i for i, r in enumerate(rules.rules) if r.id == "generic-provider-bare-key")
    expressions = loosened_patterns(rules.rules)[index]
    assert expressions and all(not prefilter for _, prefilter in expressions)
    gate = rule_gate(rules.rules, list(rules.by_keyword), build=True)
    assert gate is not None and index in gate.gated
    filler = "probably_not = 'a value'\n" * 40
    assert index in gate.scan(f'{filler}SERVICES = {{"quorvex": "{MIXED}"}}\n')[1]
    for text in (f'{filler}SERVICES = {{"billing": "{MIXED}"}}\n', f"{filler}quorvex: true\n",
                 f'{filler}QuorvexTimeout("{MIXED}")\n'):
        assert index not in gate.scan(text)[1], text


def test_on_a_large_text_the_regex_runs_only_near_names_that_start_a_word(rules):
    rule = next(r for r in rules.rules if r.id == "generic-provider-bare-key")
    filler = "x = compute(probably)  # a line\n" * 400
    text = f'{filler}SERVICES = {{"quorvex": "{MIXED}"}}\n{filler}'
    assert len(text) > WINDOWED_TEXT
    lowered = text.lower()
    spans = keyword_windows(rule, lowered, len(text), {}, {"quorvex", "ably"})
    line = text.index("SERVICES")
    assert spans == [(line, text.index("\n", line))]  # the line of the name, and only it
    assert found(rules, text) == [("generic-provider-bare-key", MIXED)]


def test_a_name_that_new_begins_is_read_whole(rules):
    """`NewQuorvexClient("...")` is Go's constructor of Quorvex; `NewRelic("...")`'s `New` is the name's."""
    newrelic = with_provider_keys([next(r for r in rules.rules if r.id == "generic-provider-bare-key")],
                                  ["newrelic", "quorvex"])
    value = token(26)
    for text in (f'app := NewRelic("{value}")', f'nr = NewRelicClient("{value}")', f'"newrelic": "{value}"'):
        assert found(RuleSet(tuple(newrelic)), text) == [("generic-provider-bare-key", value)], text


def test_a_key_its_provider_publishes_is_not_taken(rules):
    for value in (f"pk_live_{MIXED}", f"phc_{MIXED}", f"pk.eyJ1Ijoi{MIXED}"):
        assert found(rules, f'{{"quorvex": "{value}"}}') == [], value


def test_a_pattern_rule_may_not_name_the_engines_groups(tmp_path):
    path = tmp_path / "own.yaml"
    path.write_text("provider: Zorblax\nrules:\n  - id: zorblax-key\n    name: Zorblax key\n"
                    "    keywords: [zbx_]\n    pattern: '(?P<provider_key>zbx)_[a-z0-9]{24}'\n"
                    "    examples: ['zbx_k3j4h5g6f7d8s9a0q1w2e3r4']\n    remediation: Revoke it.\n", encoding="utf-8")
    with pytest.raises(RuleError, match="provider_key and bare_name"):
        parse_rule_file(path)


def test_a_rule_file_cannot_mix_a_provider_key_with_a_pattern(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(RULES.replace("    provider_key:\n", "    pattern: 'x'\n    provider_key:\n"), encoding="utf-8")
    with pytest.raises(RuleError, match="generic-provider-bare-key"):
        parse_rule_file(path)


def test_the_builtin_pack_finds_a_bare_provider_key_through_the_cli(tmp_path):
    value = token(30)
    (tmp_path / "services.py").write_text(f'SERVICES = {{"todoist": "{value}", "billing": "{token(30)}"}}\n',
                                          encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "scanner", "scan", str(tmp_path), "--format", "json"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    findings = json.loads(done.stdout)["findings"]
    assert [(f["rule_id"], f["line"]) for f in findings] == [("generic-provider-bare-key", 1)]
    assert value not in done.stdout  # redacted by default


def test_a_provider_whose_public_key_has_its_secrets_shape_is_no_bare_key():
    """Pusher's app key and Mixpanel's project token are public, shaped as their secrets, and what a
    browser's `new Pusher("...")`, `mixpanel.init("...")` or a bare `"pusher": "..."` holds: neither the
    providers' rules nor the bare-key rule take them; their secrets under their own names are still found.
    `cursor=` in a log's query string pages, as a key of code."""
    ruleset = load_ruleset()
    keywords = next(r.keywords for r in ruleset.rules if r.id == "generic-provider-bare-key")
    assert not {"mixpanel", "pusher", "cursor"} & set(keywords) and "todoist" in keywords
    hex20, hex32 = token(20, "0123456789abcdef"), token(32, "0123456789abcdef")
    for text in (f'mixpanel.init("{hex32}", {{ track_pageview: true }});\n',
                 f'MIXPANEL = {{"mixpanel": "{hex32}"}}\n',
                 f'const pusher = new Pusher("{hex20}", {{cluster: "eu"}});\n',
                 f'KEYS = {{"pusher": "{hex20}"}}\n', f"GET /export?page=2&cursor={token(20)} HTTP/1.1\n"):
        assert [m for m in scan_fragment(ruleset, Fragment(text, "app.js")).matches if not m.dropped_by] == [], text
    for text, rule_id, secret in ((f"MIXPANEL_API_SECRET={hex32}\n", "mixpanel-api-secret", hex32),
                                  (f"PUSHER_APP_SECRET={hex20}\n", "pusher-app-secret", hex20)):
        assert (rule_id, secret) in [(m.rule.id, m.secret) for m in scan_fragment(
            ruleset, Fragment(text, "app.py")).matches if not m.dropped_by]


def test_a_brand_that_is_an_everyday_word_is_a_bare_key_but_a_word_of_code_is_not():
    """`railway` names nothing in a sentence, but as the whole key of a generated value it is Railway's;
    `stream` and `matrix` are keys of their own in code and data."""
    ruleset = load_ruleset()
    keywords = next(r.keywords for r in ruleset.rules if r.id == "generic-provider-bare-key")
    # each a provider word of the built-in rules, or it rots unseen
    assert set(keywords) >= BRAND_WORDS - PUBLIC_HALF_PROVIDERS
    assert not {"stream", "matrix", "line", "docker"} & set(keywords)
    value = token(30)
    text = f'DEPLOY = {{"railway": "{value}", "stream": "{token(30)}"}}\n'
    assert [(m.rule.id, m.secret) for m in scan_fragment(ruleset, Fragment(text, "deploy.py")).matches
            if not m.dropped_by] == [("generic-provider-bare-key", value)]


BUILTIN_FORMS = ['| service | credential |\n|---|---|\n| {N} | `{T}` |\n', 'SERVICES = {{"{N}": "{T}"}}\n',
                 'client = {N}Client("{T}")\n', "deploy.sh\nrun --{N} {T}\n", "{U}={T}\n", "services:\n  {N}: {T}\n",
                 "keys.txt\n# {N} {T}\n", "{N}:\n  {T}\n"]


def test_the_gate_lets_every_builtin_name_through_in_every_form():
    """Each of the thousand names, in each form, behind the text that precedes it in a real file: a gate
    that lost one would hide that provider's keys without a trace (Hyperscan 5.4 once lost the rows behind
    a Markdown table's header, when a table's row was an expression of its own per share of names)."""
    ruleset = load_ruleset()
    ruleset.build_gate()
    index = next(i for i, r in enumerate(ruleset.rules) if r.id == "generic-provider-bare-key")
    rule = ruleset.rules[index]
    assert len(rule.keywords) > 1000 and index in ruleset._gate.gated
    missed = []
    for name in rule.keywords:
        value = token(30)
        for form in BUILTIN_FORMS:
            text = form.format(N=name.capitalize(), U=name.upper(), T=value)
            if index not in ruleset._gate.scan(text)[1]:
                missed.append(text)
    assert not missed


@pytest.mark.parametrize("form", FORMS)
def test_every_form_is_found_in_a_large_text_too(rules, form):
    """On a large text the rule runs in the lines of its names: each form whole there, as in a small one."""
    value = token(26)
    filler = "x = compute(value)  # probably fine\n" * 300
    text = f"{filler}{form.format(T=value)}\n{filler}"
    assert len(text) > WINDOWED_TEXT
    assert found(rules, text) == [("generic-provider-bare-key", value)]


def test_rules_check_counts_the_builtin_providers_for_a_custom_provider_key_rule(tmp_path, leakstop):
    """Checked alone, a custom `provider_key` rule knows the providers a scan with it would know."""
    own = tmp_path / "rules"
    own.mkdir()
    (own / "bare.yaml").write_text(
        "provider: Generic\nrules:\n  - id: own-bare-key\n    name: Own bare key\n"
        "    provider_key: {token: '[A-Za-z0-9]{24}'}\n    filters: [not-random]\n"
        f"    examples: ['{{\"todoist\": \"{token(24)}\"}}']\n"
        f"    negative_examples: ['{{\"billing\": \"{token(24)}\"}}', 'todoist: none']\n"
        "    remediation: Revoke it.\n", encoding="utf-8")
    checked = leakstop("rules", "check", "--rules-path", own)
    assert checked.code == 0, checked.stderr
    alone = leakstop("rules", "check", "--rules-path", own, "--no-builtin-rules")
    assert alone.code == 1 and "name no provider" in alone.stderr
