"""The ingest pipeline into a real local Chroma store with the packaged embedder."""

from __future__ import annotations

import json

import pytest

from assistant import InputError, ingest, remove
from assistant.archive import close_archives, open_archive
from assistant.config import Settings
from assistant.errors import EmbedderMismatchError
from assistant.store import Store

from .conftest import SEED_FILE, SEEDS
from .fakes import CountingEmbedder


def _chunk_ids(settings: Settings) -> list[str]:
    return open_archive(settings).store.chunk_records()["ids"]


def _write_folder(root):
    (root / "sub" / "deeper").mkdir(parents=True)
    (root / "a.txt").write_text("Harbor Light\n\nThe harbor light was rebuilt in 1911 by the port authority.\n")
    (root / "b.md").write_text("# Mayor resigns\n\nThe mayor of Springfield resigned on Tuesday after a vote.\n")
    (root / "sub" / "c.html").write_text(
        "<html><head><title>Rail strike ends</title><meta property='og:site_name' content='Daily Rail'>"
        "</head><body><article><h1>Rail strike ends</h1><p>Workers at the northern rail depot ended "
        "their strike on Friday after the company agreed to a new wage deal with the union.</p>"
        "<p>The agreement raises wages by four percent over two years, union leaders said.</p>"
        "</article></body></html>"
    )
    (root / "sub" / "deeper" / "d.json").write_text(json.dumps([
        {"title": "Bridge opens", "source": "City Post", "published_at": "2023-05-02T10:00:00Z",
         "url": "https://example.org/bridge", "author": "A. Writer",
         "body": "The new bridge over the Wide River opened to traffic on Monday morning."},
    ]))
    (root / "e.jsonl").write_text(
        json.dumps({"title": "Library expands", "source": "Town Crier", "published": "2022-11-30",
                    "body": "The central library added a second floor for its archive collection."}) + "\n"
    )
    (root / "broken.json").write_text("{not json")


def test_folder_of_every_kind_goes_into_the_store(settings, tmp_path):
    root = tmp_path / "in"
    root.mkdir()
    _write_folder(root)
    report = ingest([root], settings=settings)
    assert len(report.added) == 5
    assert [what for what, _ in report.skipped] == [str(root / "broken.json")] or any(
        "broken.json" in what for what, _ in report.skipped
    )
    registry = open_archive(settings).store.registry()
    assert {"a.txt", "b.md", "sub/c.html", "https://example.org/bridge"} <= set(registry)
    bridge = registry["https://example.org/bridge"]
    assert (bridge.source, bridge.published, bridge.author) == ("City Post", "2023-05-02", "A. Writer")
    assert registry["sub/c.html"].source == "Daily Rail"


def test_reingest_unchanged_does_no_embedding_work(settings, monkeypatch):
    ingest([SEEDS], settings=settings)
    close_archives()
    import assistant.archive as archive_module

    counting = CountingEmbedder(archive_module.get_embedder(settings))
    monkeypatch.setattr(archive_module, "get_embedder", lambda s: counting)
    before = _chunk_ids(settings)
    report = ingest([SEEDS], settings=settings)
    assert report.unchanged == ["000_bfd5cbc101d0c76f.txt"] and not report.added
    assert counting.documents == 0
    assert _chunk_ids(settings) == before


def test_changed_article_replaces_its_chunks(settings, tmp_path):
    folder = tmp_path / "news"
    folder.mkdir()
    path = folder / "story.txt"
    path.write_text("Old headline\n\nThe council approved the old budget of 5 million dollars.\n")
    ingest([folder], settings=settings)
    old_ids = set(_chunk_ids(settings))
    path.write_text("New headline\n\nThe council rejected the new budget of 7 million dollars.\n")
    report = ingest([folder], settings=settings)
    assert report.updated == ["story.txt"]
    archive = open_archive(settings)
    records = archive.store.chunk_records()
    assert not old_ids & set(records["ids"])
    assert all("7 million" in t or "New headline" in t for t in records["documents"])
    assert len(archive.store.registry()) == 1
    # BM25 forgot the old text too
    hits = archive.lexical.search("approved old budget", 5)
    assert all("old budget" not in node.get_content() for node, _ in hits)


def test_remove_and_list(settings):
    ingest([SEEDS], settings=settings)
    archive = open_archive(settings)
    assert list(archive.store.registry()) == ["000_bfd5cbc101d0c76f.txt"]
    remove("000_bfd5cbc101d0c76f.txt", settings=settings)
    assert archive.store.registry() == {}
    assert archive.store.count_chunks() == 0
    assert archive.lexical.search("Matsegora", 5) == []
    with pytest.raises(InputError, match="assistant list"):
        remove("000_bfd5cbc101d0c76f.txt", settings=settings)


def test_chunk_offsets_point_into_the_stored_article(seeded):
    archive = open_archive(seeded)
    article = archive.store.get_article("000_bfd5cbc101d0c76f.txt")
    assert article is not None
    assert article.text == SEED_FILE.read_text(encoding="utf-8").strip()
    records = archive.store.chunk_records()
    assert records["ids"]
    for text, meta in zip(records["documents"], records["metadatas"], strict=True):
        assert article.text[meta["start"] : meta["end"]] == text


def test_long_articles_chunk_within_the_token_limit(settings, tmp_path):
    sentence = "The committee reviewed {} separate proposals about regional transport funding today. "
    body = "".join(sentence.format(i) for i in range(300))
    body += "word " * 700  # one monstrous sentence without a full stop
    path = tmp_path / "long.txt"
    path.write_text("A long report\n\n" + body)
    ingest([path], settings=settings)
    archive = open_archive(settings)
    article = archive.store.get_article("long.txt")
    records = archive.store.chunk_records()
    count = archive.embedder.count_tokens
    assert len(records["ids"]) > 10
    for text, meta in zip(records["documents"], records["metadatas"], strict=True):
        assert article.text[meta["start"] : meta["end"]] == text
        assert count(text) <= 256


def test_store_built_with_another_embedder_is_refused(settings):
    ingest([SEEDS], settings=settings)
    close_archives()
    with pytest.raises(EmbedderMismatchError, match="ASSISTANT_EMBEDDINGS"):
        Store(settings, "openai:text-embedding-3-small")


def test_bm25_is_repaired_when_its_files_are_lost(seeded):
    import shutil

    shutil.rmtree(seeded.data_dir / "bm25")
    archive = open_archive(seeded)
    hits = archive.lexical.search("Matsegora ambassador", 3)
    assert hits and "Matsegora" in hits[0][0].get_content()
