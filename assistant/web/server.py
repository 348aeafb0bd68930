"""Serving the chat page: Gradio mounted on a FastAPI app, behind :class:`assistant.web.guard.Guard`.

``Blocks.launch()`` builds its own FastAPI app and adds Gradio's middleware around ours,
so a Host check added there runs after Gradio has already answered CORS. Mounting the
Blocks with ``gr.mount_gradio_app`` and wrapping the result puts the guard in front of
every request, and uvicorn serves it.
"""

from __future__ import annotations

import ipaddress
import os
import stat
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..config import Settings
from ..errors import ConfigError
from .guard import Guard, LoginBackoff, allowed_hosts_for, parse_hosts


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def parse_auth(value: str) -> tuple[str, str]:
    user, sep, password = value.partition(":")
    if not sep or not user or not password:
        raise ConfigError("--auth / ASSISTANT_AUTH must look like user:password")
    return user, password


def read_auth_file(path: Path) -> str:
    """The ``user:password`` on the first line of ``path`` (warns when others may read it)."""
    try:
        lines = path.expanduser().read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ConfigError(f"cannot read the login file {path}: {exc.strerror}") from None
    value = lines[0].strip() if lines else ""
    if not value:
        raise ConfigError(f"the login file {path} is empty: write user:password on its first line")
    if os.name == "posix" and path.expanduser().stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        print(
            f"WARNING: other users may read the login file {path}; chmod 600 it.",
            file=sys.stderr,
        )
    return value


def login_secret(settings: Settings, auth: str | None, auth_file: str | None) -> str | None:
    """The chat page's ``user:password``: ``--auth``, ``--auth-file``, ASSISTANT_AUTH or
    ASSISTANT_AUTH_FILE, first found."""
    if auth:
        return auth
    if auth_file:
        return read_auth_file(Path(auth_file))
    if settings.auth is not None:
        return settings.auth.get_secret_value()
    if settings.auth_file is not None:
        return read_auth_file(settings.auth_file)
    return None


def guarded_app(
    blocks: Any,
    settings: Settings,
    host: str,
    credentials: tuple[str, str] | None,
    options: dict[str, Any],
) -> Guard:
    """The ASGI app ``serve`` runs: Gradio mounted at ``/``, the guard in front."""
    import gradio as gr
    from fastapi import FastAPI

    # No /docs, /redoc or /openapi.json of the outer app: only Gradio's routes exist.
    outer = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app = gr.mount_gradio_app(
        outer,
        blocks,
        path="/",
        auth=credentials,
        auth_message="Log in to the news archive assistant." if credentials else None,
        show_error=False,
        max_file_size=settings.max_file_bytes,
        **options,
    )
    hosts, any_ip = allowed_hosts_for(host, parse_hosts(settings.allowed_hosts))
    backoff = LoginBackoff(settings.login_free_failures, settings.login_max_delay)
    return Guard(app, hosts=hosts, any_ip=any_ip, backoff=backoff)


def run(app: Guard, host: str, port: int, ready: Callable[[], None] | None = None) -> None:
    """Serve ``app`` until interrupted; ``ready`` is called once the server listens. X-Forwarded-For is not believed: the login back-off
    counts per connecting address, which a client cannot choose."""
    import threading
    import time

    import uvicorn

    config = uvicorn.Config(
        app,
        host=host.strip("[]"),
        port=port,
        log_level="warning",
        proxy_headers=False,
        server_header=False,
        timeout_graceful_shutdown=5,  # open event streams must not hold a shutdown forever
    )
    server = uvicorn.Server(config)
    if ready is not None:
        def announce() -> None:
            while not server.started and not server.should_exit:
                time.sleep(0.05)
            if server.started:
                ready()

        threading.Thread(target=announce, daemon=True).start()
    server.run()
