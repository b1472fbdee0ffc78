"""Read a provider's answer into a Verification, as the rule's verify block describes it.

Pure: status, headers and body in, a Verification out. Bodies are read here and never logged or kept.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from scanner.verify.result import ERROR, INVALID, UNKNOWN, VALID, Verification
from scanner.verify.spec import Condition, VerifySpec

MAX_IDENTITY = 200


def parse_json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None


def json_path(data: Any, path: str) -> Any:
    """`user.email`, `items.0.name`: None where the path does not exist."""
    for part in path.split("."):
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    return data


def holds(condition: Condition, status: int, body: bytes, data: Any) -> bool:
    if condition.status and status not in condition.status:
        return False
    if condition.json and (data is None or any(json_path(data, p) != v for p, v in condition.json)):
        return False
    if condition.present and (data is None or any(json_path(data, p) in (None, "") for p in condition.present)):
        return False
    text = body.decode("utf-8", "replace")
    return all(word in text for word in condition.words)


def identity_of(spec: VerifySpec, headers: Mapping[str, str], body: bytes, data: Any) -> str:
    """`key=value` pairs for each identity field the answer holds, cut to a readable length."""
    parts = []
    for field in spec.identity:
        value: Any
        if field.startswith("header:"):
            value = headers.get(field[7:].lower(), "")
        elif field.startswith("xml:"):
            tag = re.escape(field[4:])
            found = re.search(rf"<{tag}>([^<]{{1,200}})</{tag}>", body.decode("utf-8", "replace"))
            value = found.group(1) if found else ""
        else:
            value = json_path(data, field)
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        if value not in (None, "", {}):
            parts.append(f"{field.split(':')[-1].split('.')[-1]}={value}")
    text = "; ".join(parts)
    return text if len(text) <= MAX_IDENTITY else text[:MAX_IDENTITY - 1] + "…"


def read_answer(spec: VerifySpec, status: int, headers: Mapping[str, str], body: bytes, endpoint: str
                ) -> Verification:
    """The rule's own conditions first (Mandrill says "invalid key" with a 500); then 429 and 5xx are
    `unknown`, and so is any answer the rule does not describe."""
    data = parse_json(body)
    for condition in spec.valid:
        if holds(condition, status, body, data):
            return Verification(VALID, condition.reason or f"HTTP {status}",
                                identity_of(spec, headers, body, data), endpoint)
    for condition in spec.invalid:
        if holds(condition, status, body, data):
            return Verification(INVALID, condition.reason or f"HTTP {status}", endpoint=endpoint)
    if status == 429:
        return Verification(UNKNOWN, "rate-limited (HTTP 429)", endpoint=endpoint)
    if status >= 500:
        return Verification(UNKNOWN, f"provider error (HTTP {status})", endpoint=endpoint)
    if 300 <= status < 400:
        return Verification(UNKNOWN, f"redirect not followed (HTTP {status})", endpoint=endpoint)
    shape = "" if data is not None or not body else ", body is not JSON"
    return Verification(UNKNOWN, f"unexpected answer (HTTP {status}{shape})", endpoint=endpoint)


def network_error(reason: str, endpoint: str) -> Verification:
    return Verification(ERROR, reason, endpoint=endpoint)
