"""Second stage of ranking: the head of the fused list, re-ordered by each passage's best
single sentence.

BM25 and the embedder score a passage as a whole, so a passage that mentions the question's
words here and there ranks with one that answers it in one sentence. News questions are
answered by a sentence (who said what, when, how many): a passage holding a sentence that
carries most of the question's rare words is the better one. Each passage of the head gains
``weight`` times the share of the question's term weight (BM25's idf) that its best sentence
holds. Plain functions over the index's own term statistics: no model, a few milliseconds.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Mapping, Sequence

from ..text.sentences import split_sentences

Analyse = Callable[[list[str]], list[list[str]]]  # texts -> their index terms

_CACHE_LIMIT = 50_000  # passages whose sentence terms are kept (chunk ids are content-hashed)
_cache: dict[str, tuple[frozenset[str], ...]] = {}
_cache_lock = threading.Lock()


def best_sentence_share(
    question: frozenset[str], sentences: Sequence[frozenset[str]], idf: Mapping[str, float]
) -> float:
    """The largest share (0..1) of the question's idf mass that one sentence holds.

    Sums are exact (``math.fsum``): a set's order changes from process to process with
    Python's string hashing, and a plain float sum with it, which could swap two passages
    whose scores tie to the last bit."""
    total = math.fsum(idf.get(t, 0.0) for t in question)
    if total <= 0:
        return 0.0
    best = max((math.fsum(idf.get(t, 0.0) for t in question & s) for s in sentences), default=0.0)
    return best / total


def sentence_terms(
    passages: Mapping[str, str], analyse: Analyse
) -> dict[str, tuple[frozenset[str], ...]]:
    """Each passage's sentences as sets of index terms (analysed in one call, cached by id)."""
    with _cache_lock:
        found = {key: _cache[key] for key in passages if key in _cache}
    todo = [key for key in passages if key not in found]
    if todo:
        split = [split_sentences(passages[key]) for key in todo]
        terms = analyse([s for sentences in split for s in sentences])
        at = 0
        for key, sentences in zip(todo, split, strict=True):
            found[key] = tuple(frozenset(t) for t in terms[at : at + len(sentences)])
            at += len(sentences)
        with _cache_lock:
            if len(_cache) > _CACHE_LIMIT:
                _cache.clear()
            _cache.update({key: found[key] for key in todo})
    return found


def rerank(
    ranked: Sequence[tuple[str, float]],
    texts: Mapping[str, str],
    question: str,
    analyse: Analyse,
    idf: Mapping[str, float],
    *,
    weight: float,
    depth: int,
) -> list[tuple[str, float]]:
    """``ranked`` (key, score) best first, its first ``depth`` re-scored as
    ``score / best score + weight * best_sentence_share``; the rest keep their order below."""
    if weight <= 0 or depth <= 0 or not ranked:
        return list(ranked)
    head, tail = list(ranked[:depth]), list(ranked[depth:])
    top = max(score for _, score in head)
    if top <= 0:
        return list(ranked)
    asked = frozenset(t for terms in analyse([question]) for t in terms)
    terms = sentence_terms({key: texts[key] for key, _ in head}, analyse)
    scored = [
        (key, score / top + weight * best_sentence_share(asked, terms[key], idf))
        for key, score in head
    ]
    scored.sort(key=lambda ks: -ks[1])  # stable: ties keep the fused order
    floor = min((s for _, s in scored), default=0.0)
    # The tail stays below the head, in its order, on the same scale.
    return scored + [(key, min(floor, score / top)) for key, score in tail]
