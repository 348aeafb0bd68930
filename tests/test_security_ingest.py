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

import pytest

from assistant import fetch
from assistant.answer import answer
from assistant.config import Settings
from assistant.errors import InputError
from assistant.fetch import fetch_url
from assistant.ui_actions import chat, run_ingest
from assistant.ui_render import Turn

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
    turns = [Turn(SEED_QUESTION, "<p>block</p>", text="Alexander Matsegora [1].")] * 30
    *_, (html, after, _box) = chat("What did he say?", turns, None, "", "", settings)
    assert len(after) == 31 and after[-1].ok, html  # answered, not an error message


@pytest.mark.integration
def test_the_ask_api_refuses_a_huge_history(seeded, monkeypatch) -> None:
    from gradio_client import Client

    from assistant.ui import build_app, launch_options

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


def serve(address: str, port: int, label: str) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer((address, port), Recorder)
    server.daemon_threads = True
    server.requests = []  # type: ignore[attr-defined]
    server.label = label  # type: ignore[attr-defined]
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
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    server.daemon_threads = True
    server.requests = []  # type: ignore[attr-defined]
    server.label = "the TLS server"  # type: ignore[attr-defined]
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
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
