"""Provider claims: a near miss of a known provider's format is not a generic secret.

`SOURCEGRAPH_TOKEN=sgp_` followed by too few characters, or `ACME_KEY=` with 28 hex characters where Acme
issues 32, is a near miss: a truncated key, a fixture, a value of the wrong shape. A generic rule that
reports it anyway is noise. A generic rule that opts in (filter `provider-shape`) is dropped as
`claimed:<provider>` when its key names a provider, none of that provider's rules matched the secret,
and the secret is a near miss of one of its formats: it starts with one of the provider's token prefixes,
or it is written in the alphabet of one of its token shapes, starts as the shape starts and is near its
length. A value in another alphabet, or far from every length, is left to the generic rule: the provider
may issue a kind of credential the rules do not know. A value that starts with a prefix only one provider's
tokens start with (`npm_`, `glsoat-`, `AKCp`) and is shorter than all of them is that provider's token cut
short, whatever its key says (`npm_api_key`, `auth_token`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from scanner.ruleset.context_names import EVERYDAY_WORDS
from scanner.ruleset.lazy_pattern import LazyPattern
from scanner.ruleset.spans import SpanSweep
from scanner.ruleset.token_shape import UUID, literal_lead, shape_pattern, token_alphabet, token_width

if TYPE_CHECKING:
    from scanner.engine.match import Match
    from scanner.ruleset.rules import Rule

CLAIMING_FILTER = "provider-shape"
KEY_REACH = 96
"""How far before the secret, on its line, the key naming the provider may start."""
KEY_LINES_ABOVE = 2
"""How far above the secret's line the line opening its block may be (as far as context rules look)."""
KEY_WORDS = 6
"""How many words before the secret (or at the end of the block's opening line) the key may hold."""
_MIN_NAME = 4
WORD = LazyPattern(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+")
"""A word of a key or a sentence, as camel case splits them too (`AlphaVantage`: alpha, vantage)."""
_UUID = LazyPattern(UUID)
_PREFIX = LazyPattern(r"^[a-z0-9]+[_.-]|^[a-z]+[0-9]+$")
_SECTION = LazyPattern(r"[ \t]*\[\[?[^\[\]=\n]+\]\]?$")
_HOST = LazyPattern(r"://(?:[^\s/@]*@)?([A-Za-z0-9.-]+)")
_TOKEN_GOES_ON = LazyPattern(r"[A-Za-z0-9+/=_.:~-]*")


@dataclass(frozen=True)
class Formats:
    """What one provider's rules say its tokens look like."""

    prefixes: tuple[str, ...]
    shapes: tuple[str, ...]
    """The context rules' token regexes: a secret of one of these shapes is no near miss but a key the
    rules did not recognise by its surroundings, which the generic rule may report."""


def claim_names(rules: Iterable[Rule]) -> dict[str, str]:
    """Normalised name -> provider: each provider's display name (and its parenthesised alias), and the
    names of its context rules; names shorter than four letters claim nothing (`jwt`, `aws`)."""
    names: dict[str, str] = {}
    providers: set[str] = set()
    for rule in rules:
        if rule.provider == "Generic":
            continue
        # a provider's own name once: this runs on every scan that meets a generic match, the hook's too
        spellings = rule.names if rule.provider in providers else (*_NAME_PARTS.split(rule.provider), *rule.names)
        providers.add(rule.provider)
        for spelling in spellings:
            normal = _NOT_ALNUM.sub("", spelling.lower())
            if len(normal) >= _MIN_NAME:
                names.setdefault(normal, rule.provider)
    return names


_NAME_PARTS = re.compile(r"[()/]")
_NOT_ALNUM = re.compile(r"[^a-z0-9]")


def provider_formats(rules: Iterable[Rule]) -> dict[str, Formats]:
    """Provider -> its token prefixes (keywords such as `sgp_`, `xoxb-`, `hvs.`) and its context rules'
    token shapes."""
    prefixes: dict[str, set[str]] = {}
    shapes: dict[str, set[str]] = {}
    for rule in rules:
        prefixes.setdefault(rule.provider, set()).update(kw for kw in rule.keywords if _PREFIX.match(kw))
        if rule.token:
            shapes.setdefault(rule.provider, set()).add(rule.token)
    return {p: Formats(tuple(sorted(prefixes[p])), tuple(sorted(shapes.get(p, ())))) for p in prefixes}


_LEAD_MIN = 4
_LOWER = frozenset("abcdefghijklmnopqrstuvwxyz")
_HEX = frozenset("0123456789abcdefABCDEF")


def token_leads(rules: Iterable[Rule]) -> dict[str, str]:
    """Lead -> provider: the literal start of the tokens of a rule that finds them by that start alone (the
    lead is its keyword, and it needs no provider named beside it), when no other provider's tokens have
    that literal start and it is at least four characters, neither lower-case letters alone (`dose` could
    begin a word) nor hex digits alone (`4b1d`, `EAAA` begin one hex key or UUID in 65,536): `npm_`,
    `AKCp`, `glsoat-` begin that provider's tokens and no random value's."""
    owners: dict[str, set[str]] = {}
    standalone: set[str] = set()
    for rule in rules:
        if rule.provider == "Generic" or not rule.token:
            continue
        lead = rule.token_lead
        if len(lead) < _LEAD_MIN:
            continue
        owners.setdefault(lead, set()).add(rule.provider)
        if (not rule.names and lead.lower() in {kw.lower() for kw in rule.keywords}
                and not _LOWER.issuperset(lead) and not _HEX.issuperset(lead)):
            standalone.add(lead)
    return {lead: next(iter(owners[lead])) for lead in sorted(standalone) if len(owners[lead]) == 1}


def near_miss(secret: str, formats: Formats) -> bool:
    """Whether the secret starts with one of the provider's prefixes, or misses one of its shapes only by
    its length or by a letter or two: the literal the shape starts with (a JWT's `eyJ`), and either the
    shape's alphabet and a length from half the shortest to a third over the longest, or the shape's own
    length with at most STRAY characters outside its alphabet (`...cQZb3...` in a key of 32 hex digits),
    how a detector's author spoils a key. A value far from every length, or in a wider alphabet, is a
    credential the rules may not know (the provider issues several), which the generic rule keeps."""
    if any(shape_pattern(shape).fullmatch(secret) for shape in formats.shapes):
        return False
    lower = secret.lower()
    if any(lower.startswith(prefix) for prefix in formats.prefixes):
        return True
    return any(secret.startswith(literal_lead(shape)) and _near_shape(secret, shape)
               or _other_case(secret, lower, shape) for shape in formats.shapes)


def _other_case(secret: str, lower: str, shape: str) -> bool:
    """Whether the secret is one of the shape's tokens in letters of the wrong case (`3F9A...` where the
    provider issues lower-case hex): a key copied wrong, or spoilt the way a detector's tests spoil one. Not
    a UUID: its hex digits are read in either case, and many tools print them in capitals."""
    if _UUID.fullmatch(secret):
        return False
    pattern = shape_pattern(shape)
    return pattern.fullmatch(lower) is not None or pattern.fullmatch(secret.upper()) is not None


STRAY = 2
"""Characters outside a shape's alphabet that still make a value of its length a near miss of it."""
SPOILT_WIDTH = 20
"""From this length on, one of those may be a symbol that no token format uses (`...Zc!kQP...` in a key of
40 alphanumerics): a person's password that long, in the key's alphabet but for one symbol, under a key
that names the provider, is rarer than a detector's spoilt key. A token's own punctuation (`-`, `.`, `_`,
`+`, `/`, `=`...) is no such symbol: the value may be another of the provider's formats."""
_TOKEN_PUNCTUATION = frozenset("-_.+/=~:%@")


def _near_shape(secret: str, shape: str) -> bool:
    alphabet = token_alphabet(shape)
    stray = [c for c in secret if c not in alphabet]
    if not stray:
        return _near_in_length(len(secret), shape)
    low, high = token_width(shape)
    symbols = [c for c in stray if not c.isalnum()]
    return (len(stray) <= STRAY and low <= len(secret) <= high
            and (not symbols or len(symbols) == 1 and low >= SPOILT_WIDTH and symbols[0] not in _TOKEN_PUNCTUATION))


def _near_in_length(length: int, shape: str) -> bool:
    low, high = token_width(shape)
    return low - low // 2 <= length <= high + high // 3


def key_words(text: str, start: int) -> set[str]:
    """Every run of one to three consecutive words of the key before `start` (`huggingFaceToken` gives
    `hugging`, `huggingface`, `huggingfacetoken`, ...), lower-cased and joined."""
    line_start = text.rfind("\n", 0, start) + 1
    return _claiming_runs(text[max(line_start, start - KEY_REACH):start])


def opener_words(text: str, start: int) -> set[str]:
    """The same word runs, of the line that opens the key's block when one of the two lines above does
    (see `block_opener`)."""
    opener = block_opener(text, text.rfind("\n", 0, start) + 1)
    return _claiming_runs(opener[-KEY_REACH:]) if opener else set()


_PHRASE_HEAD = LazyPattern(
    r"(?<![\w.-])([A-Za-z0-9]+)(?=[ \t]+(?i:is|are|was|were|the|a|an|your|my|our|this|that|these|those|it|we"
    r"|you|to|and|with|for|of|in|on|at|by|from)(?!\w))")
"""A word followed by one that sentences are made of: the head of a phrase (`Here is`, `Stream the`)."""


def _claiming_runs(key: str) -> set[str]:
    """The key's word runs, less the provider names that are everyday words and begin a phrase of a sentence
    there (`Here is the API key:`, `Stream the token`): those name no provider called HERE or Stream, while
    `HERE_API_KEY=`, `courierToken`, a block `here:` and `Courier token:` do."""
    heads = {word.lower() for word in _PHRASE_HEAD.findall(key)}
    return word_runs(key) - (EVERYDAY_WORDS & heads)


def lines_above(text: str, line_start: int, count: int) -> Iterator[str]:
    """Up to `count` lines above the line that starts at `line_start`, nearest first, without their ends."""
    end = line_start - 1
    for _ in range(count):
        if end <= 0:
            return
        begin = text.rfind("\n", 0, end) + 1
        yield text[begin:end].rstrip()
        end = begin - 1


def block_opener(text: str, line_start: int) -> str:
    """The nearest of the two lines above that opens a block (ends with `:`, `{`, `(` or `[`, or is a TOML or
    INI section's `[acme]`): the provider a YAML mapping, a JSON object, a section or a Terraform
    `variable "acme_api_key" {` names is the provider of the key inside it. Lines that only list other keys
    name nothing for this one."""
    return next((line for line in lines_above(text, line_start, KEY_LINES_ABOVE)
                 if line.endswith((":", "{", "(", "[")) or _SECTION.match(line)), "")


SECTION_LINES = 24
"""How far above a key its TOML or INI section's `[acme]` may be: a section's keys are its own however many."""


def section_header(text: str, line_start: int) -> str:
    """The `[acme]` line of the TOML or INI section that the line at `line_start` is in, or empty: the
    nearest section line above, within SECTION_LINES, with only key lines, comments and blanks between."""
    for line in lines_above(text, line_start, SECTION_LINES):
        if _SECTION.match(line):
            return line
        if line[:1] in " \t{}" and line.strip():  # an indented or nested line: not an INI section's body
            return ""
    return ""


def host_words(text: str, start: int) -> set[str]:
    """The labels of the hosts in the addresses on the secret's line (`https://api.acme.com/v2?key=...`,
    `curl -H "Authorization: Bearer ..." https://api.acme.io/me`): an API's address names the provider its
    key belongs to, before the key or after it."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", start)
    line = text[line_start:len(text) if line_end == -1 else line_end]
    return {label.lower() for host in _HOST.findall(line) for label in host.split(".") if label}


def word_runs(key: str) -> set[str]:
    """Runs of the last KEY_WORDS words only: a key is a few words long, and a sentence's first words
    (`Here is the Acme API token: ...`) name no provider even when one is called HERE."""
    return runs_of([w.lower() for w in WORD.findall(key)][-KEY_WORDS:])


def runs_of(words: Sequence[str]) -> set[str]:
    """One, two and three neighbouring words run together: `alpha vantage` names `alphavantage`."""
    return {"".join(words[i:i + n]) for n in (1, 2, 3) for i in range(len(words) - n + 1)}


def unclaimed(matches: Sequence[Match], text: str, names: dict[str, str], formats: dict[str, Formats],
              leads: dict[str, str]) -> list[Match]:
    """The matches with each claimed generic match marked dropped; the others unchanged."""
    # Each provider's own matches, found once and swept: looked for among all matches for each generic one,
    # 10,000 keys in a YAML file of provider blocks took a minute (400 million comparisons).
    spans: dict[str, list[tuple[int, int]]] = {}
    for o in matches:
        spans.setdefault(o.rule.provider, []).append((o.start, o.end))
    covered = {provider: SpanSweep(sorted(found)) for provider, found in spans.items()}
    out = []
    for m in matches:
        if not m.dropped_by and CLAIMING_FILTER in m.rule.filters:
            provider = claimant(m, covered, text, names, formats) or lead_claimant(m, covered, text, formats, leads)
            if provider:
                m = replace(m, dropped_by=f"claimed:{provider}")
        out.append(m)
    return out


def claimant(m: Match, covered: dict[str, SpanSweep], text: str, names: dict[str, str],
             formats: dict[str, Formats]) -> str:
    """The provider the key names, when none of its rules matched this secret (reportable or not) and the
    secret is a near miss of its formats. Not when the secret is the start of one of its tokens whole: a
    generic rule stops at a `:` or `.` that the provider's format holds (fal.ai's `<uuid>:<hex>`)."""
    for words in (where(text, m.start) for where in (key_words, opener_words, host_words)):  # read as needed
        for word in words:
            provider = names.get(word)
            if (provider and provider in formats
                    and not (provider in covered and covered[provider].overlaps(m.start, m.end))
                    and near_miss(m.secret, formats[provider])
                    and _near_miss_whole(m, text, formats[provider])):
                return provider
    return ""


def lead_claimant(m: Match, covered: dict[str, SpanSweep], text: str, formats: dict[str, Formats],
                  leads: dict[str, str]) -> str:
    """The provider whose tokens alone start as the secret does (token_leads), when none of its rules matched
    the secret and it is shorter than every token of that start the provider issues: `npm_` and 26
    characters where npm issues 36, a token cut short. One as long or longer may be a format the rules do not
    know (peers read some providers' formats more loosely), which the generic rule keeps."""
    for length in {len(lead) for lead in leads}:
        lead = m.secret[:length]
        provider = leads.get(lead)
        if not provider or provider not in formats or provider in covered and covered[provider].overlaps(m.start,
                                                                                                          m.end):
            continue
        widths = [token_width(shape)[0] for shape in formats[provider].shapes if literal_lead(shape) == lead]
        if widths and len(_whole(m, text)) < min(widths):
            return provider
    return ""


def _whole(m: Match, text: str) -> str:
    """The secret with the token characters that go on after it (a generic rule stops at a `:` or `.`)."""
    run = _TOKEN_GOES_ON.match(text, m.end)
    return text[m.start:run.end() if run else m.end]


def _near_miss_whole(m: Match, text: str, formats: Formats) -> bool:
    """Whether the secret, with the token characters that go on after it, is still a near miss."""
    whole = _whole(m, text)
    return whole == m.secret or near_miss(whole, formats)
