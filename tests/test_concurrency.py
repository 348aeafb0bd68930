"""Many chat sessions at once against a real ``assistant serve`` while articles go in.

Twenty sessions ask through ``gradio_client`` (the ``ask`` API: a question, then a
follow-up carrying that session's history), and four more drive the chat page's own
stateful event the way a browser does (the server keeps their history). Meanwhile 50 new
articles are uploaded through the page's upload event, in the same server process: a local
Chroma store has one writer process, so the ingest goes through the running app.

Every question must be answered without an error, no session's follow-up may carry
another session's question, and the new articles must be searchable afterwards.
Response times are printed (p50/p95), never asserted.
"""

from __future__ import annotations

import json
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from .conftest import clean_env, free_port

TOWNS = [
    "Ashbrook", "Brindlemere", "Caldwick", "Dunmorrow", "Elderglen", "Fenwhistle", "Glaswick",
    "Harrowdene", "Ivelmoor", "Jarrowfield", "Kestlewood", "Lowenbury", "Marrowby", "Nettlecombe",
    "Orrinsford", "Pellingham", "Quillfield", "Rookhaven", "Saltmarsh", "Thistlebury",
    # Four more for the page's own sessions, then filler articles nobody asks about.
    "Umberlea", "Vantworth", "Wexcombe", "Yarrowdale",
]
API_SESSIONS = 20
FOLLOW_UP = "How much will it cost?"
SLOW_HTTP = {"timeout": 900}  # a loaded 2-core machine: gradio_client's defaults are short


def _question(town: str) -> str:
    return f"What did the council of {town} vote to build?"


def _write_articles(folder: Path) -> list[Path]:
    folder.mkdir()
    paths = []
    names = TOWNS + [f"Fillerton{chr(65 + i)}" for i in range(50 - len(TOWNS))]
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


class Page:
    """The chat page's own events, called the way its browser front end calls them."""

    def __init__(self, url: str) -> None:
        self.url = url
        with urllib.request.urlopen(url + "config", timeout=60) as response:
            config = json.loads(response.read())
        self.deps = {d["api_name"]: d for d in config["dependencies"]}

    def call(self, name: str, data: list, session: str) -> list:
        dep = self.deps[name]
        body = {"data": data, "fn_index": dep["id"], "trigger_id": dep["targets"][0][0],
                "session_hash": session, "event_data": None}
        with httpx.Client(base_url=self.url + "gradio_api", timeout=900) as client:
            joined = client.post("/queue/join", json=body)
            joined.raise_for_status()
            event = joined.json()["event_id"]
            with client.stream("GET", "/queue/data", params={"session_hash": session}) as stream:
                for line in stream.iter_lines():
                    if not line.startswith("data:"):
                        continue
                    message = json.loads(line[5:])
                    if message.get("event_id") not in (None, event):
                        continue
                    if message["msg"] == "unexpected_error":
                        raise AssertionError(f"{name}: {message}")
                    if message["msg"] == "process_completed":
                        assert message.get("success", True), message
                        return message["output"]["data"]
        raise AssertionError(f"{name}: the event stream ended without a result")

    def upload(self, paths: list[Path]) -> list[dict]:
        files = [("files", (p.name, p.read_bytes())) for p in paths]
        response = httpx.post(self.url + "gradio_api/upload", files=files, timeout=300)
        response.raise_for_status()
        return [
            {"path": server_path, "orig_name": p.name, "meta": {"_type": "gradio.FileData"}}
            for server_path, p in zip(response.json(), paths, strict=True)
        ]


@pytest.fixture
def server(seeded, tmp_path):
    port = free_port()
    env = clean_env(ASSISTANT_DATA_DIR=str(seeded.data_dir), ASSISTANT_LLM="extractive",
                    HF_HUB_OFFLINE="1")
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "assistant.cli", "serve", "--port", str(port)],
            env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 300
    try:
        while True:
            if process.poll() is not None:
                raise AssertionError(f"serve exited early:\n{log.read_text()}")
            try:
                urllib.request.urlopen(url + "config", timeout=5)
                break
            except (urllib.error.URLError, OSError):
                if time.monotonic() > deadline:
                    raise AssertionError(f"serve did not start:\n{log.read_text()}") from None
                time.sleep(1)
        yield url, log
    finally:
        process.terminate()
        process.wait(timeout=60)


def _others(text: str, own: str) -> list[str]:
    return [t for t in TOWNS if t != own and re.search(rf"\b{t}\b", text)]


