"""Decoding: encoded secrets are found, reported at the encoded run, and say how they were decoded."""

from __future__ import annotations

import base64
import re

import pytest
from decode_fixtures import b64, dockercfg, dockerconfigjson_secret, percent_encoded_url
from hypothesis import given, settings
from hypothesis import strategies as st
from secrets_fixtures import DB_PASSWORD, GITHUB

from scanner.engine.decode import (
    MAX_RUNS_PER_FRAGMENT,
    _base64_runs,
    capped_runs,
    decode_base64,
    decode_hex,
    decode_percent,
    decoded_fragments,
    encoded_runs,
)
from scanner.fragment import Fragment


@pytest.mark.parametrize(("run", "expected"), [
    (b64("user:hunter2-password"), "user:hunter2-password"),
    (b64("user:pass"), "user:pass"),  # all letters, still base64
    ("0" + b64("deploy:Tr0ub4dor")[1:], None),  # a lead character outside ASCII text's range
    ("django/contrib/admin/static", None),  # a path
    (base64.urlsafe_b64encode(b"token=>>>???<<<abc").decode(), "token=>>>???<<<abc"),
    ("dXNlcjpwYXNzd29yZ", None),  # a length no base64 text can have
    ("getConnectionStringFromEnvironment", None),  # a long identifier is not base64
    ("0123456789abcdef0123456789abcdef", None),  # hex digest: left to the hex decoder
    (base64.b64encode(bytes(range(40))).decode(), None),  # binary
    (base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(200)).decode(), None),  # an image
])
def test_base64_decodes_only_to_printable_text(run, expected):
    assert decode_base64(run) == expected


@pytest.mark.parametrize(("run", "expected"), [
    (b"hunter2-password".hex(), "hunter2-password"),
    ("da39a3ee5e6b4b0d3255bfef95601890afd80709", None),  # sha1: bytes, not text
    ("00000000000000000000000000", None),
])
def test_hex_decodes_only_to_printable_text(run, expected):
    assert decode_hex(run) == expected


@pytest.mark.parametrize(("run", "expected"), [
    ("p%40ss%21word", "p@ss!word"),
    ("plain", None),  # nothing to decode
    ("%FF%FE", None),  # not UTF-8
    ("a%00b", None),  # control character
])
def test_percent_decoding(run, expected):
    assert decode_percent(run) == expected


def test_runs_keep_their_place_in_the_text():
    text = "x = 1\npassword: " + b64("correct horse battery") + "\n"
    (run,) = encoded_runs(text)
    assert text[run.start:run.end] == b64("correct horse battery")
    assert (run.encoding, run.text) == ("base64", "correct horse battery")


def test_url_safe_runs_are_found_whole():
    """Runs are found in the standard alphabet and widened over `-`/`_` where they touch one."""
    encoded = base64.urlsafe_b64encode(b"password=hunter2-correct-horse?battery>staple~").decode()
    assert "-" in encoded and len(encoded.split("-")[0]) >= 16
    text = f"session = {encoded}\n"
    (run,) = encoded_runs(text)
    assert text[run.start:run.end] == encoded
    assert run.text == "password=hunter2-correct-horse?battery>staple~"


def test_a_run_is_widened_backwards_over_dashes_too():
    padded = "QUJDREVGR0hJSktMTU5PUA=="  # standard alphabet, padded: a run whatever its letters
    text = f"x = ab-{padded} y"
    assert [(text[a:b]) for a, b in _base64_runs(text)] == ["ab-" + padded]


def test_url_safe_runs_broken_up_every_few_characters_are_left_alone():
    """The documented narrowing: every 16-character stretch holds a `-` or `_`, as in a snake_case name.
    (The full-alphabet finder this replaced yielded this run.)"""
    encoded = base64.urlsafe_b64encode(b"a=1?b=2>c=3~d=4?" * 2).decode()
    assert all(len(piece) < 16 for piece in re.split("[-_=]", encoded))
    assert decode_base64(encoded) == "a=1?b=2>c=3~d=4?" * 2, "decodable text, had it been found"
    assert list(_base64_runs(f"value = {encoded}\n")) == []


def test_depth_limit_and_labels():
    inner = b64("level two text here")
    outer = b64(f"wrapped: {inner}")
    fragment = Fragment(f"\n\n  value: {outer}\n", "f.yaml")
    labels = [c.decoded for c in decoded_fragments(fragment, max_depth=2)]
    assert labels == ["base64", "base64 > base64"]
    assert [c.decoded for c in decoded_fragments(fragment, max_depth=1)] == ["base64"]
    assert list(decoded_fragments(fragment, max_depth=0)) == []
    children = list(decoded_fragments(fragment, max_depth=2))
    assert {c.encoded_at for c in children} == {(3, 10, 3, 10 + len(outer))}, "every level points at the run"


def test_work_per_fragment_is_capped():
    text = "\n".join(b64(f"line number {i} of text") for i in range(MAX_RUNS_PER_FRAGMENT * 3))
    assert len(encoded_runs(text)) == MAX_RUNS_PER_FRAGMENT


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_decoding_never_raises_and_children_are_text(text):
    for child in decoded_fragments(Fragment(text, "x"), max_depth=2):
        assert child.text and child.decoded


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), min_size=12, max_size=200))
def test_any_printable_text_round_trips_through_base64(secret):
    runs = encoded_runs(f"value: {b64(secret)}\n")
    assert any(r.text == secret for r in runs) or not any(c.isalnum() for c in secret) \
        or b64(secret).isalpha()


def findings(result):
    return [(f["rule_id"], f["line"], f["column"], f.get("decoded", "")) for f in result.json()["findings"]]


