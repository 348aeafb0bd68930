"""A chunk as llama-index holds it (a ``TextNode`` whose title, publisher and date are
indexed beside its text): made from a chunk at ingest, or from the store's chunk records,
grouped by committed article, when BM25 is built or caught up."""

from __future__ import annotations

from typing import Any

# Metadata that BM25 indexes beside the chunk text: news questions name headlines,
# publishers and dates.
INDEXED_METADATA = ("title", "source", "published")


def make_node(chunk_id: str, text: str, meta: dict[str, Any]):
    from llama_index.core.schema import TextNode

    node = TextNode(id_=chunk_id, text=text, metadata=dict(meta))
    node.excluded_embed_metadata_keys = [k for k in node.metadata if k not in INDEXED_METADATA]
    node.excluded_llm_metadata_keys = list(node.excluded_embed_metadata_keys)
    return node


def group_records(records: dict[str, Any], manifest: dict[str, str]) -> dict[str, tuple[str, list[Any]]]:
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
