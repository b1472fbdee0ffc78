"""AWS Signature Version 4, computed locally with hashlib and hmac (no SDK, no secret sent).

Only what `sts:GetCallerIdentity` needs: one request with a body, signed over host, content type and
date. https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
from collections.abc import Mapping
from urllib.parse import urlsplit

ALGORITHM = "AWS4-HMAC-SHA256"


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def signing_key(secret: str, day: str, region: str, service: str) -> bytes:
    key = _hmac(f"AWS4{secret}".encode(), day)
    for part in (region, service, "aws4_request"):
        key = _hmac(key, part)
    return key


def sign_v4(method: str, url: str, headers: Mapping[str, str], body: bytes, key_id: str, secret: str,
            region: str, service: str, now: datetime.datetime | None = None) -> dict[str, str]:
    """The headers to add (`X-Amz-Date`, `Authorization`) for this request."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    day = stamp[:8]
    parts = urlsplit(url)
    signed = {"host": parts.hostname or "", "x-amz-date": stamp,
              **{k.lower(): v.strip() for k, v in headers.items() if k.lower() == "content-type"}}
    names = ";".join(sorted(signed))
    canonical = "\n".join([
        method, parts.path or "/", parts.query,
        "".join(f"{k}:{signed[k]}\n" for k in sorted(signed)), names, hashlib.sha256(body).hexdigest(),
    ])
    scope = f"{day}/{region}/{service}/aws4_request"
    to_sign = "\n".join([ALGORITHM, stamp, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    signature = hmac.new(signing_key(secret, day, region, service), to_sign.encode(), hashlib.sha256).hexdigest()
    return {"X-Amz-Date": stamp,
            "Authorization": f"{ALGORITHM} Credential={key_id}/{scope}, SignedHeaders={names}, "
                             f"Signature={signature}"}
