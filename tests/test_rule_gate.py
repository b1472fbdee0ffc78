"""The rule gate may only skip rules that cannot match: every example of every rule still gets through,
in ASCII and non-ASCII surroundings, and findings on large texts are the same with and without it."""

from __future__ import annotations

import json
import os
import re
import stat

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from scanner.engine.match import rule_matches, scan_fragment
from scanner.fragment import Fragment
from scanner.ruleset.gate import gate_bytes, hyperscan_pattern, rule_gate
from scanner.ruleset.rule_set import SMALL_TEXT, RuleSet
from scanner.ruleset.rules import Rule, builtin_rules_dir, load_rules, rule_files

BUILTIN = load_rules(rule_files([builtin_rules_dir()]))
KEYWORDS = list(RuleSet(tuple(BUILTIN)).by_keyword)
FILLER_ASCII = "def handler(request):\n    return render(request, 'page.html')\n" * 12
FILLER_UNICODE = "# Überprüfung der Größe — 检查 — проверка ✓\nnom = 'café'\n" * 12


@pytest.fixture(scope="module")
def gate():
    built = rule_gate(BUILTIN, KEYWORDS, build=True)
    assert built is not None, "hyperscan is a dependency on this platform"
    return built


LOOSENED = [
    (r"(?|a(b)|c(d))", r"(?:a(b)|c(d))"),
    (r"(?P<secret>x)(?<name>y)(?<=z)(?<!w)", r"(?:x)(?:y)(?<=z)(?<!w)"),
    (r"sk_[a-f0-9]{64}", r"sk_[a-f0-9]{16,}"),
    (r"x{2,8}y{20}z{3,}q{40,}", r"x{2,8}y{16,}z{3,}q{16,}"),
    (r"\bkey\b\s\d\w\S", r"key[\s?][\d?][\w?]\S"),
    (r"[\w.-]{3}[]\s]", r"[\?\w.-]{3}[]\?\s]"),
    (r"[^\s'\"]+", r"[\x00-\x08\x0e-\x1f\x21\x23-\x26\x28-\x7f]+"),
    # a negated class accepts the stand-in even when it lists `?`, and the folded letters (`(?i)[^a-z]`
    # matches `ı`, which the gate sees as `I`)
    (r"[^?&]", r"[\x00-\x25\x27-\x7f]"),
    (r"(?i)[^a-z]", r"(?i)[\x00-\x60\x7b-\x7f]"),
    (r"(?m)^a|^b", r"(?m)^a|b"),
    (r"(?<=[^\n])\G\r?\nk:", r"(?<=[\x00-\x09\x0b-\x7f])\r?\nk:"),
]


@pytest.mark.parametrize(("pattern", "loosened"), LOOSENED)
def test_patterns_are_loosened_as_written(pattern, loosened):
    assert hyperscan_pattern(pattern) == loosened


def _in_python_re(pattern: str) -> bool:
    try:
        re.compile(pattern)
    except re.error:
        return False
    return True


@pytest.mark.parametrize("pattern", [p for p, _ in LOOSENED if _in_python_re(p)])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_patterns_are_loosened_never_narrowed(pattern, data):
    """Whatever the rule's pattern matches, its loosened form in the gate's database matches too (as the
    gate sees text: non-ASCII as stand-ins), or the gate would skip a rule that could match."""
    import hyperscan
    import regex

    text = data.draw(st.from_regex(re.compile(pattern), fullmatch=True))
    assume(regex.fullmatch(pattern, text))  # rules run on `regex`, whose \s is not str.isspace()
    db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    db.compile(expressions=[hyperscan_pattern(pattern).encode()], elements=1,
               flags=[hyperscan.HS_FLAG_PREFILTER | hyperscan.HS_FLAG_SINGLEMATCH | hyperscan.HS_FLAG_ALLOWEMPTY])
    hits: list[int] = []
    db.scan(gate_bytes(text), match_event_handler=lambda *match: hits.append(1))
    assert hits, (pattern, text)


