"""Encoded secrets for the decoding tests, assembled at run time (see secrets_fixtures.py)."""

from __future__ import annotations

import base64
import json

from secrets_fixtures import DB_PASSWORD, GITHUB


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def dockerconfigjson_secret() -> str:
    """A Kubernetes Secret of type dockerconfigjson: base64 of a docker config whose `auth` is base64."""
    config = json.dumps({"auths": {"registry.corp.io": {"auth": b64(f"deploy:{GITHUB}")}}})
    return (
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: pull\n"
        "type: kubernetes.io/dockerconfigjson\ndata:\n"
        f"  .dockerconfigjson: {b64(config)}\n"
    )


def dockercfg() -> str:
    """A legacy `.dockercfg` whose `auth` holds a token: found only once the auth is decoded."""
    return json.dumps({"registry.corp.io": {"auth": b64(f"ci:{GITHUB}"), "email": "ci@corp.io"}}, indent=2)


def percent_encoded_url() -> str:
    quoted = DB_PASSWORD.replace("&", "%26")
    inner = f"postgres://app:{quoted}@db.internal.io/prod"
    outer = inner.replace(":", "%3A").replace("/", "%2F").replace("@", "%40")
    return f"LOGIN_REDIRECT=https://sso.corp.io/cb?next={outer}\n"
