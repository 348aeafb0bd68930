"""The Chroma store, the BM25 index beside it, crash recovery and ``rebuild``."""

from __future__ import annotations

import importlib
import json
from datetime import date

import numpy as np
import pytest

from assistant import ingest
from assistant.errors import EmbedderMismatchError, StoreError
from assistant.ingestion.rebuild import rebuild
from assistant.records import Article, ArticleInfo, Chunk, Filters
from assistant.retrieval.retrieve import search
from assistant.store.archive import close_archives, open_archive, rebuild_marker
from assistant.store.bm25 import LexicalIndex
from assistant.store.chroma import JOURNAL
from assistant.store.layout import (
    ARTICLE_KEY,
    RECORD_KEYS,
    chroma_where,
    chunk_fields,
    chunk_id,
    chunk_metadata,
    date_bounds,
    doc_key,
    matches,
)
from assistant.store.open_stores import read_stored_articles

from .conftest import SEED_ID, SEEDS, assert_consistent, make_settings
from .fakes import HashEmbedder


def article(doc_id: str, text: str, content_hash: str, **meta) -> Article:
    return Article(doc_id=doc_id, text=text, content_hash=content_hash, **meta)


def one_chunk(a: Article) -> list[Chunk]:
    return [Chunk(a.doc_id, 0, a.text, 0, len(a.text))]


def test_date_bounds_cover_partial_dates():
    assert date_bounds("2023") == (20230101, 20231231)
    assert date_bounds("2023-05") == (20230501, 20230531)
    assert date_bounds("2023-05-02") == (20230502, 20230502)
    assert date_bounds("2023-05-02T10:00:00") == (20230502, 20230502)
    low, high = date_bounds("")
    assert low > high  # undated: no date range matches it
    assert date_bounds("soon") == (low, high)


def test_chroma_where_and_python_matches_agree(hashed):
    """The BM25 side filters in Python; it must select what Chroma's where selects."""
    store = open_archive(hashed).store
    dates = ["2022", "2022-12-31", "2023", "2023-01", "2023-06-15", "2024-02-29", ""]
    sources = ["A", "B", "C"]
    metas = {}
    for i, published in enumerate(dates * 2):
        a = article(f"d{i}", f"text {i}", f"h{i}", source=sources[i % 3], published=published)
        c = one_chunk(a)[0]
        metas[chunk_id(a.doc_id, a.content_hash, 0)] = chunk_metadata(a, c)
        store.write(a, [c], np.ones((1, 64), dtype=np.float32) / 8)
    filters = [
        Filters(),
        Filters(sources=("A",)),
        Filters(sources=("A", "C"), since=date(2023, 1, 1)),
        Filters(since=date(2023, 1, 31)),
        Filters(until=date(2022, 12, 31)),
        Filters(since=date(2023, 3, 1), until=date(2023, 4, 1)),  # inside the year 2023
        Filters(since=date(2024, 3, 1)),
        Filters(sources=("B",), until=date(2023, 1, 1)),
    ]
    for f in filters:
        where = chroma_where(f)
        got = set(store.chunks.get(where=where)["ids"]) if where else set(store.chunks.get()["ids"])
        assert got == {cid for cid, m in metas.items() if matches(m, f)}, f
    inside = Filters(since=date(2023, 3, 1), until=date(2023, 4, 1))
    assert {metas[c]["published"] for c in metas if matches(metas[c], inside)} == {"2023"}


class DiesAtCommit:
    """The docs collection of a process killed at an article's commit point: the upsert
    never happens, and nothing at all works afterwards (no cleanup code can run)."""

    def __init__(self, docs, after: int = 0) -> None:
        self._docs = docs
        self.after = after  # upserts that still succeed
        self.dead = False

    def __getattr__(self, name):
        if self.__dict__["dead"]:
            raise ConnectionError("the process is gone")
        return getattr(self._docs, name)

    def upsert(self, **kwargs):
        if self.after:
            self.after -= 1
            return self._docs.upsert(**kwargs)
        self.dead = True
        raise SystemExit("killed")


