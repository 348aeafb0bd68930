"""How articles and chunks are laid out as Chroma records (ids, metadata, the packed
article record) and the filters over them, as a Chroma ``where`` clause and in Python
(plain functions; the collections themselves are :mod:`assistant.store.chroma`)."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Any

from ..records import Article, ArticleInfo, Chunk, Filters

SCHEMA_VERSION = 1
ARTICLE_KEY = "article"  # the one metadata key of an article record (see article_record)
UNKNOWN_MIN, UNKNOWN_MAX = 99999999, 0  # an undated article matches no date filter


def date_bounds(published: str) -> tuple[int, int]:
    """Inclusive ``YYYYMMDD`` bounds of a published date that may be just a year or month."""
    parts = published.split("-") if published else []
    try:
        y = int(parts[0])
        if len(parts) == 1:
            return y * 10000 + 101, y * 10000 + 1231
        m = int(parts[1])
        if len(parts) == 2:
            return y * 10000 + m * 100 + 1, y * 10000 + m * 100 + 31
        d = int(parts[2][:2])
        return (y * 10000 + m * 100 + d,) * 2
    except (ValueError, IndexError):
        return UNKNOWN_MIN, UNKNOWN_MAX


def day_number(day: date) -> int:
    return day.year * 10000 + day.month * 100 + day.day


def chunk_id(doc_id: str, content_hash: str, index: int) -> str:
    """Deterministic, so a rerun after a crash rewrites the same records."""
    return f"{hashlib.sha1(doc_id.encode()).hexdigest()[:16]}-{content_hash[:12]}-{index}"


def chunk_metadata(article: Article, chunk: Chunk) -> dict[str, Any]:
    low, high = date_bounds(article.published)
    return {
        "doc_id": article.doc_id,
        "title": article.title,
        "source": article.source,
        "published": article.published,
        "url": article.url,
        "author": article.author,
        "content_hash": article.content_hash,
        "chunk": chunk.index,
        "start": chunk.start,
        "end": chunk.end,
        "date_min": low,
        "date_max": high,
    }


# What a chunk's Chroma record keeps beside its vector: the keys Chroma is asked to filter
# on (the user's filters, an article's removal, an older version's clean-up), llama-index's
# record of the node (text and all of the metadata above) and its ``document_id`` key (what
# ``ChromaVectorStore.delete`` filters on). Chroma indexes every key of every record: the
# eight keys no query filters on cost 0.9 of the 14.5 CPU seconds an ingest of 7,516 news
# chunks spent beside the encoder.
RECORD_KEYS = frozenset(
    ("doc_id", "content_hash", "source", "date_min", "date_max")
    + ("_node_content", "_node_type", "document_id")
)


def chroma_where(filters: Filters | None) -> dict[str, Any] | None:
    """The Chroma ``where`` clause of a filter (None when it filters nothing)."""
    if filters is None or filters.is_empty():
        return None
    clauses: list[dict[str, Any]] = []
    if filters.sources:
        clauses.append({"source": {"$in": list(filters.sources)}})
    if filters.since:
        clauses.append({"date_max": {"$gte": day_number(filters.since)}})
    if filters.until:
        clauses.append({"date_min": {"$lte": day_number(filters.until)}})
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def matches(meta: dict[str, Any], filters: Filters | None) -> bool:
    """The same test as :func:`chroma_where`, in Python, for the BM25 side."""
    if filters is None or filters.is_empty():
        return True
    if filters.sources and meta.get("source") not in filters.sources:
        return False
    if filters.since and int(meta.get("date_max", UNKNOWN_MAX)) < day_number(filters.since):
        return False
    return not (
        filters.until and int(meta.get("date_min", UNKNOWN_MIN)) > day_number(filters.until)
    )


def chunk_fields(document: str | None, record: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """A stored chunk's text and metadata. The text is in its node record, or in its
    document (as earlier versions wrote it); the metadata is the node record's, with the
    record's own keys over it (earlier versions wrote all of it there)."""
    node = json.loads(record.get("_node_content") or "{}")
    text = document if document is not None else str(node.get("text", ""))
    return text, {**(node.get("metadata") or {}), **record}


def hash_of(info: ArticleInfo | None) -> str | None:
    return None if info is None else info.content_hash


def article_record(fields: dict[str, Any]) -> dict[str, Any]:
    """An article record's metadata: its fields as one JSON string. Chroma reads a record's
    metadata a row per key, so the registry of 8,500 articles loads in 0.09 s from one key
    and 0.5 s from eight. The keys of the earlier layout (a key per field) are set to None,
    which deletes them where an upsert writes over such a record (upserts merge keys)."""
    return {ARTICLE_KEY: json.dumps(fields, ensure_ascii=False)} | dict.fromkeys(fields)


def article_fields(meta: dict[str, Any]) -> dict[str, Any]:
    """An article record's fields, from either layout."""
    packed = meta.get(ARTICLE_KEY)
    return json.loads(packed) if isinstance(packed, str) else meta


def article_info(meta: dict[str, Any]) -> ArticleInfo:
    """An article's fields as an ArticleInfo (fields a record lacks stay empty)."""
    fields: dict[str, Any] = {k: str(meta.get(k, "")) for k in ArticleInfo.__dataclass_fields__}
    fields["chunks"] = int(meta.get("chunks") or 0)
    return ArticleInfo(**fields)


def doc_key(doc_id: str) -> str:
    # Chroma ids are free text, but urls can be long: a fixed-size key keeps them tidy.
    return hashlib.sha1(doc_id.encode()).hexdigest()


def stored_article(meta: dict[str, Any], document: str | None, text: str | None) -> Article:
    """An article from its record's metadata and its text record's text. Without a text
    record (a store written by an earlier version) the text is the record's document: only
    then, because that document outlives a later upsert of the record that gives none."""
    fields = {k: str(meta.get(k, "")) for k in Article.__dataclass_fields__ if k != "text"}
    return Article(text=str(text if text is not None else document or ""), **fields)


def text_key(doc_id: str, content_hash: str) -> str:
    """The text record of one version of an article: a new version's text is written
    beside the old one's, which stays until the new version is committed."""
    return f"{doc_key(doc_id)}-{content_hash}"
