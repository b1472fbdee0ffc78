"""A credential under a bare `key` counts only where a provider is named next to it.

`key: 5f0c...` alone is a cache key, a translation, a map entry. Under a provider's name it is that
provider's credential: a YAML or TOML block (`acme:` / `  key: ...`), a log that names the service on the
line before (`connecting to Acme` / `using key=...`), a sentence (`the Acme key: ...`). A rule that opts in
(filter `provider-named`) is dropped as `filter:no-provider-named` unless a known provider's name is among
the last words before the secret on its line, or on one of the two lines above, or the first words of a
comment that closes its line (`key="..."  # alpha vantage`). A web API's address
names one too, when the key is its query parameter (`https://api.acme.io/v2/items?key=...`), and so does a
name said to be an API (`connecting to the Acme API`): whoever wrote either was calling that API with the
key, and leakstop need not know the provider.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from scanner.ruleset.claims import (
    KEY_LINES_ABOVE,
    KEY_REACH,
    WORD,
    claim_names,
    runs_of,
    section_header,
    word_runs,
)
from scanner.ruleset.lazy_pattern import LazyPattern

if TYPE_CHECKING:
    from collections.abc import Iterable

    from scanner.engine.match import Match
    from scanner.ruleset.rules import Rule

NAMING_FILTER = "provider-named"
_DISPLAY_WORD = LazyPattern(r"[A-Z]?[a-z0-9]+|[A-Z0-9]+(?![a-z])")
_VALUE = LazyPattern(r"(?<![\w+/=.-])(?=[A-Za-z0-9+/=]*[0-9])[A-Za-z0-9+/=]{12,}(?![\w+/=.-])")
"""A generated value (letters and digits run together, no `_`, `-` or `.` between words): its letters can
spell a provider's name (`...RtNAbly`), so it is no word of a key or a sentence. `cloudflare_r2` stays."""
COMMON_WORDS = frozenset({
    "abstract", "active", "affirm", "alpha", "analysis", "annoying", "anti", "apollo", "argo", "atlas", "authorize",
    "bamboo", "battle", "better", "black", "boost", "branch", "brave", "bright", "browser", "bunny", "butter",
    "captain", "carbon", "census", "checkout", "chroma", "circle", "clockwork", "close", "cloud", "code",
    "collective", "column", "comet", "commerce", "commodities", "composer", "conduit", "connection", "constant",
    "conversations", "conversion", "copper", "criminal", "crisp", "crossing", "crunchy", "crypto", "currents",
    "cursor", "daily", "dark", "database", "defined", "dependency", "detect", "django", "docker", "dotenv", "drip",
    "drone", "duck", "eagle", "easy", "eden", "elastic", "elements", "endor", "exchange", "exchangerates", "export",
    "extractor", "face", "fauna", "file", "financial", "flight", "float", "forest", "fred", "ftpsftp", "game",
    "gate", "ghost", "gist", "gradle", "groove", "happy", "harness", "harvest", "have", "healthchecks", "help",
    "holiday", "hugging", "hunter", "hybrid", "intelligence", "ionic", "iterable", "java", "kanban", "knapsack",
    "kong", "label", "laravel", "last", "lemon", "less", "line", "linear", "llama", "location", "logic", "loops",
    "lunch", "mail", "matrix", "maven", "mercado", "mercury", "meta", "metal", "modern", "monday", "neon", "netrc",
    "neutrino", "news", "notify", "notion", "observability", "octopus", "odds", "open", "paddle", "pangea",
    "people", "pirate", "play", "player", "polls", "prefect", "prisma", "privacy", "product", "prospect",
    "protocols", "radar", "ramp", "rapid", "raven", "readme", "really", "recharge", "recorded", "remove", "render",
    "reply", "request", "resemble", "resend", "revamp", "riot", "rocket", "ruby", "runway", "sanity", "scale",
    "score", "scraper", "scraping", "scribe", "semantic", "sentinel", "shell", "socket", "square", "squeezy",
    "stability", "steel", "storage", "sunshine", "survey", "systems", "technical", "ticket", "times", "together",
    "tomorrow", "treasury", "twelve", "unix", "unleash", "uptime", "vast", "vault", "video", "visual", "voyage",
    "walk", "weather", "weights", "wise", "workable", "world"
})
"""Providers' names, or words of them, that are also everyday or tooling words (`line`, `meta`, `Better`
Stack, `docker`): on their own they name no provider (context_names.EVERYDAY_WORDS lists more)."""

BRAND_WORDS = frozenset({
    "abstract", "agora", "airship", "alpaca", "amplitude", "apollo", "capsule", "convex", "copper", "courier",
    "crisp", "ditto", "enigma", "eraser", "fauna", "gemini", "ghost", "groove", "guru", "harness", "harvest",
    "humanity", "hunter", "ionic", "juro", "keen", "kong", "mite", "neon", "nimble", "noticeable",
    "octopus", "paddle", "pangea", "percy", "plausible", "prefect", "prisma", "railway", "ramp", "refiner",
    "resend", "sanity", "segment", "shortcut", "smarty", "streak", "sumo", "surge", "swell", "twist", "unleash",
    "voyage", "workable",
})
"""Everyday words that are also a provider's whole name, and name it as a key (`{"amplitude": "..."}`,
`PADDLE=...`), a YAML block (`segment:` over `key: ...`) or an address (`https://api.agora.io`), though not in
a sentence (context_names.py leaves them out of its leads). Not words that are keys of their own in code
and data (`line`, `float`, `box`, `stream`, `matrix`, `docker`)."""


