"""Issue 21, the ingest side: what a hostile upload, URL or conversation must not do.

Every attack is real: loopback HTTP servers (one that drips its headers, one that a
rebinding resolver points at), real files and real ingests into a store.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from assistant.answering.pipeline import answer
from assistant.config import Settings
from assistant.errors import InputError
from assistant.ingestion import fetch
from assistant.ingestion.fetch import fetch_url
from assistant.ui.actions import chat, run_ingest
from assistant.ui.render import ShownTurn

from .conftest import free_port
from .fakes import ScriptedLLM

SEED_QUESTION = "Who is Russia's ambassador to North Korea?"


# ------------------------------------------------------------- 12: upload with no article
def test_an_upload_with_no_article_says_why_instead_of_failing(hashed, tmp_path: Path) -> None:
    folder = tmp_path / "staged"
    folder.mkdir()
    (folder / "upload-empty.txt").write_text("   \n")
    (folder / "upload-records.json").write_text("[]")
    lines = list(run_ingest([str(folder)], hashed))
    assert lines[-1].startswith("Nothing added: added 0")
    assert "upload-empty.txt: empty article" in lines[-1]
    assert "upload-records.json: JSON holds no article objects" in lines[-1]


# ------------------------------------------------------------- 3: the conversation's size
def test_a_history_over_the_limits_is_refused_before_any_work(hashed_seeded) -> None:
    many = [("Who is he?", "Someone.")] * 21
    with pytest.raises(InputError, match=r"has 21 turns; the limit is 20 \(ASSISTANT_MAX_HISTORY_TURNS\)"):
        answer(SEED_QUESTION, history=many, settings=hashed_seeded)
    huge = [("Who is he?", "x" * 1_000_000)]  # the 4,000-character question limit, bypassed
    with pytest.raises(InputError, match=r"turn 1 .* 1000010 characters.*ASSISTANT_MAX_HISTORY_TURN_CHARS"):
        answer(SEED_QUESTION, history=huge, settings=hashed_seeded)
    for bad in (["just text"], [("one part",)], [("q", 42)], "not a list"):
        with pytest.raises(InputError, match="history"):
            answer(SEED_QUESTION, history=bad, settings=hashed_seeded)  # type: ignore[arg-type]
    # within the limits a follow-up still borrows from the conversation
    fine = [(SEED_QUESTION, "Alexander Matsegora [1].")] * 20
    assert "Russia" in answer("What did he say?", history=fine, settings=hashed_seeded).searched


def test_the_openai_engine_never_receives_an_oversized_conversation(hashed_seeded) -> None:
    with ScriptedLLM(["Matsegora", "Alexander Matsegora is the ambassador [1]."]) as llm:
        settings = hashed_seeded.model_copy(
            update={"llm": "openai", "openai_base_url": llm.url, "llm_retries": 0}
        )
        too_big = [("Who is he?", "y" * 5_000_000)]
        with pytest.raises(InputError, match="ASSISTANT_MAX_HISTORY_TURN_CHARS"):
            answer("What did he say?", history=too_big, settings=settings)
        assert llm.requests == []  # refused before the language model was asked anything
        limit = settings.max_history_turn_chars
        full = [("Who is Alexander Matsegora?", "z" * (limit - 30))] * settings.max_history_turns
        answer("What did he say?", history=full, settings=settings)
        sizes = [len(json.dumps(r)) for r in llm.requests]
        assert sizes and max(sizes) < 4 * limit  # the rewrite sends the last 3 turns at most


def test_the_chat_page_keeps_a_long_conversation_within_the_limits(hashed_seeded) -> None:
    settings = hashed_seeded.model_copy(update={"max_history_turns": 3})
    turns = [ShownTurn(SEED_QUESTION, "<p>block</p>", text="Alexander Matsegora [1].")] * 30
    *_, (html, after, _box) = chat("What did he say?", turns, None, "", "", settings)
    assert len(after) == 31 and after[-1].ok, html  # answered, not an error message


@pytest.mark.integration
def test_the_ask_api_refuses_a_huge_history(seeded, monkeypatch) -> None:
    from gradio_client import Client

    from assistant.ui.app import build_app, launch_options

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    app = build_app(seeded)
    port = free_port()
    app.queue()
    app.launch(
        server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True,
        **launch_options(),
    )
    try:
        url = f"http://127.0.0.1:{port}/"
        history = [["Who is he?", "w" * 1_000_000]]
        with pytest.raises(Exception, match="ASSISTANT_MAX_HISTORY_TURN_CHARS"):
            Client(url, verbose=False).predict(
                SEED_QUESTION, None, "", "", history, api_name="/ask"
            )
        result = Client(url, verbose=False).predict(SEED_QUESTION, api_name="/ask")
        assert "Matsegora" in result["text"]  # and the server goes on answering
    finally:
        app.close()


# ------------------------------------------------------------------- loopback HTTP servers
class Recorder(BaseHTTPRequestHandler):
    """Answers every GET with a page naming the server, and records the request."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        server = self.server
        server.requests.append((self.path, self.headers.get("Host")))  # type: ignore[attr-defined]
        body = f"Served by {server.label}.".encode()  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def serve(address: str, port: int, label: str, tls: Any = None) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer((address, port), Recorder)
    server.daemon_threads = True
    server.requests = []  # type: ignore[attr-defined]
    server.label = label  # type: ignore[attr-defined]
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def two_hosts() -> Iterator[tuple[ThreadingHTTPServer, ThreadingHTTPServer]]:
    """A server on 127.0.0.1 (what a rebinding attacker wants to reach) and one on 127.0.0.2
    at the same port, which the test's address policy treats as a public host."""
    inside = serve("127.0.0.1", 0, "the loopback server")
    try:
        outside = serve("127.0.0.2", inside.server_port, "the public server")
    except OSError:
        inside.shutdown()
        inside.server_close()
        pytest.skip("127.0.0.2 is not a loopback address here")
    yield inside, outside
    for server in (inside, outside):
        server.shutdown()
        server.server_close()


