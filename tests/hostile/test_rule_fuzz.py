"""Every built-in rule, through the engine, on random and adversarial text: bounded CPU time per KB.

The bound is generous (50 ms of CPU per KB per rule, where linear rules take microseconds) and measured in
CPU time of this process, so a busy CI machine cannot make it fail; only a rule that backtracks can."""

from __future__ import annotations

import base64
import functools
import random
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

MS_PER_KB = 50.0
SIZE = 100 * 1024


def adversarial_corpora() -> dict[str, str]:
    rng = random.Random(7)
    b64 = base64.b64encode(bytes(rng.getrandbits(8) for _ in range(SIZE))).decode()
    nested = "".join('"' * d + "'" * d + "`" for d in range(1, 200)) * 6
    return {name: (text * (SIZE // max(len(text), 1) + 1))[:SIZE] for name, text in {
        "equals": "=", "a": "a", "base64": b64, "password": "password=", "quotes": nested,
        "hex-dash": "0f-", "spaces-colons": " : ", "mixed": "aA0_-/+=. \t",
    }.items()}


@functools.lru_cache(maxsize=1)
def builtin_rules():
    from scanner.ruleset.rule_set import load_ruleset

    return load_ruleset((), builtin=True).rules


def with_keywords(text: str, keywords: tuple[str, ...]) -> str:
    """Sprinkle the rule's keywords through the text so the engine really runs the rule on all of it."""
    if not keywords:
        return text
    step = 2048
    return "".join(keywords[(i // step) % len(keywords)] + text[i:i + step] for i in range(0, len(text), step))


def cpu_ms_per_kb(rule, text: str) -> tuple[float, int]:
    from scanner.engine.match import scan_fragment
    from scanner.fragment import Fragment
    from scanner.ruleset.rule_set import RuleSet

    ruleset = RuleSet((rule,))
    started = time.process_time()
    result = scan_fragment(ruleset, Fragment(text, "fuzz.txt"), timeout=30.0)
    return (time.process_time() - started) * 1000 / (len(text) / 1024), len(result.timeouts)


@pytest.mark.slow
@pytest.mark.parametrize("corpus", sorted(adversarial_corpora()))
def test_every_builtin_rule_is_linear_on_adversarial_text(corpus):
    text = adversarial_corpora()[corpus]
    slow = {}
    for rule in builtin_rules():
        ms, timeouts = cpu_ms_per_kb(rule, with_keywords(text, rule.keywords))
        if timeouts or ms > MS_PER_KB:
            slow[rule.id] = round(ms, 1)
    assert slow == {}, f"ms of CPU per KB on {corpus!r}: {slow}"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=3000))
def test_all_builtin_rules_on_random_text(text):
    from scanner.engine.match import scan_fragment
    from scanner.fragment import Fragment
    from scanner.ruleset.rule_set import load_ruleset

    ruleset = load_ruleset((), builtin=True)
    keywords = tuple(k for rule in builtin_rules() for k in rule.keywords[:1])
    sample = with_keywords(text * 4, keywords[: max(1, len(text) // 512)]) or "x"
    started = time.process_time()
    result = scan_fragment(ruleset, Fragment(sample, "fuzz.txt"), timeout=30.0)
    ms_per_kb = (time.process_time() - started) * 1000 / max(len(sample) / 1024, 1)
    assert result.timeouts == [] and ms_per_kb < MS_PER_KB * len(builtin_rules())
