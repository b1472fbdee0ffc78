"""Property tests for the parts that take untrusted text: the diff parser, locations, the fingerprint and
the config and rule loaders. Each either gives a result or a ScannerError; locations always point at the
secret; a fingerprint depends on the rule and the secret only."""

from __future__ import annotations

import contextlib
import functools
import re
import tempfile
from pathlib import Path

import regex
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from secrets_fixtures import GITHUB

from scanner.errors import ScannerError

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
DIFF_PIECES = [b":100644 100644 ", b":000000 100644 ", b"::100644 100644 100644 ", b"0" * 40 + b" ",
               b"a" * 7 + b" ", b"M\0", b"A\0", b"R100\0", b"C075\0", b"D\0", b"path\0", b"\0", b"\n",
               b"diff --git a/x b/x\n", b"--- a/x\n", b"+++ b/x\n", b"+++ /dev/null\n", b"@@ -1,2 +3,4 @@\n",
               b"@@ -0,0 +1 @@\n", b"+added line\n", b"-removed\n", b" context\n", b"\\ No newline at end of file\n",
               b"Binary files a/x and b/x differ\n", b'"a/\\303\\251\\n"', b"\xff\xfe", b"+\r\n"]


@SETTINGS
@given(st.one_of(st.binary(max_size=400),
                 st.lists(st.sampled_from(DIFF_PIECES), max_size=30).map(b"".join)))
def test_diff_parser_gives_changes_or_a_scanner_error(data):
    from scanner.git.diff import parse_raw_and_patch

    try:
        changes = parse_raw_and_patch(data)
    except ScannerError:
        return
    assert all(isinstance(c.path, str) for c in changes)


LINE_BREAKS = st.sampled_from(["\n", "\r\n", "\r"])
FILLER = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"), max_size=30).filter(
    # A word character before the token would make it part of a word. Judged by the `regex` module, as the
    # rules are: its Unicode tables can be newer than `re`'s (U+18D80 is a letter to one, not the other).
    lambda s: not regex.search(r"\w$", s))


@functools.lru_cache(maxsize=1)
def builtin_ruleset():
    from scanner.ruleset.rule_set import load_ruleset

    return load_ruleset((), builtin=True)


def editor_lines(text: str) -> list[str]:
    """Lines as an editor shows them: \\r\\n, \\n and a lone \\r each end one."""
    return re.split(r"\r\n|\r|\n", text)


@SETTINGS
@given(st.lists(st.tuples(FILLER, LINE_BREAKS), max_size=8), FILLER, st.text(st.sampled_from(" \t=:'\""), max_size=3))
def test_a_reported_location_points_at_the_secret(lines_before, before, quote):
    from scanner.engine.match import scan_fragment
    from scanner.fragment import Fragment
    from scanner.scan import findings_in

    head = "".join(text + brk for text, brk in lines_before) + before + quote
    content = head + GITHUB + quote + "\r\ntail ünïcödé 🔑\n"
    ruleset = builtin_ruleset()
    fragment = Fragment(content, "x.txt")
    matches = [m for m in scan_fragment(ruleset, fragment).matches if m.secret == GITHUB]
    assert matches, content
    for finding in findings_in(fragment, matches, show_secrets=False):
        where = finding.locations[0]
        line = editor_lines(content)[where.line - 1]
        assert line[where.column - 1:where.end_column - 1] == GITHUB
        assert GITHUB not in where.preview


@SETTINGS
@given(st.integers(min_value=0, max_value=50), st.sampled_from(["\n", "\r\n", "\r"]), FILLER)
def test_fingerprint_is_the_same_wherever_the_secret_sits(blank_lines, brk, before):
    from scanner.engine.match import scan_fragment
    from scanner.fragment import Fragment
    from scanner.scan import findings_in

    def fingerprints(fragment):
        matches = [m for m in scan_fragment(builtin_ruleset(), fragment).matches if m.secret == GITHUB]
        return {f.fingerprint for f in findings_in(fragment, matches, show_secrets=False)}

    at_top = fingerprints(Fragment(" " + GITHUB + "\n", "a/b.py"))
    moved = fingerprints(Fragment(brk * blank_lines + before + " " + GITHUB + brk, "c/d.txt",
                                  first_line=blank_lines + 7))
    assert moved == at_top and len(at_top) >= 1
    assert all(GITHUB[4:12] not in f for f in moved)


YAML_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                         st.text(max_size=20), st.sampled_from(["(", "[a-z", "**", "5MB", "-1", "acme_\\w+"]))
CONFIG_KEYS = st.sampled_from(["rules", "exclude", "paths", "allowlist", "max_file_size", "extend", "id",
                               "pattern", "keywords", "examples", "negative_examples", "remediation",
                               "provider", "severity", "secret_group", "min_entropy", "filters", "regexes",
                               "stopwords", "baseline", "ignore", "version", "x"])
YAML_VALUES = st.recursive(YAML_SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.one_of(CONFIG_KEYS, st.text(max_size=8)), inner, max_size=5)),
    max_leaves=20)
YAML_TEXT = st.one_of(YAML_VALUES.map(lambda v: yaml.safe_dump(v, allow_unicode=True)),
                      st.text(max_size=200), st.sampled_from(["a: [", "? !!python/object:os.system\n",
                                                              "&a [*a]", "a: *b", "\ufeffrules: 1", "%YAML 9\n---"]))


def loaded_or_scanner_error(load, name: str, text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        with contextlib.suppress(ScannerError):
            load(path)


@SETTINGS
@given(YAML_TEXT)
def test_config_loader_gives_a_config_or_a_scanner_error(text):
    from scanner.config import load_config

    loaded_or_scanner_error(lambda p: load_config(p.parent, explicit=p), ".leakstop.yaml", text)


@SETTINGS
@given(YAML_TEXT)
def test_rule_loader_gives_rules_or_a_scanner_error(text):
    from scanner.ruleset.rules import check_rule_compiles, parse_rule_file

    def load(path):
        for rule in parse_rule_file(path):
            check_rule_compiles(rule)

    loaded_or_scanner_error(load, "custom.yaml", text)