def test_kubernetes_dockerconfigjson_is_decoded_twice(tmp_path, leakstop):
    (tmp_path / "pull-secret.yaml").write_text(dockerconfigjson_secret())
    result = leakstop("scan", tmp_path, "--no-git", "--format", "json")
    assert result.code == 1
    found = findings(result)
    assert ("github-pat-classic", 7, 22, "base64 > base64") in found
    assert any(d == "base64" and rule == "docker-config-auth" for rule, _, _, d in found)
    assert GITHUB not in result.output


def test_dockercfg_auth_is_decoded(tmp_path, leakstop):
    (tmp_path / ".dockercfg").write_text(dockercfg())
    result = leakstop("scan", tmp_path, "--no-git", "--format", "json")
    assert ("github-pat-classic", 3, 14, "base64") in findings(result)


def test_text_report_says_decoded_from(tmp_path, leakstop):
    (tmp_path / "pull-secret.yaml").write_text(dockerconfigjson_secret())
    result = leakstop("scan", tmp_path, "--no-git")
    assert "pull-secret.yaml:7:22 (decoded from base64 > base64)" in result.stdout


def test_percent_encoded_password_in_url(tmp_path, leakstop):
    (tmp_path / ".env").write_text(percent_encoded_url())
    result = leakstop("scan", tmp_path, "--no-git", "--format", "json", "--show-secrets")
    hits = [f for f in result.json()["findings"] if f.get("decoded") == "percent"]
    assert any(f["secret"] == DB_PASSWORD and f["line"] == 1 for f in hits), result.stdout


def test_kubernetes_secret_value_is_decoded(tmp_path, leakstop):
    (tmp_path / "s.yaml").write_text(f"apiVersion: v1\nkind: Secret\ndata:\n  token: {b64(GITHUB)}\n")
    found = findings(leakstop("scan", tmp_path, "--no-git", "--format", "json"))
    assert ("github-pat-classic", 4, 10, "base64") in found


def test_max_decode_depth_zero_disables_and_one_stops_early(tmp_path, leakstop):
    (tmp_path / "pull-secret.yaml").write_text(dockerconfigjson_secret())
    off = findings(leakstop("scan", tmp_path, "--no-git", "--format", "json", "--max-decode-depth", "0"))
    assert off and all(d == "" for *_, d in off)
    one = findings(leakstop("scan", tmp_path, "--no-git", "--format", "json", "--max-decode-depth", "1"))
    assert {d for *_, d in one} == {"", "base64"}
    assert not any(rule == "github-pat-classic" for rule, *_ in one)


def test_same_secret_plain_and_decoded_is_reported_once(tmp_path, leakstop):
    (tmp_path / "a.env").write_text(f"URL=https://ci:{GITHUB}@git.corp.io/x?next=%2Fhome\n")
    result = leakstop("scan", tmp_path, "--no-git", "--format", "json")
    github = [f for f in result.json()["findings"] if f["rule_id"] == "github-pat-classic"]
    assert len(github) == 1 and len(github[0]["occurrences"]) == 1
    assert "decoded" not in github[0]


def test_a_secret_holding_a_percent_escape_is_reported_once(tmp_path, leakstop):
    """A SAS signature ends in `%3D`: the raw token and its percent-decoded form are one secret, not two."""
    sig = "Qm7Zx2Kv9Lt4Rp8Nw3Bc6Hd1Jf5Gs0Ka2Lm9Qz8Vt4R%3D"
    (tmp_path / "blob.txt").write_text("https://acct.blob.core.windows.net/c/f.txt?sv=2022-11-02&ss=b&srt=o"
                                       f"&sp=r&se=2030-01-01T00:00:00Z&sig={sig}\n")
    found = [f for f in leakstop("scan", tmp_path, "--no-git", "--format", "json").json()["findings"]
             if f["rule_id"] == "azure-sas-token"]
    assert len(found) == 1 and "decoded" not in found[0]


def test_wrapped_base64_block_is_decoded_whole(tmp_path, leakstop):
    """MIME/PEM-style base64 wrapped at 76 columns (a key attached to an email or multipart body)."""
    import textwrap

    from secrets_fixtures import PRIVATE_KEY

    body = "\n".join(textwrap.wrap(b64(PRIVATE_KEY), 76))
    (tmp_path / "mail.eml").write_text(f"Content-Transfer-Encoding: base64\n\n{body}\n")
    found = findings(leakstop("scan", tmp_path, "--no-git", "--format", "json"))
    assert [(line, col, d) for _, line, col, d in found] == [(3, 1, "base64")], found


def test_paths_and_hashes_do_not_use_up_the_decoding_budget():
    """A megabyte of runs that cannot be encoded text (paths, digests) before a real one: the real one is
    still decoded, because such runs are set aside before they count against the per-fragment caps."""
    junk = "\n".join(f"/srv/app{i}/releases/2024{i:04d}/site-packages/pkg{i}" for i in range(25_000))
    secret = b64(f"db_password={DB_PASSWORD}")
    runs = encoded_runs(junk + "\nVALUE = '" + secret + "'\n")
    assert [r.text for r in runs] == [f"db_password={DB_PASSWORD}"]


def test_a_table_of_escaped_characters_does_not_use_up_the_decoding_budget():
    """HTML entities and emoji names as JSON-style escapes: each decodes to a character or two, too short to
    hold a credential, and a vendored table of thousands of them ended every version's scan in a note."""
    table = "\n".join(f'    "entity{i};": "\\u{0x2100 + i:04x}",' for i in range(MAX_RUNS_PER_FRAGMENT * 2))
    secret = b64(f"db_password={DB_PASSWORD}")
    runs, stopped_at = capped_runs(table + "\nVALUE = '" + secret + "'\n")
    assert stopped_at == -1
    assert [r.text for r in runs] == [f"db_password={DB_PASSWORD}"]
