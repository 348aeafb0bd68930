"""The article store: chunks and their vectors in Chroma, articles beside them.

Chroma holds four collections:

- ``<name>_chunks``: one record per chunk: vector, the keys queries filter on, and
  llama-index's record of the chunk's node, text and metadata included;
- ``<name>_texts``: one record per version of an article: its full text (what ``rebuild``
  re-chunks, and what the chat page shows);
- ``<name>_docs``: one record per article: its metadata (the registry every start reads);
- ``<name>_changes``: on a Chroma server, one numbered record per write, for the other
  processes sharing it (see :mod:`assistant.store.changelog`).

An article's record is written *after* its chunks and its text and is the commit point: an
article whose record is absent, or whose record names another content hash, does not exist
for readers, and its stray chunks and texts are removed by the next writer (see
:meth:`Store.recover`).

No text is a Chroma *document*: Chroma builds a full-text index over documents, which this
package never queries (BM25 is its keyword search). Stores written by earlier versions,
with chunk and article texts as documents, read the same.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

import numpy as np

from ..config import Settings
from ..errors import EmbedderMismatchError, StoreError
from ..records import Article, ArticleInfo, Chunk
from .changelog import open_log
from .client import chroma_client, collection, damaged, is_chroma_failure
from .facts import ArchiveFacts, archive_facts
from .layout import (
    RECORD_KEYS,
    SCHEMA_VERSION,
    article_fields,
    article_info,
    article_record,
    chunk_fields,
    doc_key,
    hash_of,
    stored_article,
    text_key,
)
from .nodes import chunk_nodes

JOURNAL = "ingest.journal"
T = TypeVar("T")


class Store:
    """Chunks, vectors and articles in Chroma; thread-safe for one writer and many readers."""

    def __init__(self, settings: Settings, embedder_name: str) -> None:
        self.settings = settings
        self.embedder_name = embedder_name
        self.local_dir = settings.data_dir
        self.local_dir.mkdir(parents=True, exist_ok=True)
        self.lock = threading.RLock()
        self.client = chroma_client(settings)
        try:
            self._open_collections()
            self.changes = open_log(self.client, settings.collection)
            # Other processes write to a Chroma server too: number each write for them, and
            # check after each batch that none of them deleted a part of it. A local store
            # has one process (its vector index files are that process's).
            self.shared = bool(settings.chroma_url)
        except BaseException as exc:
            if not is_chroma_failure(exc):
                raise
            raise damaged(settings.chroma_url or settings.data_dir, exc) from None
        self._check_identity()
        self._registry: dict[str, ArticleInfo] | None = None
        # Values computed from one version of the registry (see :meth:`derived`).
        self._derived_from: dict[str, ArticleInfo] | None = None
        self._derived: dict[str, Any] = {}
        try:  # Chroma refuses larger writes; a long article can have more chunks than this
            self.batch_size = int(self.client.get_max_batch_size())
        except Exception:  # pragma: no cover - older servers do not say
            self.batch_size = 1000

    def _open_collections(self) -> None:
        name = self.settings.collection
        self.chunks = collection(
            self.client,
            f"{name}_chunks",
            metadata={"embedder": self.embedder_name, "schema": SCHEMA_VERSION},
            configuration={"hnsw": {"space": "cosine"}},
        )
        self.docs = collection(self.client, f"{name}_docs", metadata={"schema": SCHEMA_VERSION})
        self.texts = collection(self.client, f"{name}_texts", metadata={"schema": SCHEMA_VERSION})

    def reopen(self) -> None:
        """Open the collections again by name: another process re-created one (``assistant
        rebuild`` re-creates the chunks collection), and this one's handle names the old."""
        with self.lock:
            self._open_collections()
            self._check_identity()

    def _check_identity(self) -> None:
        meta = self.chunks.metadata or {}
        built_with = meta.get("embedder")
        if built_with and built_with != self.embedder_name:
            raise EmbedderMismatchError(
                f"this store was built with the embedder {built_with!r} but "
                f"{self.embedder_name!r} is configured: set ASSISTANT_EMBEDDINGS back, use "
                f"another ASSISTANT_DATA_DIR / ASSISTANT_COLLECTION for the new embedder, or "
                f"run `assistant rebuild` to re-embed the stored articles with it"
            )
        schema = meta.get("schema")
        if schema is not None and schema != SCHEMA_VERSION:
            raise StoreError(
                f"this store has layout version {schema}, this version of assistant reads "
                f"{SCHEMA_VERSION}: run `assistant rebuild` to rebuild it from its articles"
            )

    # ----------------------------------------------------------------- the article registry
    def registry(self) -> dict[str, ArticleInfo]:
        """Every committed article, by id (cached; refreshed after each write). The dict is
        never changed once returned (writes replace it), so callers may iterate it freely."""
        with self.lock:
            if self._registry is None:
                self._registry = self._read_registry()
            return self._registry

    def _read_registry(self) -> dict[str, ArticleInfo]:
        got = self.docs.get(include=["metadatas"])
        infos = (article_info(article_fields(meta)) for meta in got["metadatas"] or [])
        return {info.doc_id: info for info in infos}

    def reread(self) -> dict[str, ArticleInfo]:
        """Read the registry from Chroma again; the cached one stays until that succeeds
        (a Chroma server that stops answering leaves the last registry read in place)."""
        with self.lock:
            self._registry = self._read_registry()
            return self._registry

    def articles_now(self, doc_ids: Sequence[str]) -> dict[str, ArticleInfo | None]:
        """These articles as Chroma holds them now (None: not committed), read in one call."""
        got = self.docs.get(ids=[doc_key(d) for d in doc_ids], include=["metadatas"])
        found = [article_info(article_fields(meta)) for meta in got["metadatas"] or []]
        now: dict[str, ArticleInfo | None] = dict.fromkeys(doc_ids)
        now.update({info.doc_id: info for info in found if info.doc_id in now})
        return now

    def set_articles(self, now: dict[str, ArticleInfo | None]) -> None:
        """Bring the cached registry in step with :meth:`articles_now` (copy on write)."""
        with self.lock:
            if self._registry is None:
                return
            registry = {d: a for d, a in self._registry.items() if now.get(d, a) is not None}
            registry.update({d: a for d, a in now.items() if a is not None})
            self._registry = registry

    def refresh(self) -> None:
        with self.lock:
            self._registry = None

    def get_article(self, doc_id: str) -> Article | None:
        got = self.docs.get(ids=[doc_key(doc_id)], include=["documents", "metadatas"])
        if not got["ids"]:
            return None
        meta = article_fields(got["metadatas"][0])
        key = text_key(doc_id, str(meta.get("content_hash", "")))
        texts = self.texts.get(ids=[key], include=["metadatas"])["metadatas"]
        return stored_article(meta, got["documents"][0], texts[0]["text"] if texts else None)

    def derived(self, name: str, make: Callable[[dict[str, ArticleInfo]], T]) -> T:
        """``make(registry)``, computed once per version of the registry: every write
        replaces the registry, so a value kept here is never older than the articles.

        For what each question reads of the whole archive (its publishers, authors and
        dates) without walking every article each time; ``make`` must return a value
        callers cannot change (a tuple, a frozenset)."""
        with self.lock:
            registry = self.registry()
            if self._derived_from is not registry:
                self._derived_from, self._derived = registry, {}
            if name not in self._derived:
                self._derived[name] = make(registry)
            return self._derived[name]

    def sources(self) -> list[str]:
        """The publishers of the committed articles, sorted."""
        return list(self.facts().publishers)

    def facts(self) -> ArchiveFacts:
        """What the committed articles are: how many, publishers, authors, dates."""
        return self.derived("facts", archive_facts)

    # ---------------------------------------------------------------------------- writing
    def write(self, article: Article, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        """Store one article's chunks (see :meth:`write_many`)."""
        self.write_many([(article, chunk_nodes(article, chunks), vectors)])

    def write_many(self, items: Sequence[tuple[Article, Sequence[Any], np.ndarray]]) -> None:
        """Store articles, each with its chunks' nodes (:func:`.nodes.chunk_nodes`, the same
        nodes BM25 indexes) and their vectors: all their chunks first, then the records that commit them, then
        the removal of older versions' chunks. One Chroma call per step for the whole
        batch: each call costs a transaction (~40-120 ms here), whatever its size.

        A chunk's text goes into its metadata, inside llama-index's node record
        (``_node_content``), and an article's into its text record's metadata, not into
        Chroma's document field: Chroma's full-text index over documents was about a
        quarter of an ingest's work beside the encoder (about 4 of 17.8 CPU seconds on
        7,516 news chunks) for the chunks, and 1.3 seconds more for the articles.
        ``ChromaVectorStore`` reads such chunk records back whole."""
        from llama_index.core.vector_stores.utils import node_to_metadata_dict

        ids: list[str] = []
        records: list[dict[str, Any]] = []
        vectors_of: list[np.ndarray] = []
        metas: list[dict[str, Any]] = []
        for article, nodes, vectors in items:
            if len(vectors) != len(nodes):
                raise ValueError(
                    f"{len(nodes)} chunks of {article.doc_id} but {len(vectors)} vectors"
                )
            for node in nodes:
                ids.append(node.node_id)
                record = node_to_metadata_dict(node, remove_text=False)
                records.append({k: v for k, v in record.items() if k in RECORD_KEYS})
            vectors_of.append(vectors)
            metas.append({**article.metadata(), "chunks": len(nodes)})
        if not items:
            return
        with self.lock:
            vectors = np.concatenate(vectors_of)
            for i in range(0, len(ids), self.batch_size):
                part = slice(i, i + self.batch_size)
                # Upsert: a crashed earlier attempt, or another client of a shared server,
                # may have left some of these records (``add`` would keep those).
                self.chunks.upsert(ids=ids[part], embeddings=vectors[part], metadatas=records[part])
            articles = [article for article, _, _ in items]
            self.texts.upsert(
                ids=[text_key(a.doc_id, a.content_hash) for a in articles],
                metadatas=[
                    {"doc_id": a.doc_id, "content_hash": a.content_hash, "text": a.text}
                    for a in articles
                ],
                embeddings=[[1.0]] * len(articles),
            )
            self.docs.upsert(
                ids=[doc_key(a.doc_id) for a in articles],
                metadatas=[article_record(m) for m in metas],
                embeddings=[[1.0]] * len(articles),
            )
            # Each article's older versions: its own id with another hash. (Not "any hash
            # of this batch": the hash covers text and metadata, not the id, so two files
            # with the same text share one, and an old version of one article may carry
            # the new hash of another.)
            stale: list[dict[str, Any]] = [
                {"$and": [{"doc_id": a.doc_id}, {"content_hash": {"$ne": a.content_hash}}]}
                for a in articles
            ]
            older = stale[0] if len(stale) == 1 else {"$or": stale}
            self.chunks.delete(where=older)
            self.texts.delete(where=older)
            if self.shared:
                self._put_back(articles, ids, vectors, records)
                self.changes.append("add", [a.doc_id for a in articles])
            if self._registry is not None:
                # Copy on write: readers iterate the dict they got while an ingest writes.
                self._registry = {
                    **self._registry,
                    **{a.doc_id: article_info(m) for a, m in zip(articles, metas, strict=True)},
                }

    def _put_back(
        self,
        articles: Sequence[Article],
        ids: list[str],
        vectors: np.ndarray,
        records: list[dict[str, Any]],
    ) -> None:
        """Rewrite what another process deleted of these articles' committed versions.

        Two processes writing two versions of one article at once each delete every
        version but their own after committing theirs: the one whose commit came second
        may have lost its chunks to the other's deletion. Two id-only reads when nothing is
        missing; when something is, it is written again if its version is the one
        committed now (removed since, or replaced by a later version: left alone)."""
        keys = [text_key(a.doc_id, a.content_hash) for a in articles]
        chunks_there = set(self.chunks.get(ids=ids, include=[])["ids"])
        texts_there = set(self.texts.get(ids=keys, include=[])["ids"])
        if len(chunks_there) == len(ids) and len(texts_there) == len(keys):
            return
        now = self.articles_now([a.doc_id for a in articles])
        ours = {a.doc_id for a in articles if hash_of(now[a.doc_id]) == a.content_hash}
        lost = [
            i
            for i, (cid, record) in enumerate(zip(ids, records, strict=True))
            if cid not in chunks_there and record["doc_id"] in ours
        ]
        for start in range(0, len(lost), self.batch_size):
            part = lost[start : start + self.batch_size]
            self.chunks.upsert(
                ids=[ids[i] for i in part],
                embeddings=vectors[part],
                metadatas=[records[i] for i in part],
            )
        gone = [a for a, key in zip(articles, keys, strict=True) if key not in texts_there]
        if gone := [a for a in gone if a.doc_id in ours]:
            self.texts.upsert(
                ids=[text_key(a.doc_id, a.content_hash) for a in gone],
                metadatas=[
                    {"doc_id": a.doc_id, "content_hash": a.content_hash, "text": a.text}
                    for a in gone
                ],
                embeddings=[[1.0]] * len(gone),
            )

    def remove(self, doc_id: str) -> bool:
        """Remove an article and its chunks; False when it was not there."""
        with self.lock:
            known = doc_id in self.registry()
            self.begin([doc_id])  # a crash between the deletes leaves no strays
            self.docs.delete(ids=[doc_key(doc_id)])  # uncommit first, then clean up
            self.chunks.delete(where={"doc_id": doc_id})
            self.texts.delete(where={"doc_id": doc_id})
            if self.shared:
                self.changes.append("remove", [doc_id])
            self.end()
            if self._registry is not None:
                self._registry = {d: a for d, a in self._registry.items() if d != doc_id}
            return known

    # ------------------------------------------------------------------ crash recovery
    def begin(self, doc_ids: Iterable[str]) -> None:
        """Note which articles are being written, so a crash can be cleaned up."""
        path = self.local_dir / JOURNAL
        with path.open("a", encoding="utf-8") as fh:
            for doc_id in doc_ids:
                fh.write(json.dumps(doc_id) + "\n")
            fh.flush()

    def end(self) -> None:
        (self.local_dir / JOURNAL).unlink(missing_ok=True)

    def recover(self) -> list[str]:
        """Remove chunks left by an interrupted write; returns the articles touched."""
        path = self.local_dir / JOURNAL
        if not path.exists():
            return []
        doc_ids = []
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                doc_ids.append(json.loads(line))
            except json.JSONDecodeError:
                continue  # the last line of a journal cut by a crash
        with self.lock:
            registry = self.reread()
            for doc_id in dict.fromkeys(doc_ids):
                info = registry.get(doc_id)
                where: dict[str, Any] = {"doc_id": doc_id}
                if info is not None:
                    where = {"$and": [where, {"content_hash": {"$ne": info.content_hash}}]}
                self.chunks.delete(where=where)
                self.texts.delete(where=where)
            if doc_ids and self.shared:  # committed or not: other processes re-read them
                self.changes.append("repair", list(dict.fromkeys(doc_ids)))
            self.end()
        return doc_ids

    # ---------------------------------------------------------------------------- reading
    def chunk_records(self, doc_ids: Sequence[str] | None = None) -> dict[str, Any]:
        """Chunk ids, texts and metadata (of some articles, or all)."""
        where = {"doc_id": {"$in": list(doc_ids)}} if doc_ids is not None else None
        if doc_ids is not None and not doc_ids:
            return {"ids": [], "documents": [], "metadatas": []}
        got = self.chunks.get(where=where, include=["documents", "metadatas"])
        fields = [
            chunk_fields(text, meta)
            for text, meta in zip(got["documents"] or [], got["metadatas"] or [], strict=True)
        ]
        got["documents"] = [text for text, _ in fields]
        got["metadatas"] = [meta for _, meta in fields]
        return got

    def count_chunks(self) -> int:
        return self.chunks.count()

    def vector_store(self):
        """The chunks collection as a llama-index vector store."""
        from llama_index.vector_stores.chroma import ChromaVectorStore

        return ChromaVectorStore(chroma_collection=self.chunks)
