"""JSON string escapes are decoded before matching: `\\u0041KIA...` and a `\\/`-escaped URL are secrets too."""

from __future__ import annotations

from git_fixtures import findings
from secrets_fixtures import AWS_KEY_ID

from scanner.engine.decode import decode_json_string


def test_escaped_secrets_in_a_json_file_are_found(leakstop, tmp_path):
    escaped_key = "\\u0041" + AWS_KEY_ID[1:]
    (tmp_path / "creds.json").write_text(
        '{"aws_access_key_id": "' + escaped_key + '",\n'
        ' "database_url": "postgres:\\/\\/orders_app:Vq8zR2mWx4Lt9Kp@db.internal.example:5432\\/orders"}\n')
    result = leakstop("scan", tmp_path / "creds.json", "--format", "json")
    assert sorted((f["rule_id"], f["line"]) for f in findings(result)) == [
        ("aws-access-key-id", 1), ("database-url-postgres", 2)]


def test_json_string_decoding():
    assert decode_json_string("a\\/bc\\u0041d") == "a/bcAd"
    assert decode_json_string("\\u2135") is None  # one character: too short to hold a credential
    assert decode_json_string("plain") is None  # nothing to decode
    assert decode_json_string("bad \\x escape") is None
    assert decode_json_string("\\u0000\\u0001 controls") is None
