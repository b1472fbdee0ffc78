"""Orchestration: source → engine → findings → group → suppress. The one place that wires them.

Nothing here prints or exits; the CLI turns the Report into output and an exit code.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache, partial
from typing import TYPE_CHECKING
from urllib.parse import unquote

from scanner.engine.decode import DEFAULT_MAX_DECODE_DEPTH
from scanner.engine.match import DEFAULT_RULE_TIMEOUT, LineIndex, Match
from scanner.engine.parallel import engine_results
from scanner.engine.ranking import outranked
from scanner.findings import Finding, Location, fingerprint, group_findings, redact, redact_line, ungroup_findings
from scanner.fragment import Fragment
from scanner.report import Report, ScanStats, Skipped
from scanner.ruleset.globs import path_matches
from scanner.ruleset.rule_set import RuleSet
from scanner.ruleset.rules import FIXTURE_CONFIDENCE
from scanner.sources import Source

if TYPE_CHECKING:
    from scanner.engine.scan_cache import ScanCache

PREVIEW_WIDTH = 160
MAX_FINDINGS_PER_RULE = 100
"""Findings one rule reports in one file; the rest are counted in a note. A generated fixture or a log
with thousands of keys is one problem to fix, and listing every key made reports (and CI logs) unusable."""

# A suppressor looks at a finding (and the fragment it came from) and says why it is not reported.
Suppressor = Callable[[Finding, Fragment], str]


@dataclass(frozen=True)
class ScanRequest:
    """One scan: what to read, which rules, and how to turn matches into findings."""

    source: Source
    ruleset: RuleSet
    show_secrets: bool = False
    group: bool = True
    rule_timeout: float = DEFAULT_RULE_TIMEOUT
    keep_suppressed: bool = False
    suppressors: Sequence[Suppressor] = field(default_factory=tuple)
    max_decode_depth: int = DEFAULT_MAX_DECODE_DEPTH
    max_findings_per_rule: int = MAX_FINDINGS_PER_RULE
    """0: no limit (a baseline must record every secret)."""
    cache: ScanCache | None = None
    """Verdicts of earlier scans (history): blobs known to hold nothing to report are not read again. It
    holds raw engine verdicts, so suppressors still apply to everything reported."""
    redact_percent: int | None = None
    """`--redact=N`: the share of each secret shown; None: the default redaction (see `redact`)."""
    on_finding: Callable[[Finding], None] | None = None
    """Called with each reported finding as soon as it is made (before grouping): `--format jsonl`'s stream."""
    workers: int | None = None
    """Engine processes; None: every usable core (an audit runs one repository per core instead)."""


