"""The stores this process has opened (one per folder or server, collection and embedder),
and what is done to a store's collections without opening it: dropping the chunks,
reading the articles back (``assistant rebuild``)."""

from __future__ import annotations

import threading

from ..config import Settings
from ..errors import StoreError
from ..records import Article
from .chroma import Store
from .client import chroma_client, collection
from .layout import SCHEMA_VERSION, article_fields, stored_article

_open: dict[tuple[str, str, str, str], Store] = {}
_open_lock = threading.Lock()


def open_store(settings: Settings, embedder_name: str) -> Store:
    """The store for these settings, opened once per process (Chroma dislikes re-opening)."""
    key = (
        str(settings.data_dir.resolve()),
        settings.chroma_url or "",
        settings.collection,
        embedder_name,
    )
    with _open_lock:
        if key not in _open:
            _open[key] = Store(settings, embedder_name)
        return _open[key]


def forget_store(settings: Settings) -> None:
    """Drop the cached stores of these settings, whatever embedder opened them."""
    where = (str(settings.data_dir.resolve()), settings.chroma_url or "", settings.collection)
    with _open_lock:
        for key in [k for k in _open if k[:3] == where]:
            del _open[key]


def drop_chunks(settings: Settings) -> bool:
    """Delete the chunks collection (vectors only; the articles stay): ``rebuild`` then
    refills it. False when there was none."""
    forget_store(settings)
    client = chroma_client(settings)
    name = f"{settings.collection}_chunks"
    from chromadb.errors import NotFoundError

    try:
        client.delete_collection(name)
    except NotFoundError:
        return False
    except Exception as exc:
        raise StoreError(f"cannot delete the collection {name}: {exc}") from exc
    return True


def read_stored_articles(settings: Settings) -> list[Article]:
    """Every article record of the docs collection, read without opening the chunks
    (which may be missing, damaged or built with another embedder)."""
    client = chroma_client(settings)
    try:
        docs, texts = (
            collection(client, f"{settings.collection}_{name}", metadata={"schema": SCHEMA_VERSION})
            for name in ("docs", "texts")
        )
        got = docs.get(include=["documents", "metadatas"])
        text_of = {
            (str(m.get("doc_id")), str(m.get("content_hash"))): str(m.get("text", ""))
            for m in texts.get(include=["metadatas"])["metadatas"] or []
        }
    except Exception as exc:
        where = settings.chroma_url or str(settings.data_dir)
        raise StoreError(f"cannot read the stored articles at {where}: {exc}") from exc
    articles = []
    for document, record in zip(got["documents"] or [], got["metadatas"] or [], strict=True):
        meta = article_fields(record)
        key = (str(meta.get("doc_id")), str(meta.get("content_hash")))
        article = stored_article(meta, document, text_of.get(key))
        if article.doc_id and article.text:
            articles.append(article)
    return articles


def close_stores() -> None:
    """Forget every opened store (tests use fresh folders)."""
    with _open_lock:
        _open.clear()
    try:
        from chromadb.api.client import SharedSystemClient

        SharedSystemClient.clear_system_cache()
    except Exception:  # pragma: no cover - an internal of chromadb that may move
        pass
