"""Rule files YAML can parse but JSON cannot express: a clear RuleError, never a crash."""

from __future__ import annotations

import re

import pytest

from scanner.errors import RuleError
from scanner.ruleset.rules import parse_rule_file


@pytest.mark.parametrize(("text", "where"), [
    ("?", "(top level)"),  # hypothesis found this one: {None: None}
    ("provider: Acme\nrules:\n  - id: a\n    1: b\n", "rules.0"),
    ("provider: Acme\nrules: [{null: 1}]\n", "rules.0"),
    ("&a [*a, {1: 2}]", "1"),  # a document that contains itself is walked once
])
def test_a_key_that_is_not_a_string_is_a_rule_error(tmp_path, text, where):
    path = tmp_path / "custom.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RuleError, match=re.escape(f"custom.yaml: {where}: keys must be strings")):
        parse_rule_file(path)