def test_where_a_previous_match_ended_is_the_start_for_rules_that_search_from_it(gate):
    r"""A multiline rule searches the whole text from its start, so its first match can only use `\G` there:
    where `\G` opens the pattern or a branch it becomes `\A`; elsewhere (which Hyperscan would refuse as a
    start anchor) it is dropped as for other rules. The built-in rules using it stay in the database."""
    assert hyperscan_pattern(r"(?m)^a:\n|(?<=[^\n])\G\r?\nk:", from_start=True) == (
        r"(?m)^a:\n|(?<=[\x00-\x09\x0b-\x7f])\A\r?\nk:")
    assert hyperscan_pattern(r"x\n\Gy|a\|\Gb", from_start=True) == r"x\nya\|b".replace("ya", "y|a")
    using = [rule for rule in BUILTIN if r"\G" in rule.pattern]
    assert using and all(rule.multiline and rule_index(rule) in gate.gated for rule in using)


@pytest.mark.parametrize("pattern", [
    r"(a)\1", r"(?P<q>')x(?P=q)", r"\p{L}+", r"a++", r"(?>ab)", r"café", r"[^\W]", r"\xe9", r"[[a-z]--[aeiou]]",
    r"(?x) key \b [a-z]{4} # a [comment",
])
def test_constructs_without_a_safe_equivalent_are_not_gated(pattern):
    assert hyperscan_pattern(pattern) is None


def _large(text: str, filler: str) -> str:
    return filler + "\n" + text + "\n" + filler


@pytest.mark.parametrize("rule", [r for r in BUILTIN if r.keywords], ids=lambda r: r.id)
def test_every_example_passes_the_gate(gate, rule):
    for example in rule.examples:
        for filler in (FILLER_ASCII, FILLER_UNICODE):
            text = _large(example, filler)
            assert len(text) > SMALL_TEXT
            keywords, matched = gate.scan(text)
            assert set(rule.keywords) & keywords, example
            assert rule_index(rule) in matched or rule_index(rule) not in gate.gated, example


# Code that names keys and tokens with no value assigned: a lexer's token table, a call's keyword arguments.
NO_ASSIGNMENT = (
    "            (r'^(lazy)((?:\\s|\\\\\\s)+)(from)((?:\\s|\\\\\\s)+)',\n"
    "             bygroups(Keyword.Namespace, Whitespace, Keyword.Namespace, Whitespace), 'fromimport'),\n"
    "            (r'(def)((?:\\s|\\\\\\s)+)', bygroups(Keyword, Whitespace), 'funcname'),\n"
    "            (r'(class)((?:\\s|\\\\\\s)+)', bygroups(Keyword, Whitespace), 'classname'),\n"
)


def test_the_broad_rules_gate_stays_closed_on_code_without_an_assignment(gate):
    """Hyperscan's prefilter mode widens a pattern it finds too complex, far past dropping its lookarounds:
    one more alternative in the broad rule's separators once let its gate through every lexer and most of
    pip's sources, and the regex then ran on each (a tree scan 5% slower). Rare forms go in rules of their
    own, or merge into a branch the pattern has."""
    rule = next(r for r in BUILTIN if r.id == "generic-api-key-assignment")
    keywords, matched = gate.scan(_large(NO_ASSIGNMENT * 40, FILLER_ASCII))
    assert set(rule.keywords) & keywords and rule_index(rule) in gate.gated
    assert rule_index(rule) not in matched


def test_rules_limited_to_paths_stay_out_of_the_database(gate):
    """They run only on their own files (`.pgpass`, `.env`...): there they are keyword-gated, and no other
    text pays for their patterns. Their findings on those files are checked by the equivalence test below."""
    limited = {rule_index(rule) for rule in BUILTIN if rule.paths}
    assert len(limited) > 10 and not limited & gate.gated
    assert len(gate.gated) > 300


def rule_index(rule: Rule) -> int:
    return next(i for i, r in enumerate(BUILTIN) if r.id == rule.id)


NON_ASCII = st.sampled_from(["é", "ü", "ß", "—", "\u00a0", "\u2028", "检", "\u212a", "\u017f", "İ", "ı", "😀",
                             "\ud800"])
CASE_FOLDED = ["\u212a", "\u017f", "İ", "ı"]


