"""The broad rules (generic assignments, context rules) on files that are big, repetitive and not code a
person wrote: each gives a bounded, explained outcome, never thousands of findings."""

from __future__ import annotations

import base64
import json
import random
import string

import pytest

from scanner.scan import MAX_FINDINGS_PER_RULE

pytestmark = pytest.mark.slow

RNG = random.Random(7)


def token(n: int = 32, alphabet: str = string.ascii_letters + string.digits) -> str:
    return "".join(RNG.choice(alphabet) for _ in range(n))


def scan_file(tmp_path, leakstop, name: str, content: str):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return leakstop("scan", "--no-git", path, "--format", "json")


def test_a_log_with_a_token_on_every_line_is_capped_and_says_how_many_more(tmp_path, leakstop):
    lines = [f"2024-05-01T10:{i // 3600 % 60:02d}:{i % 60:02d}Z INFO request served token={token(24)} ms=12"
             for i in range(20_000)]
    result = scan_file(tmp_path, leakstop, "access.log", "\n".join(lines))
    assert result.code == 1
    ids = [f["rule_id"] for f in result.json()["findings"]]
    assert 0 < len(ids) <= MAX_FINDINGS_PER_RULE * len(set(ids))
    assert "more generic-api-key-assignment finding(s) not listed" in result.stderr


def test_a_provider_name_before_ten_thousand_hex_tokens_is_capped(tmp_path, leakstop):
    lines = [f"stormboard_api_key_{i} = {token(40, '0123456789abcdef')}" for i in range(10_000)]
    result = scan_file(tmp_path, leakstop, "keys.txt", "\n".join(lines))
    findings = result.json()["findings"]
    per_rule: dict[str, int] = {}
    for f in findings:
        per_rule[f["rule_id"]] = per_rule.get(f["rule_id"], 0) + 1
    assert per_rule and max(per_rule.values()) <= MAX_FINDINGS_PER_RULE
    assert "finding(s) not listed" in result.stderr


def test_a_minified_bundle_of_names_and_strings_is_quiet(tmp_path, leakstop):
    parts = []
    for i in range(4_000):
        name = "".join(RNG.choice(string.ascii_lowercase) for _ in range(2))
        parts.append(f'function {name}{i}(e,t){{var n="{token(12, string.ascii_lowercase)}",r=e.key||t.token;'
                     f'return r?n+r:"{name}-{i}"}}')
    parts.append('var cfg={sortKey:"createdAt",cacheKey:"v2-" + Date.now(),tokenType:"bearer",nextPageToken:null};')
    result = scan_file(tmp_path, leakstop, "app.min.js", ";".join(parts))
    assert result.code == 0, result.output


def test_a_lock_file_of_integrity_hashes_is_quiet(tmp_path, leakstop):
    packages = {
        f"node_modules/pkg-{i}": {
            "version": f"1.{i % 30}.{i % 7}",
            "resolved": f"https://registry.npmjs.org/pkg-{i}/-/pkg-{i}-1.0.{i % 7}.tgz",
            "integrity": "sha512-" + base64.b64encode(RNG.randbytes(64)).decode(),
        }
        for i in range(3_000)
    }
    result = scan_file(tmp_path, leakstop, "package-lock.json", json.dumps({"packages": packages}, indent=2))
    assert result.code == 0, result.output


def test_a_base64_image_and_a_hex_dump_are_quiet(tmp_path, leakstop):
    image = base64.b64encode(RNG.randbytes(300_000)).decode()
    dump = "\n".join(f"{i * 16:08x}: " + " ".join(RNG.randbytes(2).hex() for _ in range(8))
                     for i in range(20_000))
    html = f'<img alt="logo" src="data:image/png;base64,{image}">\n'
    assert scan_file(tmp_path, leakstop, "page.html", html).code == 0
    assert scan_file(tmp_path, leakstop, "firmware.hex", dump).code == 0


