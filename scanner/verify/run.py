"""Verify a report's findings: pick each finding's verify block, find its partners, send each distinct
request once, and attach the answers. The CLI calls this after the scan; nothing here prints.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

from scanner.findings import Finding, redact
from scanner.verify.result import ERROR, UNKNOWN, VALID, Verification, status_rank
from scanner.verify.spec import VerifySpec
from scanner.verify.template import TemplateError, dry_run_lines, prepare

MAX_WORKERS = 8


@dataclass(frozen=True)
class ProviderFilter:
    """`--verify-providers aws,github` allows only those; `-aws` denies one (names or rule ids, any case)."""

    allow: frozenset[str] = frozenset()
    deny: frozenset[str] = frozenset()

    @classmethod
    def parse(cls, text: str) -> ProviderFilter:
        items = [i.strip().lower() for i in text.split(",") if i.strip()]
        return cls(frozenset(i for i in items if not i.startswith("-")),
                   frozenset(i[1:] for i in items if i.startswith("-")))

    def allows(self, spec: VerifySpec) -> bool:
        names = {spec.provider.lower(), spec.rule_id.lower()}
        return not (names & self.deny) and (not self.allow or bool(names & self.allow))


@dataclass(frozen=True)
class Planned:
    """One finding's verification: a request to send, or an answer known without one."""

    finding: Finding
    spec: VerifySpec | None
    values: Mapping[str, str]
    known: Verification | None = None


def plan(findings: Sequence[Finding], others: Sequence[Finding], specs: Mapping[str, VerifySpec],
         providers: ProviderFilter) -> list[Planned]:
    everything = [*findings, *others]
    out = []
    for f in findings:
        spec = specs.get(f.rule_id)
        if spec is None:
            out.append(Planned(f, None, {}, Verification(UNKNOWN, "no verification for this rule")))
        elif not providers.allows(spec):
            out.append(Planned(f, spec, {}, Verification(UNKNOWN, "provider not selected for verification")))
        elif spec.unverifiable:
            out.append(Planned(f, spec, {}, Verification(UNKNOWN, spec.unverifiable)))
        else:
            values, missing = substitutions(f, spec, everything)
            known = Verification(UNKNOWN, missing) if missing else None
            out.append(Planned(f, spec, values, known))
    return out


def substitutions(f: Finding, spec: VerifySpec, everything: Sequence[Finding]) -> tuple[dict[str, str], str]:
    """The secret, its captures and its partners' secrets; or why a partner is missing."""
    values = {**dict(f.captures), "secret": f.secret}
    for name, rule_ids in spec.partners:
        partner = nearest_partner(f, rule_ids, everything)
        if partner is None:
            return values, f"needs its partner ({' or '.join(rule_ids)}), not found in the same file"
        values[name] = partner.secret
    return values, ""


def nearest_partner(f: Finding, rule_ids: Iterable[str], everything: Sequence[Finding]) -> Finding | None:
    """A finding of a partner rule in the same file (and commit), the one closest by line."""
    wanted = set(rule_ids)
    places = {(loc.path, loc.commit): loc.line for loc in f.locations}
    best: tuple[int, Finding] | None = None
    for other in everything:
        if other.rule_id not in wanted or other.secret == f.secret:
            continue
        for loc in other.locations:
            line = places.get((loc.path, loc.commit))
            if line is not None and (best is None or abs(loc.line - line) < best[0]):
                best = (abs(loc.line - line), other)
    return best[1] if best else None


def cache_key(spec: VerifySpec, values: Mapping[str, str]) -> str:
    """One request per distinct credential set and host: the AWS key id and its secret, found by two
    rules, ask STS once. A hash, so the cache never holds a secret."""
    text = "\0".join([spec.host, *sorted(set(values.values()))])
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()


def dry_run(planned: Sequence[Planned]) -> list[str]:
    lines: list[str] = []
    seen: set[str] = set()
    for p in planned:
        if p.known is not None or p.spec is None or p.spec.request is None:
            continue
        key = cache_key(p.spec, p.values)
        if key in seen:
            continue
        seen.add(key)
        shown = {k: redact(v) for k, v in p.values.items() if k == "secret" or k in dict(p.spec.partners)}
        lines.append(f"{p.finding.rule_id} ({p.finding.fingerprint}):")
        lines.extend(f"  {line}" for line in dry_run_lines(p.spec, p.values, shown))
    return lines


Send = Callable[[VerifySpec, Mapping[str, str]], Verification]


def verify_all(planned: Sequence[Planned], send: Send) -> list[Finding]:
    """Each distinct request once (results cached per credential hash for the run), on a few threads."""
    todo: dict[str, tuple[VerifySpec, Mapping[str, str]]] = {}
    for p in planned:
        if p.known is None and p.spec is not None:
            todo.setdefault(cache_key(p.spec, p.values), (p.spec, p.values))
    with ThreadPoolExecutor(max_workers=MAX_WORKERS) as pool:
        answers = dict(zip(todo, pool.map(lambda job: send(*job), todo.values())))
    out = []
    for p in planned:
        result = p.known or answers[cache_key(p.spec, p.values) if p.spec else ""]
        out.append(replace(p.finding, verification=with_advice(result, p.finding, p.spec)))
    return sorted(out, key=lambda f: status_rank(f.verification.status))  # type: ignore[union-attr]


def with_advice(result: Verification, f: Finding, spec: VerifySpec | None) -> Verification:
    """A live key's next step: where to revoke it, and that rewriting history does not un-leak it."""
    if result.status != VALID:
        return result
    where = (spec.revoke if spec else "") or (f.references[0] if f.references else "")
    advice = f"Revoke it now{f': {where}' if where else ''}."
    if any(loc.commit for loc in f.locations):
        advice += " Rewriting history does not un-leak a pushed secret: revoke it first."
    return replace(result, advice=advice)


def sender(client: object) -> Send:
    from scanner.verify.client import VerifyClient

    assert isinstance(client, VerifyClient)

    def send(spec: VerifySpec, values: Mapping[str, str]) -> Verification:
        try:
            request = prepare(spec, values)
        except TemplateError as exc:
            return Verification(ERROR, str(exc))
        return client.verify(spec, request)

    return send
