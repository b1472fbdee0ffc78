"""Decoding runs beside the engine: the same decoded findings on one core and in the worker pool."""

from __future__ import annotations

from decode_fixtures import b64
from secrets_fixtures import GITHUB

from scanner.engine import parallel
from scanner.engine.ranking import outranked
from scanner.fragment import Fragment
from scanner.ruleset.rule_set import load_ruleset


def decoded_hits(workers: int, monkeypatch) -> list[tuple[str, str, str]]:
    # A bulk limit of 0 and batches of one hand everything after the first fragment to the pool when
    # workers > 1.
    monkeypatch.setattr(parallel, "BULK_BYTES", 0)
    monkeypatch.setattr(parallel, "CHUNK", 1)
    items = [Fragment(text=f"token: {b64('github ' + GITHUB)}\n", path=f"k8s/secret{i}.yaml") for i in range(4)]
    items.append(Fragment(text="nothing encoded here\n", path="README.md"))
    return [(item.path, item.decoded, m.secret)
            for item, result in parallel.engine_results(items, load_ruleset(), 5.0, False, workers=workers,
                                                        max_decode_depth=2)
            for m in reported(result.matches)]


def reported(matches: list) -> list:
    """The matches a report shows: a provider's rule outranks a generic one on the same secret (`github
    ghp_...` is also a bare provider key)."""
    beaten = outranked(matches)
    return [m for i, m in enumerate(matches) if i not in beaten]


def test_workers_decode_and_report_the_same_as_one_core(monkeypatch):
    one_core = decoded_hits(1, monkeypatch)
    # the encoded value itself is also a generic `token:` match; the decoded GitHub token is what matters
    assert [hit for hit in one_core if hit[1]] == [(f"k8s/secret{i}.yaml", "base64", GITHUB) for i in range(4)]
    assert decoded_hits(2, monkeypatch) == one_core


def test_no_decoding_when_depth_is_zero(monkeypatch):
    items = [Fragment(text=f"token: {b64('github ' + GITHUB)}\n", path="k8s/secret.yaml")]
    pairs = list(parallel.engine_results(items, load_ruleset(), 5.0, False, workers=1))
    assert [item.decoded for item, _ in pairs] == [""]
