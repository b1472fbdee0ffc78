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

from collections.abc import Sequence

BARE_NAME = "bare_name"
"""The empty named group that marks a match made by a bare-key lead."""


def bare_key_lead(names: Sequence[str]) -> str:
    """The provider's name as a whole key, right before its value: `"acme": "`, `ACME=`, `acme: `,
    `:acme => '`, `Acme -> `, `--acme `; as its client's constructor with the value as first argument
    (`AcmeClient("`, `new Acme.Client('`, `acme.init("`); and as the first cell of a table's row, the value
    in the next (`| Acme | `). Not after a word, a path, `$` or a dot (`my_acme`, `/acme`, `$acme`,
    `cfg.acme`); the token's edge and the marker group are added by the caller."""
    name = f"(?i:{'|'.join(names)})"
    start = r"(?<![\w.$@/\\-])"
    key = rf"{start}[\"':]?{name}[\"']?[ \t]*(?::=|=>|->|[:=])[ \t]*[\"'`]?"
    flag = rf"(?<![\w-])--{name}(?:[ \t]+|=)[\"']?"
    call = rf"{start}(?:new[ \t]+|New)?{name}{_CLIENT}\([ \t]*[\"'`]"
    row = rf"(?<![^\s|])\|[ \t]*[*_`]{{0,2}}{name}[*_`]{{0,2}}[ \t]*\|[ \t]*`?"
    return f"(?:{key}|{flag}|{call}|{row})"


_CLIENT = (r"(?:[._]?(?i:client|api|sdk|service|session|connection|auth)(?![a-z])|::Client\.new"
           r"|\.(?:init|new|configure|setup|login|authenticate|connect))?")
"""What may follow a provider's name to make its constructor, or the call that takes its key."""
