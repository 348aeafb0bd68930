"""Combining ranked lists from several retrievers (plain functions, no retriever types)."""

from __future__ import annotations

from collections.abc import Sequence


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
