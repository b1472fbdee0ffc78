"""Context rules: a provider's name shortly before a token of its shape, written as one short YAML entry."""

from __future__ import annotations

import pytest

from scanner.engine.match import scan_fragment
from scanner.errors import RuleError
from scanner.fragment import Fragment
from scanner.ruleset.rule_set import RuleSet
from scanner.ruleset.rules import parse_rule_file

RULE_FILE = """\
provider: Quillbase
rules:
  - id: quillbase-api-key
    name: Quillbase API key
    context: {names: [quill base, quillbase], token: '[a-f0-9]{32}'}
    examples: ['QUILLBASE_KEY=5d0c8a7e2b4f6193ac1e3d5f7b9a2c4e', 'quill_base.secret: 8e1f3a5c7b9d2e4f6a8c0b1d3e5f7a9c']
    negative_examples: ['QUILLBASE_SHA=5d0c8a7e2b4f6193ac1e3d5f7b9a2c4e', 'key=5d0c8a7e2b4f6193ac1e3d5f7b9a2c4e']
    remediation: Revoke the key in the Quillbase console.
"""


@pytest.fixture
def ruleset(tmp_path):
    path = tmp_path / "quillbase.yaml"
    path.write_text(RULE_FILE, encoding="utf-8")
    return RuleSet(tuple(parse_rule_file(path)))


def secrets_in(ruleset: RuleSet, text: str) -> list[str]:
    return [m.secret for m in scan_fragment(ruleset, Fragment(text=text, path="app/settings.py")).matches]


TOKEN = "5d0c8a7e2b4f6193ac1e3d5f7b9a2c4e"


@pytest.mark.parametrize("text", [
    f"QUILLBASE_API_KEY={TOKEN}",
    f'quillbase.accessId = "{TOKEN}"',
    f'{{"quill_base_client_access_token": "{TOKEN}"}}',
    f"[info] connecting to Quill Base with secret {TOKEN}",
    f"# quillbase credentials\ntoken: '{TOKEN}'",
    f"export QUILL-BASE_TOKEN='{TOKEN}'",
    f"quillbase:\n  api:\n    key: {TOKEN}\n",  # a YAML block nesting the key two levels down
    f"[quillbase]\nregion = eu\ntimeout = 30\nkey = {TOKEN}\n",  # an INI section, siblings between
    # the client's id, the public half, has the shape too: the lead reads on to the secret
    f"QUILLBASE_URL=https://api.quillbase.io\nQUILLBASE_CLIENT_ID=9e4b1d7f3a2c8e605b1d9f7a3c2e8b4d\n"
    f"QUILLBASE_CLIENT_SECRET={TOKEN}\n",
    f'variable "quillbase_api_key" {{\n  type    = string\n  default = "{TOKEN}"\n}}',
    f'KEY="${{QUILLBASE_KEY:-{TOKEN}}}"',  # the shell's default for an unset variable
    f'myQuillbaseKey = "{TOKEN}"',  # a camel-case hump starts the name
    f"REACT_APP_QUILLBASE_KEY={TOKEN}",
    f"K8S_QUILLBASE_KEY={TOKEN}",  # a short numbered prefix
    f"EU_WEST_2_QUILLBASE_API_KEY={TOKEN}",
    # a provider may call its credential an id: only the ids of things are dropped
    f"QUILLBASE_PROJECT_ID={TOKEN}",
    f"QUILLBASE_APP_ID={TOKEN}",
])
def test_the_name_before_a_token_of_the_shape_is_a_finding(ruleset, text):
    assert secrets_in(ruleset, text) == [TOKEN]


