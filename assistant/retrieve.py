"""Hybrid retrieval: dense vectors from Chroma and BM25, both through llama-index, fused."""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np

from .archive import Archive, open_archive
from .config import Settings
from .fusion import weighted_fusion
from .models import Filters, Passage
from .store import chroma_where

Mode = Literal["hybrid", "dense", "bm25"]


def dense_search(
    archive: Archive, query_vector: np.ndarray, k: int, filters: Filters | None
) -> list[tuple[str, str, dict[str, Any], float]]:
    """(chunk id, text, metadata, cosine similarity) from the vector store."""
    from llama_index.core.vector_stores.types import VectorStoreQuery

    where = chroma_where(filters)
    query = VectorStoreQuery(query_embedding=query_vector.tolist(), similarity_top_k=k)
    kwargs = {"where": where} if where else {}
    result = archive.store.vector_store().query(query, **kwargs)
    hits = []
    for node, sim in zip(result.nodes or [], result.similarities or [], strict=True):
        # ChromaVectorStore reports exp(-distance); with cosine space distance = 1 - cos.
        cosine = 1.0 + math.log(sim) if sim > 0 else -1.0
        hits.append((node.node_id, node.get_content(), dict(node.metadata), cosine))
    return hits


def lexical_search(
    archive: Archive, question: str, k: int, filters: Filters | None
) -> list[tuple[str, str, dict[str, Any], float]]:
    """(chunk id, text, metadata, BM25 score) from the BM25 index."""
    return [
        (node.node_id, node.get_content(), dict(node.metadata), score)
        for node, score in archive.lexical.search(question, k, filters)
    ]


def search(
    archive: Archive,
    question: str,
    *,
    k: int,
    filters: Filters | None = None,
    mode: Mode = "hybrid",
    query_vector: np.ndarray | None = None,
) -> list[Passage]:
    """Top ``k`` passages for a question from an opened archive."""
    settings = archive.settings
    n = max(settings.candidates, k)
    dense: list = []
    lexical: list = []
    if mode in ("hybrid", "dense"):
        if query_vector is None:
            query_vector = archive.embedder.embed_query(question)
        dense = dense_search(archive, query_vector, n, filters)
    if mode in ("hybrid", "bm25"):
        lexical = lexical_search(archive, question, n, filters)
    records = {cid: (text, meta) for cid, text, meta, _ in lexical}
    records.update({cid: (text, meta) for cid, text, meta, _ in dense})
    w = settings.dense_weight if mode == "hybrid" else (1.0 if mode == "dense" else 0.0)
    fused = weighted_fusion(
        [{cid: s for cid, _, _, s in dense}, {cid: s for cid, _, _, s in lexical}], [w, 1.0 - w]
    )
    committed = archive.store.registry()
    passages: list[Passage] = []
    for cid, score in fused:
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
    from .answer import check_question, resolve_filters

    settings = settings or Settings()
    question = check_question(question, settings)
    archive = open_archive(settings)
    return search(archive, question, k=k, filters=resolve_filters(archive, filters))
