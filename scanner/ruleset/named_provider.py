"""A credential under a bare `key` counts only where a provider is named next to it.

`key: 5f0c...` alone is a cache key, a translation, a map entry. Under a provider's name it is that
provider's credential: a YAML or TOML block (`acme:` / `  key: ...`), a log that names the service on the
line before (`connecting to Acme` / `using key=...`), a sentence (`the Acme key: ...`). A rule that opts in
(filter `provider-named`) is dropped as `filter:no-provider-named` unless one of its known providers' names
is among the last words before the secret on its line, or on one of the two lines above.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from scanner.ruleset.claims import KEY_LINES_ABOVE, KEY_REACH, claim_names, key_words, word_runs
from scanner.ruleset.context_names import CREDENTIAL_NOUNS, EVERYDAY_WORDS, QUALIFIERS

if TYPE_CHECKING:
    from collections.abc import Iterable

    from scanner.engine.match import Match
    from scanner.ruleset.rules import Rule

NAMING_FILTER = "provider-named"


_DISPLAY_WORD = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z0-9]+(?![a-z])")
COMMON_WORDS = frozenset({
    "abstract", "active", "alpha", "annoying", "anti", "apollo", "argo", "atlas", "authorize", "bamboo",
    "better", "boost", "brave", "butter", "captain", "carbon", "census", "checkout", "circle", "clockwork",
    "code", "collective", "commerce", "commodities", "conversations", "conversion", "crossing", "crypto",
    "currents", "dark", "database", "dependency", "detect", "drone", "eagle", "eden", "elements", "exchange",
    "exchangerates", "export", "extractor", "file", "financial", "flight", "holiday", "kanban", "knapsack",
    "llama", "location", "logic", "lunch", "mercado", "monday", "neutrino", "news", "notify", "observability",
    "octopus", "odds", "people", "polls", "privacy", "prospect", "protocols", "rapid", "raven", "recorded",
    "remove", "reply", "request", "revamp", "rocket", "score", "scraper", "scraping", "scribe", "semantic",
    "sentinel", "squeezy", "stability", "storage", "systems", "technical", "times", "together", "tomorrow", "twelve",
    "uptime", "vault", "voyage", "weather",
})
"""Words of providers' display names that are also everyday words (`Better` Stack, `Rocket` Chat): alone,
they name no provider (see context_names.EVERYDAY_WORDS for providers whose whole name is one)."""


def provider_words(rules: Iterable[Rule]) -> frozenset[str]:
    """The words that name a provider: the names claims know (claims.claim_names), and each provider's
    keywords that are a word of its display name (`azure` of Microsoft Azure, `autodesk` of Autodesk
    Platform Services), without everyday words and credential words."""
    rules = tuple(rules)
    words = set(claim_names(rules))
    for rule in rules:
        if rule.provider != "Generic":
            display = {w.lower() for w in _DISPLAY_WORD.findall(rule.provider)}
            words.update(k for k in rule.keywords if len(k) >= 4 and k in display)
    return frozenset(words - EVERYDAY_WORDS - COMMON_WORDS - QUALIFIERS - CREDENTIAL_NOUNS)


def named_only(matches: Sequence[Match], text: str, names: frozenset[str]) -> list[Match]:
    """The matches with each opted-in match that no provider's name is near marked dropped."""
    out = []
    for m in matches:
        if not m.dropped_by and NAMING_FILTER in m.rule.filters and not names_provider(text, m.start, names):
            m = replace(m, dropped_by="filter:no-provider-named")
        out.append(m)
    return out


def names_provider(text: str, start: int, names: frozenset[str]) -> bool:
    """Whether the words before `start` on its line, or those of the two lines above, name a provider."""
    words = key_words(text, start) | _lines_above(text, text.rfind("\n", 0, start) + 1)
    return not names.isdisjoint(words)


_VALUE = re.compile(r"(?<![\w+/=-])(?=[\w+/=-]*[0-9])[\w+/=-]{12,}")


def _lines_above(text: str, line_start: int) -> set[str]:
    """The word runs (claims.word_runs) of each of the two lines above, without their values: a random
    token's letters can spell a provider's name."""
    runs: set[str] = set()
    end = line_start - 1
    for _ in range(KEY_LINES_ABOVE):
        if end <= 0:
            break
        begin = text.rfind("\n", 0, end) + 1
        runs |= word_runs(_VALUE.sub(" ", text[max(begin, end - KEY_REACH):end]))
        end = begin - 1
    return runs
