"""Globs: the literal-run shortcut never changes an answer the globs' regex would give."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.ruleset import globs as globs_module
from scanner.ruleset.globs import glob_literals, glob_pieces, glob_regex, path_matches

GLOB_CHARS = st.sampled_from(["a", "b", ".", "-", "/", "*", "**", "**/", "***", "?", "[", "\\", "\n", "é"])
globs = st.lists(GLOB_CHARS, max_size=10).map("".join)
paths = st.text(alphabet="ab.-/[\\\né", max_size=14)


@contextlib.contextmanager
def answering_by(way: str) -> Iterator[None]:
    """Both ways path_matches answers: by literal runs (few paths seen yet) and by the compiled regex."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(globs_module, "_LITERAL_ONLY", {})
        if way == "regex":
            patch.setattr(globs_module, "LITERAL_ONLY_PATHS", 0)
        yield


WAYS = pytest.mark.parametrize("way", ["literal runs", "regex"])


@WAYS
@settings(max_examples=300, deadline=None)
@given(some_globs=st.lists(globs, max_size=3), path=paths)
def test_same_answer_as_the_regexes(way, some_globs, path):
    with answering_by(way):
        assert path_matches(path, some_globs) == any(glob_regex(g).match(path) for g in some_globs)


@WAYS
@settings(max_examples=300, deadline=None)
@given(glob_and_path=globs.flatmap(lambda g: st.tuples(st.just(g), st.from_regex(glob_regex(g)))))
def test_every_path_the_regex_accepts_still_matches(way, glob_and_path):
    glob, path = glob_and_path
    with answering_by(way):
        assert path_matches(path, ["x/never/*", glob])


@settings(max_examples=500, deadline=None)
@given(globs)
def test_literal_runs_are_the_literal_pieces(glob):
    runs, run = [], ""
    for literal, piece in glob_pieces(glob):
        if literal:
            run += piece
        elif run:
            runs.append(run)
            run = ""
    assert glob_literals(glob) == tuple([*runs, run] if run else runs)


def test_literal_runs():
    assert glob_literals("**/.aws/credentials") == (".aws/credentials",)
    assert glob_literals("*_test.py") == ("_test.py",)
    assert glob_literals("src/**/fixtures/*.json") == ("src/", "fixtures/", ".json")
    assert glob_literals("**") == ()


@WAYS
def test_rule_globs_as_users_write_them(way):
    with answering_by(way):
        check_rule_globs()


def check_rule_globs() -> None:
    assert path_matches("tests/unit/test_api.py", ["tests"])
    assert path_matches("pkg/conftest.py", ["conftest.py"])
    assert path_matches("a/b/.aws/credentials", ["**/.aws/credentials"])
    assert not path_matches("src/app/settings.py", ["test", "*_test.py", "docs", "*.rst"])
    assert not path_matches("anything", [])
    assert not path_matches("config/.env\n", [".env"])  # a different file: git paths may end in a newline
    assert path_matches("deploy/.env.prod", ["**/.env.*"]) and path_matches("a/node_modules/x.js", ["node_modules/"])