def scan(request: ScanRequest) -> Report:
    started = time.perf_counter()
    stats = ScanStats(rules=len(request.ruleset), target=request.source.description)
    found: list[Finding] = []
    suppressed: list[Finding] = []
    skipped: list[Skipped] = []
    errors: list[str] = []
    verdicts = None
    if request.cache is not None and request.cache.usable:
        from scanner.engine.scan_cache import Verdicts

        verdicts = Verdicts(request.cache, request.ruleset, request.rule_timeout, request.keep_suppressed,
                            request.max_decode_depth)
    request.source.prepare(request.ruleset, verdicts)
    in_plain_text: set[str] = set()
    per_rule: Counter[tuple[str, str]] = Counter()
    plain: Fragment | None = None
    silenced: set[tuple[str, str]] = set()
    items = request.source.items(stats)
    for item, result in engine_results(items, request.ruleset, request.rule_timeout, request.keep_suppressed,
                                       max_decode_depth=request.max_decode_depth, workers=request.workers,
                                       expected_bytes=request.source.expected_bytes(), verdicts=verdicts):
        if isinstance(item, Skipped):
            skipped.append(item)
            if item.error:
                errors.append(f"{item.path}: {item.reason}")
            continue
        assert result is not None
        errors.extend(f"{t.path}: rule {t.rule_id} timed out; that rule did not finish on this file"
                      for t in result.timeouts)
        if not item.decoded:
            in_plain_text, plain = set(), item
        if result.matches:
            item = request.source.located(item)
        for finding in findings_in(item, result.matches, request.show_secrets, request.redact_percent,
                                   fixtures=item.path not in request.source.named):
            if item.decoded and finding.fingerprint in in_plain_text:
                continue  # the same secret, already reported where it sits undecoded
            in_plain_text.add(finding.fingerprint)
            if not item.decoded and "%" in finding.secret:  # `sig=...%3D`: its percent-decoded form is the same
                in_plain_text.add(fingerprint(finding.rule_id, unquote(finding.secret)))
            # Suppressors see the real file: a decoded secret's location is its encoded run there, and an
            # allow marker counts only where a reviewer can read it, never inside the decoded text.
            real = item if not item.decoded else plain if plain is not None and plain.path == item.path else None
            reason = finding.suppressed_by or suppression(finding, real or item, request.suppressors,
                                                          decoded=real is None, every=request.keep_suppressed)
            if reason and not finding.suppressed_by:
                silenced.add((reason.split(":", 1)[0], finding.fingerprint))
            if reason:
                if request.keep_suppressed:
                    suppressed.append(replace(finding, suppressed_by=reason))
            else:
                per_rule[item.path, finding.rule_id] += 1
                limit = request.max_findings_per_rule
                if not limit or per_rule[item.path, finding.rule_id] <= limit:
                    found.append(finding)
                    if request.on_finding is not None:
                        request.on_finding(finding)
    stats.seconds = time.perf_counter() - started
    if request.ruleset.gate_missed():  # leave one compiling for the scans after this one
        from scanner.ruleset.gate_later import start

        start(request.ruleset.rules, list(request.ruleset.by_keyword), request.ruleset.origin)
    for mechanism, _ in silenced:
        stats.suppressed[mechanism] = stats.suppressed.get(mechanism, 0) + 1
    found = request.source.attributed(found) if found else found
    cache_warnings: list[str] = []
    if request.cache is not None:  # after `attributed`, which may leave what it learnt in the cache
        if verdicts is not None:
            verdicts.save()
        request.cache.save()
        cache_warnings = request.cache.warnings
    if not request.show_secrets:
        mask = partial(redact, shown_percent=request.redact_percent)
        found, suppressed = subjects_masked(found, suppressed, mask)
    findings = group_findings(found) if request.group else ungroup_findings(found)
    return Report(findings=findings, stats=stats, skipped=skipped,
                  suppressed=group_findings(suppressed) if request.group else ungroup_findings(suppressed),
                  errors=errors,
                  warnings=[*request.source.warnings(), *cache_warnings,
                            *elided(per_rule, request.max_findings_per_rule), *unscanned(skipped)])


def subjects_masked(found: list[Finding], suppressed: list[Finding],
                    mask: Callable[[str], str]) -> tuple[list[Finding], list[Finding]]:
    """Every secret of the scan masked in every commit subject: a message may name a key that another
    finding holds, and would print it beside this one."""
    secrets = sorted({f.secret for f in (*found, *suppressed) if f.secret}, key=len, reverse=True)
    said: dict[str, str] = {}

    def masked(subject: str) -> str:
        if subject not in said:  # a commit's findings share its subject: each is searched once
            clean = subject
            for secret in secrets:
                if any(part in clean for part in secret.splitlines() if len(part) >= 4):
                    clean = redact_line(clean, secret, mask(secret))
            said[subject] = clean
        return said[subject]

    def cleaned(f: Finding) -> Finding:
        if not any(loc.subject for loc in f.locations):
            return f
        return replace(f, locations=tuple(replace(loc, subject=masked(loc.subject)) for loc in f.locations))

    return [cleaned(f) for f in found], [cleaned(f) for f in suppressed]