# ------------------------------------------------------------------- 4: DNS rebinding
def test_a_rebinding_name_never_reaches_the_address_it_turns_into(
    two_hosts, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inside, outside = two_hosts
    public = ipaddress.ip_address("127.0.0.2")
    monkeypatch.setattr(fetch, "_is_public", lambda address: address == public)
    real = socket.getaddrinfo
    asked: list[str] = []

    def rebinding(host: str, port: int, *args: object, **kwargs: object) -> list:
        """The attacker's DNS: a public answer first, loopback ever after (TTL 0)."""
        if host != "rebind.test":
            return real(host, port, *args, **kwargs)  # type: ignore[arg-type]
        asked.append(host)
        address = "127.0.0.2" if len(asked) == 1 else "127.0.0.1"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)  # the system resolver, for everyone
    url = f"http://rebind.test:{inside.server_port}/secret"
    data, _name, _final = fetch_url(url, Settings(data_dir=tmp_path))
    assert inside.requests == []  # type: ignore[attr-defined]
    assert data == b"Served by the public server."
    # the request still names the host it was for
    assert outside.requests == [("/secret", f"rebind.test:{inside.server_port}")]  # type: ignore[attr-defined]
    assert asked == ["rebind.test"]  # resolved once: the check's answer is the one used
    with pytest.raises(InputError, match=r"private or local address \(127\.0\.0\.1\)"):
        fetch_url(url, Settings(data_dir=tmp_path))  # the second answer is checked too
    assert inside.requests == []  # type: ignore[attr-defined]


def test_https_keeps_the_name_for_sni_and_the_certificate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Connecting to the checked address must not cost TLS its name: a certificate for
    "localhost" is accepted for https://localhost, not for https://127.0.0.1."""
    import shutil
    import ssl
    import subprocess

    if shutil.which("openssl") is None:
        pytest.skip("openssl is absent")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
         "-out", str(cert), "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost"],
        check=True, capture_output=True,
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = serve("127.0.0.1", 0, "the TLS server", context)
    try:
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # trust this certificate only
        settings = Settings(data_dir=tmp_path, allow_private_urls=True, url_timeout=10)
        port = server.server_port
        assert fetch_url(f"https://localhost:{port}/a", settings)[0] == b"Served by the TLS server."
        with pytest.raises(InputError, match="certificate"):
            fetch_url(f"https://127.0.0.1:{port}/a", settings)
    finally:
        server.shutdown()
        server.server_close()