@pytest.mark.parametrize("text", [
    f"API_KEY={TOKEN}",  # no name
    f"QUILLBASE_KEY={TOKEN}ab",  # longer than the shape
    f"QUILLBASE_KEY=x{TOKEN}",  # not whole
    f"quillbase_checksum = '{TOKEN}'",  # a digest word between name and token
    f"quillbase = 1\n\n\nkey = {TOKEN}",  # blank lines between: another block
    f"quillbase:\n  api:\n    region: eu\n    zone: b\n    tier: 2\n    key: {TOKEN}",  # five lines above
    f"quillbase = 1\n\nkey = {TOKEN}",  # one blank line between
    f"quillbase_key: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  {TOKEN}",  # encrypted
    "QUILLBASE_KEY=00000000000000000000000000000000",  # no entropy
    f"quillbase{' ' * 60}{TOKEN}",  # out of reach
    f"THEQUILLBASE_KEY={TOKEN}",  # the name inside a longer word names another product
    f"myquillbase_key = '{TOKEN}'",
    # the name's letters at the end of a random token (a public key's base64), the token on the next line
    f'  "x": "OoT5Fq2omm0E04vhx55COiiyLO1NZU_MFkdKW-QuillBase",\n  "y": "{TOKEN}"',
    f'  "n": "Xq7Lm2Rt9Vw4Zp8Ks2QuillBase-9kT",\n  "k": "{TOKEN}"',  # right after a digit
    # the id of a thing the provider keeps, not a credential
    f"# quillbase export\nexport_id = '{TOKEN}'",
    f'{{"quillbase": {{"simulation_id": "{TOKEN}"}}}}',
    f'quillbaseRun = {{cometRunId: "{TOKEN}"}}',
    f"# quillbase order\ntxnid = '{TOKEN}'",
])
def test_no_finding_without_the_name_nearby_or_the_whole_shape(ruleset, text):
    assert secrets_in(ruleset, text) == []


def test_context_rules_are_medium_confidence_and_gated_by_the_names_longest_word(ruleset):
    rule = ruleset.rules[0]
    assert (rule.confidence, rule.keywords, rule.secret_group) == ("medium", ("quill", "quillbase"), 1)


@pytest.mark.parametrize(("context", "message"), [
    ("{names: [quillbase], token: '([a-f0-9]{32})'}", "must not have capture groups"),
    ("{names: [quillbase], token: '[a-f'}", "does not compile"),
    ("{names: [q b], token: '[a-f0-9]{32}'}", "shorter than 3 letters"),
])
def test_a_bad_context_is_a_rule_error(tmp_path, context, message):
    path = tmp_path / "bad.yaml"
    path.write_text(RULE_FILE.replace("{names: [quill base, quillbase], token: '[a-f0-9]{32}'}", context),
                    encoding="utf-8")
    with pytest.raises(RuleError, match=message):
        parse_rule_file(path)


def test_a_rule_has_a_pattern_or_a_context_not_both(tmp_path):
    path = tmp_path / "both.yaml"
    path.write_text(RULE_FILE.replace("    context:", "    pattern: 'x'\n    keywords: [abc]\n    context:"),
                    encoding="utf-8")
    with pytest.raises(RuleError):
        parse_rule_file(path)


CLAIMING = RULE_FILE + """\
  - id: quillbase-deploy-token
    name: Quillbase deploy token
    pattern: '\\\\b(qbd_[A-Za-z0-9]{30})\\\\b'
    keywords: [qbd_]
    examples: ['qbd_Q7rT2mX9pL4vK8nB1zW6yH3jD5fG0a']
    negative_examples: ['qbd_short', 'qbd_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx']
    remediation: Revoke it.
  - id: quillbase-session-token
    name: Quillbase session token
    context: {names: [quillbase session], token: 'eyJ[A-Za-z0-9_-]{10,200}\\.[A-Za-z0-9_-]{10,200}'}
    examples: ['quillbase session: eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJxYiJ9']
    negative_examples: ['qbd_short', 'qbd_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx']
    remediation: Revoke it.
"""


def rules_with_generic(path, text: str, generic_ids=("generic-api-key-assignment",)) -> RuleSet:
    """The rule file's rules, written to `path`, with the built-in generic rules named."""
    from scanner.ruleset.rule_set import load_ruleset

    path.write_text(text, encoding="utf-8")
    generic = tuple(r for r in load_ruleset().rules if r.id in generic_ids)
    return RuleSet((*parse_rule_file(path), *generic))


@pytest.fixture
def with_generic(tmp_path):
    return rules_with_generic(tmp_path / "quillbase.yaml", CLAIMING,
                              ("generic-api-key-assignment", "generic-terraform-variable-default"))


def reported(ruleset: RuleSet, text: str) -> list[tuple[str, str]]:
    result = scan_fragment(ruleset, Fragment(text=text, path="app/settings.py"), keep_dropped=True)
    return [(m.rule.id, m.dropped_by) for m in result.matches]


