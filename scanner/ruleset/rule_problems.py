"""What is wrong with a rule file, all of it at once, in the words of someone writing one.

JSON Schema reports `(top level): 'examples' is a required property` one error at a time; a person writing
a custom rule then needs a round trip per missing field. Here every problem of a file is listed, each with
the rule's id and the field, a misspelt key gets a "did you mean", and a value still holding a scaffold's
`FILL IN:` placeholder says what to write there.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from scanner.errors import RuleError

FILL_IN = "FILL IN:"
"""What `leakstop rules new` starts every value to be written with."""

# What a missing required field is for, said where it is missing.
_NEEDED_FOR = {
    "id": "a stable kebab-case id; fingerprints and ignores are keyed on it",
    "name": "what a report calls the secret",
    "examples": "at least one text the rule must find; `rules check` proves it does",
    "remediation": "what to do when the secret leaks: where to revoke it, how to rotate it",
    "rules": "the list of rules",
}


class RuleProblems(RuleError):
    """Every problem found in rule files. The message joins them (errors are one line); `rules check`
    prints one per line."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        head = "" if len(self.problems) == 1 else f"{len(self.problems)} problems in rule files: "
        super().__init__(head + "; ".join(self.problems))


def document_problems(path: Path, data: object, schema: dict[str, Any]) -> tuple[list[str], set[int | None]]:
    """Every problem of a parsed rule file, and which rules (by index; None: the whole file) they make
    unloadable."""
    where_key = non_string_key(data)
    if where_key is not None:
        # YAML allows `? ` / `null:` / `1:` keys that JSON has no word for; jsonschema crashes on them.
        field = ".".join(str(p) for p in where_key[0]) or "(top level)"
        return [f"{path}: {field}: keys must be strings, not {where_key[1]!r}"], {None}
    if not isinstance(data, dict):
        what = "empty" if data is None else f"a {type(data).__name__}"
        return [f"{path}: the file is {what}; a rule file is a mapping with `rules:`, a list of rules "
                "(`leakstop rules new PROVIDER` writes one to start from)"], {None}
    problems: list[tuple[int | None, str]] = [*schema_problems(data, schema), *provider_problems(data),
                                              *fill_in_problems(data)]
    rules = data.get("rules") if isinstance(data, dict) else None
    problems.sort(key=lambda problem: -1 if problem[0] is None else problem[0])
    out = [f"{path}: {label(rules, index)}{message}" for index, message in problems]
    return list(dict.fromkeys(out)), {index for index, _ in problems}


def non_string_key(data: object, where: tuple[object, ...] = (), seen: set[int] | None = None
                   ) -> tuple[tuple[object, ...], object] | None:
    """(where, key) of the first mapping key that is not a string, or None. YAML anchors can make a
    document contain itself (`&a [*a]`), so each container is looked at once."""
    seen = set() if seen is None else seen
    if not isinstance(data, (dict, list)) or id(data) in seen:
        return None
    seen.add(id(data))
    for key in data if isinstance(data, dict) else ():
        if not isinstance(key, str):
            return where, key
    for key, value in data.items() if isinstance(data, dict) else enumerate(data):
        found = non_string_key(value, (*where, key), seen)
        if found is not None:
            return found
    return None


def label(rules: object, index: int | None) -> str:
    if index is None:
        return ""
    raw = rules[index] if isinstance(rules, list) and index < len(rules) else None
    rule_id = raw.get("id") if isinstance(raw, dict) else None
    return f"rule '{rule_id}': " if isinstance(rule_id, str) and rule_id else f"rule #{index + 1}: "


