"""VerifySpec: a rule's `verify:` block as a typed value, read from the rule files, and its static checks.

The blocks are read from the same YAML files as the rules, but only when a scan verifies or `rules check`
runs, so the rule cache and the pre-commit path never carry them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scanner.errors import RuleError

PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")
SIGNERS = ("aws-sigv4",)


@dataclass(frozen=True)
class Condition:
    """One way an answer can look; every part given must hold (empty parts always hold)."""

    status: tuple[int, ...] = ()
    json: tuple[tuple[str, object], ...] = ()
    """(dotted path, expected value) pairs read from a JSON body."""
    words: tuple[str, ...] = ()
    """Substrings the body must contain."""
    present: tuple[str, ...] = ()
    """Dotted JSON paths that must hold a value (GraphQL's `data.viewer`)."""
    reason: str = ""


@dataclass(frozen=True)
class Signer:
    """A request signed locally (no SDK): the templates name the key id and the signing secret."""

    kind: str
    key_id: str
    secret: str
    region: str
    service: str


@dataclass(frozen=True)
class RequestTemplate:
    method: str
    url: str
    headers: tuple[tuple[str, str], ...] = ()
    body: str = ""
    basic_auth: tuple[str, str] | None = None
    sign: Signer | None = None


@dataclass(frozen=True)
class VerifySpec:
    """How to ask a provider whether a secret works, and how to read the answer."""

    rule_id: str
    provider: str
    host: str = ""
    """The one host requests may go to; `*.example.com` lets a capture name the sub-domain."""
    request: RequestTemplate | None = None
    partners: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """Placeholder name → rule ids whose finding in the same file supplies it (AWS key id for a secret)."""
    valid: tuple[Condition, ...] = ()
    invalid: tuple[Condition, ...] = ()
    identity: tuple[str, ...] = ()
    """Where the answer says what the key reaches: a dotted JSON path, `header:NAME` or `xml:Element`."""
    unverifiable: str = ""
    """Why no request can tell (PyPI upload tokens): the result is always `unknown` with this reason."""
    revoke: str = ""
    """Where a valid key is revoked (a provider page)."""

    def placeholders(self) -> set[str]:
        if self.request is None:
            return set()
        texts = [self.request.url, self.request.body, *(v for _, v in self.request.headers)]
        if self.request.basic_auth:
            texts.extend(self.request.basic_auth)
        if self.request.sign:
            texts.extend((self.request.sign.key_id, self.request.sign.secret))
        return {name for text in texts for name in PLACEHOLDER.findall(text)}


def condition_from(raw: Mapping[str, Any]) -> Condition:
    return Condition(status=tuple(raw.get("status", ())), json=tuple(raw.get("json", {}).items()),
                     words=tuple(raw.get("words", ())), present=tuple(raw.get("present", ())),
                     reason=raw.get("reason", ""))


def spec_from(rule_id: str, provider: str, raw: Mapping[str, Any]) -> VerifySpec:
    request = None
    if "request" in raw:
        req = raw["request"]
        auth = req.get("basic_auth")
        request = RequestTemplate(
            method=req.get("method", "GET"), url=req["url"], headers=tuple(req.get("headers", {}).items()),
            body=req.get("body", ""), basic_auth=(auth["username"], auth.get("password", "")) if auth else None,
            sign=Signer(**req["sign"]) if "sign" in req else None)
    return VerifySpec(
        rule_id=rule_id, provider=provider, host=raw.get("host", ""), request=request,
        partners=tuple((name, tuple(ids)) for name, ids in raw.get("partners", {}).items()),
        valid=tuple(condition_from(c) for c in raw.get("valid", ())),
        invalid=tuple(condition_from(c) for c in raw.get("invalid", ())),
        identity=tuple(raw.get("identity", ())), unverifiable=raw.get("unverifiable", ""),
        revoke=raw.get("revoke", ""))


def load_specs(files: Iterable[Path]) -> dict[str, VerifySpec]:
    """Rule id → VerifySpec for every rule with a `verify:` block in these (already validated) files."""
    from scanner.ruleset.yaml_io import load_yaml

    specs: dict[str, VerifySpec] = {}
    for path in files:
        try:
            data = load_yaml(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise RuleError(f"{path}: cannot read rule file: {exc}") from exc
        for raw in data.get("rules", ()) if isinstance(data, dict) else ():
            if isinstance(raw, dict) and "verify" in raw:
                specs[raw["id"]] = spec_from(raw["id"], raw.get("provider", data.get("provider", "")), raw["verify"])
    return specs


def host_allowed(host: str, declared: str) -> bool:
    """Exactly the declared host, or one label below it when it is declared as `*.domain`."""
    host = host.lower().rstrip(".")
    declared = declared.lower()
    if declared.startswith("*."):
        label, _, rest = host.partition(".")
        return rest == declared[2:] and bool(re.fullmatch(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?", label))
    return host == declared


def spec_problems(spec: VerifySpec, captures: Iterable[str], rule_ids: Iterable[str]) -> list[str]:
    """What is wrong with a verify block: `rules check` reports each one."""
    if spec.unverifiable:
        return [] if spec.request is None else ["verify: `unverifiable` and `request` exclude each other"]
    if spec.request is None or not spec.host:
        return ["verify: needs `request` and `host` (or `unverifiable`)"]
    problems = []
    known = {"secret", *captures, *(name for name, _ in spec.partners)}
    problems += [f"verify: placeholder {{{name}}} is neither the secret, a named group of the pattern nor a "
                 f"partner" for name in sorted(spec.placeholders() - known)]
    url = spec.request.url
    if not url.startswith("https://"):
        problems.append(f"verify: url must use HTTPS: {url}")
    host_template = urlsplit(url).netloc
    if "@" in host_template or ":" in host_template:
        problems.append(f"verify: url must name a plain host (no credentials or port): {url}")
    sample = PLACEHOLDER.sub("sub", host_template)
    if not host_allowed(sample, spec.host):
        problems.append(f"verify: url host {host_template} is not the declared host {spec.host}")
    if spec.request.sign and spec.request.sign.kind not in SIGNERS:
        problems.append(f"verify: unknown signer {spec.request.sign.kind}")
    if not spec.valid or not spec.invalid:
        problems.append("verify: needs at least one `valid` and one `invalid` condition")
    known_ids = set(rule_ids)
    problems += [f"verify: partner rule {rid} does not exist" for _, ids in spec.partners for rid in ids
                 if rid not in known_ids]
    return problems