@pytest.mark.parametrize("text", [
    "QUILLBASE_API_KEY=5d0c8a7e2b4f6193ac1e3d5f7b9a", # the provider's hex alphabet, 28 characters not 32
    "QUILLBASE_TOKEN=qbd_Q7rT2mX9pL4vK8nB1zW6",  # the provider's prefix, cut short
    '"Quillbase": {\n  "ApiKey": "5d0c8a7e2b4f6193ac1e3d5f7b9a"\n}',  # the block above names it
    'variable "quillbase_api_key" {\n  type = string\n  default = "5d0c8a7e2b4f6193ac1e3d5f7b9a"\n}',
    "QUILLBASE_API_KEY=5d0c8a7e2b4f6193acQZ3d5f7b9a2c4e",  # its length, two letters outside its hex
    "QUILLBASE_API_KEY=5D0C8A7E2B4F6193AC1E3D5F7B9A2C4E",  # its hex in capitals, where it issues small letters
    "[quillbase]\napi_key = 5d0c8a7e2b4f6193ac1e3d5f7b9a",  # a TOML or INI section names it
    "GET https://api.quillbase.io/v2/data?api_key=5d0c8a7e2b4f6193ac1e3d5f7b9a&format=json",  # the API's host
])
def test_a_near_miss_of_a_named_providers_format_is_claimed_not_reported(with_generic, text):
    assert {dropped for _, dropped in reported(with_generic, text)} == {"claimed:Quillbase"}


PAIRED = """\
provider: Quillbase
rules:
  - id: quillbase-paired-key
    name: Quillbase paired key
    context:
      names: [quillbase key]
      token: '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}:[a-f0-9]{32}'
    examples: ['QUILLBASE_KEY=3f9c2a7e-81d0-4b6c-9e5a-1f7d2b8c4e60:5d0c8a7e2b4f6193ac1e3d5f7b9a2c4e']
    negative_examples: ['QUILLBASE_KEY=<key>', 'QUILLBASE_KEY=${KEY}']
    remediation: Revoke it.
"""


def test_a_generic_match_that_stops_inside_a_providers_whole_token_is_not_claimed(tmp_path):
    """The generic rule stops at the `:` of `<uuid>:<hex>`: its part alone is a near miss of the shape, but
    the whole token is one of the provider's keys, which its own rule did not see from where the name is."""
    ruleset = rules_with_generic(tmp_path / "quillbase.yaml", PAIRED, ("generic-authorization-header",))
    key = "3f9c2a7e-81d0-4b6c-9e5a-1f7d2b8c4e60:5d0c8a7e2b4f6193ac1e3d5f7b9a2c4e"
    text = f"curl -H 'X-API-Key: {key}' https://api.quillbase.io/v1/items"
    assert ("generic-authorization-header", "") in reported(ruleset, text)
    cut = f"curl -H 'X-API-Key: {key[:-8]}' https://api.quillbase.io/v1/items"
    assert reported(ruleset, cut) == [("generic-authorization-header", "claimed:Quillbase")]


def test_a_uuid_in_capitals_is_no_near_miss_of_a_uuid_shape():
    """A UUID's hex digits are read in either case (many tools print capitals): the same key, not a spoilt one."""
    from scanner.ruleset.claims import Formats, near_miss

    uuid = Formats((), ("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",))
    assert not near_miss("3F2A9C1E-7B4D-4E8A-9C2F-1D5B7E9A3C6F", uuid)
    assert near_miss("3F2A9C1E7B4D4E8A9C2F1D5B7E9A3C6F", Formats((), ("[0-9a-f]{32}",)))


@pytest.mark.parametrize("text", [
    "QUILLBASE_API_KEY=Zq8mW2vk9Lp4Xt7Rb3Nc",  # another alphabet: a credential the rules may not know
    "ORBITAL_API_KEY=5d0c8a7e2b4f6193ac1e3d5f7b9a",  # no provider named
    "QUILLBASE_SIGNING_SECRET=5d0c8a7e2b4f6193ac1e3d5f7b9a2c4e",  # the provider's own shape, unmatched key
    "QUILLBASE_REGION=eu\nORBITAL_API_KEY=5d0c8a7e2b4f6193ac1e3d5f7b9a",  # a line above that opens no block
    "quillbase:\n  signing_key: 5d0c8a7e2b4f6193ac1e3d5f7b9a2c4e5d0c8a7e2b4f6193ac",  # far from its length
    "Quillbase is where the Orbital API token for staging: 5d0c8a7e2b4f6193ac1e3d5f7b9a",  # a sentence's start
    "QUILLBASE_API_KEY=5d0c8a7e2b4f6193ac1e3d5f7b9a2c4e5d0c8a7e2b4f6193ac1e3d5f7b9a2c4e",  # twice its length
    "QUILLBASE_SESSION_TOKEN=Zq8mW2vk9Lp4Xt7Rb3NcQ5",  # the JWT shape's alphabet, not its `eyJ` start
    "QUILLBASE_API_KEY=5d0c8a7e2b4fXYZ3ac1e3d5f7b9a2c4e",  # its length, but three letters outside its hex
    'quillbase_api_key = "5d0c8a7e2b4f6193ac1e-d5f7b9a2c4e"',  # a token's punctuation: maybe another format
    'quillbase_api_key = "5d0c8a7e2b4f6193ac!e3d5f7b9a2c4#"',  # two symbols: a password
])
def test_other_values_stay_with_the_generic_rule(with_generic, text):
    assert ("generic-api-key-assignment", "") in reported(with_generic, text)