def test_a_manifest_of_thousands_of_name_value_credentials_is_capped(tmp_path, leakstop):
    entries = [f"        - name: SERVICE_{i}_PASSWORD\n          value: \"{token(16)}\"" for i in range(5_000)]
    result = scan_file(tmp_path, leakstop, "deployment.yaml", "      env:\n" + "\n".join(entries) + "\n")
    ids = [f["rule_id"] for f in result.json()["findings"]]
    assert result.code == 1
    assert 0 < ids.count("generic-env-name-value") <= MAX_FINDINGS_PER_RULE
    assert "finding(s) not listed" in result.stderr


def test_thousands_of_labels_each_above_a_key_are_capped(tmp_path, leakstop):
    notes = "".join(f"Staging API key for shard {i}:\n    {token(32)}\n\n" for i in range(5_000))
    result = scan_file(tmp_path, leakstop, "handover.md", notes)
    ids = [f["rule_id"] for f in result.json()["findings"]]
    assert result.code == 1
    assert 0 < ids.count("generic-labelled-line") <= MAX_FINDINGS_PER_RULE
    assert "finding(s) not listed" in result.stderr


def test_thousands_of_ansible_vault_blocks_under_provider_keys_are_quiet(tmp_path, leakstop):
    hexline = string.hexdigits[:16]
    blocks = [f"ambee_api_key_{i}: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  {token(64, hexline)}\n"
              f"  {token(64, hexline)}" for i in range(3_000)]
    result = scan_file(tmp_path, leakstop, "all.yml", "\n".join(blocks) + "\n")
    assert result.code == 0, result.output


def test_five_thousand_provider_blocks_of_bare_keys_are_capped(tmp_path, leakstop):
    """generic-provider-named-key: a provider's block, two random values under `key` in it, 5,000 times."""
    lines = [f"doppler:\n  key: {token(24)}\n  key: {token(24)}" for _ in range(5_000)]
    result = scan_file(tmp_path, leakstop, "keys.yml", "\n".join(lines))
    ids = [f["rule_id"] for f in result.json()["findings"]]
    assert ids.count("generic-provider-named-key") == MAX_FINDINGS_PER_RULE
    assert "more generic-provider-named-key finding(s) not listed" in result.stderr


def test_bare_keys_with_no_provider_named_are_quiet(tmp_path, leakstop):
    """A data file of `key:` entries (translations, cache keys) names no provider: nothing to report."""
    lines = [f"- key: {token(24)}\n  value: {token(8, string.ascii_lowercase)}" for _ in range(5_000)]
    result = scan_file(tmp_path, leakstop, "entries.yml", "\n".join(lines))
    assert result.code == 0, result.output


def test_thousands_of_pem_headers_without_ends_are_capped(tmp_path, leakstop):
    """private-key-truncated: each header looks ahead for its END line once, and the findings are capped."""
    blocks = [f"-----BEGIN RSA PRIVATE KEY-----\n{token(64)}\n{token(64)}\n" for _ in range(2_000)]
    result = scan_file(tmp_path, leakstop, "dump.txt", "".join(blocks))
    ids = [f["rule_id"] for f in result.json()["findings"]]
    assert 0 < ids.count("private-key-truncated") <= MAX_FINDINGS_PER_RULE


def test_a_table_of_ten_thousand_rows_naming_a_provider_is_capped(tmp_path, leakstop):
    """A provider's name heading each row of a table (a bare-key lead) on a generated dump: bounded."""
    rows = ["| service | value |", "|---|---|"]
    rows += [f"| Cicero | `{token(40, string.ascii_lowercase + string.digits)}` |" for _ in range(10_000)]
    result = scan_file(tmp_path, leakstop, "dump.md", "\n".join(rows))
    per_rule: dict[str, int] = {}
    for f in result.json()["findings"]:
        per_rule[f["rule_id"]] = per_rule.get(f["rule_id"], 0) + 1
    assert per_rule and max(per_rule.values()) <= MAX_FINDINGS_PER_RULE
    assert "finding(s) not listed" in result.stderr