PURPOSE_WORDS = frozenset({"jwt", "signing", "encryption", "hmac", "cipher", "webhook", "license", "licence"})
"""What a bare key is for, in place of whose it is (`"Jwt": {"Key": "..."}`, `encryption:` over `key: ...`): a
secret by its purpose, whoever issued it. Not provider words: a value under `jwt` alone is no provider's key."""


def provider_words(rules: Iterable[Rule], names: Iterable[str] = ()) -> frozenset[str]:
    """The words that name a provider: the names claims know (`names`, claims.claim_names by default),
    each provider's keywords that are a word of its display name (`azure` of Microsoft Azure, `autodesk`
    of Autodesk Platform Services), and the first word of its display name (`google` of Google Cloud,
    `mongodb` of MongoDB Atlas); without everyday words (but BRAND_WORDS) and credential words."""
    from scanner.ruleset.context_names import CREDENTIAL_NOUNS, EVERYDAY_WORDS, QUALIFIERS

    rules = tuple(rules)
    words = set(names or claim_names(rules))
    for rule in rules:
        if rule.provider != "Generic":
            display = {w.lower() for w in _DISPLAY_WORD.findall(rule.provider)}
            words.update(k for k in rule.keywords if len(k) >= 4 and k in display)
            brand = re.sub(r"[^a-z0-9]", "", rule.provider.split()[0].lower())
            if len(brand) >= 4:
                words.add(brand)
    return frozenset(words - ((EVERYDAY_WORDS | COMMON_WORDS) - BRAND_WORDS) - QUALIFIERS - CREDENTIAL_NOUNS)


def named_only(matches: Sequence[Match], text: str, names: frozenset[str]) -> list[Match]:
    """The matches with each opted-in match that no provider's name is near marked dropped."""
    out = []
    for m in matches:
        if (not m.dropped_by and NAMING_FILTER in m.rule.filters and not names_provider(text, m.start, names)
                and not comment_names_provider(text, m.end, names)):
            m = replace(m, dropped_by="filter:no-provider-named")
        out.append(m)
    return out


_API_QUERY = LazyPattern(r"https?://[^\s\"'`?#]*(?<![a-z])api(?![a-z])[^\s\"'`?#]*\?(?:[^\s\"'`#&]*&)*key=\Z",
                         re.IGNORECASE)
"""An API's address (`api` a word of its host or path) whose query's `key=` ends right before the secret."""
_URL_REACH = 512
_NAMED_API = LazyPattern(r"(?<![\w.-])(?!(?i:the|this|that|our|your|their|its|any|each|every|same|public|private"
                         r"|internal|rest|http|web|new|old|test|mock|fake|local)[ \t])[A-Za-z][\w-]{2,30}[ \t]+"
                         r"(?:API|Api|api)(?![\w-])")
"""A name, then `API`: `the Acme API`, `Acme api`; not a word that only says which API (`the`, `REST`)."""


_TRAILING_COMMENT = LazyPattern(r"[\"'`]?[^\r\n\"'`]{0,24}?(?:(?<=[ \t;,)\]}])(?:#|//|/\*)|(?<=[ \t])--(?=[ \t])|<!--)"
                                r"[ \t]*([^\r\n]{1,80})")
"""A comment that opens within a few characters (`)`, `;`, spaces) after the secret's closing quote, before
any other string (`src: "//cdn..."` is no comment) and not as a flag (`--doppler`)."""
_COMMENT_WORDS = 3
"""A comment names whose key it is in its first words (`# alpha vantage, free tier`); further on it says
something else (`# rotated monthly, unlike the doppler one`)."""


def comment_names_provider(text: str, end: int, names: frozenset[str]) -> bool:
    """Whether a comment after the secret, on its line, opens with a provider's name: the line's writer
    said whose key it is after the key, as `TimeSeries(key="...")  # alpha vantage` does."""
    found = _TRAILING_COMMENT.match(text, end)
    if found is None:
        return False
    return not names.isdisjoint(runs_of([w.lower() for w in WORD.findall(found.group(1))][:_COMMENT_WORDS]))


def names_provider(text: str, start: int, names: frozenset[str]) -> bool:
    """Whether the words before `start` on its line, or those of the two lines above, name a provider (or the
    key's purpose, PURPOSE_WORDS), or the secret is the `key` of a web API's address, or the TOML or INI
    section it is in is named for one (`[mailgun]` over `key = ...`, however many keys between)."""
    line = text[max(text.rfind("\n", 0, start) + 1, start - _URL_REACH):start]
    if _API_QUERY.search(line):
        return True
    end = start
    for _ in range(KEY_LINES_ABOVE + 1):  # the secret's line up to the secret, then each line above whole
        begin = text.rfind("\n", 0, end) + 1
        words = _VALUE.sub(" ", text[max(begin, end - KEY_REACH):end])
        runs = word_runs(words)
        if not names.isdisjoint(runs) or not PURPOSE_WORDS.isdisjoint(runs) or _NAMED_API.search(words):
            return True
        if begin == 0:
            return False
        end = begin - 1
    section = section_header(text, text.rfind("\n", 0, start) + 1)
    return bool(section) and not names.isdisjoint(word_runs(section))
