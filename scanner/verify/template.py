"""Fill a verify block's request template with a secret, its captures and its partners.

Each value is encoded for the place it lands in (a URL path is percent-encoded, a JSON body escaped, a
form body form-encoded), so a secret can never add a header, a parameter or a path segment of its own.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import quote, quote_plus, urlsplit

from scanner.verify.spec import PLACEHOLDER, VerifySpec, host_allowed


class TemplateError(ValueError):
    """The values cannot be placed in the request safely (a header value with a line break, a host that
    is not the declared one); the finding is reported as `error` instead of being sent."""


@dataclass(frozen=True)
class PreparedRequest:
    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    host: str
    endpoint: str
    """Method and the URL template without its query: what reports show (Telegram's URL holds the token)."""


def fill(text: str, values: Mapping[str, str], encode: Callable[[str], str]) -> str:
    def one(m: object) -> str:
        name = m.group(1)  # type: ignore[attr-defined]
        if name not in values:
            raise TemplateError(f"no value for {{{name}}}")
        return encode(values[name])

    return PLACEHOLDER.sub(one, text)


def header_value(value: str) -> str:
    if any(c in value for c in "\r\n\0"):
        raise TemplateError("a value with a line break cannot go in a header")
    return value


def body_encoder(headers: Mapping[str, str]) -> Callable[[str], str]:
    kind = next((v for k, v in headers.items() if k.lower() == "content-type"), "").lower()
    if "json" in kind:
        return lambda v: json.dumps(v)[1:-1]
    if "form-urlencoded" in kind:
        return quote_plus
    return header_value


def url_encoder(value: str) -> str:
    return quote(value, safe="-._~:@")


def prepare(spec: VerifySpec, values: Mapping[str, str]) -> PreparedRequest:
    """The concrete request; raises TemplateError if the URL's host would not be the declared one."""
    request = spec.request
    assert request is not None
    url = fill(request.url, values, url_encoder)
    parts = urlsplit(url)
    if parts.scheme != "https" or parts.port is not None or parts.username is not None \
            or not host_allowed(parts.hostname or "", spec.host):
        raise TemplateError(f"refused: {parts.scheme}://{parts.hostname} is not the declared host {spec.host}")
    headers = {k: fill(v, values, header_value) for k, v in request.headers}
    if request.basic_auth:
        user, password = (fill(t, values, header_value) for t in request.basic_auth)
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        headers["Authorization"] = f"Basic {token}"
    body = fill(request.body, values, body_encoder(headers)).encode()
    if request.sign:
        from scanner.verify.sigv4 import sign_v4

        key_id, secret = (fill(t, values, header_value) for t in (request.sign.key_id, request.sign.secret))
        headers.update(sign_v4(request.method, url, headers, body, key_id, secret, request.sign.region,
                               request.sign.service))
    endpoint = f"{request.method} {request.url.split('?')[0]}"
    return PreparedRequest(request.method, url, tuple(headers.items()), body, parts.hostname or "", endpoint)


def dry_run_lines(spec: VerifySpec, values: Mapping[str, str], shown: Mapping[str, str]) -> list[str]:
    """The request as `--verify-dry-run` prints it: every secret value replaced by its redacted form,
    basic auth and signatures named rather than computed."""
    request = spec.request
    assert request is not None
    safe = {**values, **shown}
    url = fill(request.url, safe, lambda v: v)
    lines = [f"{request.method} {url}"]
    lines += [f"  {k}: {fill(v, safe, lambda x: x)}" for k, v in request.headers]
    if request.basic_auth:
        user, password = (fill(t, safe, lambda x: x) for t in request.basic_auth)
        lines.append(f"  Authorization: Basic base64({user}:{password})")
    if request.sign:
        from scanner.verify.sigv4 import ALGORITHM

        key_id = fill(request.sign.key_id, safe, lambda x: x)
        scope = f"{key_id}/…/{request.sign.region}/{request.sign.service}/aws4_request"
        lines.append(f"  Authorization: {ALGORITHM} Credential={scope}, Signature=(computed locally, not shown)")
    if request.body:
        lines.append(f"  body: {fill(request.body, safe, lambda x: x)}")
    return lines