KEYED = """\
provider: Vortaq
rules:
  - id: vortaq-api-key
    name: Vortaq API key
    keywords: [vortaq]
    pattern: '(?i:vortaq[\\w.-]{0,20}?api[_.-]?key[\\w.-]{0,10}\\s{0,5}[:=]\\s{0,5})((?-i:vq-[a-f0-9]{32}))\\b'
    secret_group: 1
    examples: ['VORTAQ_API_KEY=vq-5d0c8a7e2b4f6193ac1e3d5f7b9a2c4e']
    remediation: Revoke it.
  - id: zenthra-api-key
    name: Zenthra access code
    provider: Zenthra
    keywords: [zenthra]
    pattern: '(?i:zenthra)(?:(?!(?i:hash))[^\\r\\n]){0,48}?(?<![a-z0-9])([a-z0-9]{32})(?![a-z0-9])'
    examples: ['ZENTHRA_KEY=k3v9x2m7q4w8z1p5r6t0y3u8i2o7a4s9']
    remediation: Revoke it.
"""


@pytest.fixture
def keyed_with_generic(tmp_path):
    return rules_with_generic(tmp_path / "vortaq.yaml", KEYED)


def test_a_keyword_pattern_rules_token_shape_claims_its_near_misses_too(keyed_with_generic):
    """The shape comes wrapped in a flag group, `(?-i:vq-...)`: its `vq-` start and its hex alphabet are
    read through it (not the group's `-` and `i`, nor the count's digits)."""
    assert reported(keyed_with_generic, "VORTAQ_TOKEN=vq-5d0c8a7e2b4f6193ac1e3d5f7b") == [
        ("generic-api-key-assignment", "claimed:Vortaq")]
    for other in ("VORTAQ_TOKEN=5d0c8a7e2b4f6193ac1e3d5f7b9a2c",  # not the shape's `vq-` start
                  "VORTAQ_TOKEN=vq-5d0c8a7e2b4f6193ac1e3d5f7bZZ"):  # not its alphabet
        assert reported(keyed_with_generic, other) == [("generic-api-key-assignment", "")]


def test_the_shape_a_pattern_rule_captures_claims_its_near_misses_too(keyed_with_generic):
    """A pattern rule with no context branch (its name holds no credential noun) still says what its token
    looks like: the one group it captures."""
    assert keyed_with_generic.rules[1].token == "[a-z0-9]{32}"
    assert reported(keyed_with_generic, "ZENTHRA_API_KEY=k3v9x2m7q4w8z1p5r6t0y3u8") == [
        ("generic-api-key-assignment", "claimed:Zenthra")]


UUID_RULE = """\
provider: Quillbase
rules:
  - id: quillbase-uuid-key
    name: Quillbase API key
    context: {names: [quillbase], token: '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'}
    examples:
      - 'QUILLBASE_API_KEY=3f9c2a7e-81d0-4b6c-9e5a-1f7d2b8c4e60'
      - 'quillbase token: 7a1e4c9b-2d58-4f03-b6e7-90c4d1a2f385'
    negative_examples:
      - 'QUILLBASE_PROJECT_ID=3f9c2a7e-81d0-4b6c-9e5a-1f7d2b8c4e60'
      - 'key=3f9c2a7e-81d0-4b6c-9e5a-1f7d2b8c4e60'
    remediation: Revoke the key in the Quillbase console.
"""
UUID = "3f9c2a7e-81d0-4b6c-9e5a-1f7d2b8c4e60"


@pytest.fixture
def uuid_ruleset(tmp_path):
    path = tmp_path / "quillbase.yaml"
    path.write_text(UUID_RULE, encoding="utf-8")
    return RuleSet(tuple(parse_rule_file(path)))


