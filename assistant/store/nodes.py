"""A chunk as llama-index holds it (a ``TextNode`` whose title, publisher and date are
indexed beside its text, and whose source is its article): made once from a chunk at ingest
and written to Chroma and BM25 alike, or from the store's chunk records, grouped by
committed article, when BM25 is built or caught up."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..records import Article, Chunk
from .layout import chunk_id, chunk_metadata

# Metadata that BM25 indexes beside the chunk text: news questions name headlines,
# publishers and dates.
INDEXED_METADATA = ("title", "source", "published")


def make_node(node_id: str, text: str, meta: dict[str, Any]):
    """A chunk's node; its article (``meta["doc_id"]``) is its source node."""
    from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode

    node = TextNode(id_=node_id, text=text, metadata=dict(meta))
    node.excluded_embed_metadata_keys = [k for k in node.metadata if k not in INDEXED_METADATA]
    node.excluded_llm_metadata_keys = list(node.excluded_embed_metadata_keys)
    if meta.get("doc_id"):
        node.relationships[NodeRelationship.SOURCE] = RelatedNodeInfo(node_id=meta["doc_id"])
    return node


def chunk_nodes(article: Article, chunks: Sequence[Chunk]) -> list[Any]:
    """The nodes of an article's chunks, as the store and BM25 both take them."""
    return [
        make_node(
            chunk_id(article.doc_id, article.content_hash, c.index),
            c.text,
            chunk_metadata(article, c),
        )
        for c in chunks
    ]


def group_records(
    records: dict[str, Any], manifest: dict[str, str]
) -> dict[str, tuple[str, list[Any]]]:
    """Chunk records from the store, as nodes grouped by committed article."""
    grouped: dict[str, tuple[str, list[Any]]] = {}
    for cid, text, meta in zip(
        records["ids"], records["documents"], records["metadatas"], strict=True
    ):
        doc_id = meta.get("doc_id", "")
        if manifest.get(doc_id) != meta.get("content_hash"):
            continue  # a chunk of an uncommitted or replaced version
        clean = {
            k: v
            for k, v in meta.items()
            if not k.startswith("_") and k not in ("document_id", "ref_doc_id")
        }
        grouped.setdefault(doc_id, (manifest[doc_id], []))[1].append(make_node(cid, text, clean))
    return grouped