@pytest.mark.parametrize("char", CASE_FOLDED)
def test_letters_that_fold_to_ascii_never_rule_a_rule_out(gate, char):
    """`(?i)[a-z]` matches `İ` and `(?i)[A-Z]` matches `ı` in the `regex` module: placed at twelve places
    in every example, no such character makes the gate skip a rule whose regex still matches (hypothesis
    found `İ` inside an Azure account name, which the gate had ruled out)."""
    missed = []
    for rule in (r for r in BUILTIN if r.keywords):
        for example in rule.examples:
            for cut in range(0, len(example), max(1, len(example) // 12)):
                text = example[:cut] + char + example[cut:]
                if not _matches(rule, text) or not any(kw in text.lower() for kw in rule.keywords):
                    continue
                _, matched = gate.scan(text)
                if rule_index(rule) not in matched and rule_index(rule) in gate.gated:
                    missed.append((rule.id, cut))
    assert not missed


def _matches(rule: Rule, text: str) -> bool:
    """Whether the engine's search for the rule matches the text (a hang fails, never stalls the suite); for
    a `provider_key` rule, with a key that is one of its names (any word matches its regex, and the gate
    looks for the names only)."""
    return any(True for _ in rule_matches(rule, text, 10))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rule=st.sampled_from([r for r in BUILTIN if r.keywords]), data=st.data())
def test_gate_reports_every_rule_whose_regex_matches(gate, rule, data):
    """Mutate an example with non-ASCII characters: whenever the rule's own regex still matches, the gate
    must not have ruled the rule out."""
    example = data.draw(st.sampled_from(rule.examples))
    cuts = data.draw(st.lists(st.integers(0, len(example)), max_size=3))
    for cut in sorted(cuts, reverse=True):
        example = example[:cut] + data.draw(NON_ASCII) + example[cut:]
    text = _large(example, FILLER_ASCII)
    if not _matches(rule, text):
        return
    if not any(kw in text.lower() for kw in rule.keywords):
        return  # not a candidate without the gate either
    keywords, matched = gate.scan(text)
    assert set(rule.keywords) & keywords
    assert rule_index(rule) in matched or rule_index(rule) not in gate.gated


def test_findings_on_large_texts_are_the_same_with_and_without_the_gate(gate, monkeypatch):
    gated = RuleSet(tuple(BUILTIN))
    gated.build_gate()
    monkeypatch.setenv("LEAKSTOP_PREFILTER", "aho-corasick")
    plain = RuleSet(tuple(BUILTIN))
    for rule in BUILTIN:
        samples = "\n".join(rule.examples + rule.negative_examples)
        for text in (_large(samples, FILLER_UNICODE), *rule.examples):  # large, and small (gated too, once loaded)
            fragment = Fragment(text=text, path=rule.example_path or "config/settings.py")
            with_gate = [(m.rule.id, m.start, m.end) for m in scan_fragment(gated, fragment).matches]
            without = [(m.rule.id, m.start, m.end) for m in scan_fragment(plain, fragment).matches]
            assert with_gate == without, rule.id
    assert gated._gate is not None and plain._gate is None


def test_a_rule_hyperscan_refuses_still_runs_on_large_files(tmp_path, leakstop):
    """`x{0}` is valid for the `regex` module and refused by Hyperscan: the rule stays keyword-gated."""
    rules = tmp_path / "rules.yaml"
    rules.write_text(json.dumps({"provider": "ZQX", "rules": [{
        "id": "zqx-token", "name": "ZQX token", "pattern": r"zqxtok_([a-z0-9]{12})x{0}",
        "keywords": ["zqxtok_"], "remediation": "Revoke it.",
        "examples": ["zqxtok_a1b2c3d4e5f6", "key = zqxtok_z9y8x7w6v5u4"],
        "negative_examples": ["zqxtok_short", "nothing here"], "secret_group": 1,
    }]}))
    tree = tmp_path / "tree"
    tree.mkdir()
    for n in range(6):  # 24 MB of large text: enough for the scan to compile the gate
        (tree / f"module{n}.py").write_text(FILLER_UNICODE * 6000)
    (tree / "zz_last.py").write_text(FILLER_ASCII + "TOKEN = 'zqxtok_q1w2e3r4t5y6'\n")
    cache = tmp_path / "cache"
    result = leakstop("scan", str(tree), "--rules-path", str(rules), "--format", "json",
                      env={"LEAKSTOP_CACHE_DIR": str(cache)})
    assert result.code == 1, result.stderr
    assert {f["rule_id"] for f in result.json()["findings"]} >= {"zqx-token"}
    gates = list(cache.glob("gate-*.pickle"))
    assert gates, "the scan compiled and cached the gate"
    for path in gates:
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        assert b"q1w2e3r4t5y6" not in path.read_bytes()
