"""Combining ranked lists from several retrievers (plain functions, no retriever types).

Plain reciprocal rank fusion throws the scores away, and on news archives it ranks worse
than BM25 alone: a chunk that BM25 finds far ahead of the rest counts no more than one
barely ahead. So hybrid retrieval here fuses *scores*, each list normalised to 0..1 by
its own best, weighted towards BM25 (news questions name people, places and products
that embeddings of a small model blur), adds soft boosts for what the question names
(publisher, date), and spreads the top of the list across articles so a question that
needs several articles gets each of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


def normalise(scores: dict[str, float]) -> dict[str, float]:
    """Scale scores to 0..1 by the list's maximum (min-max would zero the last candidate,
    which is still a match)."""
    if not scores:
        return {}
    top = max(scores.values())
    if top <= 0:
        return {key: 0.0 for key in scores}
    return {key: max(value, 0.0) / top for key, value in scores.items()}


def weighted_fusion(
    ranked: Sequence[dict[str, float]], weights: Sequence[float]
) -> list[tuple[str, float]]:
    """Weighted sum of max-normalised scores; a key missing from a list scores 0 there."""
    fused: dict[str, float] = {}
    for scores, weight in zip(ranked, weights, strict=True):
        for key, value in normalise(scores).items():
            fused[key] = fused.get(key, 0.0) + weight * value
    return sorted(fused.items(), key=lambda kv: (-kv[1], kv[0]))


def reciprocal_rank_fusion(ranked: Sequence[Sequence[str]], k: int = 60) -> list[tuple[str, float]]:
    """Plain RRF, kept as a baseline for evaluation."""
    fused: dict[str, float] = {}
    for keys in ranked:
        for rank, key in enumerate(keys):
            fused[key] = fused.get(key, 0.0) + 1.0 / (k + rank + 1)
    return sorted(fused.items(), key=lambda kv: (-kv[1], kv[0]))


@dataclass(frozen=True)
class Candidate:
    """A chunk found by at least one retriever, with what ranking needs to know of it.

    ``dense`` and ``lexical`` are the raw scores (0 where that retriever did not return
    it); ``boost`` is added after fusion (the question named its publisher or date).
    """

    key: str
    article: str
    dense: float = 0.0
    lexical: float = 0.0
    boost: float = 0.0


def fuse(candidates: Iterable[Candidate], dense_weight: float) -> list[tuple[Candidate, float]]:
    """Candidates with ``dense_weight * dense + (1 - dense_weight) * lexical + boost``, each
    retriever's scores max-normalised over the candidates, best first."""
    pool = list(candidates)
    dense = normalise({c.key: c.dense for c in pool})
    lexical = normalise({c.key: c.lexical for c in pool})
    scored = [
        (c, dense_weight * dense[c.key] + (1.0 - dense_weight) * lexical[c.key] + c.boost)
        for c in pool
    ]
    return sorted(scored, key=lambda cs: (-cs[1], cs[0].key))


def spread(
    scored: Sequence[tuple[Candidate, float]], penalty: float
) -> list[tuple[Candidate, float]]:
    """Re-rank so one article does not fill the list: each chunk loses ``penalty`` for
    every better chunk of its article. Greedy diversification in one pass: an article's
    n-th chunk is always its n-th best, so its penalty is known without re-scoring."""
    if penalty <= 0:
        return list(scored)
    seen: dict[str, int] = {}
    adjusted: list[tuple[Candidate, float]] = []
    for cand, score in scored:
        n = seen.get(cand.article, 0)
        seen[cand.article] = n + 1
        adjusted.append((cand, score - penalty * n))
    return sorted(adjusted, key=lambda cs: -cs[1])  # stable: ties keep the fused order