def test_interrupted_write_is_rolled_back_on_open(hashed, fake, tmp_path, monkeypatch):
    """A crash after the chunks but before the article record: the chunks go away and
    the previous version of the article stays whole."""
    (tmp_path / "in").mkdir()
    story = tmp_path / "in" / "story.txt"
    story.write_text("Old\n\nThe old text.")
    ingest([tmp_path / "in"], settings=hashed)
    story.write_text("New\n\nThe new text.")
    (tmp_path / "in" / "z-fresh.txt").write_text("Fresh\n\nA fresh story.")
    store = open_archive(hashed).store
    monkeypatch.setattr(store, "docs", DiesAtCommit(store.docs))
    with pytest.raises(SystemExit):
        ingest([tmp_path / "in"], settings=hashed)
    assert (hashed.data_dir / JOURNAL).exists()
    assert any("new text" in t for t in store.chunk_records()["documents"])
    monkeypatch.undo()
    close_archives()  # the process is gone
    open_archive(hashed, fake)
    archive = open_archive(hashed, fake)
    assert not (hashed.data_dir / JOURNAL).exists()
    assert archive.store.chunk_records()["documents"] == ["Old\n\nThe old text."]
    assert list(archive.store.registry()) == ["story.txt"]
    assert_consistent(hashed)
    report = ingest([tmp_path / "in"], settings=hashed)  # and a rerun completes
    assert report.updated == ["story.txt"] and report.added == ["z-fresh.txt"]
    assert_consistent(hashed)


class FailsAtCommit(DiesAtCommit):
    """A store error (not a dead process) at the third article's commit point."""

    def upsert(self, **kwargs):
        if self.after:
            self.after -= 1
            return self._docs.upsert(**kwargs)
        raise RuntimeError("disk full")


def test_error_mid_batch_leaves_this_process_consistent(hashed, tmp_path, monkeypatch):
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(5):
        (folder / f"{i}.txt").write_text(f"Story {i}\n\nThe ferry number {i} sailed at dawn.")
    store = open_archive(hashed).store
    # One article per commit, so that the failure falls between articles (a batch commits
    # its articles in one upsert: all of them, or none).
    monkeypatch.setattr(importlib.import_module("assistant.ingestion.pipeline"), "BATCH_ARTICLES", 1)
    monkeypatch.setattr(store, "docs", FailsAtCommit(store.docs, after=2))
    with pytest.raises(RuntimeError, match="disk full"):
        ingest([folder], settings=hashed)
    monkeypatch.undo()
    store.refresh()
    assert sorted(store.registry()) == ["0.txt", "1.txt"]
    assert not (hashed.data_dir / JOURNAL).exists()
    assert_consistent(hashed)  # no stray chunks, and BM25 holds both committed articles
    lexical = open_archive(hashed).lexical
    assert {n.metadata["doc_id"] for n, _ in lexical.search("ferry sailed dawn", 5)} == {
        "0.txt",
        "1.txt",
    }


