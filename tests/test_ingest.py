"""The ingest pipeline into a real local Chroma store (the readers have their own tests)."""

from __future__ import annotations

import importlib
import json
import re
import shutil
import threading

import pytest

from assistant import EngineError, InputError, ingest, remove
from assistant.config import Settings
from assistant.embed.minilm import WordPieceCounter
from assistant.errors import EmbedderMismatchError
from assistant.ingestion.chunking import index_text
from assistant.ingestion.pipeline import BATCH_ARTICLES, FIRST_BATCH, LAST_PART
from assistant.store.archive import close_archives, open_archive
from assistant.store.chroma import Store

from .conftest import SEED_FILE, SEED_ID, SEEDS, article_count, assert_consistent, free_port
from .fakes import HashEmbedder


def chunk_ids(settings: Settings) -> list[str]:
    return sorted(open_archive(settings).store.chunk_records()["ids"])


def write_folder(root) -> None:
    (root / "sub" / "deeper").mkdir(parents=True)
    (root / "a.txt").write_text(
        "Harbor Light\n\nThe harbor light was rebuilt in 1911 by the port authority.\n"
    )
    (root / "b.md").write_text(
        "# Mayor resigns\n\nThe mayor of Springfield resigned on Tuesday after a vote.\n"
    )
    (root / "sub" / "c.html").write_text(
        "<html><head><title>Rail strike ends</title>"
        "<meta property='og:site_name' content='Daily Rail'></head><body><article>"
        "<h1>Rail strike ends</h1><p>Workers at the northern rail depot ended their strike on "
        "Friday after the company agreed to a new wage deal with the union.</p><p>The agreement "
        "raises wages by four percent over two years, union leaders said.</p></article></body>"
        "</html>"
    )
    (root / "sub" / "deeper" / "d.json").write_text(
        json.dumps(
            [
                {
                    "title": "Bridge opens",
                    "source": "City Post",
                    "published_at": "2023-05-02T10:00:00Z",
                    "url": "https://example.org/bridge",
                    "author": "A. Writer",
                    "body": "The new bridge over the Wide River opened to traffic on Monday.",
                },
                {"title": "No body here", "source": "City Post"},
            ]
        )
    )
    (root / "e.jsonl").write_text(
        json.dumps(
            {
                "title": "Library expands",
                "source": "Town Crier",
                "published": "2022-11-30",
                "body": "The central library added a second floor for its archive collection.",
            }
        )
        + "\n"
    )
    (root / "broken.json").write_text("{not json")
    (root / "empty.txt").write_text("  \n")
    (root / "latin.txt").write_bytes(b"\x00\x01binary\xff\xfe\x00")


def test_folder_of_every_kind_goes_into_the_store(hashed, tmp_path):
    root = tmp_path / "in"
    root.mkdir()
    write_folder(root)
    report = ingest([root], settings=hashed)
    assert sorted(report.added) == sorted(
        ["a.txt", "b.md", "sub/c.html", "sub/deeper/d.json#1", "e.jsonl#1"]
    )
    skipped = dict(report.skipped)
    assert set(skipped) == {"broken.json", "empty.txt", "latin.txt", "sub/deeper/d.json#2"}
    assert "invalid JSON" in skipped["broken.json"]
    assert "empty" in skipped["empty.txt"]
    assert "no body" in skipped["sub/deeper/d.json#2"]
    assert "skipped broken.json: invalid JSON" in report.summary()
    registry = open_archive(hashed).store.registry()
    bridge = registry["sub/deeper/d.json#1"]
    assert (bridge.url, bridge.title, bridge.source, bridge.published, bridge.author) == (
        "https://example.org/bridge",
        "Bridge opens",
        "City Post",
        "2023-05-02",
        "A. Writer",
    )
    assert registry["sub/c.html"].source == "Daily Rail"
    assert registry["e.jsonl#1"].published == "2022-11-30"
    assert report.chunks == sum(a.chunks for a in registry.values()) == 5
    assert_consistent(hashed)


def test_reingest_unchanged_does_no_embedding_work(hashed, fake):
    ingest([SEEDS], settings=hashed)
    before = chunk_ids(hashed)
    assert fake.documents == len(before) > 0
    fake.documents = 0
    report = ingest([SEEDS], settings=hashed)
    assert report.unchanged == [SEED_ID] and not report.added and not report.updated
    assert fake.documents == 0
    # and in a new process, where nothing is cached
    close_archives()
    open_archive(hashed, fake)
    report = ingest([SEEDS], settings=hashed)
    assert report.unchanged == [SEED_ID] and fake.documents == 0
    assert chunk_ids(hashed) == before