@pytest.mark.integration
@pytest.mark.slow
def test_twenty_sessions_while_an_ingest_runs(server, tmp_path):
    from gradio_client import Client

    url, log = server
    page = Page(url)
    articles = _write_articles(tmp_path / "new")
    calls: list[tuple[float, float]] = []  # (start, end) of each /ask call
    ingest_window: list[float] = []
    timing_lock = threading.Lock()

    def ask(client, *args) -> dict:
        started = time.perf_counter()
        result = client.predict(*args, api_name="/ask")
        with timing_lock:
            calls.append((started, time.perf_counter()))
        return result

    def api_session(town: str) -> tuple[dict, dict]:
        client = Client(url, verbose=False, httpx_kwargs=SLOW_HTTP)  # one client, one session
        first = ask(client, _question(town), None, "", "", None)
        second = ask(client, FOLLOW_UP, None, "", "", [[_question(town), first["text"]]])
        return first, second

    def page_session(town: str) -> str:
        session = uuid.uuid4().hex
        # question, transcript turns (state), publishers, since, until, saved conversations
        # and the current one's id (states: the server keeps them per session)
        page.call("on_ask", [_question(town), None, [], "", "", None, None], session)
        return page.call("on_ask", [FOLLOW_UP, None, [], "", "", None, None], session)[0]

    def ingest() -> list[str]:
        half = len(articles) // 2
        ingest_window.append(time.perf_counter())
        done = [
            page.call("on_files", [page.upload(batch), ""], uuid.uuid4().hex)[0]
            for batch in (articles[:half], articles[half:])
        ]
        ingest_window.append(time.perf_counter())
        return done

    api_towns = TOWNS[:API_SESSIONS]
    page_towns = TOWNS[API_SESSIONS:]
    with ThreadPoolExecutor(max_workers=1 + API_SESSIONS + len(page_towns)) as pool:
        ingesting = pool.submit(ingest)
        api = {town: pool.submit(api_session, town) for town in api_towns}
        pages = {town: pool.submit(page_session, town) for town in page_towns}
        results = {town: future.result(timeout=1800) for town, future in api.items()}
        transcripts = {town: future.result(timeout=1800) for town, future in pages.items()}
        progress = ingesting.result(timeout=1800)

    assert [p.split(",")[0] for p in progress] == ["Done: added 25"] * 2, progress
    for town, (first, second) in results.items():
        for result in (first, second):
            assert result["text"].strip() and result["engine"] == "extractive"
        # The follow-up searched with this session's question and no one else's.
        assert town in second["searched"] and FOLLOW_UP.rstrip("?") in second["searched"]
        assert not _others(second["searched"], town), second["searched"]
        assert not _others(second["text"] + first["text"], town)
    for town, transcript in transcripts.items():
        assert _question(town) in transcript and FOLLOW_UP in transcript
        assert not _others(transcript, town), transcript
        assert "nx-error" not in transcript and "went wrong" not in transcript

    # Everything uploaded during the rush is searchable now, by both retrievers.
    client = Client(url, verbose=False, httpx_kwargs=SLOW_HTTP)
    for town in (TOWNS[0], TOWNS[10], TOWNS[-1]):
        after = client.predict(_question(town), None, "", "", None, api_name="/ask")
        assert not after["abstained"], after
        assert town in after["citations"][0]["title"]

    server_log = log.read_text()
    assert "Traceback" not in server_log and "unexpected error" not in server_log

    ordered = sorted(end - start for start, end in calls)
    p50 = statistics.median(ordered)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    began, ended = ingest_window
    during = sum(1 for start, end in calls if start < ended and end > began)
    print(f"\n/ask under load: {len(ordered)} calls, p50 {p50:.2f} s, p95 {p95:.2f} s, "
          f"max {ordered[-1]:.2f} s; {during} overlapped the {ended - began:.1f} s ingest "
          f"(20 API sessions + 4 page sessions + a 50-article ingest)")


def test_readers_iterate_the_registry_while_an_ingest_writes(hashed, tmp_path):
    """The article registry is read on every question (publishers, dates) while an ingest in
    the same process commits articles: readers must never see it change under them."""
    from assistant.ingestion.pipeline import ingest
    from assistant.store.archive import open_archive

    paths = _write_articles(tmp_path / "new")
    store = open_archive(hashed).store
    errors: list[BaseException] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            try:
                registry = store.registry()
                before = len(registry)
                sorted({a.source for a in registry.values()})
                for _ in registry.items():
                    time.sleep(0)  # let the writer run mid-iteration
                assert len(registry) == before  # a snapshot: never grows while read
            except BaseException as exc:  # noqa: BLE001 - collected and reported below
                errors.append(exc)
                return

    readers = [threading.Thread(target=read) for _ in range(4)]
    for reader in readers:
        reader.start()
    try:
        for path in paths:
            ingest([path], settings=hashed)
    finally:
        stop.set()
        for reader in readers:
            reader.join()
    assert not errors, errors[0]
    assert len(store.registry()) == len(paths)