def schema_problems(data: object, schema: dict[str, Any]) -> list[tuple[int | None, str]]:
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(data), key=lambda e: [(isinstance(p, str), p) for p in e.absolute_path])
    suggested: set[tuple[tuple[object, ...], str]] = set()
    out: list[tuple[int | None, str]] = []
    for error in errors:
        where = tuple(error.absolute_path)
        index, field = split_where(where)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            for key, near in unknown_keys(error.instance, error.schema):
                if near:
                    suggested.add((where, near))
                hint = f"did you mean '{near}'?" if near else f"known: {', '.join(known_keys(error.schema))}"
                out.append((index, f"{field}{key}: unknown field ({hint})"))
    for error in errors:
        where = tuple(error.absolute_path)
        index, field = split_where(where)
        if error.validator == "additionalProperties":
            continue
        if error.validator == "required":
            found = re.match(r"'(.+)' is a required property", error.message)
            missing = found.group(1) if found else ""
            if (where, missing) in suggested:
                continue
            why = _NEEDED_FOR.get(missing, "")
            out.append((index, f"{field}{missing}: missing" + (f" ({why})" if why else "")))
        elif error.validator == "oneOf" and isinstance(error.instance, dict):
            if not {(where, "pattern"), (where, "context"), (where, "keywords")} & suggested:
                out.append((index, pattern_or_context(error.instance)))
        elif error.validator == "pattern" and where[-1:] == ("id",):
            out.append((index, f"id: {error.instance!r} must be kebab-case: lower-case letters and digits "
                               "joined by single dashes"))
        else:
            message = error.message if len(error.message) <= 160 else error.message[:157] + "..."
            out.append((index, f"{field.rstrip('.') or '(top level)'}: {message}"))
    return out


def split_where(where: tuple[object, ...]) -> tuple[int | None, str]:
    """(rule index or None, the field path inside it with a trailing dot, or empty)."""
    if len(where) >= 2 and where[0] == "rules" and isinstance(where[1], int):
        rest = where[2:]
        return where[1], "".join(f"{p}." for p in rest)
    return None, "".join(f"{p}." for p in where)


def known_keys(schema: dict[str, Any]) -> list[str]:
    return list(schema.get("properties", {}))


def unknown_keys(instance: dict[str, Any], schema: dict[str, Any]) -> list[tuple[str, str]]:
    """(key, closest known key or empty) for each key the schema does not allow."""
    patterns = [re.compile(p) for p in schema.get("patternProperties", {})]
    known = known_keys(schema)
    out = []
    for key in instance:
        if key in known or any(p.search(str(key)) for p in patterns):
            continue
        near = difflib.get_close_matches(str(key), known, n=1, cutoff=0.6)
        out.append((str(key), near[0] if near else ""))
    return out


def pattern_or_context(rule: dict[str, Any]) -> str:
    """The schema's oneOf (pattern + keywords, or context), said as what to change."""
    if "pattern" in rule and "context" in rule:
        return "pattern, context: give one of them, not both"
    if "pattern" in rule:
        return "keywords: missing (literals, 3+ characters, of which the text must contain one for the " \
               "pattern to run; usually the token's prefix)"
    if "context" in rule:
        return "keywords: only with pattern; a context rule takes its keywords from context.names"
    return "pattern: missing (a regex with keywords, or instead a `context:` with names and token)"


def provider_problems(data: object) -> list[tuple[int | None, str]]:
    """A file-level `provider` is needed only by rules that do not name their own."""
    if not isinstance(data, dict) or "provider" in data or not isinstance(data.get("rules"), list):
        return []
    return [(i, "provider: missing (set it on the rule, or once at the top of the file for all its rules)")
            for i, raw in enumerate(data["rules"]) if isinstance(raw, dict) and "provider" not in raw]


def fill_in_problems(data: object) -> list[tuple[int | None, str]]:
    """Each value a scaffold left as `FILL IN: ...`, with the hint that follows the marker."""
    out: list[tuple[int | None, str]] = []
    for where, text in strings_in(data, (), set()):
        if text.startswith(FILL_IN):
            index, field = split_where(where)
            hint = text[len(FILL_IN):].strip()
            out.append((index, f"{field.rstrip('.')}: fill in: {hint}"))
    return out


def strings_in(data: object, where: tuple[object, ...], seen: set[int]) -> list[tuple[tuple[object, ...], str]]:
    """(where, text) of every string value; strings in a list are named by the list (`examples`), mappings
    in one by their index (`rules.0`). Each container is looked at once (YAML anchors can repeat it)."""
    if isinstance(data, str):
        return [(where, data)]
    if not isinstance(data, (dict, list)) or id(data) in seen:
        return []
    seen.add(id(data))
    items = data.items() if isinstance(data, dict) else (
        (i if isinstance(value, (dict, list)) else None, value) for i, value in enumerate(data))
    return [found for key, value in items
            for found in strings_in(value, where if key is None else (*where, key), seen)]
