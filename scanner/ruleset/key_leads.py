"""Two more ways a provider's name leads to its token: as the whole key, and as the key of the block above.

A bare key (`{"datadog": "<hex>"}`, `DATADOG=<hex>`, `--datadog <hex>`) names the provider and no credential
noun. The loosened leads (context_names.py) need the noun, and rightly so for a key that goes on
(`DATADOG_REGION`); a key that is the provider's name and nothing else says only "Datadog's value". Such a
lead is marked with an empty group, BARE_NAME, after the token: the engine then asks more of the value than
the rule does (scanner/engine/filters.py, bare_name_rejection), since bare provider keys also hold names,
versions and pinned commits.

A block key (`datadog:` in Helm values, `"datadog": {`, `provider "datadog" {`, `[datadog]`) names the provider
for every line nested under it; the plain leads reach two lines below the name, and a values file puts the
key deeper (`datadog:` / `  config:` / `    site: eu` / `    apiKey: ...`). The block lead follows up to
BLOCK_LINES lines that the block holds, by indentation for YAML, JSON and HCL (a block opened at 0, 2 or 4
spaces: one alternative each, as a backreference would keep the pattern out of the Hyperscan gate) and up to
the next `[table]` for TOML and INI, then needs a credential noun in the token's own key. A blank line ends
a block, as it does for the plain leads.
"""

from __future__ import annotations

from collections.abc import Sequence

BARE_NAME = "bare_name"
"""The empty named group that marks a match made by a bare-key lead."""
BLOCK_LINES = 6
"""How far below a block's key its token may be (the key's line excluded)."""
BLOCK_INDENTS = (0, 2, 4)
"""The indentations a block key may have: one alternative of the pattern each."""
_LINE_START = r"(?<![^\r\n])"
_EOL = r"[ \t]*(?:#[^\r\n]*)?\r?\n"
_LINE_CHARS = 200
_LINE = rf"[^\r\n]{{0,{_LINE_CHARS}}}"


def bare_key_lead(names: Sequence[str]) -> str:
    """The provider's name as a whole key, right before its value: `"acme": "`, `ACME=`, `acme: `,
    `:acme => '`, `--acme `. Not after a word, a path, `$` or a dot (`my_acme`, `/acme`, `$acme`,
    `cfg.acme`); the token's edge and the marker group are added by the caller."""
    name = f"(?i:{'|'.join(names)})"
    key = rf"(?<![\w.$@/\\-])[\"':]?{name}[\"']?[ \t]*(?::=|=>|[:=])[ \t]*[\"'`]?"
    flag = rf"(?<![\w-])--{name}(?:[ \t]+|=)[\"']?"
    return f"(?:{key}|{flag})"


def block_key_lead(names: Sequence[str], noun: str, gap: str) -> str:
    """A line that opens a block under the provider's name, up to BLOCK_LINES - 1 more lines, then a line
    whose key holds a credential noun (`noun`, a pattern), up to the token. The lines are read loosely, and
    a lookbehind at the token then checks that a block under the name holds its line and that its key names
    a credential: the Hyperscan gate drops lookarounds, and read precisely outside one the block took the
    whole gate's build from 2 s to 48 s (about 4 s so)."""
    name = f"(?i:{'|'.join(names)})"
    # no two runs of blanks side by side (`[ \t]*=?[ \t]*`): on a name and a long run of them, that is
    # quadratic
    opener = rf"(?:(?:provider|module)[ \t]+)?[\"']?{name}[\"']?[ \t]*(?::(?:[ \t]*\{{)?|=[ \t]*\{{|\{{)"
    table = rf"\[[ \t]*{name}(?:\.[\w-]+)*[ \t]*\]"  # `[acme]`, `[acme.prod]`
    held = "|".join([*(_held_by_indented(opener, indent) for indent in BLOCK_INDENTS), _held_by_table(table)])
    # What the match reads is loose (the name, what opens a block, then up to BLOCK_LINES lines); the
    # lookbehind decides. An alternation of the two kinds of opener here doubled the gate's build.
    opens = rf"{name}(?:\.[\w-]+)*[\"']?[ \t]*[:={{\]]"
    lines = rf"{_LINE}(?:\r?\n{_LINE}){{1,{BLOCK_LINES}}}?"
    return rf"{opens}{lines}(?<=(?:{held}){gap}{noun}{gap})"


def _held_by_indented(opener: str, indent: int) -> str:
    """Here starts a line of a block whose key is at `indent` spaces (`acme:`, `"acme": {`, `acme = {`,
    `provider "acme" {`): it and the lines between are indented deeper (a tab is deeper than any of
    BLOCK_INDENTS) and not blank."""
    deeper = rf"(?:[ ]{{{indent + 1}}}|{_spaces(0, indent)}\t)"
    return (rf"{_LINE_START}{_spaces(indent, indent)}{opener}{_EOL}"
            rf"(?:{deeper}[ \t]*\S{_LINE}\r?\n){{0,{BLOCK_LINES - 1}}}(?={deeper}[ \t]*\S)")


def _held_by_table(table: str) -> str:
    """Here starts a line of a TOML or INI table named for the provider: no `[table]` line before it."""
    return (rf"{_LINE_START}{table}{_EOL}(?:(?![ \t]*\[)[ \t]*\S{_LINE}\r?\n){{0,{BLOCK_LINES - 1}}}"
            rf"(?![ \t]*\[)(?=[ \t]*\S)")


def _spaces(low: int, high: int) -> str:
    """`low` to `high` spaces; nothing for none (Hyperscan refuses a repeat of zero)."""
    if high == 0:
        return ""
    return f"[ ]{{{low}}}" if low == high else f"[ ]{{{low},{high}}}"
