"""The entropy floor a rule states, as short tokens and narrow alphabets can reach it."""

from __future__ import annotations

import random
import string

import pytest

from scanner.engine.entropy import entropy_floor, shannon_entropy
from scanner.engine.match import scan_fragment
from scanner.fragment import Fragment
from scanner.ruleset.rule_set import RuleSet
from scanner.ruleset.rules import parse_rule_file

RULES = ("provider: Quillbase\nrules:\n  - {id: quillbase-short-key, name: Quillbase short key, min_entropy: 3.0, "
         "context: {names: [quillbase], token: '[a-f0-9]{14}'}, remediation: Revoke it., "
         "examples: ['QUILLBASE_KEY=5d0c8a7e2b4f61'], negative_examples: ['QUILLBASE_KEY=aaaaaaaabbbbbb']}\n")


@pytest.mark.parametrize(("alphabet", "length"), [
    (string.hexdigits[:16], 8), (string.hexdigits[:16], 14), (string.hexdigits[:16], 16),
    (string.ascii_lowercase + string.digits, 10), (string.ascii_letters + string.digits, 8),
    (string.digits, 8), (string.digits, 12),
])
def test_random_short_tokens_clear_the_floor_nearly_always(alphabet, length):
    rng = random.Random(length)
    tokens = ["".join(rng.choice(alphabet) for _ in range(length)) for _ in range(4000)]
    below = sum(shannon_entropy(t) < entropy_floor(3.0, t) for t in tokens)
    assert below < (0.06 if alphabet == string.digits else 0.034) * len(tokens)


@pytest.mark.parametrize("secret", ["aaaaaaaabbbbbb", "12121212121212", "deadbeefdeadbeef", "xxxxxxxxxxxxxx"])
def test_repeats_stay_under_it(secret):
    assert shannon_entropy(secret) < entropy_floor(3.0, secret)


def test_a_long_token_keeps_the_rules_floor():
    assert entropy_floor(3.0, "5d0c8a7e2b4f6193ac1e3d5f7b9a2c4e") == 3.0


def test_a_provider_rule_reports_a_short_hex_key_of_low_but_random_entropy(tmp_path):
    path = tmp_path / "quillbase.yaml"
    path.write_text(RULES, encoding="utf-8")
    ruleset = RuleSet(tuple(parse_rule_file(path)))
    secret = "9a3f9c1e3a7f19"  # entropy 2.75: nine distinct characters in fourteen
    assert shannon_entropy(secret) < 3.0
    found = scan_fragment(ruleset, Fragment(text=f"QUILLBASE_KEY={secret}", path="app.env")).matches
    assert [m.secret for m in found] == [secret]
