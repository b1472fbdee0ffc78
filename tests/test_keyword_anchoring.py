"""Rules marked `starts_at_keyword` are tried only where a keyword occurs; that must find what a full search finds."""

from __future__ import annotations

import random
import string
from pathlib import Path

import pytest

from scanner.engine.match import anchored_matches, keyword_positions, rule_matches
from scanner.errors import RuleError
from scanner.ruleset.rule_set import load_ruleset
from scanner.ruleset.rules import parse_rule_file

ANCHORED = [rule for rule in load_ruleset().rules if rule.starts_at_keyword]


def _spans(found: object) -> list[tuple[int, int, str]]:
    return [(m.start, m.end, m.dropped_by) for m in found]  # type: ignore[attr-defined]


def _texts(rule_examples: tuple[str, ...], seed: int) -> list[str]:
    """Each example alone, and all of them inside code that is full of near-keywords (`monkey`,
    `tokenizer`, `Secretary`, camelCase keys), in a shuffled order."""
    rng = random.Random(seed)
    noise = ["monkey = 3", "tokenizer.split(x)", "self.secretary = None", "KEY_ORDER = ['a']", "credit = 4",
             "getKey(tokens[1])", "cache_key = 'x'", "# the secret sauce", "keyboard: us",
             "key=token=Zq8mW2vk4T9xR7bN1cQp9",
             'x = " secret=secret=secretQ7mW2vk4T9xR7bN1cZp3"', "SECRET_KEY_TOKEN: secret_token_Xq9w2E4r6T8y0U1i"]
    texts = list(rule_examples)
    for _ in range(20):
        lines = rng.sample(noise, len(noise)) + list(rule_examples)
        rng.shuffle(lines)
        filler = "".join(rng.choice(string.ascii_letters) for _ in range(rng.randrange(0, 40)))
        texts.append(f"# {filler}\n" + "\n".join(lines) + "\n")
    return texts


@pytest.mark.parametrize("rule", ANCHORED, ids=lambda r: r.id)
def test_anchored_matching_finds_what_a_full_search_finds(rule) -> None:  # type: ignore[no-untyped-def]
    assert ANCHORED, "no built-in rule uses starts_at_keyword"
    for text in _texts(rule.examples + rule.negative_examples, seed=len(rule.id)):
        lowered, positions = text.lower(), {}  # type: ignore[var-annotated]
        starts = sorted(p for kw in rule.keywords for p in keyword_positions(kw, lowered, positions))
        assert _spans(anchored_matches(rule, text, 5.0, starts)) == _spans(rule_matches(rule, text, 5.0)), text


def test_every_example_match_starts_at_a_keyword() -> None:
    for rule in ANCHORED:
        for example in rule.examples:
            for m in rule.regex.finditer(example):
                assert any(example.lower().startswith(kw, m.start()) for kw in rule.keywords), (rule.id, example)


def test_a_multiline_rule_cannot_be_anchored(tmp_path: Path) -> None:
    path = tmp_path / "acme.yaml"
    path.write_text(
        "provider: Acme\nrules:\n  - id: acme-block\n    name: Acme block\n    pattern: 'ACME KEY[^-]+END'\n"
        "    keywords: [acme key]\n    multiline: true\n    starts_at_keyword: true\n"
        "    remediation: Rotate it.\n    examples: ['ACME KEY\\nQx8s9dk2k\\nEND']\n"
        "    negative_examples: ['ACME KEY END']\n",
        encoding="utf-8",
    )
    with pytest.raises(RuleError, match="starts_at_keyword"):
        parse_rule_file(path)


def test_a_match_longer_than_the_usual_reach_is_found_where_the_pattern_bounds_it() -> None:
    """An anchored try ends where a match from its keyword can reach (`match_reach`): a Terraform variable
    whose default comes after 1,100 characters of validation blocks is still found, as a full search finds it."""
    [rule] = [r for r in ANCHORED if r.id == "generic-terraform-variable-default"]
    blocks = "".join(f'  validation {{\n    condition     = length(var.db_password) > {n}\n'
                     f'    error_message = "The password must be longer than {n} characters, say the auditors."\n'
                     f'  }}\n' for n in range(8, 16))
    text = f'variable "db_password" {{\n  type = string\n{blocks}  default = "Wq4vR8kTz2Lm6pXn"\n}}\n'
    assert len(text) > 1200
    lowered = text.lower()
    starts = sorted(keyword_positions("variable", lowered, {}))
    assert [m.secret for m in anchored_matches(rule, text, 5.0, starts)] == ["Wq4vR8kTz2Lm6pXn"]
    assert _spans(anchored_matches(rule, text, 5.0, starts)) == _spans(rule_matches(rule, text, 5.0))
