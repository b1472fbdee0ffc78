"""The overlap queries that ranking and claims ask once per match answer what a walk over every span answers."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from scanner.ruleset.spans import SpanReach, SpanSweep

SPANS = st.lists(st.tuples(st.integers(0, 200), st.integers(1, 60)).map(lambda s: (s[0], s[0] + s[1])), max_size=40)
QUERY = st.tuples(st.integers(0, 260), st.integers(1, 60)).map(lambda q: (q[0], q[0] + q[1]))


def walked(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(s < end and start < e for s, e in spans)


@given(SPANS, st.lists(QUERY, min_size=1, max_size=10))
def test_a_sweep_answers_as_a_walk(spans, queries):
    sweep = SpanSweep(sorted(spans))
    assert [sweep.overlaps(*q) for q in queries] == [walked(spans, *q) for q in queries]


@given(SPANS, st.lists(QUERY, min_size=1, max_size=10))
def test_spans_added_one_by_one_answer_as_a_walk(spans, queries):
    reach = SpanReach(sorted({start for start, _ in spans}))
    for i, span in enumerate(spans):
        reach.add(*span)
        assert [reach.overlaps(*q) for q in queries] == [walked(spans[:i + 1], *q) for q in queries]


def test_nothing_overlaps_no_spans_or_a_span_that_only_touches():
    assert not SpanSweep([]).overlaps(0, 10)
    assert not SpanSweep([(0, 5), (10, 12)]).overlaps(5, 10)
    assert SpanSweep([(0, 5), (10, 12)]).overlaps(4, 10)
