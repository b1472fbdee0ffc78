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
PUBLIC_HALF_PROVIDERS = frozenset({"pusher", "mixpanel", "amplitude", "braze", "recaptcha", "uploadcare"})
"""Providers whose public key has the shape of their secret, and is what a browser's code hands their client
(`new Pusher("<app key>")`, `mixpanel.init("<project token>")`, `amplitude.init(...)`, `braze.initialize(...)`,
`"recaptcha": "<site key>"`): their bare keys and constructors lead to nothing; their secrets are found under
their own names."""


def bare_key_lead(names: Sequence[str]) -> str:
    """The provider's name as a whole key, right before its value: `"acme": "`, `ACME=`, `acme: `,
    `:acme => '`, `Acme -> `, `--acme `; as its client's constructor with the value as first argument
    (`AcmeClient("`, `new Acme.Client('`, `acme.init("`, a module's class `acme.Acme("`, PHP's
    `\\Sdk\\AcmeClient("`); and as the first cell of a table's row, the value in the next (`| Acme | `). Not
    after a word, a path, `$` or a dot (`my_acme`, `/acme`, `$acme`, `cfg.acme`), but for a class's capital
    (after a dot, or a namespace's backslash); the token's edge and the marker group are added by the caller."""
    return "(?:" + "|".join(bare_key_forms(names)) + ")"


def bare_key_forms(names: Sequence[str]) -> tuple[str, ...]:
    """Each form of bare_key_lead on its own."""
    name = f"(?i:{'|'.join(names)})"
    return tuple(f"{before}{name}{after}" for before, after in _FORMS)


def bare_line_lead(names: Sequence[str]) -> str:
    """The provider's name with its value alone on a line: the line's first word, the value its only other
    (`Acme <value>`, as notes and comments list keys); or YAML's `acme:` with the value alone on the next,
    deeper line. Only the `provider_key` rules take these: in a context rule's pattern each branch costs
    time on every text (a fifth made them a third slower), and the rule's own lead reads both already."""
    name = f"(?i:{'|'.join(names)})"
    return (rf"(?:(?<![^\s#/*>-])(?<=(?:^|\n){_LINE_OPEN}){name}{_LINE_VALUE}"
            rf"|{_START}[\"']?{name}{_NEXT_LINE}{VALUE_ALONE}[\"']?)")


def bare_key_gates(names: Sequence[str]) -> tuple[str, ...]:
    """What the rule gate looks for where any of `names` may be the bare key (`provider_key` rules), in
    Hyperscan's exact mode: its prefilter mode turns an alternation of hundreds of names into a pattern that
    matches most texts. Without lookarounds, which that mode lacks, these match wherever bare_key_lead's
    forms and bare_line_lead do; a flag keeps the `--` that must come before the name, a line its start.
    A table's row does not keep its `|`: Hyperscan 5.4 missed rows behind a Markdown table's header when
    each share's row was an expression of its own (seen with two shares of names, found by
    bench/peer_formats.py)."""
    name = f"(?i:{'|'.join(names)})"
    return f"{name}(?:{_KEY_GATE}|{_CALL_GATE}|{_ROW})", f"--{name}{_FLAG}", f"(?m)^{_LINE_OPEN}{name}[ \t]+"


CLIENT_WORDS = ("client", "api", "sdk", "service", "session", "connection", "auth")
"""Words that may follow a provider's name in its client's name (`AcmeClient`, `acme_api`)."""
_CLIENT_WORDS = rf"[._]?(?i:{'|'.join(CLIENT_WORDS)})"
_CLIENT_CALLS = (r"::Client\.new|\.(?:init|new|create|configure|setup|login|authenticate|connect)"
                 r"|\.New(?:Client|API|Api)?|(?:\\Client)?::(?:new|make|create)|\\Client")
_CLIENT_SUFFIX = rf"(?:{_CLIENT_WORDS}(?![a-z])|{_CLIENT_CALLS})"
_CLIENT = rf"{_CLIENT_SUFFIX}?"
"""What may follow a provider's name to make its constructor, or the call that takes its key."""
_START = r"(?<![\w.$@/\\-])"
_KEY = r"[\"']?[ \t]*(?::=|=>|->|[:=])[ \t]*[\"'`]?"
_NEXT_LINE = r"[\"']?:[ \t]*\r?\n[ \t]+"
_KEY_GATE = rf"(?:{_KEY}|{_NEXT_LINE}[\"'`]?)"
_FLAG = r"(?:[ \t]+|=)[\"']?"
_SPACE = r"[ \t]*(?:\r?\n[ \t]{0,24})?"
"""Space in a call's parentheses: its arguments may each stand on a line of their own, under the call."""
_ARGUMENTS = rf"(?:(?:[\"'][^\"'\r\n]{{1,64}}[\"']|\d{{1,20}}){_SPACE},{_SPACE}){{0,2}}?"
"""The arguments a constructor may take before the key: an account's or app's id (`Client("APPID", "`). The
fewest first: the first argument is the key more often than not (`Mailgun("key-...", "mg.corp.io")`)."""
_CALL = (rf"(?:{_CLIENT_SUFFIX}\({_SPACE}{_ARGUMENTS}"
         rf"|\({_SPACE}(?:(?<={_START}new[ \t]{{1,8}}[\w.\\]{{1,80}}\({_SPACE}){_ARGUMENTS})?)[\"'`]")
"""Arguments before the key only in a client's constructor (`AcmeClient(`, `acme.NewClient(`, `new Acme(`): a
class named as an everyday word takes other values first (`Segment(0, 1500, "...")`)."""
_CALL_GATE = rf"(?:{_CLIENT_WORDS}){{0,2}}(?:{_CLIENT_CALLS})?\({_SPACE}{_ARGUMENTS}[\"'`]"
_ROW_OPEN = r"\|[ \t]*[*_`]{0,2}"
_ROW = r"[*_`]{0,2}[ \t]*\|[ \t]*`?"
_LINE_OPEN = r"[ \t]{0,24}(?:(?:#|//|\*|-|>)[ \t]{0,8})?"
"""Indentation and a comment's or a list's mark: bounded, since the lookbehind that holds it is tried at
every position of a run of spaces."""
_LINE_VALUE = r"[ \t]+(?=\S+[ \t]*(?:\r?\n|\Z))"
VALUE_ALONE = r"(?=[\"']?[^\s\"'`]*[^\s:\"'`][\"']?[ \t]*(?:\r?\n|\Z))"
"""A value alone on its line, quoted or not: not a list's `- item`, a nested `key: value` or `key:` (also
what the generic rules' grammar takes on the line after a YAML key, tests/generic_grammar.py)."""
_FORMS = (
    (rf"{_START}[\"':]?", _KEY),  # a key: `"acme": "`, `ACME=`
    (r"(?<![\w-])--", _FLAG),  # a flag: `--acme `
    # a constructor: `AcmeClient("`, `acme.Acme("`, PHP's `\Sdk\AcmeClient("`; `new ` in a lookbehind, so that
    # the pattern opens with the name, which the regex module skips to (an optional word first: 60 ms instead
    # of 1 on 400 KB)
    (rf"(?:(?<={_START}(?:new[ \t]{{1,8}}|New))|{_START}|(?<=\w\.|\\)(?=[A-Z]))", _CALL),
    (rf"(?<![^\s|]){_ROW_OPEN}", _ROW),  # a table's row: `| Acme | `
)
"""Each form of a bare key: what comes before the provider's name, and what after it, up to the value."""
