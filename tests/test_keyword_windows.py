"""Large texts run each rule only near its keywords, within the rule's own longest match: a long token in a
large file is found as it is in a small one."""

from __future__ import annotations

import base64
import json
import secrets

from git_fixtures import findings


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def long_id_token() -> str:
    """An OpenID Connect ID token with many group claims: ~3.4 KB."""
    header = b64url(json.dumps({"alg": "RS256", "kid": secrets.token_hex(8), "typ": "JWT"}).encode())
    claims = {"iss": "https://login.example-idp.invalid/tenant-4711/v2.0", "sub": secrets.token_hex(16),
              "aud": secrets.token_hex(16), "exp": 1893456000, "iat": 1893452400,
              "groups": [f"{secrets.token_hex(4)}-{secrets.token_hex(2)}-{secrets.token_hex(2)}-"
                         f"{secrets.token_hex(6)}" for _ in range(60)]}
    payload = b64url(json.dumps(claims).encode())
    return f"{header}.{payload}.{b64url(secrets.token_bytes(256))}"


def test_a_long_token_in_a_large_env_file_is_found(leakstop, tmp_path):
    token = long_id_token()
    assert 3000 < len(token) < 4000
    filler = "".join(f"FEATURE_FLAG_{i:04d}=enabled\n" for i in range(800))  # ~21 KB around it
    env = tmp_path / ".env"
    env.write_text(filler + f"OIDC_ID_TOKEN={token}\n" + filler)
    assert env.stat().st_size > 38_000
    small = tmp_path / "small.env"
    small.write_text(f"OIDC_ID_TOKEN={token}\n")
    for target in (small, env):
        result = leakstop("scan", target, "--format", "json")
        assert [f["rule_id"] for f in findings(result)] == ["jwt-token"], target
