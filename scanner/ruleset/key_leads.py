"""Another way a provider's name leads to its token: as the whole key.

A bare key (`{"datadog": "<hex>"}`, `DATADOG=<hex>`, `--datadog <hex>`) names the provider and no credential
noun; so do its client's constructor (`DatadogClient("<hex>")`) and a table's row (`| Datadog | <hex> |`).
The loosened leads (context_names.py) need the noun, and rightly so for a key that goes on
(`DATADOG_REGION`); a key that is the provider's name and nothing else says only "Datadog's value". Such a
lead is marked with an empty group, BARE_NAME, after the token: the engine then asks more of the value than
the rule does (scanner/engine/filters.py, bare_name_rejection), since bare provider keys also hold names,
versions and pinned commits.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence

BARE_NAME = "bare_name"
"""The empty named group that marks a match made by a bare-key lead."""


def bare_key_lead(names: Sequence[str]) -> str:
    """The provider's name as a whole key, right before its value: `"acme": "`, `ACME=`, `acme: `,
    `:acme => '`, `Acme -> `, `--acme `; as its client's constructor with the value as first argument
    (`AcmeClient("`, `new Acme.Client('`, `acme.init("`); and as the first cell of a table's row, the value
    in the next (`| Acme | `). Not after a word, a path, `$` or a dot (`my_acme`, `/acme`, `$acme`,
    `cfg.acme`); the token's edge and the marker group are added by the caller."""
    name = f"(?i:{'|'.join(names)})"
    return "(?:" + "|".join(f"{before}{name}{after}" for before, after in _FORMS) + ")"


def bare_key_gates(names: Sequence[str]) -> tuple[str, ...]:
    """What the rule gate looks for where any of `names` may be the bare key (`provider_key` rules), in
    Hyperscan's exact mode: its prefilter mode turns an alternation of hundreds of names into a pattern that
    matches most texts. Without lookarounds, which that mode lacks, these match wherever bare_key_lead's
    forms do; a flag keeps the `--` that must come before the name. A table's row does not keep its `|`:
    Hyperscan 5.4 missed rows behind a Markdown table's header when each share's row was an expression of
    its own (seen with two shares of names, found by bench/peer_formats.py)."""
    name = f"(?i:{'|'.join(names)})"
    return f"{name}(?:{_KEY}|{_CALL_GATE}|{_ROW})", f"--{name}{_FLAG}"


PROVIDER_KEY = "provider_key"
"""The named group holding the bare key of a `provider_key` rule: the engine reports the match only when
the key is one of the rule's keywords, which the loader makes every provider name the rule set knows."""
ANY_KEY = rf"(?P<{PROVIDER_KEY}>[A-Za-z0-9]{{3,40}}?)"
"""A `provider_key` rule's bare key as its pattern has it: a single run of letters and digits, as the gate's
names are (the words of claims.claim_names, which are written without separators); the shortest, so that
`AcmeClient("` gives `Acme`."""


@functools.lru_cache(maxsize=4096)
def provider_keyed(pattern: str) -> bool:
    """Whether a rule's pattern is a `provider_key` rule's: its keywords are provider names, not literals
    its pattern holds."""
    return f"(?P<{PROVIDER_KEY}>" in pattern


_CREDENTIAL_WORDS = ("secret", "token", "key", "password", "passwd", "credential", "certificate")


def provider_key_words(words: Iterable[str]) -> tuple[str, ...]:
    """The provider words that may stand as a bare key for a `provider_key` rule: not those holding a
    credential's noun (`agorasecret`, `b2appkey`), whose keys the generic assignment rules already read as
    a credential's."""
    return tuple(sorted(w for w in words if not any(noun in w for noun in _CREDENTIAL_WORDS)))


_CLIENT_WORDS = r"[._]?(?i:client|api|sdk|service|session|connection|auth)"
_CLIENT_CALLS = r"::Client\.new|\.(?:init|new|configure|setup|login|authenticate|connect)"
_CLIENT = rf"(?:{_CLIENT_WORDS}(?![a-z])|{_CLIENT_CALLS})?"
"""What may follow a provider's name to make its constructor, or the call that takes its key."""
_START = r"(?<![\w.$@/\\-])"
_KEY = r"[\"']?[ \t]*(?::=|=>|->|[:=])[ \t]*[\"'`]?"
_FLAG = r"(?:[ \t]+|=)[\"']?"
_CALL = rf"{_CLIENT}\([ \t]*[\"'`]"
_CALL_GATE = rf"(?:{_CLIENT_WORDS}|{_CLIENT_CALLS})?\([ \t]*[\"'`]"
_ROW_OPEN = r"\|[ \t]*[*_`]{0,2}"
_ROW = r"[*_`]{0,2}[ \t]*\|[ \t]*`?"
_FORMS = (
    (rf"{_START}[\"':]?", _KEY),  # a key: `"acme": "`, `ACME=`
    (r"(?<![\w-])--", _FLAG),  # a flag: `--acme `
    (rf"{_START}(?:new[ \t]+|New)?", _CALL),  # a constructor: `AcmeClient("`
    (rf"(?<![^\s|]){_ROW_OPEN}", _ROW),  # a table's row: `| Acme | `
)
"""Each form of a bare key: what comes before the provider's name, and what after it, up to the value."""