def test_changed_article_replaces_its_chunks(hashed, fake, tmp_path):
    folder = tmp_path / "news"
    folder.mkdir()
    path = folder / "story.txt"
    old = "Old headline\n\nThe council approved the old budget of 5 million dollars.\n"
    path.write_text(old + "Zebras were mentioned once. " * 150)
    ingest([folder], settings=hashed)
    old_ids = set(chunk_ids(hashed))
    assert len(old_ids) > 1
    path.write_text("New headline\n\nThe council rejected the new budget of 7 million dollars.\n")
    report = ingest([folder], settings=hashed)
    assert report.updated == ["story.txt"] and not report.added
    archive = open_archive(hashed)
    records = archive.store.chunk_records()
    assert not old_ids & set(records["ids"])
    assert all("old budget" not in t and "Zebras" not in t for t in records["documents"])
    assert list(archive.store.registry()) == ["story.txt"]
    assert all("old" not in n.get_content() for n, _ in archive.lexical.search("old zebras", 5))
    assert_consistent(hashed)
    close_archives()  # BM25 as saved on disk forgot the old text too
    archive = open_archive(hashed, fake)
    assert all("Zebras" not in n.get_content() for n, _ in archive.lexical.search("zebras", 5))
    assert_consistent(hashed)


def test_metadata_change_alone_is_an_update(hashed, tmp_path):
    path = tmp_path / "feed.json"
    record = {"url": "https://example.org/x", "title": "Dam", "source": "A", "body": "A dam."}
    path.write_text(json.dumps([record]))
    ingest([path], settings=hashed)
    path.write_text(json.dumps([{**record, "source": "B"}]))
    report = ingest([path], settings=hashed)
    assert report.updated == ["feed.json#1"]
    assert open_archive(hashed).store.sources() == ["B"]
    assert_consistent(hashed)


def test_remove_forgets_chunks_and_bm25(hashed_seeded, fake):
    archive = open_archive(hashed_seeded)
    assert list(archive.store.registry()) == [SEED_ID]
    remove(SEED_ID, settings=hashed_seeded)
    assert archive.store.registry() == {}
    assert archive.store.count_chunks() == 0
    assert archive.lexical.search("Matsegora", 5) == []
    with pytest.raises(InputError, match="assistant list"):
        remove(SEED_ID, settings=hashed_seeded)
    close_archives()
    archive = open_archive(hashed_seeded, fake)
    assert archive.store.registry() == {} and archive.lexical.manifest == {}


def test_chunk_offsets_point_into_the_stored_seed(seeded):
    archive = open_archive(seeded)
    article = archive.store.get_article(SEED_ID)
    assert article is not None
    assert article.text == SEED_FILE.read_text(encoding="utf-8").strip()
    records = archive.store.chunk_records()
    assert len(records["ids"]) >= 2
    for text, meta in zip(records["documents"], records["metadatas"], strict=True):
        assert article.text[meta["start"] : meta["end"]] == text
    assert_consistent(seeded)


def test_long_sentences_chunk_within_the_real_token_limit(settings, tmp_path):
    """Offsets hold and every chunk fits the encoder's window, header included."""
    count = WordPieceCounter()
    open_archive(settings, HashEmbedder(count_tokens=count))
    sentence = "The committee reviewed {} separate proposals about regional transport funding. "
    body = "".join(sentence.format(i) for i in range(120))
    body += "word " * 700 + "https://example.org/" + "x" * 3000 + " end"  # no full stop
    path = tmp_path / "long.txt"
    path.write_text("A long report on transport | with a long title\n\n" + body)
    ingest([path], settings=settings)
    archive = open_archive(settings)
    article = archive.store.get_article("long.txt")
    records = archive.store.chunk_records()
    assert len(records["ids"]) > 5
    for text, meta in zip(records["documents"], records["metadatas"], strict=True):
        assert article.text[meta["start"] : meta["end"]] == text
        assert count(text) <= 256
        assert count(index_text(article, text)) + 2 <= 256  # what the encoder really sees


def test_store_built_with_another_embedder_is_refused(hashed_seeded):
    close_archives()
    with pytest.raises(EmbedderMismatchError, match="ASSISTANT_EMBEDDINGS.*assistant rebuild"):
        open_archive(hashed_seeded)  # the configured (real) embedder
    with pytest.raises(EmbedderMismatchError):
        ingest([SEEDS], settings=hashed_seeded)
    with pytest.raises(EmbedderMismatchError):
        Store(hashed_seeded, "openai:text-embedding-3-small")
    close_archives()
    assert len(open_archive(hashed_seeded, HashEmbedder()).store.registry()) == 1