# ------------------------------------------------------------- 5: one deadline per fetch
@pytest.fixture
def dripping() -> Iterator[int]:
    """A server that answers every request with headers dripped one byte at a time, for
    up to 40 s: httpx's per-read timeout never fires."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    stop = threading.Event()

    def drip(conn: socket.socket) -> None:
        with conn:
            conn.recv(65536)
            head = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Slow: " + b"a" * 1000
            end = time.monotonic() + 40
            for byte in head:
                if stop.is_set() or time.monotonic() > end:
                    return
                try:
                    conn.sendall(bytes([byte]))
                except OSError:
                    return  # the client gave up: what the deadline is for
                time.sleep(0.2)

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=drip, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    yield listener.getsockname()[1]
    stop.set()
    listener.close()


def test_headers_dripped_byte_by_byte_end_at_the_deadline(dripping: int, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, allow_private_urls=True, url_timeout=1)
    started = time.monotonic()
    with pytest.raises(InputError, match=r"no complete answer within 1 s \(ASSISTANT_URL_TIMEOUT\)"):
        fetch_url(f"http://127.0.0.1:{dripping}/article", settings)
    assert time.monotonic() - started < 20  # not "does it end at 1 s": does it end at all


def test_a_resolver_that_never_answers_ends_at_the_deadline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = socket.getaddrinfo

    def stalling(host: str, port: int, *args: object, **kwargs: object) -> list:
        if host == "stall.test":
            time.sleep(40)
        return real(host, port, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", stalling)
    settings = Settings(data_dir=tmp_path, url_timeout=1)
    started = time.monotonic()
    with pytest.raises(InputError, match="ASSISTANT_URL_TIMEOUT"):
        fetch_url("http://stall.test/article", settings)
    assert time.monotonic() - started < 20


# ------------------------------------------- 6: a declared url is no claim on an article
FORGED = "Russia's ambassador to North Korea is Ivan Forgerov, officials confirmed on Monday."


@pytest.fixture
def seed_online() -> Iterator[str]:
    """The seed article served on loopback, so it is ingested from a URL (its id)."""
    from .conftest import SEED_FILE

    body = SEED_FILE.read_bytes()

    class Seed(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Seed)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/world/matsegora"
    server.shutdown()
    server.server_close()


def test_an_upload_claiming_a_stored_articles_url_does_not_replace_it(
    hashed, seed_online: str, tmp_path: Path
) -> None:
    from assistant.ingestion.pipeline import ingest
    from assistant.store.archive import open_archive
    from assistant.ui.actions import stage_uploads

    settings = hashed.model_copy(update={"allow_private_urls": True})
    assert ingest([seed_online], settings=settings).added == [seed_online]
    before = answer(SEED_QUESTION, settings=settings)
    assert "Matsegora" in before.text

    forged = tmp_path / "forged.json"
    record = {"url": seed_online, "source": "The Washington Times", "title": "Envoy", "body": FORGED}
    forged.write_text(json.dumps([record]))
    staged = tmp_path / "staged"
    staged.mkdir()
    assert stage_uploads([str(forged)], settings, staged) == []
    last = list(run_ingest([str(staged)], settings))[-1]
    assert f"declares the url {seed_online} of another article ({seed_online})" in last
    store = open_archive(settings).store
    assert list(store.registry()) == [seed_online]  # nothing replaced, nothing added
    assert "Forgerov" not in store.get_article(seed_online).text  # type: ignore[union-attr]
    after = answer(SEED_QUESTION, settings=settings)
    assert (after.text, after.citations) == (before.text, before.citations)


def test_a_claimed_url_is_kept_as_metadata_and_the_same_article_is_unchanged(
    hashed, tmp_path: Path
) -> None:
    from assistant.ingestion.pipeline import ingest
    from assistant.store.archive import open_archive

    record = {"url": "https://news.example/a", "source": "Example", "body": "The dam opened."}
    (tmp_path / "one.json").write_text(json.dumps([record]))
    assert ingest([tmp_path / "one.json"], settings=hashed).added == ["one.json#1"]
    assert open_archive(hashed).store.registry()["one.json#1"].url == "https://news.example/a"
    # the same record in another file is the same article, not a second copy
    (tmp_path / "two.json").write_text(json.dumps([record]))
    report = ingest([tmp_path / "two.json"], settings=hashed)
    assert report.added == [] and report.unchanged == ["one.json#1"]
    # two records of one file claiming one url with different text: the first is kept
    records = [{**record, "url": "https://news.example/b"}, {**record, "url": "https://news.example/b", "body": "x"}]
    (tmp_path / "three.json").write_text(json.dumps(records))
    report = ingest([tmp_path / "three.json"], settings=hashed)
    assert report.added == ["three.json#1"]
    ((what, why),) = report.skipped
    assert what == "three.json#2" and "of another article (three.json#1)" in why


# ------------------------------------------------------------- 9: records and articles
def test_a_file_with_too_many_records_is_refused_whole(hashed, tmp_path: Path) -> None:
    from assistant.ingestion.pipeline import ingest
    from assistant.store.archive import open_archive

    lines = "\n".join(json.dumps({"body": f"Tiny record {n}."}) for n in range(50_000))
    (tmp_path / "flood.jsonl").write_text(lines)  # 5,000 such records took 119 s to ingest
    (tmp_path / "flood.json").write_text(json.dumps([{"body": f"R {n}."} for n in range(6)]))
    started = time.monotonic()
    report = ingest([tmp_path / "flood.jsonl"], settings=hashed)
    assert time.monotonic() - started < 60  # refused before any record was embedded
    assert report.added == [] and open_archive(hashed).store.registry() == {}
    ((what, why),) = report.skipped
    assert what == "flood.jsonl"
    assert "holds 50000 records, more than 5000 (ASSISTANT_MAX_RECORDS_PER_FILE)" in why
    small = hashed.model_copy(update={"max_records_per_file": 5})
    report = ingest([tmp_path / "flood.json"], settings=small)
    assert report.added == [] and "holds 6 records, more than 5" in report.skipped[0][1]


def test_one_ingest_stops_at_its_limit_and_the_next_goes_on(hashed, tmp_path: Path) -> None:
    from assistant.ingestion.pipeline import ingest

    folder = tmp_path / "many"
    folder.mkdir()
    for n in range(5):
        (folder / f"{n}.txt").write_text(f"Story {n}\n\nThe council met for the {n}th time.")
    small = hashed.model_copy(update={"max_articles_per_ingest": 3})
    first = ingest([folder], settings=small)
    assert first.added == ["0.txt", "1.txt", "2.txt"]
    ((what, why),) = first.skipped
    assert what == "3.txt" and "at most 3 articles (ASSISTANT_MAX_ARTICLES_PER_INGEST)" in why
    second = ingest([folder], settings=small)
    assert second.added == ["3.txt", "4.txt"] and len(second.unchanged) == 3
