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

import hashlib
import json
import threading
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import Any, TypeVar
from urllib.parse import urlparse

import numpy as np

from ..config import Settings
from ..errors import EmbedderMismatchError, StoreError
from ..records import Article, ArticleInfo, Chunk, Filters
from .changelog import open_log

SCHEMA_VERSION = 1
JOURNAL = "ingest.journal"
ARTICLE_KEY = "article"  # the one metadata key of an article record (see _article_record)
UNKNOWN_MIN, UNKNOWN_MAX = 99999999, 0  # an undated article matches no date filter
T = TypeVar("T")


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


def _client(settings: Settings):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise StoreError(
                f"ASSISTANT_CHROMA_URL must look like http://host:8000, not {settings.chroma_url!r}"
            )
        try:
            return chromadb.HttpClient(
                host=url.hostname,
                port=url.port or (443 if url.scheme == "https" else 8000),
                ssl=url.scheme == "https",
                settings=chroma_settings,
            )
        except Exception as exc:  # chromadb raises plain ValueError/ConnectionError here
            raise StoreError(
                f"cannot reach the Chroma server at {settings.chroma_url}: {exc}"
            ) from exc
    path = settings.data_dir / "chroma"
    path.mkdir(parents=True, exist_ok=True)
    try:
        return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
    except BaseException as exc:
        if not _is_chroma_failure(exc):
            raise
        # The articles live in this database too, so `assistant rebuild` cannot help here.
        raise StoreError(
            f"cannot open the store at {path}: {_first_line(exc)}. If its database is "
            f"damaged, restore the folder from a backup, or move it away and ingest your "
            f"articles again."
        ) from None


def _is_chroma_failure(exc: BaseException) -> bool:
    """An error from chromadb, including the Rust core's panic on a damaged database file
    (pyo3's PanicException derives from BaseException, so ``except Exception`` misses it)."""
    return isinstance(exc, Exception) or type(exc).__name__ == "PanicException"


def is_chroma_error(exc: BaseException) -> bool:
    """An error chromadb raised reading or writing (a damaged file, a lost segment)."""
    from chromadb.errors import ChromaError

    return isinstance(exc, ChromaError) or type(exc).__name__ == "PanicException"


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def damaged(where: object, exc: BaseException) -> StoreError:
    """The error for a store that opened but cannot be read."""
    return StoreError(
        f"cannot read the store at {where}: {_first_line(exc)}. Run `assistant rebuild` to "
        f"re-create its vectors from the stored articles; if that fails too, restore the "
        f"folder from a backup or ingest your articles again."
    )