def test_error_in_a_batch_commit_leaves_none_of_the_batch(hashed, tmp_path, monkeypatch):
    """Articles ingested together commit in one upsert: a failure there leaves none of
    them half-present, and the articles of earlier ingests untouched."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "kept.txt").write_text("Kept\n\nThe harbour opened in spring.")
    ingest([folder], settings=hashed)
    for i in range(3):
        (folder / f"{i}.txt").write_text(f"Story {i}\n\nThe ferry number {i} sailed at dawn.")
    store = open_archive(hashed).store
    monkeypatch.setattr(store, "docs", FailsAtCommit(store.docs, after=0))
    with pytest.raises(RuntimeError, match="disk full"):
        ingest([folder], settings=hashed)
    monkeypatch.undo()
    store.refresh()
    assert sorted(store.registry()) == ["kept.txt"]
    assert_consistent(hashed)
    report = ingest([folder], settings=hashed)
    assert sorted(report.added) == ["0.txt", "1.txt", "2.txt"] and report.unchanged == ["kept.txt"]
    assert_consistent(hashed)


def test_search_ignores_chunks_of_uncommitted_articles(hashed_seeded, fake):
    """Between a crash and the next open, readers never see half-written articles."""
    archive = open_archive(hashed_seeded)
    ghost = article("ghost", "Matsegora ghost text about the ambassador.", "h-ghost")
    archive.store.write(ghost, one_chunk(ghost), fake.embed_documents([ghost.text]))
    archive.store.docs.delete(ids=[doc_key("ghost")])
    archive.store.refresh()
    passages = search(archive, "Matsegora ghost ambassador", k=10)
    assert passages and all(p.doc_id == SEED_ID for p in passages)


def test_remove_is_journaled(hashed_seeded):
    store = open_archive(hashed_seeded).store
    assert store.remove(SEED_ID) and not store.remove(SEED_ID)
    assert not (hashed_seeded.data_dir / JOURNAL).exists()
    assert store.count_chunks() == 0


def test_large_articles_are_written_in_batches(hashed, fake):
    store = open_archive(hashed).store
    store.batch_size = 3  # Chroma's real limit is a few thousand records per call
    text = " ".join(f"Sentence {i}." for i in range(10))
    a = article("big", text, "h-big")
    chunks = [Chunk("big", i, text[i * 2 : i * 2 + 1], i * 2, i * 2 + 1) for i in range(10)]
    store.write(a, chunks, fake.embed_documents([c.text for c in chunks]))
    assert store.count_chunks() == 10
    store.write(a, chunks, fake.embed_documents([c.text for c in chunks]))  # rewritten whole
    assert store.count_chunks() == 10


def test_collections_have_no_embedding_function(hashed):
    # Every write brings its vectors: Chroma's default function (which downloads a model)
    # must never embed anything, so a text without a vector is refused.
    store = open_archive(hashed).store
    for collection in (store.chunks, store.docs, store.texts, store.changes.collection):
        with pytest.raises(ValueError, match="embedding function"):
            collection.query(query_texts=["anything"], n_results=1)


def test_records_of_an_older_layout_are_read(hashed, fake):
    """Article records missing newer metadata fields still load."""
    store = open_archive(hashed).store
    a = article("old", "Old text.", "h", title="Old")
    store.write(a, one_chunk(a), fake.embed_documents([a.text]))
    store.docs.delete(ids=[doc_key("old")])
    store.docs.add(
        ids=[doc_key("old")],
        documents=["Old text."],
        metadatas=[{"doc_id": "old", "content_hash": "h", "title": "Old"}],
        embeddings=[[1.0]],
    )
    store.refresh()
    info = store.registry()["old"]
    assert (info.title, info.author, info.chunks) == ("Old", "", 0)
    assert store.get_article("old").text == "Old text."


def test_chunk_text_is_kept_in_the_node_record_not_as_a_chroma_document(hashed, fake):
    """Chroma builds a full-text index over documents, which nothing here queries: a chunk's
    text lives in llama-index's record of its node, where ``ChromaVectorStore`` finds it.
    Chunks written as documents (by earlier versions, through ``ChromaVectorStore.add``)
    still read back."""
    from llama_index.core.schema import TextNode
    from llama_index.core.vector_stores.types import VectorStoreQuery

    store = open_archive(hashed).store
    new = article("new", "The ferry sailed at dawn.", "h-new")
    store.write(new, one_chunk(new), fake.embed_documents([new.text]))
    assert store.chunks.get(include=["documents"])["documents"] == [None]
    vector = fake.embed_documents([new.text])[0].tolist()
    found = store.vector_store().query(VectorStoreQuery(query_embedding=vector, similarity_top_k=1))
    assert found.nodes[0].get_content() == new.text
    assert found.nodes[0].metadata["doc_id"] == "new"

    old = article("old", "The harbour opened in spring.", "h-old")
    chunk = one_chunk(old)[0]
    node = TextNode(
        id_=chunk_id("old", "h-old", 0),
        text=old.text,
        metadata=chunk_metadata(old, chunk),
        embedding=fake.embed_documents([old.text])[0].tolist(),
    )
    store.vector_store().add([node])
    records = store.chunk_records()
    assert dict(zip(records["ids"], records["documents"], strict=True)) == {
        chunk_id("new", "h-new", 0): new.text,
        chunk_id("old", "h-old", 0): old.text,
    }


def test_a_chunk_record_holds_the_keys_queries_filter_on_and_the_node(hashed, fake):
    """Chroma indexes every key of a record: a chunk's record keeps only the keys Chroma is
    asked to filter on beside llama-index's node record, which holds all of its metadata.
    Readers (the store's own, a plain ``ChromaVectorStore``) still see all of it, and the
    user's filters still narrow Chroma's search."""
    from llama_index.core.vector_stores.types import VectorStoreQuery

    store = open_archive(hashed).store
    a = article(
        "https://example.org/ferry",
        "The ferry sailed at dawn.",
        "h-a",
        title="Ferry",
        source="Harbour News",
        published="2023-05-02",
        url="https://example.org/ferry",
        author="A. Writer",
    )
    b = article("b", "The harbour opened in spring.", "h-b", source="Other", published="2021")
    for x in (a, b):
        store.write(x, one_chunk(x), fake.embed_documents([x.text]))
    record = store.chunks.get(ids=[chunk_id(a.doc_id, "h-a", 0)], include=["metadatas"])
    assert set(record["metadatas"][0]) == RECORD_KEYS
    expected = chunk_metadata(a, one_chunk(a)[0])
    records = store.chunk_records([a.doc_id])
    assert records["documents"] == [a.text]
    assert expected.items() <= records["metadatas"][0].items()
    found = store.vector_store().query(
        VectorStoreQuery(query_embedding=fake.embed_documents([a.text])[0].tolist())
    )
    assert expected.items() <= found.nodes[0].metadata.items()

    def where(filters: Filters) -> list[str]:
        got = store.chunks.get(where=chroma_where(filters), include=["metadatas"])
        return sorted(chunk_fields(None, m)[1]["doc_id"] for m in got["metadatas"])

    assert where(Filters(sources=("Harbour News",))) == [a.doc_id]
    assert where(Filters(since=date(2023, 1, 1))) == [a.doc_id]
    assert where(Filters(until=date(2022, 12, 31))) == ["b"]
    assert store.remove(a.doc_id) and store.chunk_records()["ids"] == [chunk_id("b", "h-b", 0)]


def test_each_version_of_an_article_has_a_text_record(hashed, fake):
    """An article's text is not a Chroma document (Chroma's full-text index over documents
    is built for nothing here): each version's text has a record of its own, written before
    the commit and removed with that version. A store of an earlier version (the text as
    the article record's document) reads the same, and a new version written over such a
    record is the one read."""

    def write(doc_id: str, text: str, content_hash: str) -> None:
        a = article(doc_id, text, content_hash)
        store.write(a, one_chunk(a), fake.embed_documents([text]))

    def texts() -> dict[str, str]:
        return {a.doc_id: a.text for a in read_stored_articles(hashed)}

    store = open_archive(hashed).store
    write("a", "First text.", "h1")
    assert store.docs.get(include=["documents"])["documents"] == [None]
    write("a", "Second text.", "h2")
    assert [m["content_hash"] for m in store.texts.get()["metadatas"]] == ["h2"]
    assert store.get_article("a").text == "Second text."

    store.docs.upsert(
        ids=[doc_key("old")],
        documents=["Old text."],
        metadatas=[{"doc_id": "old", "content_hash": "h-old"}],
        embeddings=[[1.0]],
    )
    store.refresh()
    assert store.get_article("old").text == "Old text."
    assert texts() == {"a": "Second text.", "old": "Old text."}
    write("old", "New text.", "h-new")
    assert store.docs.get(ids=[doc_key("old")])["documents"] == ["Old text."]  # Chroma keeps it
    assert store.get_article("old").text == "New text."
    assert texts() == {"a": "Second text.", "old": "New text."}

    assert store.remove("a")
    assert [m["doc_id"] for m in store.texts.get()["metadatas"]] == ["old"]
    assert texts() == {"old": "New text."}


def test_an_article_record_holds_its_fields_in_one_key(hashed, fake):
    """Chroma reads a record's metadata a row per key: an article record keeps its fields
    as one JSON string, so the registry every start reads costs one row per article. A
    record of the earlier layout (a key per field) reads the same, and a new version
    written over it leaves only the one key."""
    store = open_archive(hashed).store

    def keys(doc_id: str) -> set[str]:
        return set(store.docs.get(ids=[doc_key(doc_id)], include=["metadatas"])["metadatas"][0])

    a = article("a", "A harbour story.", "h-a", title="Harbour", source="Harbour News")
    store.write(a, one_chunk(a), fake.embed_documents([a.text]))
    assert keys("a") == {ARTICLE_KEY}
    assert store.registry()["a"] == ArticleInfo(**a.metadata(), chunks=1)

    fields = {**article("old", "", "h-old", title="Old title", author="Kim").metadata()}
    store.docs.upsert(
        ids=[doc_key("old")],
        documents=["Old text."],
        metadatas=[{**fields, "chunks": 1}],
        embeddings=[[1.0]],
    )
    store.refresh()
    assert store.registry()["old"] == ArticleInfo(**fields, chunks=1)
    assert store.get_article("old") == article(
        "old", "Old text.", "h-old", title="Old title", author="Kim"
    )
    assert {x.doc_id: x.title for x in read_stored_articles(hashed)} == {
        "a": "Harbour",
        "old": "Old title",
    }

    new = article("old", "New text.", "h-new", title="New title")
    store.write(new, one_chunk(new), fake.embed_documents([new.text]))
    assert keys("old") == {ARTICLE_KEY}
    store.refresh()
    assert store.registry()["old"] == ArticleInfo(**new.metadata(), chunks=1)
    assert store.get_article("old") == new


def test_another_layout_version_asks_for_a_rebuild(hashed_seeded, fake):
    store = open_archive(hashed_seeded).store
    store.chunks.modify(metadata={"embedder": fake.name, "schema": 0})
    close_archives()
    with pytest.raises(StoreError, match="assistant rebuild"):
        open_archive(hashed_seeded, fake)
    assert "rebuilt 1 articles" in rebuild(hashed_seeded, embedder=fake)
    close_archives()
    assert open_archive(hashed_seeded, fake).store.count_chunks() > 0


# ------------------------------------------------------------------------- BM25 on disk


def test_bm25_keeps_one_generation_and_survives_a_half_written_one(tmp_path, hashed_seeded, fake):
    archive = open_archive(hashed_seeded)
    folder = archive.lexical.folder
    ingest([SEEDS], settings=hashed_seeded)  # nothing changes: nothing is rewritten
    before = (folder / "CURRENT").read_text()
    (tmp_path / "x.txt").write_text("Zanzibar\n\nZanzibar spice farms reopened to visitors.")
    ingest([tmp_path / "x.txt"], settings=hashed_seeded)
    gens = sorted(p.name for p in folder.glob("gen-*"))
    assert gens == [(folder / "CURRENT").read_text()] and gens[0] != before
    # a crash while saving the next generation leaves a folder CURRENT does not name
    (folder / "gen-999").mkdir()
    (folder / "gen-999" / "partial").write_text("half")
    fresh = LexicalIndex(folder)
    assert fresh.load()
    assert set(fresh.manifest) == {SEED_ID, "x.txt"}
    assert fresh.search("Zanzibar spice", 3)[0][0].metadata["doc_id"] == "x.txt"


def test_bm25_filters_by_publisher_and_date(hashed, tmp_path):
    feed = [
        {
            "url": "https://e.org/1",
            "source": "A",
            "published": "2021-05-01",
            "body": "Tulip fields bloom.",
        },
        {
            "url": "https://e.org/2",
            "source": "B",
            "published": "2023",
            "body": "Tulip prices fall.",
        },
    ]
    (tmp_path / "f.json").write_text(json.dumps(feed))
    ingest([tmp_path / "f.json"], settings=hashed)
    lexical = open_archive(hashed).lexical

    def docs(f):
        return {n.metadata["doc_id"] for n, _ in lexical.search("tulip", 5, f)}

    assert docs(None) == {"f.json#1", "f.json#2"}
    assert docs(Filters(sources=("B",))) == {"f.json#2"}
    assert docs(Filters(since=date(2023, 7, 1))) == {"f.json#2"}
    assert docs(Filters(until=date(2022, 1, 1))) == {"f.json#1"}
    assert docs(Filters(since=date(2024, 1, 1))) == set()


# ---------------------------------------------------------------------------- rebuild


def test_rebuild_with_another_embedder(hashed_seeded, fake):
    other = HashEmbedder(name="test:hash-32", dim=32)
    before = open_archive(hashed_seeded).store.get_article(SEED_ID)
    message = rebuild(hashed_seeded, embedder=other)
    assert message.startswith("rebuilt 1 articles into") and "test:hash-32" in message
    archive = open_archive(hashed_seeded)  # the rebuilt archive is the open one
    assert archive.embedder is other and archive.store.get_article(SEED_ID) == before
    assert_consistent(hashed_seeded)
    assert "Matsegora" in search(archive, "Matsegora ambassador", k=3)[0].text
    close_archives()
    with pytest.raises(EmbedderMismatchError):
        open_archive(hashed_seeded, fake)


def test_rebuild_when_the_chunks_collection_is_missing(hashed_seeded, fake):
    archive = open_archive(hashed_seeded)
    archive.store.client.delete_collection("articles_chunks")
    close_archives()
    assert [a.doc_id for a in read_stored_articles(hashed_seeded)] == [SEED_ID]
    assert rebuild(hashed_seeded, embedder=fake).startswith("rebuilt 1 articles")
    close_archives()
    archive = open_archive(hashed_seeded, fake)
    assert archive.store.count_chunks() == archive.store.registry()[SEED_ID].chunks > 0
    assert_consistent(hashed_seeded)


def test_interrupted_rebuild_is_detected_and_can_be_rerun(hashed_seeded, fake):
    class Dies(HashEmbedder):
        def embed_documents(self, texts):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        rebuild(hashed_seeded, embedder=Dies())
    assert rebuild_marker(hashed_seeded).exists()
    close_archives()
    with pytest.raises(StoreError, match="run `assistant rebuild` again"):
        open_archive(hashed_seeded, fake)
    rebuild(hashed_seeded, embedder=fake)
    assert not rebuild_marker(hashed_seeded).exists()
    close_archives()
    assert open_archive(hashed_seeded, fake).store.count_chunks() > 0


def test_rebuild_of_an_empty_store(tmp_path, fake):
    s = make_settings(tmp_path / "empty")
    assert rebuild(s, embedder=fake).startswith("nothing to rebuild")
    assert open_archive(s).store.registry() == {}


def test_what_is_derived_from_the_registry_follows_every_write(hashed, fake):
    """Values kept per version of the registry (the publishers, the authors, the date
    range each question reads) are recomputed after a write, a removal or a refresh in the
    same process, and only then."""
    store = open_archive(hashed).store
    made = []

    def authors(registry):
        made.append(len(registry))
        return tuple(sorted(a.author for a in registry.values()))

    a = article("a", "Alpha text.", "h-a", source="Gazette", author="Ann")
    store.write(a, one_chunk(a), fake.embed_documents([a.text]))
    assert store.sources() == ["Gazette"]
    assert store.derived("authors", authors) == ("Ann",)
    assert store.derived("authors", authors) == ("Ann",) and made == [1]  # kept

    b = article("b", "Beta text.", "h-b", source="Herald", author="Bo")
    store.write(b, one_chunk(b), fake.embed_documents([b.text]))
    assert store.sources() == ["Gazette", "Herald"]
    assert store.derived("authors", authors) == ("Ann", "Bo") and made == [1, 2]

    store.remove("a")
    assert store.sources() == ["Herald"]
    assert store.derived("authors", authors) == ("Bo",) and made == [1, 2, 1]

    store.refresh()  # re-read from Chroma: a new registry, so made again
    assert store.derived("authors", authors) == ("Bo",) and made == [1, 2, 1, 1]
    store.sources().append("changed by a caller")
    assert store.sources() == ["Herald"]  # callers get a copy
