"""Attacks on a real ``assistant serve`` (issue 21, items 1, 2, 7, 8, 10, 11).

Each server test starts ``assistant serve`` as a subprocess on loopback and attacks it with
real HTTP requests (httpx): a DNS-rebinding ``Host``, another site's ``Origin``, uploads
from another site, calls of hidden handlers without the login, login guessing, an LLM
server URL with a password in it, an LLM that echoes the API key. A ``.env`` in the
current folder must not redirect questions (the CLI, no server). Unit tests at the end
pin the pieces (Host parsing, back-off arithmetic, redaction of streamed text).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from assistant.config import Settings, env_file_path
from assistant.text.redact import MASK, StreamRedactor, display_url, redact
from assistant.web.guard import Guard, LoginBackoff, allowed_hosts_for, split_host

from .conftest import clean_env, free_port, make_settings
from .fakes import ScriptedLLM

KEY = "sk-test-Rb7Kq2Vx9Lm4Tz8P"
PASSWORD = "pw-Gc5nW8qZ3t"
URL_PASSWORD = "hunter2pw-Xk7"
QUESTION = "Who is Russia's ambassador to North Korea?"
EVIL_HOST = "rebind.evil.example"
EVIL_ORIGIN = "http://evil.example"
PROXY_NAME = "news.proxy.example"
FRAMING = {
    "x-frame-options": "DENY",
    "content-security-policy": "frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
}


# ------------------------------------------------------------------------------ harness
class Served:
    """A running ``assistant serve`` subprocess and small helpers to talk to it."""

    def __init__(self, tmp: Path, data: Path, env: dict[str, str], args: tuple[str, ...] = ()):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = tmp / "serve.log"
        env = clean_env(**{"ASSISTANT_DATA_DIR": str(data), "ASSISTANT_LLM": "extractive",
                           "HF_HUB_OFFLINE": "1", "PYTHONUNBUFFERED": "1", **env})
        with self.log_path.open("w") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "assistant.cli", "serve", "--port", str(self.port), *args],
                env=env, stdout=out, stderr=subprocess.STDOUT, cwd=tmp,
            )
        deadline = time.monotonic() + 300
        while True:
            if self.proc.poll() is not None:
                raise AssertionError(f"serve exited early:\n{self.log()}")
            try:
                urllib.request.urlopen(self.url + "/", timeout=5)
                break
            except urllib.error.HTTPError:
                break  # it answers, if only to refuse
            except OSError:
                if time.monotonic() > deadline:
                    raise AssertionError(f"serve did not start:\n{self.log()}") from None
                time.sleep(1)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=30)

    def client(self, **kw: Any) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=300, **kw)

    def deps(self, client: httpx.Client) -> dict[str, dict]:
        config = client.get("/config")
        config.raise_for_status()
        return {d["api_name"]: d for d in config.json()["dependencies"]}

    def call(self, client: httpx.Client, dep: dict, data: list, headers=None) -> list:
        """Run one of the page's event handlers the way its browser front end does."""
        session = uuid.uuid4().hex
        body = {"data": data, "fn_index": dep["id"], "trigger_id": (dep["targets"] or [[None]])[0][0],
                "session_hash": session, "event_data": None}
        joined = client.post("/gradio_api/queue/join", json=body, headers=headers)
        joined.raise_for_status()
        event = joined.json()["event_id"]
        with client.stream("GET", "/gradio_api/queue/data", params={"session_hash": session},
                           headers=headers) as stream:
            for line in stream.iter_lines():
                if not line.startswith("data:"):
                    continue
                message = json.loads(line[5:])
                if message.get("event_id") not in (None, event):
                    continue
                if message["msg"] == "process_completed":
                    return message
        raise AssertionError("the event stream ended without a result")

    def upload(self, client: httpx.Client, name: str, text: str, headers=None) -> httpx.Response:
        files = [("files", (name, text.encode()))]
        return client.post("/gradio_api/upload", files=files, headers=headers)


def _data_copy(tmp_path_factory, template: Path, name: str) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp(name)
    data = tmp / "data"
    shutil.copytree(template, data)
    return tmp, data


def _file_data(path: str, name: str) -> dict:
    return {"path": path, "orig_name": name, "meta": {"_type": "gradio.FileData"}}