class Store:
    """Chunks, vectors and articles in Chroma; thread-safe for one writer and many readers."""

    def __init__(self, settings: Settings, embedder_name: str) -> None:
        self.settings = settings
        self.embedder_name = embedder_name
        self.local_dir = settings.data_dir
        self.local_dir.mkdir(parents=True, exist_ok=True)
        self.lock = threading.RLock()
        self._client = _client(settings)
        try:
            self._open_collections()
            self.changes = open_log(self._client, settings.collection)
            # Other processes write to a Chroma server too: number each write for them, and
            # check after each batch that none of them deleted a part of it. A local store
            # has one process (its vector index files are that process's).
            self.shared = bool(settings.chroma_url)
        except BaseException as exc:
            if not _is_chroma_failure(exc):
                raise
            raise damaged(settings.chroma_url or settings.data_dir, exc) from None
        self._check_identity()
        self._registry: dict[str, ArticleInfo] | None = None
        # Values computed from one version of the registry (see :meth:`derived`).
        self._derived_from: dict[str, ArticleInfo] | None = None
        self._derived: dict[str, Any] = {}
        try:  # Chroma refuses larger writes; a long article can have more chunks than this
            self._batch = int(self._client.get_max_batch_size())
        except Exception:  # pragma: no cover - older servers do not say
            self._batch = 1000

    def _open_collections(self) -> None:
        name = self.settings.collection
        self.chunks = self._client.get_or_create_collection(
            f"{name}_chunks",
            metadata={"embedder": self.embedder_name, "schema": SCHEMA_VERSION},
            configuration={"hnsw": {"space": "cosine"}},
        )
        self.docs = self._client.get_or_create_collection(
            f"{name}_docs", metadata={"schema": SCHEMA_VERSION}
        )
        self.texts = self._client.get_or_create_collection(
            f"{name}_texts", metadata={"schema": SCHEMA_VERSION}
        )

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
        infos = (_info(_article_fields(meta)) for meta in got["metadatas"] or [])
        return {info.doc_id: info for info in infos}

    def reread(self) -> dict[str, ArticleInfo]:
        """Read the registry from Chroma again; the cached one stays until that succeeds
        (a Chroma server that stops answering leaves the last registry read in place)."""
        with self.lock:
            self._registry = self._read_registry()
            return self._registry

    def articles_now(self, doc_ids: Sequence[str]) -> dict[str, ArticleInfo | None]:
        """These articles as Chroma holds them now (None: not committed), read in one call."""
        got = self.docs.get(ids=[_doc_key(d) for d in doc_ids], include=["metadatas"])
        found = [_info(_article_fields(meta)) for meta in got["metadatas"] or []]
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
        got = self.docs.get(ids=[_doc_key(doc_id)], include=["documents", "metadatas"])
        if not got["ids"]:
            return None
        meta = _article_fields(got["metadatas"][0])
        key = _text_key(doc_id, str(meta.get("content_hash", "")))
        texts = self.texts.get(ids=[key], include=["metadatas"])["metadatas"]
        return _stored_article(meta, got["documents"][0], texts[0]["text"] if texts else None)

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
        return list(self.derived("sources", _sources))

    # ---------------------------------------------------------------------------- writing
    def write(self, article: Article, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        """Store one article (see :meth:`write_many`)."""
        self.write_many([(article, chunks, vectors)])

    def write_many(self, items: Sequence[tuple[Article, Sequence[Chunk], np.ndarray]]) -> None:
        """Store articles: all their chunks first, then the records that commit them, then
        the removal of older versions' chunks. One Chroma call per step for the whole
        batch: each call costs a transaction (~40-120 ms here), whatever its size.

        A chunk's text goes into its metadata, inside llama-index's node record
        (``_node_content``), and an article's into its text record's metadata, not into
        Chroma's document field: Chroma's full-text index over documents was about a
        quarter of an ingest's work beside the encoder (about 4 of 17.8 CPU seconds on
        7,516 news chunks) for the chunks, and 1.3 seconds more for the articles.
        ``ChromaVectorStore`` reads such chunk records back whole."""
        from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode
        from llama_index.core.vector_stores.utils import node_to_metadata_dict

        ids: list[str] = []
        records: list[dict[str, Any]] = []
        vectors_of: list[np.ndarray] = []
        metas: list[dict[str, Any]] = []
        for article, chunks, vectors in items:
            if len(vectors) != len(chunks):
                raise ValueError(
                    f"{len(chunks)} chunks of {article.doc_id} but {len(vectors)} vectors"
                )
            for chunk in chunks:
                node = TextNode(
                    id_=chunk_id(article.doc_id, article.content_hash, chunk.index),
                    text=chunk.text,
                    metadata=chunk_metadata(article, chunk),
                )
                node.relationships[NodeRelationship.SOURCE] = RelatedNodeInfo(
                    node_id=article.doc_id
                )
                ids.append(node.node_id)
                record = node_to_metadata_dict(node, remove_text=False)
                records.append({k: v for k, v in record.items() if k in RECORD_KEYS})
            vectors_of.append(vectors)
            metas.append({**article.metadata(), "chunks": len(chunks)})
        if not items:
            return
        with self.lock:
            vectors = np.concatenate(vectors_of)
            for i in range(0, len(ids), self._batch):
                part = slice(i, i + self._batch)
                # Upsert: a crashed earlier attempt, or another client of a shared server,
                # may have left some of these records (``add`` would keep those).
                self.chunks.upsert(ids=ids[part], embeddings=vectors[part], metadatas=records[part])
            articles = [article for article, _, _ in items]
            self.texts.upsert(
                ids=[_text_key(a.doc_id, a.content_hash) for a in articles],
                metadatas=[
                    {"doc_id": a.doc_id, "content_hash": a.content_hash, "text": a.text}
                    for a in articles
                ],
                embeddings=[[1.0]] * len(articles),
            )
            self.docs.upsert(
                ids=[_doc_key(a.doc_id) for a in articles],
                metadatas=[_article_record(m) for m in metas],
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
                    **{a.doc_id: _info(m) for a, m in zip(articles, metas, strict=True)},
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
        keys = [_text_key(a.doc_id, a.content_hash) for a in articles]
        chunks_there = set(self.chunks.get(ids=ids, include=[])["ids"])
        texts_there = set(self.texts.get(ids=keys, include=[])["ids"])
        if len(chunks_there) == len(ids) and len(texts_there) == len(keys):
            return
        now = self.articles_now([a.doc_id for a in articles])
        ours = {a.doc_id for a in articles if _hash_of(now[a.doc_id]) == a.content_hash}
        lost = [
            i
            for i, (cid, record) in enumerate(zip(ids, records, strict=True))
            if cid not in chunks_there and record["doc_id"] in ours
        ]
        for start in range(0, len(lost), self._batch):
            part = lost[start : start + self._batch]
            self.chunks.upsert(
                ids=[ids[i] for i in part],
                embeddings=vectors[part],
                metadatas=[records[i] for i in part],
            )
        gone = [a for a, key in zip(articles, keys, strict=True) if key not in texts_there]
        if gone := [a for a in gone if a.doc_id in ours]:
            self.texts.upsert(
                ids=[_text_key(a.doc_id, a.content_hash) for a in gone],
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
            self.docs.delete(ids=[_doc_key(doc_id)])  # uncommit first, then clean up
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


def chunk_fields(document: str | None, record: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """A stored chunk's text and metadata. The text is in its node record, or in its
    document (as earlier versions wrote it); the metadata is the node record's, with the
    record's own keys over it (earlier versions wrote all of it there)."""
    node = json.loads(record.get("_node_content") or "{}")
    text = document if document is not None else str(node.get("text", ""))
    return text, {**(node.get("metadata") or {}), **record}


def _hash_of(info: ArticleInfo | None) -> str | None:
    return None if info is None else info.content_hash


def _article_record(fields: dict[str, Any]) -> dict[str, Any]:
    """An article record's metadata: its fields as one JSON string. Chroma reads a record's
    metadata a row per key, so the registry of 8,500 articles loads in 0.09 s from one key
    and 0.5 s from eight. The keys of the earlier layout (a key per field) are set to None,
    which deletes them where an upsert writes over such a record (upserts merge keys)."""
    return {ARTICLE_KEY: json.dumps(fields, ensure_ascii=False)} | dict.fromkeys(fields)


def _article_fields(meta: dict[str, Any]) -> dict[str, Any]:
    """An article record's fields, from either layout."""
    packed = meta.get(ARTICLE_KEY)
    return json.loads(packed) if isinstance(packed, str) else meta


def _info(meta: dict[str, Any]) -> ArticleInfo:
    """An article's fields as an ArticleInfo (fields a record lacks stay empty)."""
    fields: dict[str, Any] = {k: str(meta.get(k, "")) for k in ArticleInfo.__dataclass_fields__}
    fields["chunks"] = int(meta.get("chunks") or 0)
    return ArticleInfo(**fields)


def _sources(registry: dict[str, ArticleInfo]) -> tuple[str, ...]:
    return tuple(sorted({a.source for a in registry.values() if a.source}))


def _doc_key(doc_id: str) -> str:
    # Chroma ids are free text, but urls can be long: a fixed-size key keeps them tidy.
    return hashlib.sha1(doc_id.encode()).hexdigest()


def _stored_article(meta: dict[str, Any], document: str | None, text: str | None) -> Article:
    """An article from its record's metadata and its text record's text. Without a text
    record (a store written by an earlier version) the text is the record's document: only
    then, because that document outlives a later upsert of the record that gives none."""
    fields = {k: str(meta.get(k, "")) for k in Article.__dataclass_fields__ if k != "text"}
    return Article(text=str(text if text is not None else document or ""), **fields)


def _text_key(doc_id: str, content_hash: str) -> str:
    """The text record of one version of an article: a new version's text is written
    beside the old one's, which stays until the new version is committed."""
    return f"{_doc_key(doc_id)}-{content_hash}"


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
    client = _client(settings)
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
    client = _client(settings)
    try:
        docs, texts = (
            client.get_or_create_collection(
                f"{settings.collection}_{name}", metadata={"schema": SCHEMA_VERSION}
            )
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
        meta = _article_fields(record)
        key = (str(meta.get("doc_id")), str(meta.get("content_hash")))
        article = _stored_article(meta, document, text_of.get(key))
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