def test_bm25_is_repaired_when_its_files_are_lost(hashed_seeded, fake):
    close_archives()
    shutil.rmtree(hashed_seeded.data_dir / "bm25")
    archive = open_archive(hashed_seeded, fake)
    hits = archive.lexical.search("Matsegora ambassador", 3)
    assert hits and "Matsegora" in hits[0][0].get_content()
    assert_consistent(hashed_seeded)


def test_bm25_is_repaired_when_its_files_are_damaged(hashed_seeded, fake):
    close_archives()
    folder = hashed_seeded.data_dir / "bm25" / "articles"
    gen = folder / (folder / "CURRENT").read_text().strip()
    for f in gen.iterdir():
        if f.name != "manifest.json":
            f.write_bytes(b"garbage")
    archive = open_archive(hashed_seeded, fake)
    hits = archive.lexical.search("Matsegora ambassador", 3)
    assert hits and "Matsegora" in hits[0][0].get_content()


def test_same_article_twice_in_one_ingest_is_reported(hashed, tmp_path):
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    for d in ("one", "two"):
        (tmp_path / d / "same.txt").write_text(f"Story {d}\n\nText of the {d} story.")
    report = ingest([tmp_path / "one", tmp_path / "two"], settings=hashed)
    assert report.added == ["same.txt"]
    assert report.skipped == [("same.txt", "the same article appears twice in this ingest")]


def test_progress_is_reported_per_article(hashed, tmp_path):
    seen = []
    ingest([SEEDS], settings=hashed, progress=lambda n, what: seen.append((n, what)))
    assert seen == [(1, open_archive(hashed).store.registry()[SEED_ID].title)]


class FailingEmbedder(HashEmbedder):
    """Fails on its second batch, as an embedding server might."""

    def embed_documents(self, texts):
        if self.documents:
            raise EngineError("embedding server failed: scripted")
        return super().embed_documents(texts)


def test_failure_mid_ingest_keeps_what_was_committed(settings, tmp_path):
    open_archive(settings, FailingEmbedder())
    feed = [
        {"url": f"https://example.org/{i}", "body": f"Story number {i} about trains."}
        for i in range(FIRST_BATCH + 2)
    ]
    (tmp_path / "feed.json").write_text(json.dumps(feed))
    with pytest.raises(EngineError):
        ingest([tmp_path / "feed.json"], settings=settings)
    archive = open_archive(settings)
    assert len(archive.store.registry()) == FIRST_BATCH  # the first batch
    assert_consistent(settings)
    close_archives()
    open_archive(settings, HashEmbedder())
    report = ingest([tmp_path / "feed.json"], settings=settings)
    assert len(report.unchanged) == FIRST_BATCH and len(report.added) == 2
    assert_consistent(settings)


# ----------------------------------------------------------------- bad inputs, Python API


def _bad_inputs(tmp_path):
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "undecodable.txt").write_bytes(bytes(range(128, 256)) * 40)
    (tmp_path / "nobody.json").write_text(json.dumps([{"title": "Headline only"}]))
    return {
        "empty": (tmp_path / "empty.txt", "empty"),
        "undecodable": (tmp_path / "undecodable.txt", "binary|encoding|UTF-8"),
        "no body": (tmp_path / "nobody.json", "no body"),
    }


@pytest.mark.parametrize("kind", ["empty", "undecodable", "no body"])
def test_unusable_file_is_skipped_with_a_reason_and_nothing_is_lost(hashed_seeded, tmp_path, kind):
    path, reason = _bad_inputs(tmp_path)[kind]
    report = ingest([path], settings=hashed_seeded)
    assert not report.added and len(report.skipped) == 1
    assert re.search(reason, report.skipped[0][1])
    assert article_count(hashed_seeded) == 1


def test_missing_path_is_an_error_before_anything_is_written(hashed_seeded, tmp_path):
    with pytest.raises(InputError, match="no such file or folder: .*nowhere"):
        ingest([SEEDS, tmp_path / "nowhere"], settings=hashed_seeded)
    with pytest.raises(InputError, match="nothing to ingest"):
        ingest([], settings=hashed_seeded)
    assert article_count(hashed_seeded) == 1


