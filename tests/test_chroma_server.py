"""The same store contract against a local persistent Chroma and a real Chroma server.

The server is the one the chromadb wheel ships (``chroma run``), started once per session
on a free port; each test uses its own collection on it.
"""

from __future__ import annotations

import json
import subprocess
import time
import urllib.request
import uuid
from datetime import date

import pytest

from assistant import Filters, InputError, ingest, remove, retrieve
from assistant.errors import EmbedderMismatchError
from assistant.ingestion.rebuild import rebuild
from assistant.store.archive import close_archives, open_archive

from .conftest import BIN, SEED_ID, SEEDS, assert_consistent, free_port, make_settings
from .fakes import HashEmbedder

FEED = [
    {
        "url": "https://example.org/a",
        "source": "Alpha News",
        "published": "2021-04-01",
        "title": "Lighthouse",
        "body": "The old lighthouse on the north cape was restored.",
    },
    {
        "url": "https://example.org/b",
        "source": "Beta Post",
        "published": "2023-08-09",
        "title": "Ferry",
        "body": "A new ferry links the north cape with the island.",
    },
]

EMBEDDER = HashEmbedder()  # stateless but for its counter, which tests reset


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory):
    """A real Chroma server on 127.0.0.1; yields its URL."""
    exe = BIN / "chroma"
    if not exe.exists():
        pytest.skip(f"no chroma executable beside {BIN}")
    port = free_port()
    folder = tmp_path_factory.mktemp("chroma-server")
    log = (folder / "server.log").open("w")
    proc = subprocess.Popen(
        [str(exe), "run", "--path", str(folder / "db"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(
                f"chroma server did not start: {(folder / 'server.log').read_text()[-2000:]}"
            )
        time.sleep(0.3)
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(params=["local", pytest.param("server", marks=pytest.mark.integration)])
def backend(request, tmp_path):
    """Settings for an empty store of either kind, opened with the fake embedder."""
    collection = f"t{uuid.uuid4().hex[:10]}"
    url = request.getfixturevalue("chroma_server") if request.param == "server" else None
    s = make_settings(tmp_path / "data", chroma_url=url, collection=collection)
    open_archive(s, EMBEDDER)
    return s


def reopen(s):
    close_archives()
    return open_archive(s, EMBEDDER)


def test_ingest_retrieve_update_remove(backend, tmp_path):
    path = tmp_path / "feed.json"
    path.write_text(json.dumps(FEED))
    report = ingest([path, SEEDS], settings=backend)
    assert sorted(report.added) == [SEED_ID, "feed.json#1", "feed.json#2"]
    assert_consistent(backend)

    passages = retrieve("north cape lighthouse", k=3, settings=backend)
    assert passages[0].url == "https://example.org/a"
    only_beta = retrieve("north cape", k=5, settings=backend, filters={"publisher": "beta post"})
    assert {p.source for p in only_beta} == {"Beta Post"}
    until = retrieve("north cape", k=5, settings=backend, filters=Filters(until=date(2022, 1, 1)))
    assert {p.doc_id for p in until} == {"feed.json#1"}
    with pytest.raises(InputError, match="unknown publisher"):
        retrieve("north cape", settings=backend, filters={"publisher": "Gamma Times"})

    EMBEDDER.documents = 0
    archive = reopen(backend)
    assert ingest([path, SEEDS], settings=backend).unchanged and EMBEDDER.documents == 0

    changed = [{**FEED[0], "body": "The lighthouse was demolished in a storm."}, FEED[1]]
    path.write_text(json.dumps(changed))
    report = ingest([path], settings=backend)
    assert report.updated == ["feed.json#1"] and report.unchanged == ["feed.json#2"]
    texts = archive.store.chunk_records(["feed.json#1"])["documents"]
    assert texts == ["The lighthouse was demolished in a storm."]
    assert_consistent(backend)

    remove("feed.json#1", settings=backend)
    archive = reopen(backend)
    assert set(archive.store.registry()) == {SEED_ID, "feed.json#2"}
    assert archive.store.chunk_records(["feed.json#1"])["ids"] == []
    assert_consistent(backend)


def test_embedder_mismatch_and_rebuild(backend):
    ingest([SEEDS], settings=backend)
    close_archives()
    with pytest.raises(EmbedderMismatchError):
        open_archive(backend, HashEmbedder(name="test:other", dim=16))
    close_archives()
    other = HashEmbedder(name="test:other", dim=16)
    assert rebuild(backend, embedder=other).startswith("rebuilt 1 articles")
    archive = open_archive(backend)
    assert archive.embedder is other and archive.store.count_chunks() > 0
    assert retrieve("Matsegora ambassador", k=1, settings=backend)[0].doc_id == SEED_ID
    assert_consistent(backend)


@pytest.mark.integration
def test_server_unreachable_is_a_clear_error(tmp_path):
    from assistant.errors import StoreError

    s = make_settings(tmp_path / "data", chroma_url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(StoreError, match="Chroma"):
        open_archive(s, HashEmbedder())
