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
from llama_index.core.vector_stores.types import VectorStoreQueryResult
from llama_index.core.vector_stores.utils import metadata_dict_to_node
from llama_index.vector_stores.chroma import ChromaVectorStore

# chunk id -> the node this process holds for it, or None
Lookup = Callable[[str], BaseNode | None]


class RecordedChromaStore(ChromaVectorStore):
    """``ChromaVectorStore`` whose queries fetch ids and distances, and nodes by id."""

    _lookup: Lookup = PrivateAttr()

    def __init__(self, chroma_collection: Any, lookup: Lookup) -> None:
        super().__init__(chroma_collection=chroma_collection)
        self._lookup = lookup

    def _query(
        self, query_embeddings: list[float], n_results: int, where: dict, **kwargs: Any
    ) -> VectorStoreQueryResult:
        if "include" in kwargs:  # the caller wants Chroma's own fields: the plain query
            return super()._query(query_embeddings, n_results, where, **kwargs)
        if where:
            kwargs["where"] = where
        found = self._collection.query(
            query_embeddings=query_embeddings, n_results=n_results, include=["distances"], **kwargs
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
