"""Several `assistant serve` processes on one `chroma run` server, on loopback: the harness
of tests/test_multi_server.py and of the load test (tests/load_multi_server.py).

Each app server has a data folder of its own (as on separate machines) and the same
``ASSISTANT_CHROMA_URL`` and ``ASSISTANT_COLLECTION``. What Chroma holds is read here
directly; what an app server holds is read from its BM25 files (saved at every change).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

from assistant.config import Settings
from assistant.store.archive import embedder_identity, local_name
from assistant.store.bm25 import LexicalIndex
from assistant.store.chroma import Store

from .conftest import BIN, clean_env, free_port, make_settings
from .test_concurrency import Page

START_TIMEOUT = 420.0  # a loaded 2-core machine can take minutes to load a model


def _wait(url: str, proc: subprocess.Popen, log: Path, deadline: float) -> None:
    while True:
        if proc.poll() is not None:
            raise AssertionError(f"{url} exited early:\n{log.read_text()[-3000:]}")
        try:
            urllib.request.urlopen(url, timeout=5).close()
            return
        except (urllib.error.URLError, OSError):
            if time.monotonic() > deadline:
                proc.kill()
                raise AssertionError(f"{url} did not start:\n{log.read_text()[-3000:]}") from None
            time.sleep(0.5)


class Chroma:
    """`chroma run` on a folder and port of its own; stop and start it again at will."""

    def __init__(self, folder: Path) -> None:
        exe = BIN / "chroma"
        if not exe.exists():
            import pytest

            pytest.skip(f"no chroma executable beside {BIN}")
        self.exe, self.folder, self.port = exe, folder, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self.start()

    def start(self) -> None:
        log = self.folder / "chroma.log"
        with log.open("a") as out:
            self.proc = subprocess.Popen(
                [str(self.exe), "run", "--path", str(self.folder / "db"), "--host", "127.0.0.1",
                 "--port", str(self.port)],
                stdout=out, stderr=subprocess.STDOUT,
            )
        _wait(f"{self.url}/api/v2/heartbeat", self.proc, log, time.monotonic() + 120)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


class App:
    """`assistant serve` with its own data folder, on one Chroma server."""

    def __init__(self, name: str, folder: Path, chroma_url: str, collection: str,
                 **env: str) -> None:
        self.name = name
        self.data_dir = folder / name
        self.settings: Settings = make_settings(
            self.data_dir, chroma_url=chroma_url, collection=collection
        )
        self.env = clean_env(
            ASSISTANT_DATA_DIR=str(self.data_dir), ASSISTANT_CHROMA_URL=chroma_url,
            ASSISTANT_COLLECTION=collection, ASSISTANT_LLM="extractive", HF_HUB_OFFLINE="1",
            **env,
        )
        self.log = folder / f"{name}.log"
        self.proc: subprocess.Popen | None = None
        self.url = ""

    def start(self) -> App:
        port = free_port()
        self.url = f"http://127.0.0.1:{port}/"
        with self.log.open("a") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "assistant.cli", "serve", "--port", str(port)],
                env=self.env, stdout=out, stderr=subprocess.STDOUT,
            )
        return self

    def wait(self) -> App:
        assert self.proc is not None
        _wait(self.url + "config", self.proc, self.log, time.monotonic() + START_TIMEOUT)
        return self

    def kill(self) -> None:
        """kill -9: no clean-up of any kind."""
        if self.proc is not None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self.proc = None

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def ask(self, question: str) -> dict[str, Any]:
        """The ``ask`` API's answer (a new client: one conversation each)."""
        from gradio_client import Client

        client = Client(self.url, verbose=False, httpx_kwargs={"timeout": 900})
        return client.predict(question, None, "", "", None, api_name="/ask")

    def bm25(self) -> tuple[dict[str, str], list[str], dict[str, Any]]:
        """What this app server's saved BM25 index holds: ``{doc_id: content_hash}``, its
        chunk ids, and the change log generation it was saved at."""
        for _ in range(20):  # a save may replace the files while they are read
            index = LexicalIndex(self.data_dir / "bm25" / local_name(self.settings))
            try:
                index.load()
                ids = index.chunk_ids()
                return dict(index.manifest), sorted(ids), dict(index.position)
            except (OSError, ValueError):
                time.sleep(0.2)
        raise AssertionError(f"cannot read {self.name}'s BM25 files")


