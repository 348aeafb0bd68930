"""Fetching URLs from a local http.server: formats, redirects, limits and refusals."""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.errors import InputError
from assistant.ingestion import fetch
from assistant.ingestion.fetch import fetch_url
from assistant.ingestion.readers import Skipped, read_articles
from assistant.records import Article

DATA = Path(__file__).parent / "data" / "articles"
PAGE = (DATA / "page.html").read_bytes()
JSON = (DATA / "array.json").read_bytes()
TEXT = b"Plain headline\n\nPlain body sentence.\n"
MARKDOWN = b"# Markdown headline\n\nMarkdown body.\n"

# path -> (status, content type, body, extra headers)
ROUTES: dict[str, tuple[int, str, bytes, dict[str, str]]] = {
    "/page.html": (200, "text/html; charset=utf-8", PAGE, {}),
    "/api/articles": (200, "application/json", JSON, {}),
    "/note": (200, "text/plain; charset=utf-8", TEXT, {}),
    "/notes.md": (200, "text/plain", MARKDOWN, {}),
    "/blob": (200, "application/octet-stream", b'  {"body": "sniffed json"}', {}),
    "/redirect": (302, "text/plain", b"", {"Location": "/page.html"}),
    "/relative-hop": (301, "text/plain", b"", {"Location": "redirect"}),
    "/loop": (302, "text/plain", b"", {"Location": "/loop"}),
    "/to-localhost": (302, "text/plain", b"", {"Location": "http://localhost:{port}/page.html"}),
    "/huge": (200, "text/plain", b"x" * 5000, {}),
    "/empty": (200, "text/plain", b"", {}),
}


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        path = self.path.split("?")[0]
        try:
            if path == "/slow":
                time.sleep(2)
            if path == "/huge-stream":  # no Content-Length: the client must count
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                for _ in range(200):
                    self.wfile.write(b"y" * 1024)
                return
            if path not in ROUTES:
                self.send_error(404, "Not Found")
                return
            status, content_type, body, headers = ROUTES[path]
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for key, value in headers.items():
                self.send_header(key, value.replace("{port}", str(self.server.server_port)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client stopped reading on purpose (size limit, timeout)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, allow_private_urls=True, url_timeout=5)


def test_html_page(base: str, settings: Settings) -> None:
    data, name, final = fetch_url(f"{base}/page.html", settings)
    assert (data, name, final) == (PAGE, "page.html", f"{base}/page.html")


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/api/articles", "articles.json"),
        ("/note", "note.txt"),
        ("/notes.md", "notes.md"),
        ("/blob", "blob.json"),
    ],
)
def test_file_name_follows_content_type(
    base: str, path: str, name: str, settings: Settings
) -> None:
    assert fetch_url(base + path, settings)[1] == name


def test_redirects_are_followed(base: str, settings: Settings) -> None:
    data, name, final = fetch_url(f"{base}/relative-hop", settings)
    assert data == PAGE and name == "page.html" and final == f"{base}/page.html"


def test_redirect_loop_stops(base: str, settings: Settings) -> None:
    with pytest.raises(InputError, match="more than 5 redirects"):
        fetch_url(f"{base}/loop", settings)


def test_http_error_status(base: str, settings: Settings) -> None:
    with pytest.raises(InputError, match="HTTP 404"):
        fetch_url(f"{base}/missing", settings)


@pytest.mark.parametrize("path", ["/huge", "/huge-stream"])
def test_size_limit(base: str, path: str, tmp_path: Path) -> None:
    small = Settings(data_dir=tmp_path, allow_private_urls=True, max_file_bytes=1024)
    with pytest.raises(InputError, match=r"larger than 1 KB limit \(ASSISTANT_MAX_FILE_BYTES\)"):
        fetch_url(base + path, small)


def test_timeout(base: str, tmp_path: Path) -> None:
    quick = Settings(data_dir=tmp_path, allow_private_urls=True, url_timeout=0.3)
    with pytest.raises(InputError, match="ASSISTANT_URL_TIMEOUT"):
        fetch_url(f"{base}/slow", quick)


def test_closed_port(settings: Settings) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(InputError, match="cannot connect"):
        fetch_url(f"http://127.0.0.1:{port}/", settings)


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://example.com/a.txt", "gopher://x/", "not a url"]
)
def test_other_schemes_refused(url: str, settings: Settings) -> None:
    with pytest.raises(InputError, match="only http and https"):
        fetch_url(url, settings)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/",
        "http://localhost/",
        "http://[::1]/",
        "http://10.1.2.3/",
        "http://169.254.169.254/latest/meta-data",
        "http://[::ffff:127.0.0.1]/",
        "http://0.0.0.0/",
        "http://224.0.0.1/",
        "http://100.64.0.1/",
    ],
)
def test_private_addresses_refused_by_default(url: str, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="private or local address.*ASSISTANT_ALLOW_PRIVATE_URLS"):
        fetch_url(url, Settings(data_dir=tmp_path))


def test_loopback_server_refused_by_default(base: str, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="private or local"):
        fetch_url(f"{base}/page.html", Settings(data_dir=tmp_path))


def test_redirect_target_is_checked_too(
    base: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Only 127.0.0.1 counts as public here, and "localhost" answers 127.0.0.2.
    loopback = ipaddress.ip_address("127.0.0.1")
    monkeypatch.setattr(fetch, "_is_public", lambda address: address == loopback)
    real = socket.getaddrinfo

    def resolver(host: str, port: int, *args: object, **kwargs: object) -> list:
        if host == "localhost":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.2", port))]
        return real(host, port, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    strict = Settings(data_dir=tmp_path)
    assert fetch_url(f"{base}/page.html", strict)[0] == PAGE  # the first hop passes
    with pytest.raises(
        InputError, match=r"localhost resolves to a private or local address \(127\.0\.0\.2\)"
    ):
        fetch_url(f"{base}/to-localhost", strict)


# ------------------------------------------------------------------ read_articles on URLs


def test_read_articles_url_uses_the_original_url(base: str, settings: Settings) -> None:
    url = f"{base}/redirect"
    (article,) = list(read_articles(url, settings))
    assert isinstance(article, Article)
    assert article.doc_id == article.url == url  # not the canonical url of the page
    assert article.source == "Desert Daily" and article.published == "2023-09-05"


def test_read_articles_json_url(base: str, settings: Settings) -> None:
    url = f"{base}/api/articles"
    items = list(read_articles(url, settings))
    ids = [item.doc_id if isinstance(item, Article) else item.what for item in items]
    assert ids == [f"{url}#1", f"{url}#2", f"{url}#3"]  # a declared url is no id of its own
    assert isinstance(items[2], Skipped)


def test_read_articles_text_and_empty(base: str, settings: Settings) -> None:
    (article,) = list(read_articles(f"{base}/note", settings))
    assert isinstance(article, Article) and article.title == "Plain headline"
    assert list(read_articles(f"{base}/empty", settings)) == [
        Skipped(f"{base}/empty", "empty article")
    ]


def test_read_articles_url_errors_are_input_errors(base: str, settings: Settings) -> None:
    with pytest.raises(InputError, match="HTTP 404"):
        list(read_articles(f"{base}/missing", settings))