MAX_LIMIT_WARNINGS = 20


def unscanned(skipped: list[Skipped]) -> list[str]:
    """A warning for each item a limit left partly unscanned (a file over the size limit, a text whose
    decoding was capped): a limit that stops work is never only a --verbose line."""
    hit = [s for s in skipped if s.limit]
    shown = [f"not scanned in full: {s.path}: {s.reason}" for s in hit[:MAX_LIMIT_WARNINGS]]
    if len(hit) > MAX_LIMIT_WARNINGS:
        shown.append(f"not scanned in full: {len(hit) - MAX_LIMIT_WARNINGS} more item(s) (the report's skipped "
                     "list names them)")
    return shown


def elided(per_rule: Counter[tuple[str, str]], limit: int) -> list[str]:
    """A note per file and rule whose findings went past the limit: how many more there are."""
    return [f"{path}: {count - limit} more {rule_id} finding(s) not listed (at most {limit} per rule per file)"
            for (path, rule_id), count in per_rule.items() if limit and count > limit]


def suppression(finding: Finding, fragment: Fragment, suppressors: Sequence[Suppressor], decoded: bool = False,
                every: bool = False) -> str:
    """Why the finding is not reported, or empty. `decoded`: the fragment is decoded text whose real file
    is not at hand, where no line-based suppressor may look. `every` (--show-suppressed): each reason, `; `
    between them, so removing one comment or entry is known not to bring the finding back; else the first."""
    if decoded:
        fragment = replace(fragment, text="")
    reasons = []
    for suppressor in suppressors:
        reason = suppressor(finding, fragment)
        if reason and not every:
            return reason
        if reason:
            reasons.append(reason)
    return "; ".join(reasons)


def findings_in(fragment: Fragment, matches: list[Match], show_secrets: bool, redact_percent: int | None = None,
                fixtures: bool = True) -> list[Finding]:
    """Matches → Findings with real-file positions. One rule hitting one span twice is one finding; two
    provider rules on one secret stay two (each has its own remediation); a less specific rule (a generic
    `api_key = ...` rule, or a lower confidence) on a secret a more specific rule already names is dropped,
    so `STRIPE_KEY = "sk_live_..."` is one Stripe finding, not also a generic one."""
    if not matches:
        return []
    lines = LineIndex(fragment.text)
    out: list[Finding] = []
    seen: set[tuple[str, int, int]] = set()
    # Every secret of the fragment is masked in every preview: two keys on one line (`export A=… B=…`, a
    # one-line JSON) must not print each other whole. Only the secrets on a preview's line can be in it, so
    # only those are tried: all of a file's secrets in each preview would be quadratic in its secrets.
    others = {} if show_secrets else secrets_by_line(matches, lines)
    mask = partial(redact, shown_percent=redact_percent)
    beaten = outranked(matches)
    for index, m in enumerate(matches):
        if (m.rule.id, m.start, m.end) in seen or index in beaten:
            continue
        seen.add((m.rule.id, m.start, m.end))
        line = lines.position(m.start)[0]
        out.append(finding_from_match(fragment, m, lines, show_secrets, others.get(line, ()), mask, fixtures))
    return out


def secrets_by_line(matches: list[Match], lines: LineIndex) -> dict[int, tuple[str, ...]]:
    """Line number -> the secrets that touch it, longest first (a longer one may contain a shorter)."""
    found: dict[int, set[str]] = {}
    for m in matches:
        first, last = lines.position(m.start)[0], lines.position(max(m.start, m.end - 1))[0]
        for line in range(first, last + 1):
            found.setdefault(line, set()).add(m.secret)
    return {line: tuple(sorted(secrets, key=len, reverse=True)) for line, secrets in found.items()}


