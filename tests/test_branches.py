"""A rule whose pattern is a branch reset is searched alternative by alternative (branches.py); that must
find exactly what one search of the whole pattern finds."""

from __future__ import annotations

import random

import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.engine.match import MATCH_REACH, _branch_matches, rule_branches, rule_matches
from scanner.ruleset.branches import searched_branches, structure, top_branches, unbounded
from scanner.ruleset.rule_set import load_ruleset

RULES = load_ruleset().rules
SPLIT = [rule for rule in RULES if rule.branches]


def test_a_branch_reset_splits_into_its_alternatives_nested_ones_too() -> None:
    assert top_branches(r"(?|a(x)|b[|)](y)|(?|c(z)|d\|(w)))") == ("a(x)", "b[|)](y)", "c(z)", r"d\|(w)")
    assert top_branches("(?|a(?:x|y)|b)") == ("a(?:x|y)", "b")


def test_what_is_not_one_branch_reset_stays_whole() -> None:
    for pattern in ("(?|a|b)c", "(?|a|)", "abc", "(?:a|b)", r"(?|\Ga|b)", "(?|a|b", "(?|(?i)a|b)"):
        assert top_branches(pattern) == (pattern,)
    assert searched_branches("(?|a(?P<s>x)|b)", "s") == ()  # a named secret group may be in one alternative
    assert searched_branches("(?|a(x)|b(y))", 1) == ((3, 7), (8, 12))


def test_structure_skips_escapes_and_classes() -> None:
    assert [c for _, c in structure(r"(a\(|[(|\]])|b)")] == ["(", "|", ")", "|", ")"]


def test_context_rules_are_searched_by_alternative() -> None:
    """Most context rules are a branch reset of leads and bare-key forms: if none were, the speed-up
    would be gone without a finding changing."""
    assert len(SPLIT) > 150
    for rule in SPLIT:
        assert rule.branches == searched_branches(rule.pattern, rule.secret_group)  # as the rule cache kept it
    assert len(rule_branches(SPLIT[0].pattern, SPLIT[0].branches)) == len(SPLIT[0].branches)


def test_every_split_rule_finds_what_its_whole_pattern_finds_in_its_examples() -> None:
    rng = random.Random(7)
    for rule in SPLIT:
        texts = [*rule.examples, *rule.negative_examples]
        mixed = list(texts)
        rng.shuffle(mixed)
        for text in [*texts, "\n".join(mixed), " ; ".join(mixed)]:
            found = [(m.start, m.end) for m in rule_matches(rule, text, 10.0)]
            whole = [(m.start, m.end) for m in _matches_of_whole(rule, text)]
            assert found == whole, (rule.id, text)


def _matches_of_whole(rule: object, text: str) -> list[object]:
    from scanner.engine.match import match_of

    found = (match_of(rule, text, m) for m in rule.regex.finditer(text))  # type: ignore[arg-type, attr-defined]
    return [m for m in found if m is not None]


# Alternatives that overlap, share starts and nest, over a small alphabet, so that texts hit all of them.
_PATTERNS = ["(?|a(b+)|ab(b)|(b)c)", "(?|(ab)|a(bc)|(c+))", "(?|(?<=a)(b)|(a)b|(?|b(a)|(ba)b))", "(?|(a)|(a+)b)"]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(_PATTERNS), st.text(alphabet="abc\n", max_size=40), st.integers(0, 5))
def test_searching_by_alternative_is_one_finditer(pattern: str, text: str, start: int) -> None:
    branches = tuple(regex.compile(b) for b in top_branches(pattern))
    expected = [m.span(1) for m in regex.compile(pattern).finditer(text, min(start, len(text)))]

    got = [m.span(1) for m in _raw(branches, text, min(start, len(text)))]
    assert got == expected


def _raw(branches: tuple[object, ...], text: str, start: int) -> list[object]:
    """The matches _branch_matches picks, before match_of judges them."""
    import scanner.engine.match as engine

    picked: list[object] = []
    original = engine.match_of
    engine.match_of = lambda rule, text, m: picked.append(m)  # type: ignore[assignment, misc, func-returns-value]
    try:
        list(_branch_matches(None, branches, text, 5.0, start, len(text)))  # type: ignore[arg-type]
    finally:
        engine.match_of = original
    return picked


def test_a_file_that_repeats_a_providers_name_is_searched_in_time() -> None:
    """An SBOM or a lock file names `github` on every other line, with no key near: each name used to set
    off the lead's gaps, noun by noun and line by line (0.7 s for 400 KB with one rule), and a larger file
    ran past the rule's time limit, a note instead of a scan."""
    line = '{"name": "%s", "purl": "pkg:github/acme/widget-%d", "url": "https://github.com/acme/widget"},\n'
    text = "".join(line % (name, i) for i in range(12000) for name in ("github-actions", "fileio", "commercejs"))
    for rule_id in ("github-legacy-token", "github-oauth-app-client-secret", "fileio-api-key", "commercejs-secret-key"):
        rule = next(rule for rule in RULES if rule.id == rule_id)
        assert list(rule_matches(rule, text, 4.0)) == []  # TimeoutError when the time runs out (was 6 s)


def test_an_unbounded_repeat_is_one_outside_every_lookaround() -> None:
    assert unbounded(r"api_key\s*=\s*(\w{16})") and unbounded(r"(?:ab)+c") and unbounded(r"a{3,}")
    assert not unbounded(r"(?<=key\s*=)\w{16}")  # in a lookbehind: no length of the match
    assert not unbounded(r"(?=[a-z]*\d)[a-z0-9]{20}") and not unbounded(r"\*\+[*+]a{2}+b?+")
    assert not unbounded(r"(?x) a* # verbose: comments could hide anything")


def test_no_pattern_called_unbounded_reaches_further_when_parsed() -> None:
    """`match_reach` skips parsing a pattern the check calls unbounded: for every built-in pattern it
    does, the parse would not have given a reach of its own (an unbounded width, or syntax sre_parse
    refuses, such as a branch reset's repeated group names)."""
    import re._parser as parser  # type: ignore[import-not-found]

    def parsed_reach(pattern: str) -> int:
        try:
            widest = parser.parse(pattern.replace("(?|", "(?:")).getwidth()[1]
        except Exception:  # noqa: BLE001 - what match_reach does with it
            return MATCH_REACH
        return widest if MATCH_REACH < widest < parser.MAXREPEAT else MATCH_REACH

    called = [rule.pattern for rule in load_ruleset().rules if unbounded(rule.pattern)]
    assert len(called) > 100
    assert [p[:80] for p in called if parsed_reach(p) != MATCH_REACH] == []

