"""A keyword-pattern rule also finds its token the way a context rule would.

A rule such as `datadog[\\w.-]{0,20}?api[_.-]?key ... ([a-f0-9]{32})` spells the key in one run: it misses the
same key written as a block (`datadog:` / `  api_key: ...`), a Terraform variable's default, a Kubernetes
`name:`/`value:` pair, or `datadogkey = ...`. Such a rule gets a second branch, made from what it already
says: its provider's name (a keyword that is part of the provider's display name, or starts a word of the
rule's name: a product's, `cosmos` in `Azure Cosmos DB account key`), a credential noun its
pattern names (`key`, `token`, `secret`...; none when the pattern asks only for the name on the token's
line, `mollie[^\n]{0,80}?live_...`), and its token shape (its one capture group). The branch is a
loosened context-rule lead (see context_names.py): the name, the noun on its line or one of the four below,
then the token, whole. Everything else about the rule (keywords, filters, entropy, the gate) is unchanged.

Rules whose token is not a plain shape (a password, anything up to a quote), whose patterns set global flags
other than `(?i)` or capture more than one shape, or whose provider word is an everyday word get no branch.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from scanner.ruleset.context_names import CREDENTIAL_NOUNS, EVERYDAY_WORDS, QUALIFIERS

MIN_TOKEN = 16
MAX_TOKEN = 256
# A token shape made of character classes (no negated ones), literals (`\.` too) and bounded counts, as a
# whole or in `(?-i:...)`, with alternatives: `[a-f0-9]{32}`, `(?-i:s\.[A-Za-z0-9]{24})`, `[A-Za-z0-9+/]{43}=`.
_SHAPE = re.compile(r"(?:\(\?-i:|\(\?:|\)|\||\[(?!\^)(?:\\.|[^\]\\])+\]|[A-Za-z0-9=_-]|\\[.+/:-]|\{\d+(?:,\d+)?\}|\?)+")
_PROVIDER_WORD = re.compile(r"[a-z][a-z0-9]{3,}")
_PROXIMITY = re.compile(r"\[\^(?:\\r)?\\n\]\{0,\d+\}")
"""`[^\n]{0,80}`: a rule that asks only for its provider's name near the token (`mollie ... live_...`), whose
branch then asks for no noun either."""
_GLOBAL_FLAGS = re.compile(r"^\(\?([a-zA-Z]+)\)")
KEYED_EVERYDAY_WORDS = frozenset({
    "copper", "daily", "together", "census", "deputy", "delighted", "dune", "zoom", "crisp", "plaid",
    "circle", "cloze", "bootstrap", "storage", "atlas",
})
"""Provider words of keyword-pattern rules that are also everyday English (see EVERYDAY_WORDS), or begin other
products' names: `atlas` alone named MongoDB Atlas in `Atlassian Statuspage API key` (its rules still read
`mongodbatlas`, `MONGODB_ATLAS_` and `atlas_private_key`)."""


@dataclass(frozen=True)
class KeyedContext:
    """What a keyword-pattern rule says that a context lead needs."""

    providers: tuple[str, ...]
    nouns: tuple[str, ...]
    """Empty for a rule that names no credential noun and joins provider and token by proximity alone."""
    token: str


def keyed_context(pattern: str, secret_group: int | str, keywords: Sequence[str], provider: str, name: str = ""
                  ) -> KeyedContext | None:
    """The provider words, credential nouns and token shape of a keyword-pattern rule, or None when the
    rule does not lend itself to a context branch. A rule's name says which credential it finds too
    (`Adyen HMAC key`): its last word joins the nouns of a pattern that names some."""
    token = token_shape(pattern, secret_group)
    if secret_group != 1 or provider == "Generic" or not token:
        return None
    display = re.sub(r"[^a-z0-9]", "", provider.lower())
    # a product's word (`Azure Cosmos DB account key`: cosmos) names the provider as its company's does
    product = re.findall(r"[a-z0-9]+", name.lower())
    providers = tuple(k for k in keywords if _PROVIDER_WORD.fullmatch(k)
                      and (k in display or (k not in QUALIFIERS and any(w.startswith(k) for w in product)))
                      and k not in EVERYDAY_WORDS and k not in KEYED_EVERYDAY_WORDS)
    lowered = pattern.lower()
    nouns = tuple(n for n in sorted(CREDENTIAL_NOUNS) if re.search(rf"(?<![a-z]){n}(?![a-z])", lowered))
    named = name.lower().split()[-1:] if name else []
    if nouns and named and named[0] in CREDENTIAL_NOUNS and named[0] not in nouns:
        nouns = (*nouns, named[0])
    if not providers or not (nouns or _PROXIMITY.search(pattern)):
        return None
    return KeyedContext(providers, nouns, token)


def token_shape(pattern: str, secret_group: int | str) -> str:
    """The plain token shape a pattern captures as its secret (its one group, or the alternatives of a
    branch reset that each capture the same shape), or "": a shape tells claims.py a near miss of it, also
    where the rule gets no context branch."""
    if secret_group not in (0, 1) or "(?P<" in pattern:
        return ""
    flags = _GLOBAL_FLAGS.match(pattern)
    if flags and flags.group(1) != "i":
        return ""
    groups = capture_groups(pattern)
    tokens = {pattern[start + 1:end] for start, end in groups}
    if len(tokens) != 1 or (len(groups) > 1 and "(?|" not in pattern):
        return ""
    token = tokens.pop()
    return token if _SHAPE.fullmatch(token) and _plain_width(token) else ""


def with_context_branch(pattern: str, branch: str) -> str:
    """The rule's pattern or the branch, each with the token as group 1 (a branch reset)."""
    flags = _GLOBAL_FLAGS.match(pattern)
    if flags:
        pattern = f"(?{flags.group(1)}:{pattern[flags.end():]})"
    return f"(?|{pattern}|{branch})"


def capture_groups(pattern: str) -> list[tuple[int, int]]:
    """(open, close) offsets of every capturing group, in order of their opening parenthesis."""
    from scanner.ruleset.branches import structure

    found: list[tuple[int, int]] = []
    stack: list[tuple[int, bool]] = []
    for at, char in structure(pattern):
        if char == "(":
            stack.append((at, not pattern.startswith("(?", at) or pattern.startswith("(?P<", at)))
        elif char == ")" and stack:
            start, capturing = stack.pop()
            if capturing:
                found.append((start, at))
    return sorted(found)


def _plain_width(token: str) -> bool:
    from scanner.ruleset.token_shape import token_width

    low, high = token_width(token.replace("(?-i:", "(?:"))
    return low >= MIN_TOKEN and high <= MAX_TOKEN
