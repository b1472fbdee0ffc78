"""Globs: gitignore's meaning (pathspec's answers), and the literal-run shortcut never changes an answer."""

from __future__ import annotations

import contextlib
import re
import subprocess
from collections.abc import Iterator

import pathspec
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from secrets_fixtures import STRIPE

from scanner.ruleset import globs as globs_module
from scanner.ruleset.globs import glob_literals, glob_pieces, glob_regex, path_matcher, path_matches

GLOB_CHARS = st.sampled_from(["a", "b", ".", "-", "/", "*", "**", "**/", "***", "?", "[", "\\", "\n", "é"])
globs = st.lists(GLOB_CHARS, max_size=10).map("".join)
paths = st.text(alphabet="ab.-/[\\\né", max_size=14)
# gitignore's own syntax: classes, escapes, negation, folder-only and anchored globs
GITIGNORE_CHARS = st.sampled_from(["a", "b", "c", ".", "/", "*", "**", "**/", "/**", "?", "[ab]", "[!a]", "[a-c]",
                                   "\\*", "\\[", "[", "]", " ", "\\ ", "é"])
gitignore_globs = st.tuples(st.sampled_from(["", "!", "/", "**/"]), st.lists(GITIGNORE_CHARS, max_size=8).map("".join)
                            ).map("".join).filter(
    lambda g: "//" not in g and g.lstrip("!").strip("/") and "***" not in g and not re.search(r"\[[^\]]*/", g))
# (left out: globs with no name at all, runs of three stars, and a class holding a slash, which git reads
# as anchoring)
folder_names = st.text(alphabet="abc.*[]é ", min_size=1, max_size=4).filter(lambda n: n not in (".", ".."))
plain_paths = st.lists(folder_names, min_size=1, max_size=4).map("/".join)  # as reports show them


@contextlib.contextmanager
def answering_by(way: str) -> Iterator[None]:
    """Both ways path_matches answers: by literal runs (few paths seen yet) and by the compiled regex."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(globs_module, "_MATCHERS", {})  # matchers count the paths they answered by literal runs
        if way == "regex":
            patch.setattr(globs_module, "LITERAL_ONLY_PATHS", 0)
        yield


pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning")  # pathspec's own regexes, in the reference
WAYS = pytest.mark.parametrize("way", ["literal runs", "regex"])


@WAYS
@settings(max_examples=300, deadline=None)
@given(some_globs=st.lists(globs.filter(lambda g: not g.startswith("!")), max_size=3), path=paths)
def test_same_answer_as_the_regexes(way, some_globs, path):
    with answering_by(way):
        assert path_matches(path, some_globs) == any(glob_regex(g).match(path) for g in some_globs)


@WAYS
@settings(max_examples=1000, deadline=None)
@given(some_globs=st.lists(gitignore_globs.filter(lambda g: not g.startswith("!") and "[!" not in g
                                                   and not g.endswith("**/")), max_size=3), path=plain_paths)
@example(some_globs=["/**/**/*"], path="a")  # found by hypothesis: `**/**` is one `**`
def test_same_answer_as_pathspec(way, some_globs, path):
    """pathspec's GitIgnoreSpec is the field's implementation of gitignore. (Where it differs from git, git
    wins: its `[!a]` matches a slash, `a/**/` matches a file, and it re-includes below an excluded folder;
    see the next test.)"""
    try:
        expected = pathspec.GitIgnoreSpec.from_lines(some_globs, backend="simple").match_file(path)
    except ValueError:  # a glob pathspec rejects (`!` alone); leakstop's schema rejects none, it matches nothing
        assume(False)
    with answering_by(way):
        assert path_matches(path, some_globs) == expected


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


@WAYS
def test_gitignore_syntax(way):
    with answering_by(way):
        assert path_matches("src/util.c", ["*.[ch]"]) and path_matches("inc/util.h", ["*.[ch]"])
        assert not path_matches("src/util.cc", ["*.[ch]"])
        assert path_matches("data/a*b.txt", ["a\\*b.txt"]) and not path_matches("data/axb.txt", ["a\\*b.txt"])
        assert path_matches("src/x.c", ["*.c", "!main.c"]) and not path_matches("src/main.c", ["*.c", "!main.c"])
        assert path_matches("docs/guide.md", ["docs/"]) and not path_matches("notes/docs", ["docs/"])
        assert path_matches("notes/docs", ["docs"]) and not path_matches("a/docs.md", ["docs"])
        assert not path_matches("src/.env", ["/.env"]) and path_matches(".env", ["/.env"])


def test_path_matcher_is_compiled_once_per_list_of_globs():
    assert path_matcher(["*.c"]) is path_matcher(("*.c",))
    matcher = path_matcher(["vendor/", "*.min.js"])
    assert [matcher(p) for p in ("vendor/a.js", "app.min.js", "app.js")] == [True, True, False]


@pytest.fixture(scope="module")
def git_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("gitignore")
    subprocess.run(["git", "init", "-q", str(folder)], check=True)
    return folder


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(some_globs=st.lists(gitignore_globs.filter(str.isascii), min_size=1, max_size=3),
       path=plain_paths.filter(str.isascii))  # git's `?` is one byte, leakstop's (and pathspec's) one character
def test_negations_as_git_reads_them(git_folder, some_globs, path):
    """With `!negation`, git itself is the reference: a path below an excluded folder stays excluded."""
    (git_folder / ".gitignore").write_text("".join(g + "\n" for g in some_globs), encoding="utf-8")
    proc = subprocess.run(["git", "check-ignore", "--no-index", "-z", "--stdin"], cwd=git_folder,
                          input=path.encode() + b"\0", capture_output=True)
    assert proc.returncode in (0, 1), proc.stderr
    assert path_matches(path, some_globs) == (proc.returncode == 0)


def test_exclude_globs_are_gitignore_globs(tmp_path, leakstop):
    """Classes, escapes, negation and folder-only globs in `exclude` work as in a .gitignore file."""
    (tmp_path / ".leakstop.yaml").write_text(
        "exclude: ['*.[ch]', '!src/main.c', 'docs/', 'build/\\*.txt']\n", encoding="utf-8")
    for name in ("src/util.c", "src/util.h", "src/main.c", "docs/guide.md", "notes/docs", "build/*.txt",
                 "build/out.txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(f'stripe_key = "{STRIPE}"\n', encoding="utf-8")
    result = leakstop("scan", tmp_path, "--no-git", "--format", "json")
    assert result.code == 1, result.output
    (finding,) = result.json()["findings"]
    assert sorted(o["path"] for o in finding["occurrences"]) == ["build/out.txt", "notes/docs", "src/main.c"]
