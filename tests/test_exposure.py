"""Exposure: who can reach the chat page, and where secrets could leak.

``serve`` binds loopback by default; any other address needs a login (``--auth`` or
``ASSISTANT_AUTH``) unless ``--no-auth`` is given, and it says which at start. An API key
never appears in the CLI's output, its error lines, an error from a server that echoes
the key back, or the log.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from pydantic import SecretStr

from assistant import answer
from assistant.config import Settings
from assistant.embed.embedder import OpenAIEmbedder
from assistant.errors import AssistantError, EngineError
from assistant.text.redact import MASK, RedactingFilter, redact, secrets_of

from .conftest import clean_env, free_port
from .fakes import ScriptedLLM

KEY = "sk-test-Zq8vN3xR7kLp2Wd5"
PASSWORD = "pw-Hx4tY9cJ2"
QUESTION = "Who is Russia's ambassador to North Korea?"


def _cli(*args: str, env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "assistant.cli", *args],
        env=env, capture_output=True, text=True, timeout=timeout,
    )


def _one_error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert "Traceback" not in stderr, stderr
    errors = [line for line in lines if line.startswith("error: ")]
    assert len(errors) == 1, stderr
    return errors[0]


# ------------------------------------------------------------------------------- serve


def test_serving_off_loopback_without_a_login_is_refused(tmp_path):
    env = clean_env(ASSISTANT_DATA_DIR=str(tmp_path / "data"))
    done = _cli("serve", "--host", "0.0.0.0", "--port", str(free_port()), env=env)
    assert done.returncode != 0
    line = _one_error_line(done.stderr)
    assert "--auth" in line and "--no-auth" in line and "ASSISTANT_AUTH" in line


def test_a_malformed_login_is_refused_without_echoing_it(tmp_path):
    secret = "no-colon-" + PASSWORD
    env = clean_env(ASSISTANT_DATA_DIR=str(tmp_path / "data"), ASSISTANT_AUTH=secret)
    done = _cli("serve", "--host", "0.0.0.0", "--port", str(free_port()), env=env)
    assert done.returncode != 0
    assert "user:password" in _one_error_line(done.stderr)
    assert secret not in done.stdout + done.stderr


def _launch_recorder(monkeypatch) -> dict[str, Any]:
    """serve() up to the point of listening: the app is built, the server not run."""
    from assistant.web import server

    seen: dict[str, Any] = {}
    build = server.guarded_app

    def guarded(blocks, settings, host, credentials, options):
        app = build(blocks, settings, host, credentials, options)
        seen.update(auth=credentials, show_error=blocks.show_error, share=False)
        return app

    monkeypatch.setattr(server, "guarded_app", guarded)
    def run(app, host, port, ready=None):
        seen.update(server_name=host)
        if ready:
            ready()  # what serve prints once the server listens

    monkeypatch.setattr(server, "run", run)
    return seen


@pytest.mark.parametrize(
    ("host", "auth", "no_auth", "says", "login"),
    [
        ("127.0.0.1", None, False, "this machine only", None),
        ("0.0.0.0", f"ann:{PASSWORD}", False, "with a login", ("ann", PASSWORD)),
        ("0.0.0.0", None, True, "WITHOUT a login", None),
    ],
)
def test_serve_says_how_it_is_exposed(hashed_seeded, monkeypatch, capsys, host, auth, no_auth,
                                      says, login):
    from assistant.ui.app import serve

    seen = _launch_recorder(monkeypatch)
    assert serve(hashed_seeded, host=host, port=7999, auth=auth, no_auth=no_auth) == 0
    out = capsys.readouterr().out
    assert says in out and PASSWORD not in out
    assert seen["server_name"] == host and seen["auth"] == login
    assert not seen.get("share") and not seen.get("show_error")


def test_default_host_is_loopback():
    from assistant.cli.commands import build_parser

    assert build_parser().parse_args(["serve"]).host == "127.0.0.1"


@pytest.mark.integration
def test_a_served_page_off_loopback_demands_the_login(seeded, tmp_path):
    """A real ``assistant serve --host 0.0.0.0`` with ASSISTANT_AUTH: nothing without it."""
    from gradio_client import Client

    port = free_port()
    env = clean_env(
        ASSISTANT_DATA_DIR=str(seeded.data_dir), ASSISTANT_AUTH=f"ann:{PASSWORD}",
        ASSISTANT_LLM="extractive", HF_HUB_OFFLINE="1",
    )
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "assistant.cli", "serve", "--host", "0.0.0.0", "--port",
             str(port)], env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    try:
        url = f"http://127.0.0.1:{port}/"
        _wait_for(url, server, log)
        for path in ("config", "gradio_api/info"):
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(url + path, timeout=30)
            assert refused.value.code in (401, 403)
        with pytest.raises(Exception):  # noqa: B017 - gradio_client raises various errors
            Client(url, verbose=False).predict(QUESTION, api_name="/ask")
        result = Client(url, auth=("ann", PASSWORD), verbose=False).predict(
            QUESTION, api_name="/ask"
        )
        assert "Matsegora" in result["text"]
        with pytest.raises(Exception):  # noqa: B017
            Client(url, auth=("ann", "wrong-password"), verbose=False)
    finally:
        server.terminate()
        server.wait(timeout=60)
    text = log.read_text()
    assert "with a login" in text and PASSWORD not in text


def _wait_for(url: str, server: subprocess.Popen, log, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"serve exited early:\n{log.read_text()}")
        try:
            urllib.request.urlopen(url, timeout=5)
            return
        except urllib.error.HTTPError:
            return  # it answers, if only to refuse
        except OSError:
            time.sleep(1)
    raise AssertionError(f"serve did not start:\n{log.read_text()}")


# ---------------------------------------------------------------------------- secrets


def _main(capsys, *args: str) -> tuple[int, str, str]:
    """The CLI's entry point in this process (the subprocess tests above cover exit codes)."""
    from assistant.cli.commands import main

    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_error_never_shows_the_api_key(seeded, monkeypatch, capsys, caplog):
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(seeded.data_dir))
    monkeypatch.setenv("ASSISTANT_LLM", "openai")
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{free_port()}/v1")
    monkeypatch.setenv("ASSISTANT_LLM_RETRIES", "0")
    for extra in ([], ["--json"]):
        code, out, err = _main(capsys, "ask", QUESTION, *extra)
        assert code == 1
        assert "cannot reach the language model" in _one_error_line(err)
        assert KEY not in out + err
    assert KEY not in caplog.text