def finding_from_match(fragment: Fragment, m: Match, lines: LineIndex, show_secrets: bool,
                       others: tuple[str, ...] = (), mask: Callable[[str], str] = redact, fixtures: bool = True
                       ) -> Finding:
    """`fixtures`: whether a rule's fixture paths lower its confidence here (not in a file the user named)."""
    line, column = lines.position(m.start)
    end_line, end_column = lines.position(m.end)
    shown = m.secret if show_secrets else mask(m.secret)
    offset = fragment.first_line - 1
    git = fragment.git
    seen_line = preview(lines.line_text(line), column, m.secret, shown, others, mask)
    said = partial(commit_subject, secret=m.secret, shown=shown, others=others, mask=mask)
    cell = f"{fragment.cell}, line {line + fragment.cell_line - 1}" if fragment.cell else ""
    if fragment.encoded_at:
        line, column, end_line, end_column = fragment.encoded_at
        offset = 0
    location = Location(
        path=fragment.path,
        line=line + offset,
        column=column,
        end_line=end_line + offset,
        end_column=end_column,
        preview=seen_line,
        commit=git.commit if git else "",
        author=git.author if git else "",
        email=git.email if git else "",
        date=git.date if git else "",
        subject=said(git.message) if git else "",
        blob=fragment.blob,
        decoded=fragment.decoded,
        cell=cell,
    )
    locations: tuple[Location, ...] = (location,)
    if fragment.occurrences:
        locations = tuple(
            replace(location, path=o.path, commit=o.git.commit, author=o.git.author, email=o.git.email,
                    date=o.git.date, subject=said(o.git.message), in_head=o.in_head, order=o.order,
                    parent_blobs=o.parents)
            for o in fragment.occurrences
        )
    rule = m.rule
    confidence = rule.confidence
    if fixtures and rule.fixture_paths and all(in_fixture_paths(loc.path, rule.fixture_paths) for loc in locations):
        confidence = FIXTURE_CONFIDENCE
    return Finding(
        description=rule.description, references=rule.references,
        rule_id=rule.id, rule_name=rule.name, provider=rule.provider, severity=rule.severity,
        confidence=confidence, fingerprint=fingerprint(rule.id, m.secret), shown_secret=shown,
        locations=locations, remediation=rule.remediation, entropy=round(m.entropy, 2),
        secret=m.secret, suppressed_by=m.dropped_by, captures=m.captures,
    )


@lru_cache(maxsize=4096)
def in_fixture_paths(path: str, globs: tuple[str, ...]) -> bool:
    """Remembered per path: a history's fixture findings repeat the same few test files across hundreds of
    versions."""
    return path_matches(path, globs)


def preview(line: str, column: int, secret: str, shown: str, others: tuple[str, ...] = (),
            mask: Callable[[str], str] = redact) -> str:
    """The secret's line, cut to a readable width around the secret, with the secret and every other
    secret of the text (`others`, longest first) redacted.

    The line is redacted on both sides of the secret before it is cut, so a cut never leaves a piece of
    another secret in plain text, and the secret's own first line is always whole in the window."""
    mine = secret.split("\n", 1)[0]
    before, after = line[:column - 1], line[column - 1 + len(mine):]
    if secret != shown:
        before = redact_others(before, secret, shown, others, mask)
        after = redact_others(after, secret, shown, others, mask)
        mine = shown
    reach = PREVIEW_WIDTH // 3
    text = before[-reach:] + mine + after[:reach]
    return ("…" if len(before) > reach else "") + text.strip() + ("…" if len(after) > reach else "")


def commit_subject(message: str, secret: str, shown: str, others: tuple[str, ...] = (),
                   mask: Callable[[str], str] = redact) -> str:
    """The commit's subject as reports print it: a key pasted into the message is redacted there too."""
    return message if secret == shown else redact_others(message, secret, shown, others, mask)


def redact_others(text: str, secret: str, shown: str, others: tuple[str, ...],
                  mask: Callable[[str], str] = redact) -> str:
    text = redact_line(text, secret, shown)
    for other in others:
        if other != secret:
            text = redact_line(text, other, mask(other))
    return text