def chroma_state(settings: Settings, scratch: Path, embedder: str | None = None) -> dict[str, Any]:
    """What Chroma holds: committed articles ``{doc_id: content_hash}``, the ids of their
    chunks, every chunk's (doc_id, hash, index), and problems (strays, gaps, duplicates)."""
    name = embedder or embedder_identity(settings)
    store = Store(settings.model_copy(update={"data_dir": scratch}), name)
    registry = store.registry()
    records = store.chunk_records()
    committed = {d: a.content_hash for d, a in registry.items()}
    problems: list[str] = []
    seen: dict[tuple[str, int], str] = {}
    counts: dict[str, int] = {}
    good: list[str] = []
    for cid, meta in zip(records["ids"], records["metadatas"], strict=True):
        doc, version = meta["doc_id"], meta["content_hash"]
        if committed.get(doc) != version:
            problems.append(f"stray chunk {cid} of {doc}")
            continue
        if (doc, int(meta["chunk"])) in seen:
            problems.append(f"duplicate chunk {meta['chunk']} of {doc}")
        seen[(doc, int(meta["chunk"]))] = cid
        counts[doc] = counts.get(doc, 0) + 1
        good.append(cid)
    for doc, info in registry.items():
        if counts.get(doc, 0) != info.chunks:
            problems.append(f"{doc} has {counts.get(doc, 0)} of its {info.chunks} chunks")
    head = store.changes.head()
    return {"articles": committed, "chunks": sorted(good), "problems": problems, "head": head,
            "titles": {a.title: d for d, a in registry.items()}}


def agree(app: App, state: dict[str, Any]) -> bool:
    manifest, ids, _ = app.bm25()
    return manifest == state["articles"] and ids == state["chunks"]


def wait_agree(apps: list[App], settings: Settings, scratch: Path, within: float = 120.0):
    """Wait until every app server's BM25 files hold what Chroma holds; returns that state."""
    deadline = time.monotonic() + within
    while True:
        state = chroma_state(settings, scratch)
        behind = [a.name for a in apps if not agree(a, state)]
        if not behind:
            return state
        if time.monotonic() > deadline:
            details = {a.name: (len(a.bm25()[0]), a.bm25()[2]) for a in apps}
            raise AssertionError(
                f"{behind} disagree with Chroma ({len(state['articles'])} articles, head "
                f"{state['head']}): {details}"
            )
        time.sleep(0.5)


def upload(app: App, paths: list[Path]) -> str:
    """Add files through the chat page's upload; returns its last progress line."""
    page = Page(app.url)
    return page.call("on_files", [page.upload(paths), ""], uuid.uuid4().hex)[0]


def remove(app: App, doc_id: str) -> str:
    """Remove an article as the chat page does: the page loads (which fills the removal
    list with the archive's articles), then its Remove button."""
    page = Page(app.url)
    session = uuid.uuid4().hex
    load = next(d for d in page.deps.values() if d["targets"][0][1] == "load")
    page.deps["(load)"] = load
    page.call("(load)", [], session)
    return page.call("on_remove", [doc_id, ""], session)[0]


def write_articles(folder: Path, names: list[str]) -> list[Path]:
    """One short news article per name (a town), each findable by its name alone."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n, town in enumerate(names, 1):
        path = folder / f"{town.lower()}.md"
        path.write_text(
            f"# {town} council votes for a footbridge\n\n"
            f"The council of {town} voted on Tuesday to build a footbridge over the river, "
            f"costing {n} million pounds. Work in {town} starts in the spring, the mayor said.\n",
            encoding="utf-8",
        )
        paths.append(path)
    return paths