def test_ask_json_never_carries_the_api_key(seeded, monkeypatch, capsys, caplog):
    caplog.set_level(logging.DEBUG)
    reply = "Russia's ambassador to North Korea is Alexander Matsegora [1]."
    with ScriptedLLM([reply]) as llm:
        for name, value in {
            "ASSISTANT_DATA_DIR": str(seeded.data_dir), "ASSISTANT_LLM": "openai",
            "OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": llm.url, "ASSISTANT_LLM_RETRIES": "0",
            "ASSISTANT_LLM_MODEL": "scripted",
        }.items():
            monkeypatch.setenv(name, value)
        code, out, err = _main(capsys, "ask", QUESTION, "--json")
        (request,) = llm.requests
    assert code == 0, err
    assert "Matsegora" in json.loads(out)["text"]
    assert KEY not in out + err + caplog.text + json.dumps(request)


def test_secrets_in_error_messages_are_masked_by_the_cli(tmp_path, monkeypatch, capsys):
    """A URL with a password in it, and an error quoting the key, both come out masked."""
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    url = f"http://ann:{PASSWORD}@127.0.0.1:{free_port()}/story.html"
    code, out, err = _main(capsys, "ingest", url)
    assert code == 1
    line = _one_error_line(err)
    assert "127.0.0.1" in line and PASSWORD not in out + err
    monkeypatch.setenv("ASSISTANT_TOP_K", "not-a-number")  # settings cannot even be built
    code, out, err = _main(capsys, "list")
    assert code == 1 and "ASSISTANT_TOP_K" in _one_error_line(err)
    assert KEY not in out + err


class KeyEchoServer:
    """A hostile or careless OpenAI-compatible server: every error repeats the key it got."""

    def __init__(self, status: int) -> None:
        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                got = self.headers.get("Authorization", "")
                body = json.dumps({"error": {"message": f"bad request from {got}",
                                             "type": "invalid_request_error", "code": got}})
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body.encode())

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def __enter__(self) -> KeyEchoServer:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.mark.parametrize("status", [400, 401, 500])
def test_a_server_echoing_the_key_cannot_leak_it(seeded, caplog, status):
    caplog.set_level(logging.DEBUG)
    with KeyEchoServer(status) as server:
        settings = seeded.model_copy(update={
            "llm": "openai", "openai_base_url": server.url, "llm_retries": 0,
            "openai_api_key": SecretStr(KEY), "embedding_model": "echo",
        })
        with pytest.raises(EngineError) as chat_error:
            answer(QUESTION, settings=settings)
        with pytest.raises(EngineError) as embed_error:
            OpenAIEmbedder(settings).embed_documents(["a text to embed"])
    for error in (chat_error.value, embed_error.value):
        assert KEY not in str(error) and KEY not in repr(error.__cause__ or "")
        assert f"HTTP {status}" in str(error) or "refused the API key" in str(error)
    assert KEY not in caplog.text
    assert KEY not in repr(settings) and KEY not in settings.model_dump_json()


def test_redact_masks_every_secret_and_url_passwords():
    settings = Settings(openai_api_key=KEY, auth=f"ann:{PASSWORD}")
    assert set(secrets_of(settings)) == {KEY, f"ann:{PASSWORD}", PASSWORD}
    text = f"key {KEY}; login ann:{PASSWORD}; url https://bob:hunter22@example.org/x"
    clean = redact(text, settings)
    assert KEY not in clean and PASSWORD not in clean and "hunter22" not in clean
    assert clean.count(MASK) == 3 and "example.org/x" in clean
    assert redact("nothing secret here", settings) == "nothing secret here"
    assert secrets_of(Settings(openai_api_key="x")) == []  # too short to mask safely


def test_redacting_filter_masks_messages_arguments_and_tracebacks(capsys):
    logger = logging.getLogger("assistant.test-redact")
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RedactingFilter([KEY]))
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("calling with %s", KEY)
        try:
            raise AssistantError(f"server said {KEY}")
        except AssistantError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)
    err = capsys.readouterr().err
    assert KEY not in err and err.count(MASK) >= 2 and "Traceback" in err
