"""A custom rule file's own examples are not findings.

A rule file loaded through the configuration or `--rules-path` usually lives in the repository it
guards, and its `examples:` are made-up tokens of the real shape that the rule (and others) find. Reported,
they teach people to ignore the scanner; so a finding in such a file whose secret is one of that file's
examples is suppressed, counted and named like every other suppression.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from scanner.findings import Finding
from scanner.fragment import Fragment

MECHANISM = "rule-example"


@dataclass(frozen=True)
class RuleExamples:
    files: Mapping[str, frozenset[str]]
    """A loaded rule file (absolute, forward slashes) -> its rules' examples and negative examples."""

    def __call__(self, finding: Finding, fragment: Fragment) -> str:
        path = fragment.path
        if not path.endswith((".yaml", ".yml")):
            return ""
        for file, examples in self.files.items():
            # Reported paths are relative to what was scanned (a folder, the work tree); a loaded rule file
            # is absolute, so the one ends the other.
            if (file == path or file.endswith("/" + path)) and any(finding.secret in e for e in examples):
                return f"{MECHANISM}: an example of the rule file {path}, which this scan loaded"
        return ""


def rule_examples(rules: Iterable[tuple[str, tuple[str, ...]]]) -> RuleExamples:
    """From (rule file, examples + negatives) pairs, one per rule."""
    files: dict[str, set[str]] = {}
    for source, examples in rules:
        files.setdefault(source.replace("\\", "/"), set()).update(examples)
    return RuleExamples({file: frozenset(examples) for file, examples in files.items()})


def examples_in_text(text: str | None) -> frozenset[str]:
    """The examples and negative examples a rule file's text holds (a range scan's base revision); none
    when it cannot be read as a rule file."""
    if text is None:
        return frozenset()
    from scanner.ruleset.yaml_io import load_yaml

    try:
        data = load_yaml(text)
    except ValueError:
        return frozenset()
    rules = data.get("rules") if isinstance(data, dict) else None
    found: set[str] = set()
    for raw in rules if isinstance(rules, list) else ():
        for key in ("examples", "negative_examples"):
            values = raw.get(key) if isinstance(raw, dict) else None
            found.update(v for v in values if isinstance(v, str)) if isinstance(values, list) else None
    return frozenset(found)