def test_a_line_of_auth_words_without_values_is_quiet(tmp_path, leakstop):
    """`auth` now ends a credential's name: a file full of the word and no value costs no finding, and no
    rule times out on it even before a gate is compiled (a fresh cache folder: every rule whose keyword is
    there runs). A rule tried at each of 200,000 `auth`s once read to the line's end each time."""
    text = " ".join(RNG.choice(["auth", "oauth", "author", "authority", "x_auth", "Auth"]) for _ in range(200_000))
    path = tmp_path / "words.txt"
    path.write_text(text, encoding="utf-8")
    result = leakstop("scan", "--no-git", path, "--format", "json", env={"LEAKSTOP_CACHE_DIR": str(tmp_path / "c")})
    assert result.code == 0, result.output


def _b64url(n: int) -> str:
    return base64.urlsafe_b64encode(RNG.randbytes(n)).decode().rstrip("=")


def test_a_jwk_after_forty_thousand_loose_members_is_found_in_one_pass(tmp_path, leakstop):
    """jwk-private-key starts at an object's brace: `kty` members outside any object cost nothing, where a
    match starting at each of them would read thousands of characters ahead, 40,000 times, and time out."""
    loose = '"kty": "RSA", "n": "x", ' * 40_000
    key = json.dumps({"kty": "EC", "crv": "P-256", "d": _b64url(32), "x": _b64url(32)})
    result = scan_file(tmp_path, leakstop, "keys.json", f"[{loose}{key}]")
    assert result.code == 1, result.output
    assert [f["rule_id"] for f in result.json()["findings"]] == ["jwk-private-key"]
    assert "timed out" not in result.stderr


def test_a_key_set_of_thousands_of_public_jwks_is_quiet(tmp_path, leakstop):
    keys = [{"kty": "RSA", "kid": f"k{i}", "use": "sig", "e": "AQAB", "n": _b64url(256)} for i in range(2_000)]
    keys += [{"kty": "EC", "crv": "P-256", "x": _b64url(32), "y": _b64url(32)} for _ in range(2_000)]
    result = scan_file(tmp_path, leakstop, "jwks.json", json.dumps({"keys": keys}, indent=2))
    assert result.code == 0, result.output


def test_thousands_of_tool_commands_reading_their_password_from_a_variable_are_quiet(tmp_path, leakstop):
    """generic-cli-tool-password and powershell-plaintext-securestring on a generated script: no literal, no
    finding, however many commands."""
    lines = []
    for i in range(3_000):
        lines.append(f'sqlcmd -S db{i} -U sa -P "$SA_PASSWORD" -Q "SELECT {i}"')
        lines.append(f"zip -r -P $ZIP_PASS out{i}.zip dist/{i}")
        lines.append(f"$pw{i} = ConvertTo-SecureString $env:PW_{i} -AsPlainText -Force")
    result = scan_file(tmp_path, leakstop, "jobs.ps1", "\n".join(lines))
    assert result.code == 0, result.output


def test_a_dump_of_thousands_of_inserts_with_plain_passwords_is_capped(tmp_path, leakstop):
    """generic-sql-insert-credential on a generated dump: each INSERT's password column read once, the
    findings capped, no time-out."""
    rows = [f"INSERT INTO users (id, name, email, password) VALUES ({i}, 'u{i}', 'u{i}@corp.io', '{token(14)}');"
            for i in range(20_000)]
    result = scan_file(tmp_path, leakstop, "seed.sql", "\n".join(rows))
    ids = [f["rule_id"] for f in result.json()["findings"]]
    assert ids.count("generic-sql-insert-credential") == MAX_FINDINGS_PER_RULE
    assert "more generic-sql-insert-credential finding(s) not listed" in result.stderr
    assert "timed out" not in result.stderr


def test_a_csv_whose_every_row_names_a_credential_column_is_quiet(tmp_path, leakstop):
    """generic-csv-credential reads the header, the file's first line, alone: rows that hold `password` and
    `token` as words (a log exported as CSV) are no headers, and cost no search."""
    rows = [",".join(token(6) for _ in range(12)) + ",password token secret" for _ in range(20_000)]
    result = scan_file(tmp_path, leakstop, "export.csv", "id,at,message\n" + "\n".join(rows))
    assert result.code == 0, result.output
    assert "timed out" not in result.stderr


