"""Score fusion and article spreading: plain functions over candidates."""

from __future__ import annotations

import pytest

from assistant.retrieval.fusion import (
    Candidate,
    fuse,
    normalise,
    reciprocal_rank_fusion,
    spread,
    weighted_fusion,
)


def test_normalise_by_the_maximum():
    assert normalise({"a": 4.0, "b": 2.0, "c": 0.0}) == {"a": 1.0, "b": 0.5, "c": 0.0}
    assert normalise({}) == {}
    assert normalise({"a": -1.0}) == {"a": 0.0}


def test_weighted_fusion_keeps_a_strong_lexical_lead():
    # BM25 finds "a" far ahead; dense barely prefers "b": weighted fusion keeps "a" first
    fused = weighted_fusion([{"a": 0.50, "b": 0.52}, {"a": 20.0, "b": 5.0}], [0.3, 0.7])
    assert [k for k, _ in fused] == ["a", "b"]
    # while rank fusion throws the margin away and ties them
    rrf = dict(reciprocal_rank_fusion([["b", "a"], ["a", "b"]]))
    assert rrf["a"] == pytest.approx(rrf["b"])


def test_fuse_weights_normalised_scores_and_adds_boosts():
    cands = [
        Candidate("x", "A", dense=0.8, lexical=10.0),
        Candidate("y", "B", dense=0.4, lexical=5.0, boost=0.3),
        Candidate("z", "C", dense=0.0, lexical=2.0),
    ]
    scored = dict((c.key, s) for c, s in fuse(cands, dense_weight=0.25))
    assert scored["x"] == pytest.approx(0.25 * 1 + 0.75 * 1)
    assert scored["y"] == pytest.approx(0.25 * 0.5 + 0.75 * 0.5 + 0.3)
    assert scored["z"] == pytest.approx(0.75 * 0.2)
    assert [c.key for c, _ in fuse(cands, 0.25)] == ["x", "y", "z"]


def test_fuse_of_nothing_is_nothing():
    assert fuse([], 0.5) == []


def test_spread_lets_a_second_article_in():
    scored = [
        (Candidate("a1", "A"), 1.00),
        (Candidate("a2", "A"), 0.95),
        (Candidate("a3", "A"), 0.90),
        (Candidate("b1", "B"), 0.88),
    ]
    assert [c.key for c, _ in spread(scored, 0.1)] == ["a1", "b1", "a2", "a3"]
    # an article's own chunks keep their order
    order = [c.key for c, _ in spread(scored, 1.0)]
    assert order.index("a1") < order.index("a2") < order.index("a3")
    # no penalty: unchanged
    assert spread(scored, 0.0) == scored


def test_spread_scores_stay_sorted():
    scored = [(Candidate(f"c{i}", "AB"[i % 2]), 1.0 - i * 0.01) for i in range(10)]
    values = [s for _, s in spread(scored, 0.05)]
    assert values == sorted(values, reverse=True)
