"""Hybrid retrieval: dense vectors from Chroma and BM25, both through llama-index, fused.

``search`` gathers candidates from both retrievers (and, when the question names a
publisher, from that publisher's articles too, so a small publisher's article is not lost
behind a big one's), fuses their scores with weights favouring BM25, adds soft boosts for
the publishers and dates the question names, spreads the top of the list across
articles (see :mod:`assistant.retrieval.fusion` for why), and re-orders the head of the list by each
passage's best sentence (:mod:`assistant.retrieval.sentence_rank`).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date
from typing import Any, Literal

import numpy as np

from ..config import Settings
from ..embed.embedder import cached_vectors
from ..records import Filters, Passage
from ..store.archive import Archive, open_archive
from ..store.layout import chroma_where
from ..store.sync import reaching
from ..text.query_hints import QueryHints, read_hints, segments
from .checks import check_question, resolve_filters
from .fusion import Candidate, fuse, spread
from .sentence_rank import rerank

Mode = Literal["hybrid", "dense", "bm25"]
Hit = tuple[str, str, dict[str, Any], float]  # (chunk id, text, metadata, score)


def dense_search(
    archive: Archive, query_vector: np.ndarray, k: int, filters: Filters | None
) -> list[Hit]:
    """(chunk id, text, metadata, cosine similarity) from the vector store."""
    from llama_index.core.vector_stores.types import VectorStoreQuery

    from .dense_store import RecordedChromaStore

    where = chroma_where(filters)
    query = VectorStoreQuery(query_embedding=query_vector.tolist(), similarity_top_k=k)
    kwargs = {"where": where} if where else {}
    store = RecordedChromaStore(archive.store.chunks, archive.lexical.node)
    with reaching(archive.settings):
        result = store.query(query, **kwargs)
    hits = []
    for node, sim in zip(result.nodes or [], result.similarities or [], strict=True):
        # ChromaVectorStore reports exp(-distance); with cosine space distance = 1 - cos.
        cosine = 1.0 + math.log(sim) if sim > 0 else -1.0
        hits.append((node.node_id, node.get_content(), dict(node.metadata), cosine))
    return hits


def lexical_search(archive: Archive, question: str, k: int, filters: Filters | None) -> list[Hit]:
    """(chunk id, text, metadata, BM25 score) from the BM25 index."""
    return [
        (node.node_id, node.get_content(), dict(node.metadata), score)
        for node, score in archive.lexical.search(question, k, filters)
    ]


def _narrowed(filters: Filters | None, publishers: tuple[str, ...]) -> Filters | None:
    """The user's filter further restricted to the publishers a question names (None when
    that leaves none)."""
    base = filters or Filters()
    allowed = [p for p in publishers if not base.sources or p in base.sources]
    return Filters(tuple(allowed), base.since, base.until) if allowed else None


def _published(meta: dict[str, Any]) -> date | None:
    text = str(meta.get("published") or "")
    try:
        return date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None


def hint_boost(meta: dict[str, Any], hints: QueryHints, settings: Settings) -> float:
    """The soft boost of a chunk whose article has a publisher or date the question names."""
    boost = 0.0
    if hints.publishers and meta.get("source") in hints.publishers:
        boost += settings.publisher_boost
    day = _published(meta) if hints.dates else None
    if day is not None:
        if any(h.contains(day) for h in hints.dates):
            boost += settings.date_boost
        elif any(h.contains(day, slack=1) for h in hints.dates):
            boost += settings.date_boost / 2  # a day off: a time zone, or a late story
    return boost


def _add_segments(
    archive: Archive,
    question: str,
    hints: QueryHints,
    filters: Filters | None,
    lexical: dict[str, float],
    gather: Any,
) -> None:
    """Score each named publisher's chunks against the part of the question about it.

    "Did the Fortune article say X, while the TechCrunch article said Y?" needs Fortune's
    chunk about X and TechCrunch's about Y; the whole question matches both articles'
    other chunks about as well. A chunk's BM25 score gains ``segment_weight`` times its
    segment score (scaled so each segment's best equals the question's best).
    """
    settings = archive.settings
    top = max(lexical.values(), default=0.0)
    if top <= 0:
        return
    extra: dict[str, float] = {}
    for mention, part in zip(hints.mentions, segments(question, hints.mentions), strict=True):
        narrowed = _narrowed(filters, mention.sources)
        if narrowed is None or not part:
            continue
        found: dict[str, float] = {}
        gather(lexical_search(archive, part, settings.hint_candidates, narrowed), found)
        best = max(found.values(), default=0.0)
        for cid, score in found.items():
            if best > 0:
                extra[cid] = max(extra.get(cid, 0.0), score / best)
    for cid, share in extra.items():
        lexical[cid] = lexical.get(cid, 0.0) + settings.segment_weight * share * top


_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _encoder_pool() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="assistant-question")
        return _pool


def _question_vector(archive: Archive, question: str) -> np.ndarray:
    return cached_vectors(archive.embedder, [question])[0]


def search(
    archive: Archive,
    question: str,
    *,
    k: int,
    filters: Filters | None = None,
    mode: Mode = "hybrid",
    query_vector: np.ndarray | None = None,
) -> list[Passage]:
    """Top ``k`` passages for a question from an opened archive.

    ``mode`` "dense" and "bm25" rank by one retriever alone (baselines for evaluation).
    """
    settings = archive.settings
    n = max(settings.candidates, k)
    hints = QueryHints()
    if mode == "hybrid" and settings.query_hints:
        hints = read_hints(question, archive.store.sources())
    narrowed = _narrowed(filters, hints.publishers) if hints.publishers else None
    records: dict[str, tuple[str, dict[str, Any]]] = {}
    found: dict[str, tuple[str, dict[str, Any]]] = {}  # BM25's, kept apart until dense is in
    dense: dict[str, float] = {}
    lexical: dict[str, float] = {}

    def gather(hits: list[Hit], into: dict[str, float]) -> None:
        for cid, text, meta, score in hits:
            found.setdefault(cid, (text, meta))
            into[cid] = score

    vector: Future[np.ndarray] | None = None
    if mode in ("hybrid", "dense") and query_vector is None:
        # Cached: the extractive engine embeds the same question next. Encoding the question
        # (ONNX Runtime, without the GIL) overlaps the BM25 searches below.
        vector = _encoder_pool().submit(_question_vector, archive, question)
    if mode in ("hybrid", "bm25"):
        gather(lexical_search(archive, question, n, filters), lexical)
        if len(hints.mentions) > 1 and settings.segment_weight > 0:
            # each publisher's best chunks for its part of the question (one filtered search
            # per mention serves as that publisher's extra candidates too)
            _add_segments(archive, question, hints, filters, lexical, gather)
        elif narrowed is not None:
            gather(lexical_search(archive, question, settings.hint_candidates, narrowed), lexical)
    if mode in ("hybrid", "dense"):
        if vector is not None:
            query_vector = vector.result()
        assert query_vector is not None
        # (no extra search within named publishers here: each Chroma query costs ~10 ms, and
        # BM25's own narrowed searches already bring those publishers' candidates)
        for cid, text, meta, score in dense_search(archive, query_vector, n, filters):
            records.setdefault(cid, (text, meta))
            dense[cid] = score
    for cid, record in found.items():  # after the dense hits, as the fusion has them in turn
        records.setdefault(cid, record)

    if mode == "hybrid":
        candidates = [
            Candidate(
                key=cid,
                article=str(meta.get("doc_id", "")),
                dense=dense.get(cid, 0.0),
                lexical=lexical.get(cid, 0.0),
                boost=hint_boost(meta, hints, settings),
            )
            for cid, (_, meta) in records.items()
        ]
        fused = spread(fuse(candidates, settings.dense_weight), settings.article_penalty)
        ranked = rerank(
            [(c.key, score) for c, score in fused],
            {cid: text for cid, (text, _) in records.items()},
            question,
            archive.lexical.analyse,
            archive.lexical.idf(),
            weight=settings.sentence_weight,
            depth=settings.rerank_depth,
        )
    else:
        only = dense if mode == "dense" else lexical
        ranked = sorted(only.items(), key=lambda kv: (-kv[1], kv[0]))
    return _passages(archive, ranked, records, k)


def search_all(
    archive: Archive, searches: Sequence[str], *, k: int, filters: Filters | None = None
) -> list[Passage]:
    """Top ``k`` passages for several searches (a planned question's search questions, then
    the question): each search's passages taken in turn (the first of each, then the
    second of each, ...), each passage once, so every article a comparison needs is shown."""
    if len(searches) == 1:
        return search(archive, searches[0], k=k, filters=filters)
    ranked = [search(archive, s, k=k, filters=filters) for s in searches]
    merged: list[Passage] = []
    seen: set[str] = set()
    for rank in range(k):
        for passages in ranked:
            if rank < len(passages) and passages[rank].chunk_id not in seen:
                seen.add(passages[rank].chunk_id)
                merged.append(passages[rank])
    return merged[:k]


def _passages(
    archive: Archive,
    ranked: list[tuple[str, float]],
    records: dict[str, tuple[str, dict[str, Any]]],
    k: int,
) -> list[Passage]:
    committed = archive.store.registry()
    passages: list[Passage] = []
    for cid, score in ranked:
        text, meta = records[cid]
        info = committed.get(meta.get("doc_id", ""))
        if info is None or info.content_hash != meta.get("content_hash"):
            continue  # a chunk of an article whose write did not complete
        passages.append(
            Passage(
                doc_id=info.doc_id,
                title=info.title,
                source=info.source,
                published=info.published,
                url=info.url,
                text=text,
                start=int(meta["start"]),
                end=int(meta["end"]),
                score=float(score),
                chunk_id=cid,
            )
        )
        if len(passages) >= k:
            break
    return passages


def retrieve(
    question: str,
    *,
    k: int = 10,
    filters: Filters | None = None,
    settings: Settings | None = None,
) -> list[Passage]:
    """The ``k`` passages of the archive that best match ``question``."""
    settings = settings or Settings()
    question = check_question(question, settings)
    archive = open_archive(settings)
    archive.keep_up()
    return search(archive, question, k=k, filters=resolve_filters(archive, filters))
