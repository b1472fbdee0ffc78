"""Rules written for one test module, loaded as a rule file is, and what they find in a text."""

from __future__ import annotations

from typing import Any

import pytest

from scanner.engine.match import scan_fragment
from scanner.fragment import Fragment
from scanner.ruleset.rule_set import RuleSet
from scanner.ruleset.rules import parse_rule_file


def module_rules(rule_file: str) -> Any:
    """A module's fixture `rules`: the rules of `rule_file` (YAML), written to a folder and parsed as any
    rule file, once per module."""

    @pytest.fixture(scope="module")
    def rules(tmp_path_factory: pytest.TempPathFactory) -> RuleSet:
        path = tmp_path_factory.mktemp("rules") / "rules.yaml"
        path.write_text(rule_file, encoding="utf-8")
        return RuleSet(tuple(parse_rule_file(path)))

    return rules


def found(ruleset: RuleSet, text: str, path: str = "config/settings.yaml") -> list[tuple[str, str]]:
    """(rule id, secret) of each reportable match in the text, scanned as a file at `path`."""
    return [(m.rule.id, m.secret) for m in scan_fragment(ruleset, Fragment(text=text, path=path)).matches]
