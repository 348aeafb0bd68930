"""The chunks collection as a llama-index vector store that asks Chroma for ids and
distances only.

A query that also asks Chroma for each hit's document and metadata costs about five times
as much (12 ms against 2.5 ms for 50 hits among 7.5k chunks here): Chroma reads them
row by row from SQLite. This process already holds every indexed chunk's record (the BM25
index keeps llama-index's record of each node), so a hit's text and metadata come from
there, as the node the index has already made of it (see :mod:`assistant.store.bm25_view`);
Chroma is asked for the few it does not hold (a chunk another client just wrote to a
shared server, or one written since the last BM25 flush).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from llama_index.core.bridge.pydantic import PrivateAttr
from llama_index.core.schema import BaseNode
from llama_index.core.vector_stores.types import (
    VectorStoreQuery,
    VectorStoreQueryMode,
    VectorStoreQueryResult,
)
from llama_index.core.vector_stores.utils import metadata_dict_to_node
from llama_index.vector_stores.chroma import ChromaVectorStore

# chunk id -> the node this process holds for it, or None
Lookup = Callable[[str], BaseNode | None]


class RecordedChromaStore(ChromaVectorStore):
    """``ChromaVectorStore`` whose plain queries fetch ids and distances, and nodes by id."""

    _lookup: Lookup = PrivateAttr()

    def __init__(self, chroma_collection: Any, lookup: Lookup) -> None:
        super().__init__(chroma_collection=chroma_collection)
        self._lookup = lookup

    def query(self, query: VectorStoreQuery, **kwargs: Any) -> VectorStoreQueryResult:
        """The vector store's public query: a plain nearest-neighbour query (an embedding,
        ``k``, an optional Chroma ``where``) fetches ids and distances and takes nodes by
        id; anything else (llama-index filters, MMR, Chroma's own ``include``) is
        ``ChromaVectorStore``'s query."""
        embedding = query.query_embedding
        plain = query.filters is None and query.mode == VectorStoreQueryMode.DEFAULT and set(kwargs) <= {"where"}
        if embedding is None or not plain:
            return super().query(query, **kwargs)
        found = self._collection.query(
            query_embeddings=embedding,
            n_results=query.similarity_top_k,
            include=["distances"],
            **{k: v for k, v in kwargs.items() if v},
        )
        ids, distances = found["ids"][0], (found["distances"] or [[]])[0]
        nodes: dict[str, Any] = {}
        for chunk_id in ids:
            node = self._lookup(chunk_id)
            if node is not None:
                nodes[chunk_id] = node
        missing = [chunk_id for chunk_id in ids if chunk_id not in nodes]
        if missing:
            got = self._collection.get(ids=missing, include=["documents", "metadatas"])
            for chunk_id, text, meta in zip(
                got["ids"], got["documents"] or [], got["metadatas"] or [], strict=True
            ):
                nodes[chunk_id] = metadata_dict_to_node(dict(meta or {}), text=text)
        kept = [(i, d) for i, d in zip(ids, distances, strict=True) if i in nodes]
        return VectorStoreQueryResult(
            nodes=[nodes[i] for i, _ in kept],
            similarities=[math.exp(-d) for _, d in kept],  # as ChromaVectorStore reports
            ids=[i for i, _ in kept],
        )
