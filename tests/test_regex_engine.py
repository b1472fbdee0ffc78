"""Cached patterns on `regex`'s C engine alone: the same matches as the package's patterns, and a later
`import regex` in the same process shares the engine. Each case runs in a fresh interpreter, since the
point is what happens before `regex` is ever imported."""

from __future__ import annotations

import json
import marshal
import pickle
import subprocess
import sys

import regex
from conftest import ROOT

from scanner.ruleset.regex_engine import compile_arguments

PATTERN = r"(?i)\b(?:token|key)\s*=\s*['\"]?(?P<secret>[a-z0-9_]{12,})"
TEXT = "token = 'abcdef123456789'\nKEY=zzzzzzzzzzzzzzzz other\nkey = short\n"

FAST_THEN_PACKAGE = """
import json, pickle, sys
from scanner.ruleset.regex_engine import precompiled_pattern, vouch_for
blob, version, pattern, text = pickle.load(open(sys.argv[1], "rb"))
vouch_for(version)
fast = precompiled_pattern(blob, version)
spans = [m.span("secret") for m in fast.finditer(text, 0, len(text), timeout=5.0)]
before = sorted(m for m in sys.modules if m == "regex" or m.startswith("regex."))
import regex
from regex import _regex
print(json.dumps({
    "spans": spans, "before": before,
    "same_engine": _regex is sys.modules["regex._regex"],
    "same_type": type(fast) is type(regex.compile(pattern)),
    "package_spans": [m.span("secret") for m in regex.compile(pattern).finditer(text)],
    "repickled": pickle.loads(pickle.dumps(fast)).pattern == pattern,
}))
"""

HANDED_OVER = """
import marshal, pickle, sys
from scanner.ruleset.regex_engine import precompiled_pattern, vouch_for
blob, version, pattern, text = pickle.load(open(sys.argv[1], "rb"))
# As in a worker process: blobs nobody vouched for are checked against the imported package's version.
handed_over = precompiled_pattern(blob, version)
print(handed_over.pattern == pattern, "regex" in sys.modules, end=" ")
vouch_for(version)
refused = [precompiled_pattern(blob, "0.0.0"),  # made by another version
           precompiled_pattern(blob, ""),
           precompiled_pattern(marshal.dumps(("(", 0, [1, 2, 3])), version),  # not what compile takes
           precompiled_pattern(b"not marshal", version)]
print([r is None for r in refused])
"""


def run_fresh(code: str, tmp_path) -> str:
    data = tmp_path / "blob.pickle"
    blob = marshal.dumps(compile_arguments(regex.compile(PATTERN)))
    data.write_bytes(pickle.dumps((blob, regex.__version__, PATTERN, TEXT)))
    proc = subprocess.run([sys.executable, "-c", code, str(data)], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def test_a_cached_pattern_matches_without_the_package_and_shares_the_engine_with_it(tmp_path):
    result = json.loads(run_fresh(FAST_THEN_PACKAGE, tmp_path))
    expected = [list(m.span("secret")) for m in regex.compile(PATTERN).finditer(TEXT)]
    assert len(expected) == 2
    assert result["spans"] == result["package_spans"] == expected
    assert result["before"] == ["regex._regex"]  # neither the package nor its parser was imported
    assert result["same_engine"] and result["same_type"] and result["repickled"]


def test_blobs_nobody_vouched_for_are_checked_by_the_package_and_bad_ones_are_refused(tmp_path):
    assert run_fresh(HANDED_OVER, tmp_path) == "True True [True, True, True, True]"