@pytest.mark.parametrize("text, found", [
    (f"QUILLBASE_API_KEY={UUID}", True),
    (f'quillbase:\n  token: "{UUID}"', True),
    (f"quillbase_project_id: {UUID}", False),
    (f'{{"Quillbase": {{"TenantId": "{UUID}"}}}}', False),
    (f"2024-05-01 INFO quillbase request_id={UUID} done", False),
    (f"QUILLBASE_WORKSPACE_UUID={UUID}", False),
    (f"Quillbase request {UUID} finished in 120 ms", False),  # in prose, the word before says what it is
    (f"quillbase job #{UUID} done", False),
    (f"Quillbase trace: {UUID}", False),
    (f"Quillbase key {UUID}", True),
    # a getter's argument is the id of what it fetches; a client's is its key
    (f'qb = quillbase.Client(os.environ["QB_KEY"])\nglossary = qb.get_glossary("{UUID}")', False),
    (f'job = quillbase.fetchJob("{UUID}")', False),
    (f'qb = quillbase.Client("{UUID}")', True),
])
def test_a_uuid_under_a_key_that_says_id_is_not_a_key(uuid_ruleset, text, found):
    assert secrets_in(uuid_ruleset, text) == ([UUID] if found else [])


def test_a_token_pinned_after_an_at_sign_is_not_a_key(ruleset):
    assert secrets_in(ruleset, f"      - uses: quillbase/setup-action@{TOKEN}") == []
    assert secrets_in(ruleset, f"quillbase token {TOKEN}") == [TOKEN]


def test_a_shapes_alphabet_follows_the_case_flags_in_force_where_each_character_is():
    from scanner.ruleset.token_shape import literal_lead, token_alphabet

    assert token_alphabet("(?i:a(?-i:b))") == {"a", "A", "b"}
    assert token_alphabet("(?-i:md-[a-f0-9]{4})") == set("md-0123456789abcdef")
    assert literal_lead("(?-i:md-[a-f0-9]{4})") == "md-"


PREFIXED = """\
provider: Lumora
rules:
  - id: lumora-api-token
    name: Lumora API token
    keywords: [lmr_]
    pattern: '(?<![A-Za-z0-9_])(lmr_[A-Za-z0-9]{36})(?![A-Za-z0-9_])'
    secret_group: 1
    examples: ['LUMORA=lmr_Q7rT2mX9pL4vK8nB1zW6Q7rT2mX9pL4vK8nB']
    remediation: Revoke it.
  - id: hexwise-key
    name: Hexwise key
    provider: Hexwise
    keywords: [4c2e]
    pattern: '(?<![A-Za-z0-9_])(4c2e[a-f0-9]{28})(?![A-Za-z0-9_])'
    secret_group: 1
    examples: ['4c2e7a9d1b3f5e8c0a2d4f6b8e1c3a5d']
    remediation: Revoke it.
  - id: dosewise-key
    name: Dosewise key
    provider: Dosewise
    keywords: [dose]
    pattern: '(?<![A-Za-z0-9_])(dose[a-z0-9]{28})(?![A-Za-z0-9_])'
    secret_group: 1
    examples: ['dose7rt2mx9pl4vk8nb1zw6q7rt2mx9p']
    remediation: Revoke it.
"""


def test_a_value_starting_as_only_one_providers_tokens_do_is_its_near_miss_whatever_the_key(tmp_path):
    """`lmr_` begins Lumora's tokens and nobody else's: cut short under a key that names no provider, it is
    a truncated or made-up Lumora token. Longer, it may be a format of Lumora's the rule does not know; and a
    lead of lower-case letters alone (`dose`) could begin a word, and one of hex digits alone (`4c2e`) one
    hex key in 65,536."""
    ruleset = rules_with_generic(tmp_path / "lumora.yaml", PREFIXED)
    body = "Q7rT2mX9pL4vK8nB1zW6" + "x3Yp5q"
    assert reported(ruleset, f'auth_token = "lmr_{body}"\n') == [("generic-api-key-assignment", "claimed:Lumora")]
    assert reported(ruleset, f'auth_token = "lmx_{body}"\n') == [("generic-api-key-assignment", "")]
    assert reported(ruleset, f'auth_token = "dose{body}"\n') == [("generic-api-key-assignment", "")]
    assert reported(ruleset, f'auth_token = "lmr_{body}{body}"\n') == [("generic-api-key-assignment", "")]
    hex_key = "4c2e" + "9d1b3f5e8c0a2d4f6b8e"
    assert reported(ruleset, f'auth_token = "{hex_key}"\n') == [("generic-api-key-assignment", "")]
    whole = f'auth_token = "lmr_{body}{body[:10]}"\n'
    assert [rule for rule, dropped in reported(ruleset, whole) if not dropped][0] == "lumora-api-token"


