"""Two `assistant serve` processes on one `chroma run` server: one archive.

Each app server has its own data folder (its BM25 index and article registry are its own)
and follows the change log kept in Chroma (:mod:`assistant.store.sync`). The app servers are
driven through their HTTP API only: uploads and removals through the chat page's events,
questions through the ``ask`` endpoint. What Chroma holds is read directly, what each app
server holds from its saved BM25 files.

The first tests run in this process (two archives with data folders of their own on the
module's Chroma server, with the fake embedder: seconds each); the ``slow`` ones share two
served app servers started once for the module, the last of them kill one and stop Chroma.
Run alone: ``pytest tests/test_multi_server.py`` (about 1-2 minutes here).
"""

from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from assistant.errors import StoreError
from assistant.ingestion.pipeline import ingest, remove
from assistant.store.archive import close_archives, open_archive
from assistant.store.changelog import ChangeLog, open_log

from .cluster import App, Chroma, chroma_state, upload, wait_agree, write_articles
from .cluster import remove as remove_article
from .conftest import make_settings
from .fakes import HashEmbedder

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def chroma(tmp_path_factory):
    server = Chroma(tmp_path_factory.mktemp("chroma"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def cluster(chroma, tmp_path_factory):
    folder = tmp_path_factory.mktemp("apps")
    collection = f"m{uuid.uuid4().hex[:10]}"
    apps = [App(name, folder, chroma.url, collection) for name in ("a", "b")]
    try:
        for app in apps:
            app.start()  # both start on an empty archive: both ingest the seeds at once
        for app in apps:
            app.wait()
        yield apps, folder
    finally:
        for app in apps:
            app.stop()


def _question(town: str) -> str:
    return f"What did the council of {town} vote to build?"


def _doc_of(state, town: str) -> str:
    return state["titles"][f"{town} council votes for a footbridge"]


def _cited(answer: dict) -> set[str]:
    return {c["doc_id"] for c in answer["citations"]}


# ------------------------------------------------------------------ in one process, fast
@pytest.fixture
def log(chroma):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    host, port = chroma.url.rsplit(":", 1)
    client = chromadb.HttpClient(
        host="127.0.0.1", port=int(port), settings=ChromaSettings(anonymized_telemetry=False)
    )
    return client, f"l{uuid.uuid4().hex[:10]}"


def test_racing_writers_number_their_changes_without_gaps_or_twins(log):
    client, name = log
    writers = [open_log(client, name) for _ in range(4)]
    got: list[int] = []
    lock = threading.Lock()

    def write(w: ChangeLog, n: int) -> None:
        for i in range(15):
            generation = w.append("add", [f"doc-{n}-{i}"])
            with lock:
                got.append(generation)

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(write, writers, range(4)))
    assert sorted(got) == list(range(1, 61))  # each number once, none skipped
    changes = open_log(client, name).since(0)
    assert [c.generation for c in changes] == list(range(1, 61))
    assert sorted(c.doc_ids[0] for c in changes) == sorted(
        f"doc-{n}-{i}" for n in range(4) for i in range(15)
    )
    assert open_log(client, name).since(58) == changes[58:]


def test_a_second_process_takes_in_adds_and_removals_incrementally(chroma, tmp_path):
    """Two archives with their own data folders on one Chroma server, as two app servers
    have: what one writes, the other takes in at its next look, without a rebuild."""
    collection = f"p{uuid.uuid4().hex[:10]}"
    one = make_settings(tmp_path / "one", chroma_url=chroma.url, collection=collection)
    two = make_settings(tmp_path / "two", chroma_url=chroma.url, collection=collection)
    embedder = HashEmbedder()
    open_archive(one, embedder)
    other = open_archive(two, embedder)
    paths = write_articles(tmp_path / "new", ["Ashbrook", "Caldwick", "Dunmorrow"])
    ingest(paths[:2], settings=one)
    assert other.store.registry() == {}
    assert other.follower.keep_up(force=True) == 1
    assert sorted(other.lexical.manifest) == ["ashbrook.md", "caldwick.md"]
    assert other.lexical.search("Caldwick footbridge", 1)[0][0].metadata["doc_id"] == "caldwick.md"
    assert set(other.store.registry()) == {"ashbrook.md", "caldwick.md"}
    seen = other.lexical.position["generation"]

    asked: list[object] = []
    read = other.store.chunk_records

    def chunk_records(doc_ids=None):
        asked.append(doc_ids)
        return read(doc_ids)

    other.store.chunk_records = chunk_records  # type: ignore[method-assign]
    ingest(paths[2:], settings=one)
    remove("ashbrook.md", settings=one)
    assert other.follower.keep_up(force=True) == 2
    assert asked == [["dunmorrow.md"]]  # only the new article's chunks are read: no rebuild
    assert sorted(other.lexical.manifest) == ["caldwick.md", "dunmorrow.md"]
    assert set(other.store.registry()) == {"caldwick.md", "dunmorrow.md"}
    assert other.lexical.position["generation"] == seen + 2
    # Its own writes come back through the log too, and change nothing.
    remove("caldwick.md", settings=two)
    assert other.follower.keep_up(force=True) == 1
    assert sorted(other.lexical.manifest) == ["dunmorrow.md"]

    # A process started now reads the log from where its saved BM25 index stands.
    close_archives()
    again = open_archive(two, embedder)
    assert again.follower.generation == seen + 3
    assert sorted(again.lexical.manifest) == ["dunmorrow.md"]


class _Before:
    """A collection whose first ``upsert`` runs ``first`` before its own."""

    def __init__(self, collection, first) -> None:
        self._collection, self._first = collection, first

    def __getattr__(self, name):
        return getattr(self._collection, name)

    def upsert(self, **kwargs):
        first, self._first = self._first, None
        if first is not None:
            first()
        return self._collection.upsert(**kwargs)


def test_two_versions_of_one_article_written_at_once_leave_it_whole(chroma, tmp_path):
    """Two processes write two versions of one article at the same time: the second to
    commit finds its chunks deleted by the first (which removes every version but its own)
    and writes them again, so the version committed is whole."""
    from assistant.ingestion.pipeline import chunk_batch, embed, write
    from assistant.ingestion.readers import make_article

    collection = f"v{uuid.uuid4().hex[:10]}"
    one = make_settings(tmp_path / "one", chroma_url=chroma.url, collection=collection)
    two = make_settings(tmp_path / "two", chroma_url=chroma.url, collection=collection)
    embedder = HashEmbedder()
    first, second = open_archive(one, embedder), open_archive(two, embedder)
    meta = {"title": "Lighthouse", "source": "Alpha News", "published": "2021-04-01"}
    old = make_article("lighthouse", "The old lighthouse on the cape was restored.", **meta)
    new = make_article("lighthouse", "The lighthouse was demolished in a storm. " * 3, **meta)
    mine, theirs = (embed(a, chunk_batch(a, [v])) for a, v in ((first, new), (second, old)))
    # `first` writes its chunks; `second` then writes its version whole (deleting every
    # other version's chunks, `first`'s among them); then `first` commits its version.
    first.store.texts = _Before(first.store.texts, lambda: list(write(second, theirs)))
    list(write(first, mine))
    state = chroma_state(one, tmp_path / "scratch", embedder.name)
    assert state["articles"] == {"lighthouse": new.content_hash}
    assert state["problems"] == [] and state["chunks"]
    for archive in (first, second):
        archive.follower.keep_up(force=True)
        assert archive.lexical.staged_hashes() == {"lighthouse": new.content_hash}


def test_a_write_committed_but_never_logged_is_found_by_the_whole_archive_check(
    chroma, tmp_path, monkeypatch
):
    """A writer killed between committing a batch and logging it, that never starts again:
    the log never names those articles; the periodic whole-registry check finds them."""
    collection = f"w{uuid.uuid4().hex[:10]}"
    one = make_settings(tmp_path / "one", chroma_url=chroma.url, collection=collection)
    two = make_settings(tmp_path / "two", chroma_url=chroma.url, collection=collection)
    embedder = HashEmbedder()
    writer = open_archive(one, embedder)
    other = open_archive(two, embedder)
    monkeypatch.setattr(writer.store.changes, "append", lambda op, doc_ids: 0)
    ingest(write_articles(tmp_path / "new", ["Ashbrook"]), settings=one)
    assert other.follower.keep_up(force=True) == 0 and other.lexical.manifest == {}
    assert other.follower.full_check()
    assert list(other.lexical.manifest) == ["ashbrook.md"]
    assert list(other.store.registry()) == ["ashbrook.md"]


def test_after_a_rebuild_the_others_read_every_chunk_again(chroma, tmp_path):
    """`assistant rebuild` re-chunks every article (with another tokenizer the chunks
    differ, under the same versions): the other processes read all of them again."""
    from assistant.ingestion.rebuild import rebuild

    collection = f"r{uuid.uuid4().hex[:10]}"
    one = make_settings(tmp_path / "one", chroma_url=chroma.url, collection=collection)
    two = make_settings(tmp_path / "two", chroma_url=chroma.url, collection=collection)
    embedder = HashEmbedder()
    open_archive(one, embedder)
    other = open_archive(two, embedder)
    paths = write_articles(tmp_path / "new", ["Ashbrook", "Caldwick"])
    for path in paths:
        path.write_text(path.read_text() * 8)
    ingest(paths, settings=one)
    other.follower.keep_up(force=True)
    before = chroma_state(one, tmp_path / "scratch", embedder.name)["chunks"]

    finer = HashEmbedder(count_tokens=lambda text: 4 * len(text.split()))
    rebuild(one, embedder=finer)
    other.follower.keep_up(force=True)
    state = chroma_state(one, tmp_path / "scratch", embedder.name)
    assert state["problems"] == [] and len(state["chunks"]) > len(before)
    assert sorted(other.lexical.chunk_ids()) == state["chunks"]


def test_questions_while_chroma_is_down_get_a_clear_error(chroma, tmp_path):
    collection = f"d{uuid.uuid4().hex[:10]}"
    s = make_settings(
        tmp_path / "one", chroma_url=chroma.url, collection=collection, sync_interval=0
    )
    archive = open_archive(s, HashEmbedder())
    ingest(write_articles(tmp_path / "new", ["Ashbrook"]), settings=s)
    chroma.stop()
    try:
        with pytest.raises(StoreError, match="Chroma server at .* is not answering"):
            archive.keep_up()
        from assistant.retrieval.retrieve import search

        with pytest.raises(StoreError, match="Nothing stored is lost"):
            search(archive, "Ashbrook footbridge", k=3)  # BM25 answers, the vectors do not
        with pytest.raises(StoreError, match="not answering"):
            ingest(write_articles(tmp_path / "more", ["Brindlemere"]), settings=s)
        from assistant.ui.actions import chat

        page, _, _ = list(chat("What did Ashbrook build?", [], None, "", "", s))[-1]
        assert "is not answering" in page and "went wrong" not in page
    finally:
        chroma.start()
    from assistant.retrieval.retrieve import retrieve

    assert retrieve("Ashbrook footbridge", k=1, settings=s)[0].doc_id == "ashbrook.md"


# ------------------------------------------------------------- served, over HTTP
@pytest.mark.slow
def test_ingest_through_one_ask_through_the_other(cluster, tmp_path):
    (a, b), folder = cluster
    wait_agree([a, b], a.settings, folder / "scratch")  # the seeds, ingested by both at once
    towns = ["Ashbrook", "Brindlemere", "Caldwick"]
    done = upload(a, write_articles(tmp_path / "new", towns))
    assert done.startswith("Done: added 3"), done
    uploaded = time.monotonic()
    state = wait_agree([a, b], a.settings, folder / "scratch")
    print(f"\nan ingest through a reached b's BM25 files {time.monotonic() - uploaded:.2f} s later")
    assert state["problems"] == []
    answer = b.ask(_question("Caldwick"))
    assert not answer["abstained"]
    assert answer["citations"][0]["doc_id"] == _doc_of(state, "Caldwick")


@pytest.mark.slow
def test_concurrent_ingests_through_both_end_as_one_archive(cluster, tmp_path):
    (a, b), folder = cluster
    names = [f"Fenwick{chr(65 + i)}" for i in range(20)]
    paths = write_articles(tmp_path / "new", names)
    # 8 for a alone, 8 for b alone, 4 through both at once
    with ThreadPoolExecutor(2) as pool:
        done_a = pool.submit(upload, a, paths[:12])
        done_b = pool.submit(upload, b, paths[8:])
        outcomes = [done_a.result(timeout=900), done_b.result(timeout=900)]
    assert all(o.startswith("Done:") for o in outcomes), outcomes
    state = wait_agree([a, b], a.settings, folder / "scratch")
    assert state["problems"] == []  # every article whole, no strays, no duplicates
    assert all(f"{n} council votes for a footbridge" in state["titles"] for n in names)


@pytest.mark.slow
def test_removed_through_one_is_gone_from_the_other_within_5_s(cluster, tmp_path):
    (a, b), folder = cluster
    done = upload(b, write_articles(tmp_path / "new", ["Harrowdene"]))
    assert done.startswith("Done: added 1"), done
    state = wait_agree([a, b], a.settings, folder / "scratch")
    doc = _doc_of(state, "Harrowdene")
    assert doc in _cited(b.ask(_question("Harrowdene")))

    said = remove_article(a, doc)
    removed = time.monotonic()
    assert said.startswith("Removed"), said
    while doc in _cited(b.ask(_question("Harrowdene"))):
        assert time.monotonic() - removed < 60, "still cited by b a minute later"
    gone = time.monotonic() - removed
    print(f"\na removal through a was gone from b's answers {gone:.2f} s later")
    time.sleep(max(0.0, 5.0 - (time.monotonic() - removed)))
    assert doc not in _cited(b.ask(_question("Harrowdene")))  # asked 5 s on: gone
    assert doc not in wait_agree([a, b], a.settings, folder / "scratch")["articles"]


@pytest.mark.slow
def test_kill_nine_mid_ingest_then_restart(cluster, tmp_path):
    (a, b), folder = cluster
    before = len(chroma_state(a.settings, folder / "scratch")["articles"])
    names = [f"Kestle{i:03d}" for i in range(150)]
    paths = write_articles(tmp_path / "new", names)
    for path in paths:  # several chunks each: an ingest long enough to interrupt
        text = path.read_text()
        path.write_text(text + "\n" + "\n\n".join([text.split("\n\n")[1]] * 12))
    failed: list[BaseException] = []

    def ingest_all() -> None:
        try:
            upload(a, paths)
        except BaseException as exc:  # noqa: BLE001 - the server is killed under it
            failed.append(exc)

    thread = threading.Thread(target=ingest_all)
    thread.start()
    deadline = time.monotonic() + 600
    while len(chroma_state(a.settings, folder / "scratch")["articles"]) < before + 8:
        assert time.monotonic() < deadline and thread.is_alive(), "the ingest never committed"
        time.sleep(0.2)
    a.kill()
    thread.join(timeout=120)
    at_kill = chroma_state(a.settings, folder / "scratch")
    assert len(at_kill["articles"]) < before + len(names), "the ingest finished before the kill"

    # b holds exactly the articles a committed before it died (whole: BM25 has all chunks).
    state = wait_agree([b], a.settings, folder / "scratch")
    committed = [n for n in names if f"{n} council votes for a footbridge" in state["titles"]]
    assert 8 <= len(committed) < len(names)

    # a starts again on its data folder: it cleans up after itself and agrees too.
    a.start().wait()
    state = wait_agree([a, b], a.settings, folder / "scratch")
    assert state["problems"] == []
    answer = a.ask(_question(committed[0]))
    assert answer["citations"][0]["doc_id"] == _doc_of(state, committed[0])


@pytest.mark.slow
def test_chroma_stops_and_comes_back(cluster, chroma, tmp_path):
    (a, b), folder = cluster
    assert upload(a, write_articles(tmp_path / "first", ["Pellingham"])).startswith("Done")
    before = wait_agree([a, b], a.settings, folder / "scratch")
    chroma.stop()
    try:
        with pytest.raises(Exception, match="Chroma server") as raised:
            b.ask(_question("Caldwick"))
        print(f"\nasked while Chroma was down: {raised.value}")
        said = upload(a, write_articles(tmp_path / "new", ["Orrinsford"]))
        assert said.startswith("Could not add") and "Chroma server" in said, said
    finally:
        chroma.start()
    deadline = time.monotonic() + 120
    while True:  # both resume by themselves
        try:
            answer = b.ask(_question("Pellingham"))
            break
        except Exception:
            assert time.monotonic() < deadline, "b did not resume after Chroma came back"
            time.sleep(1)
    assert answer["citations"][0]["doc_id"] == _doc_of(before, "Pellingham")
    assert chroma_state(a.settings, folder / "scratch")["articles"] == before["articles"]
    said = upload(a, write_articles(tmp_path / "again", ["Orrinsford"]))
    assert said.startswith("Done: added 1"), said
    state = wait_agree([a, b], a.settings, folder / "scratch")
    assert state["problems"] == []
    assert _doc_of(state, "Orrinsford") in _cited(b.ask(_question("Orrinsford")))
    for app in (a, b):
        assert "Traceback" not in app.log.read_text()
