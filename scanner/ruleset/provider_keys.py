"""`provider_key` rules: any provider the rule set knows, named as the whole key of a generated value.

`{"todoist": "..."}`, `STRAVA=...`, `TiingoClient("...")` and `| Taxjar | ... |` say whose value it is, in a
shape the provider's own rules may not know. The rule's pattern takes any one word as the key (ANY_KEY, in
each of key_leads' forms); its keywords, filled in once every rule is loaded (with_provider_keys), are the
provider names the key may be. The engine keeps a match only where the key is one of them
(`names_a_provider`), the rule gate looks for the names themselves (key_leads.bare_key_gates), and no
other rule may name the key's group, so that no pattern rule is taken for one.
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from scanner.ruleset.key_leads import CLIENT_WORDS, PUBLIC_HALF_PROVIDERS
from scanner.ruleset.lazy_pattern import LazyPattern

if TYPE_CHECKING:
    from scanner.ruleset.rules import Rule

PROVIDER_KEY = "provider_key"
"""The named group holding a `provider_key` rule's bare key."""
ANY_KEY = rf"(?P<{PROVIDER_KEY}>[A-Za-z0-9]{{3,40}}?)"
"""The key as the pattern has it: one run of letters and digits, as the names are (claims.claim_names
writes them without separators); the shortest, so that `AcmeClient("` gives `Acme`."""
RESERVED_GROUP = LazyPattern(r"\(\?P?<(?:provider_key|bare_name)>")
"""The groups the engine reads as a bare key's marks: a pattern written in a rule file may not name them."""
_CREDENTIAL_ENDINGS = ("secret", "token", "key", "password", "passwd", "credential", "credentials",
                       "certificate")


@functools.lru_cache(maxsize=4096)
def provider_keyed(pattern: str) -> bool:
    """Whether a rule's pattern is a `provider_key` rule's (its keywords are names, not literals it holds):
    rule files cannot write the group (RESERVED_GROUP), so only provider_key_pattern makes one."""
    return f"(?P<{PROVIDER_KEY}>" in pattern


def provider_key_words(words: Iterable[str]) -> tuple[str, ...]:
    """The provider words a bare key may be, sorted (names_a_provider bisects them): not a name that ends
    in a credential's noun (`agorasecret`, `b2appkey`), whose key the assignment rules read already, nor a
    provider whose bare key holds its public half as often (key_leads.PUBLIC_HALF_PROVIDERS)."""
    return tuple(sorted(w for w in words if not w.endswith(_CREDENTIAL_ENDINGS) and w not in PUBLIC_HALF_PROVIDERS))


def with_provider_keys(rules: Sequence[Rule], words: Iterable[str] | None = None) -> list[Rule]:
    """The rules, each `provider_key` rule with the provider words (`words`, by default those of `rules`)
    as its keywords. A rule set that names no provider leaves such a rule without keywords, which `rules
    check` reports."""
    keyed = [i for i, rule in enumerate(rules) if provider_keyed(rule.pattern)]
    if not keyed:
        return list(rules)
    if words is None:
        from scanner.ruleset.named_provider import provider_words

        words = provider_words(rules)
    keywords = provider_key_words(words)
    out = list(rules)
    for i in keyed:
        out[i] = replace(out[i], keywords=keywords)
    return out


def names_a_provider(names: Sequence[str], key: str, before: str) -> bool:
    """Whether a bare key is one of the (sorted) names: as it is; as the name that `New` before it begins
    (`NewRelic("...")`, whose key the pattern reads as `Relic`); or as the name before a client word the
    pattern let into the key (`TodoistApiClient("...")` gives `TodoistApi`)."""
    key = key.lower()
    spellings = [key, *(key[:-len(w)] for w in CLIENT_WORDS if key.endswith(w) and len(key) > len(w))]
    if before.endswith("New"):
        spellings.append(f"new{key}")
    return any(is_name(names, spelling) for spelling in spellings)


def is_name(names: Sequence[str], word: str) -> bool:
    """Whether the word is one of a `provider_key` rule's names, which are sorted."""
    at = bisect.bisect_left(names, word)
    return at < len(names) and names[at] == word