def test_unreachable_url_is_a_clear_error(hashed_seeded, monkeypatch):
    monkeypatch.setenv("ASSISTANT_ALLOW_PRIVATE_URLS", "1")
    s = hashed_seeded.model_copy(update={"allow_private_urls": True, "url_timeout": 5.0})
    url = f"http://127.0.0.1:{free_port()}/story.html"
    with pytest.raises(InputError, match="cannot connect"):
        ingest([url], settings=s)
    # beside other targets it is reported, and the rest still goes in
    report = ingest([url, SEEDS], settings=s)
    assert report.unchanged == [SEED_ID] and report.skipped[0][0] == url
    assert article_count(hashed_seeded) == 1


class SignallingEmbedder(HashEmbedder):
    """Notes when its second batch starts encoding."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0
        self.second_batch = threading.Event()

    def embed_documents(self, texts):
        self.calls += 1
        if self.calls == 2:
            self.second_batch.set()
        return super().embed_documents(texts)


def _three_stories(tmp_path):
    """A folder of three short articles, 0.txt to 2.txt."""
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(3):
        (folder / f"{i}.txt").write_text(f"Story {i}\n\nThe ferry number {i} sailed at dawn.")
    return folder


def test_the_next_batch_is_encoded_while_this_one_is_written(settings, tmp_path, monkeypatch):
    """The first batch's write waits until the second batch is being encoded: it can only
    see that if encoding goes on while a batch is written (sequentially it would time out)."""
    embedder = SignallingEmbedder()
    store = open_archive(settings, embedder).store
    monkeypatch.setattr(importlib.import_module("assistant.ingestion.pipeline"), "BATCH_ARTICLES", 1)
    overlapped: list[bool] = []
    write_many = store.write_many

    def slow_write(items):
        if not overlapped:
            overlapped.append(embedder.second_batch.wait(timeout=20))
        return write_many(items)

    monkeypatch.setattr(store, "write_many", slow_write)
    report = ingest([_three_stories(tmp_path)], settings=settings)
    assert overlapped == [True]
    assert sorted(report.added) == ["0.txt", "1.txt", "2.txt"]  # in order, all committed
    assert_consistent(settings)


def test_the_next_batch_is_chunked_while_this_one_is_encoded(settings, tmp_path, monkeypatch):
    """The first batch's encoding waits until the second batch is being chunked."""
    module = importlib.import_module("assistant.ingestion.pipeline")
    monkeypatch.setattr(module, "BATCH_ARTICLES", 1)
    second_chunked = threading.Event()
    chunks_for_index = module.chunks_for_index

    def noting(article, archive):
        if article.doc_id == "1.txt":
            second_chunked.set()
        return chunks_for_index(article, archive)

    monkeypatch.setattr(module, "chunks_for_index", noting)
    overlapped: list[bool] = []

    class Waiting(HashEmbedder):
        def embed_documents(self, texts):
            if not overlapped:
                overlapped.append(second_chunked.wait(timeout=20))
            return super().embed_documents(texts)

    open_archive(settings, Waiting())
    report = ingest([_three_stories(tmp_path)], settings=settings)
    assert overlapped == [True]
    assert sorted(report.added) == ["0.txt", "1.txt", "2.txt"]
    assert_consistent(settings)


def test_batches_grow_from_a_small_first_one_and_the_last_goes_in_parts(settings, tmp_path):
    """The encoder waits only for a small first batch to be chunked, and the last batch is
    written in parts, each while the next is encoded: the sizes double from FIRST_BATCH up
    to BATCH_ARTICLES, and the rest is split into parts of at most LAST_PART."""
    sizes, size = [], FIRST_BATCH
    while size < BATCH_ARTICLES:
        sizes.append(size)
        size *= 2
    sizes += [BATCH_ARTICLES, LAST_PART + LAST_PART // 2]
    feed = [
        {"url": f"https://example.org/{i}", "body": f"Story number {i} about trains."}
        for i in range(sum(sizes))
    ]
    (tmp_path / "feed.json").write_text(json.dumps(feed))

    class Counting(HashEmbedder):
        def __init__(self) -> None:
            super().__init__()
            self.calls: list[int] = []

        def embed_documents(self, texts):
            self.calls.append(len(texts))  # one chunk per article here
            return super().embed_documents(texts)

    embedder = Counting()
    store = open_archive(settings, embedder).store
    written: list[int] = []
    write_many = store.write_many
    store.write_many = lambda items: (written.append(len(items)), write_many(items))[1]
    report = ingest([tmp_path / "feed.json"], settings=settings)
    expected = sizes[:-1] + [LAST_PART, LAST_PART // 2]
    assert embedder.calls == written == expected
    assert len(report.added) == len(feed)
    assert_consistent(settings)