def test_a_wiki_page_of_tables_with_password_columns_is_capped(tmp_path, leakstop):
    """generic-markdown-table-password: five hundred tables, each a header naming its password column and
    rows of accounts: a few findings per rule, no time-out."""
    tables = [f"### host {i}\n\n| user | role | password |\n|---|---|---|\n"
              + "".join(f"| u{j} | ops | {token(12)}#{j} |\n" for j in range(6)) for i in range(500)]
    result = scan_file(tmp_path, leakstop, "accounts.md", "\n".join(tables))
    ids = [f["rule_id"] for f in result.json()["findings"]]
    assert 0 < ids.count("generic-markdown-table-password") <= MAX_FINDINGS_PER_RULE
    assert "timed out" not in result.stderr


def test_a_postman_collection_of_thousands_of_requests_is_capped(tmp_path, leakstop):
    """generic-postman-apikey-auth: an exported collection whose every request carries its own API-key
    auth block: the findings capped, no time-out; a request with a `{{variable}}` value reports nothing."""
    items = [{"name": f"r{i}", "request": {"auth": {"type": "apikey", "apikey": [
        {"key": "value", "value": "{{api_key}}" if i % 2 else token(32), "type": "string"},
        {"key": "key", "value": "X-API-Key", "type": "string"}]}, "url": f"https://api.acme.io/v1/items/{i}"}}
        for i in range(5_000)]
    result = scan_file(tmp_path, leakstop, "acme.postman_collection.json", json.dumps({"item": items}, indent=2))
    ids = [f["rule_id"] for f in result.json()["findings"]]
    assert ids.count("generic-postman-apikey-auth") == MAX_FINDINGS_PER_RULE
    assert "timed out" not in result.stderr


def test_service_configs_that_repeat_their_directives_stay_bounded(tmp_path, leakstop):
    """service-config-password-directive and consul-agent-config-token on generated files: a directive with
    no value, a hash or a reference finds nothing however many times it repeats; `tokens {` opening a
    block thousands of times over, never closed, finds nothing and does not time out."""
    lines = []
    for i in range(4_000):
        lines += [f"rootpw {{SSHA}}{token(32)}", "bindpw ${LDAP_PW}", "rocommunity public default",
                  f"user u{i} insecure-password", f"%any 10.0.{i % 250}.1 : PSK"]
    result = scan_file(tmp_path, leakstop, "slapd.conf", "\n".join(lines))
    assert result.code == 0, result.output
    hcl = "acl {\n" + "  tokens {\n    agent_prefix = \"x\"\n" * 5_000
    result = scan_file(tmp_path, leakstop, "consul.hcl", hcl)
    assert result.code == 0, result.output
    assert "timed out" not in result.stderr


def test_thousands_of_lowercase_phrases_under_a_mnemonic_key_cost_a_checksum_each_and_report_none(tmp_path,
                                                                                                  leakstop):
    """bip39-seed-phrase: twelve words of BIP39's list with a checksum that does not hold (a sentence, a
    placeholder) are no seed, however many there are."""
    from mnemonic import Mnemonic

    words = ["water", "describe", "also", "acquire", "leader", "wedding", "segment", "sport", "anger", "frown",
             "earn", "abandon"]
    check, phrases = Mnemonic("english").check, []
    while len(phrases) < 5_000:
        phrase = " ".join(RNG.sample(words, len(words)))
        if not check(phrase):  # one shuffle in sixteen holds the checksum: that one would be a seed
            phrases.append(phrase)
    lines = [f'mnemonic_{i} = "{phrase}"' for i, phrase in enumerate(phrases)]
    result = scan_file(tmp_path, leakstop, "wallets.py", "\n".join(lines))
    assert result.code == 0, result.output
