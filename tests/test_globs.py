"""Globs: the literal-run shortcut never changes an answer the glob's regex would give."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.globs import glob_literals, glob_regex, path_matches

GLOB_CHARS = st.sampled_from(["a", "b", ".", "-", "/", "*", "**", "**/", "?", "[", "\\", "\n", "é"])
globs = st.lists(GLOB_CHARS, max_size=10).map("".join)
paths = st.text(alphabet="ab.-/[\\\né", max_size=14)


@settings(max_examples=400, deadline=None)
@given(globs, paths)
def test_same_answer_as_the_regex(glob, path):
    assert path_matches(path, [glob]) == bool(glob_regex(glob).match(path))


@settings(max_examples=300, deadline=None)
@given(globs.flatmap(lambda g: st.tuples(st.just(g), st.from_regex(glob_regex(g)))))
def test_every_path_the_regex_accepts_still_matches(glob_and_path):
    glob, path = glob_and_path
    assert path_matches(path, [glob])


def test_literal_runs():
    assert glob_literals("**/.aws/credentials") == (".aws/credentials",)
    assert glob_literals("*_test.py") == ("_test.py",)
    assert glob_literals("src/**/fixtures/*.json") == ("src/", "fixtures/", ".json")
    assert glob_literals("**") == ()


def test_rule_globs_as_users_write_them():
    assert path_matches("tests/unit/test_api.py", ["tests"])
    assert path_matches("pkg/conftest.py", ["conftest.py"])
    assert path_matches("a/b/.aws/credentials", ["**/.aws/credentials"])
    assert not path_matches("src/app/settings.py", ["test", "*_test.py", "docs", "*.rst"])