EVERYDAY = """\
provider: Courier
rules:
  - id: courier-api-key
    name: Courier API key
    context: {names: [courier], token: '[a-f0-9]{32}'}
    examples: ['COURIER_API_KEY=5d0c8a7e2b4f6193ac1e3d5f7b9a2c4e']
    remediation: Revoke it.
"""


def test_a_provider_named_by_an_everyday_word_claims_in_keys_not_in_sentences(tmp_path):
    """`courier` names the provider in `COURIER_AUTH_TOKEN` and `courierToken`, not at the head of a phrase of a
    sentence (`Courier is the API key`), where the generic rules keep the value."""
    ruleset = rules_with_generic(tmp_path / "courier.yaml", EVERYDAY,
                                 ("generic-api-key-assignment", "generic-labelled-line"))
    near = "5d0c8a7e2b4f" + "6193ac1e3d5f7b9a"  # the provider's hex, 28 characters where it issues 32
    for keyed in (f"export COURIER_AUTH_TOKEN={near}\n", f'const courierToken = "{near}";\n'):
        assert {dropped for _, dropped in reported(ruleset, keyed)} == {"claimed:Courier"}, keyed
    assert reported(ruleset, f"Courier is the API key:\n{near}\n") == [("generic-labelled-line", "")]


HEX64 = "3c9e1f7a5b2d4c6e8f0a1b3d5e7f9a2c4b6d8e0f1a3c5e7b9d2f4a6c8e0b1d3f"


@pytest.fixture
def digest_ruleset(tmp_path):
    path = tmp_path / "quillscan.yaml"
    rule = RULE_FILE.replace("    remediation:", "    filters: [placeholder, template, named-digest]\n    remediation:")
    path.write_text(rule.replace("Quillbase", "Quillscan").replace("quill base, quillbase", "quillscan")
                    .replace("quillbase", "quillscan").replace("[a-f0-9]{32}", "[a-f0-9]{64}")
                    .replace("5d0c8a7e2b4f6193ac1e3d5f7b9a2c4e", HEX64)
                    .replace("8e1f3a5c7b9d2e4f6a8c0b1d3e5f7a9c", HEX64)
                    .replace("QUILLSCAN_SHA", "QUILLSCAN_DIGEST"), encoding="utf-8")
    return RuleSet(tuple(parse_rule_file(path)))


@pytest.mark.parametrize(("text", "found"), [
    # a scanning service's name beside a file's SHA-256, with no credential named: a sample's digest
    (f"source,sha256\nquillscan,{HEX64}\n", False),
    (f"Quillscan report for {HEX64}: 41/70 engines", False),
    (f"| quillscan | {HEX64} |", False),
    # under a credential's name, or given to a client, the same shape is the key
    (f"QUILLSCAN_API_KEY={HEX64}", True),
    (f"quillscan:\n  token: {HEX64}\n", True),
    (f'client = Quillscan("https://api.quillscan.io", "{HEX64}")', True),
    (f'{{"quillscan": "{HEX64}"}}', True),  # the name's own value
    (f"QUILLSCAN={HEX64}", True),
])
def test_a_digests_length_of_hex_beside_a_name_alone_is_a_digest(digest_ruleset, text, found):
    assert (HEX64 in secrets_in(digest_ruleset, text)) is found


def test_only_a_rule_that_lists_the_filter_reads_a_digest_beside_its_name(tmp_path):
    """A Todoist or Pipedrive key is 40 hex characters too, and prose about the account holds it: no indicator
    list names those services."""
    path = tmp_path / "quillscan.yaml"
    path.write_text(RULE_FILE.replace("[a-f0-9]{32}", "[a-f0-9]{64}").replace("5d0c8a7e2b4f6193ac1e3d5f7b9a2c4e", HEX64)
                    .replace("8e1f3a5c7b9d2e4f6a8c0b1d3e5f7a9c", HEX64), encoding="utf-8")
    plain = RuleSet(tuple(parse_rule_file(path)))
    assert secrets_in(plain, f"Our Quillbase account: {HEX64}") == [HEX64]
    assert secrets_in(plain, f"quillbase,{HEX64}") == [HEX64]