def _gone(path: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not Path(path).exists():
            return True
        time.sleep(1)
    return False


def _assert_framing_headers(response: httpx.Response) -> None:
    for name, value in FRAMING.items():
        assert response.headers.get(name) == value, (response.request.url, name, response.headers)


# ------------------------------------------------------------- the default (loopback) server
@pytest.fixture(scope="module")
def loopback(tmp_path_factory, _seeded_template) -> Iterator[Served]:
    """``assistant serve`` with no login on 127.0.0.1; a reverse proxy's name allowed in the
    data folder's .env (so the log must say that file was read)."""
    tmp, data = _data_copy(tmp_path_factory, _seeded_template, "loopback")
    (data / ".env").write_text(f"ASSISTANT_ALLOWED_HOSTS={PROXY_NAME}\n")
    # A .env in the folder serve runs from must be ignored (it would open the Host check).
    (tmp / ".env").write_text("ASSISTANT_ALLOWED_HOSTS=*\n")
    server = Served(tmp, data, {})
    yield server
    server.stop()


@pytest.mark.integration
def test_a_rebinding_host_is_refused(loopback):
    """Item 1: a page whose name re-resolves to 127.0.0.1 sends its own name as Host."""
    hostile = {"Host": f"{EVIL_HOST}:{loopback.port}", "Origin": f"http://{EVIL_HOST}:{loopback.port}"}
    with loopback.client() as client:
        remove = loopback.deps(client)["on_remove"]
        for path in ("/config", "/gradio_api/info", "/"):
            refused = client.get(path, headers=hostile)
            assert refused.status_code == 400, (path, refused.status_code)
            assert "access-control-allow-origin" not in refused.headers
            _assert_framing_headers(refused)
        body = {"data": ["anything", ""], "fn_index": remove["id"], "session_hash": "x",
                "trigger_id": remove["targets"][0][0], "event_data": None}
        joined = client.post("/gradio_api/queue/join", json=body, headers=hostile)
        assert joined.status_code == 400
        # The same Host without an Origin (a script, not a browser) is refused as well.
        only_host = client.get("/config", headers={"Host": EVIL_HOST})
        assert only_host.status_code == 400
        # The page's own names still work: 127.0.0.1, localhost, [::1], the allowed proxy name.
        for host in (f"127.0.0.1:{loopback.port}", f"localhost:{loopback.port}",
                     f"[::1]:{loopback.port}", PROXY_NAME):
            assert client.get("/config", headers={"Host": host}).status_code == 200, host
        # The refused body was a valid call: with the page's own Host the handler runs.
        done = loopback.call(client, remove, [None, ""])
        assert done["success"] and "Choose an article" in done["output"]["data"][0], done
    log = loopback.log()
    assert f"settings: read {loopback.log_path.parent / 'data' / '.env'}" in log


@pytest.mark.integration
def test_another_sites_origin_gets_no_data_and_no_cors_echo(loopback):
    with loopback.client() as client:
        for origin in (EVIL_ORIGIN, "null", f"http://localhost:{loopback.port + 1}"):
            got = client.get("/config", headers={"Origin": origin})
            assert got.status_code == 403, origin
            assert got.headers.get("access-control-allow-origin") in (None, ""), origin
            _assert_framing_headers(got)
            preflight = client.options(
                "/gradio_api/queue/join",
                headers={"Origin": origin, "Access-Control-Request-Method": "POST",
                         "Access-Control-Request-Headers": "content-type"},
            )
            assert preflight.headers.get("access-control-allow-origin") is None, origin
        own = client.get("/config", headers={"Origin": loopback.url})
        assert own.status_code == 200
        # Behind a reverse proxy that rewrites Host, the proxy's public name is the origin.
        proxied = client.get("/config", headers={"Origin": f"https://{PROXY_NAME}"})
        assert proxied.status_code == 200


@pytest.mark.integration
def test_uploads_from_another_site_are_refused(loopback):
    """Item 1: a cross-site form post needs no preflight; it must not land on disk."""
    import gradio as gr

    cache = Path(gr.utils.get_upload_folder())
    marker = f"cross-site-{uuid.uuid4().hex}"
    with loopback.client() as client:
        for origin in (EVIL_ORIGIN, "null"):
            refused = loopback.upload(client, f"{marker}.txt", "x", headers={"Origin": origin})
            assert refused.status_code == 403, origin
        assert not cache.exists() or not list(cache.rglob(f"{marker}*"))
        own = loopback.upload(client, "own.txt", "own", headers={"Origin": loopback.url})
        assert own.status_code == 200
        Path(own.json()[0]).unlink(missing_ok=True)


@pytest.mark.integration
def test_every_response_forbids_framing_and_sniffing(loopback):
    with loopback.client() as client:
        responses = [client.get(p) for p in ("/", "/config", "/gradio_api/info", "/no-such-page",
                                             "/theme.css")]
        responses.append(client.post("/gradio_api/upload", files=[]))  # an error response
        for response in responses:
            _assert_framing_headers(response)


@pytest.mark.integration
def test_an_added_upload_leaves_the_upload_cache(loopback, tmp_path):
    """Item 8: the archive keeps the text; the uploaded file is deleted once added."""
    with loopback.client() as client:
        name = "footbridge.md"
        text = ("# Caldwick council votes for a footbridge\n\nThe council of Caldwick voted "
                "on Tuesday to build a footbridge over the river, costing 4 million pounds.\n")
        uploaded = loopback.upload(client, name, text)
        uploaded.raise_for_status()
        (path,) = uploaded.json()
        deadline = time.monotonic() + 30
        while not Path(path).exists() and time.monotonic() < deadline:
            time.sleep(0.2)  # Gradio moves the file into its cache in the background
        assert Path(path).exists()
        done = loopback.call(client, loopback.deps(client)["on_files"], [[_file_data(path, name)], ""])
        assert done["success"] and "Done" in done["output"]["data"][0], done
        assert not Path(path).exists()


# --------------------------------------------------------------------- secrets (openai engine)
@pytest.mark.integration
def test_secrets_in_the_llm_url_and_key_never_reach_the_page_or_the_api(
    tmp_path_factory, _seeded_template
):
    """Item 2: an LLM URL with a password, an LLM failing, an LLM echoing the key."""
    echo = (f"Alexander Matsegora is Russia's ambassador to North Korea [1]. The key is {KEY} "
            f"and the password {URL_PASSWORD}.")
    tmp, data = _data_copy(tmp_path_factory, _seeded_template, "secrets")
    with ScriptedLLM([500, 500, echo, echo]) as llm:
        base = llm.url.replace("http://", f"http://admin:{URL_PASSWORD}@")
        server = Served(tmp, data, {
            "ASSISTANT_LLM": "openai", "OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": base,
            "ASSISTANT_LLM_RETRIES": "0", "ASSISTANT_LLM_MODEL": "scripted",
        })
        try:
            with server.client() as client:
                ask = {"data": [QUESTION, None, "", "", None]}
                api = client.post("/gradio_api/call/ask", json=ask)
                api.raise_for_status()
                failed = client.get(f"/gradio_api/call/ask/{api.json()['event_id']}").text
                page = server.deps(client)["on_ask"]
                page_failed = json.dumps(server.call(client, page, [QUESTION, None, [], "", "", None, None]))
                api = client.post("/gradio_api/call/ask", json=ask)
                echoed = client.get(f"/gradio_api/call/ask/{api.json()['event_id']}").text
                page_echoed = json.dumps(server.call(client, page, [QUESTION, None, [], "", "", None, None]))
        finally:
            server.stop()
    assert "HTTP 500" in failed and "HTTP 500" in page_failed, (failed, page_failed)
    assert "127.0.0.1" in failed  # the server is still named, without its user info
    assert "Matsegora" in echoed and "Matsegora" in page_echoed
    for seen in (failed, page_failed, echoed, page_echoed, server.log()):
        assert URL_PASSWORD not in seen and KEY not in seen, seen[-2000:]
    # The mask shows ("(redacted)": square brackets in an answer are citation markers).
    assert "redacted" in echoed and "redacted" in page_echoed


# ------------------------------------------------------------------ with a login (--auth-file)
@pytest.fixture(scope="module")
def with_login(tmp_path_factory, _seeded_template) -> Iterator[Served]:
    tmp, data = _data_copy(tmp_path_factory, _seeded_template, "login")
    secret = tmp / "login"
    secret.write_text(f"ann:{PASSWORD}\n")
    secret.chmod(0o600)
    server = Served(tmp, data, {
        "ASSISTANT_LOGIN_FREE_FAILURES": "3", "ASSISTANT_LOGIN_MAX_DELAY": "4",
        "ASSISTANT_UPLOAD_KEEP_SECONDS": "2",
    }, ("--host", "0.0.0.0", "--auth-file", str(secret)))
    yield server
    server.stop()


def _login(server: Served, client: httpx.Client, password: str = PASSWORD) -> httpx.Response:
    return client.post("/login", data={"username": "ann", "password": password})


@pytest.mark.integration
def test_every_handler_needs_the_login(with_login):
    """Item 7: handlers hidden from the API docs are still reachable through queue/join;
    with a login configured none of them runs without it."""
    server = with_login
    with server.client() as member:
        assert _login(server, member).status_code == 200
        deps = server.deps(member)
    assert {"on_remove", "on_files", "on_url", "on_ask", "ask"} <= set(deps)
    with server.client() as stranger:
        assert stranger.get("/config").status_code in (401, 403)
        for name, dep in deps.items():
            body = {"data": [None] * len(dep["inputs"]), "fn_index": dep["id"],
                    "session_hash": "s", "trigger_id": None, "event_data": None}
            joined = stranger.post("/gradio_api/queue/join", json=body)
            assert joined.status_code in (401, 403), (name, joined.status_code)
        for path in ("/gradio_api/call/ask", "/gradio_api/run/ask", "/gradio_api/api/ask"):
            refused = stranger.post(path, json={"data": [QUESTION]})
            assert refused.status_code in (401, 403), path
        data = stranger.get("/gradio_api/queue/data", params={"session_hash": "s"})
        assert data.status_code in (401, 403)
        assert server.upload(stranger, "x.txt", "x").status_code in (401, 403)
    log = server.log()
    assert PASSWORD not in log and "with a login (user 'ann')" in log
    assert "WARNING: a password given with --auth" not in log  # it came from a file


@pytest.mark.integration
def test_unsent_uploads_are_swept_from_the_cache(with_login):
    """Item 8: a file uploaded and never added is deleted once older than the setting."""
    server = with_login
    with server.client() as member:
        assert _login(server, member).status_code == 200
        uploaded = server.upload(member, "never-added.txt", "a file nobody adds")
        uploaded.raise_for_status()
        (path,) = uploaded.json()
    assert _gone(path, timeout=120), f"{path} is still in the upload cache"


@pytest.mark.integration
def test_repeated_failed_logins_are_slowed_down(with_login):
    """Item 10: guessing passwords meets a growing wait (429 with Retry-After)."""
    server = with_login
    with server.client() as guesser:
        codes = [_login(server, guesser, f"guess-{n}").status_code for n in range(12)]
        assert codes[:3] == [400, 400, 400]  # the free failures
        assert 429 in codes[3:], codes
        blocked = _login(server, guesser)  # even the right password waits its turn
        if blocked.status_code == 429:
            assert int(blocked.headers["retry-after"]) >= 1
        deadline = time.monotonic() + 90
        while (ok := _login(server, guesser)).status_code == 429 and time.monotonic() < deadline:
            time.sleep(float(ok.headers["retry-after"]))
        assert ok.status_code == 200


def test_a_password_on_the_command_line_is_warned_about(tmp_path):
    env = clean_env(ASSISTANT_DATA_DIR=str(tmp_path / "data"))
    done = subprocess.run(
        [sys.executable, "-m", "assistant.cli", "serve", "--host", "0.0.0.0", "--port",
         str(free_port()), "--auth", "no-colon-here"],
        env=env, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 1
    assert "WARNING: a password given with --auth can be read" in done.stderr
    assert "--auth-file" in done.stderr and "no-colon-here" not in done.stdout + done.stderr


def test_an_unreadable_login_file_is_a_clear_error(tmp_path):
    env = clean_env(ASSISTANT_DATA_DIR=str(tmp_path / "data"))
    done = subprocess.run(
        [sys.executable, "-m", "assistant.cli", "serve", "--auth-file", str(tmp_path / "nope")],
        env=env, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 1 and "error: cannot read the login file" in done.stderr


# ------------------------------------------------------------------------------ .env files
def test_a_dotenv_in_the_current_folder_cannot_redirect_questions(tmp_path, seeded):
    """Item 11: only the data folder's .env or an explicit --env-file is read."""
    reply = "Alexander Matsegora is Russia's ambassador to North Korea [1]."
    with ScriptedLLM([reply, reply]) as llm:
        hostile = f"ASSISTANT_LLM=openai\nOPENAI_BASE_URL={llm.url}\nASSISTANT_LLM_MODEL=x\n"
        (tmp_path / ".env").write_text(hostile)
        env = clean_env(ASSISTANT_DATA_DIR=str(seeded.data_dir), HF_HUB_OFFLINE="1")

        def ask(*extra: str) -> subprocess.CompletedProcess:
            return subprocess.run(
                [sys.executable, "-m", "assistant.cli", "ask", QUESTION, "--json", *extra],
                env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300,
            )

        stray = ask()
        assert stray.returncode == 0, stray.stderr
        assert llm.requests == [] and json.loads(stray.stdout)["engine"] == "extractive"
        assert "settings: read" not in stray.stderr
        chosen = ask("--env-file", ".env")
        assert chosen.returncode == 0, chosen.stderr
        assert len(llm.requests) == 1 and json.loads(chosen.stdout)["engine"] == "openai"
        assert f"settings: read {tmp_path / '.env'}" in chosen.stderr
        (seeded.data_dir / ".env").write_text(hostile)  # put there on purpose: read
        kept = ask()
        assert len(llm.requests) == 2 and json.loads(kept.stdout)["engine"] == "openai"
        assert f"settings: read {seeded.data_dir / '.env'}" in kept.stderr


def test_settings_read_the_data_folders_dotenv_only(tmp_path, monkeypatch):
    (tmp_path / ".env").write_text("ASSISTANT_TOP_K=3\n")  # the current folder (see conftest)
    data = tmp_path / "data"
    data.mkdir()
    assert make_settings(data).top_k == 10
    (data / ".env").write_text("ASSISTANT_TOP_K=7\n")
    assert make_settings(data).top_k == 7
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(data))
    assert Settings().top_k == 7 and env_file_path() == data / ".env"
    monkeypatch.setenv("ASSISTANT_ENV_FILE", str(tmp_path / ".env"))
    assert Settings().top_k == 3


def test_a_missing_env_file_is_refused(tmp_path, capsys):
    from assistant.cli.commands import main

    assert main(["list", "--env-file", str(tmp_path / "absent.env")]) == 1
    assert "--env-file" in capsys.readouterr().err


# ------------------------------------------------------------------------------ unit level
def test_host_names_are_parsed_with_ports_and_ipv6():
    assert split_host("LocalHost:7860") == ("localhost", 7860)
    assert split_host("[::1]:7860") == ("::1", 7860)
    assert split_host("::1") == ("::1", None)
    assert split_host("example.org.") == ("example.org", None)
    assert split_host("example.org:x") == ("example.org", -1)
    hosts, any_ip = allowed_hosts_for("127.0.0.1", ["Proxy.Example"])
    assert {"localhost", "127.0.0.1", "::1", "proxy.example"} <= hosts and not any_ip
    guard = Guard(lambda *a: None, hosts=hosts, any_ip=any_ip)
    assert guard.host_ok("127.0.0.1:7860") and guard.host_ok("[::1]:7860")
    assert not guard.host_ok("evil.example:7860") and not guard.host_ok("")
    assert not guard.host_ok("10.0.0.1")  # a loopback server: only its own names
    assert guard.origin_ok("http://127.0.0.1:7860", "127.0.0.1:7860")
    assert not guard.origin_ok("http://127.0.0.1:7861", "127.0.0.1:7860")
    assert not guard.origin_ok("null", "127.0.0.1:7860")
    assert guard.origin_ok("https://proxy.example", "127.0.0.1:7860")
    wild, any_ip = allowed_hosts_for("0.0.0.0")
    assert any_ip and Guard(lambda *a: None, hosts=wild, any_ip=True).host_ok("192.168.1.9:80")


def test_login_backoff_doubles_up_to_the_limit_and_resets():
    now = [0.0]
    backoff = LoginBackoff(free=2, max_delay=8, clock=lambda: now[0])
    waits = []
    for _ in range(7):
        backoff.failed("a")
        waits.append(backoff.wait("a"))
    assert waits == [0, 0, 1, 2, 4, 8, 8]
    assert backoff.wait("b") == 0  # per client
    backoff.succeeded("a")
    assert backoff.wait("a") == 0


def test_redaction_drops_url_user_info_and_query_strings():
    text = (f"cannot reach http://admin:{URL_PASSWORD}@127.0.0.1:9/v1?api-key=tok-123456 and "
            f"https://tok-abcdef@example.org/x?sig=zzzz9999#top")
    clean = redact(text, [])
    assert URL_PASSWORD not in clean and "tok-123456" not in clean and "tok-abcdef" not in clean
    assert "zzzz9999" not in clean and "127.0.0.1:9/v1" in clean and "example.org/x" in clean
    assert display_url(f"http://admin:{URL_PASSWORD}@h:1/v1?k=secret") == "http://h:1/v1"
    settings = Settings(openai_base_url=f"http://admin:{URL_PASSWORD}@h/v1", openai_api_key=KEY)
    assert redact(f"the password is {URL_PASSWORD}", settings) == f"the password is {MASK}"


def test_a_secret_split_across_streamed_pieces_is_masked():
    masker = StreamRedactor([KEY])
    pieces = ["The key is ", KEY[:5], KEY[5:11], KEY[11:], " and that is all", "."]
    shown = "".join(masker.feed(p) for p in pieces) + masker.flush()
    assert shown == f"The key is {MASK} and that is all."
    seen = ""
    masker = StreamRedactor([KEY])
    for piece in pieces:
        seen += masker.feed(piece)
        assert KEY[:6] not in seen  # no prefix of the key is ever shown
