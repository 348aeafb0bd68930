"""The chat page (``assistant serve``): ask with cited answers, manage the articles.

``build_app(settings)`` puts the page together: its layout is :mod:`assistant.ui.layout`,
its events :mod:`assistant.ui.events`, their handlers :mod:`assistant.ui.actions`, HTML
:mod:`assistant.ui.render` (where all article text is escaped). ``serve(...)`` launches it,
on loopback by default. The chat is also an API endpoint, ``api_name="ask"``:
``ask(question, publishers=None, since="", until="", history=None) -> dict`` (the
``Answer.to_dict()`` JSON: text, citations, abstained, claims, engine, model, searched).
"""

from __future__ import annotations

import logging
import os
import tempfile
from typing import Any

from ..config import Settings, env_file_note, env_file_path, set_offline_env

set_offline_env()  # before gradio is imported: no analytics, no hub

import gradio as gr  # noqa: E402

from ..errors import ConfigError  # noqa: E402
from ..ingestion.pipeline import ensure_seeded  # noqa: E402
from ..store.archive import open_archive  # noqa: E402
from ..store.follow import follow  # noqa: E402
from ..text.redact import install_log_filter  # noqa: E402
from ..web import server  # noqa: E402
from ..web.server import is_loopback, login_secret, parse_auth  # noqa: E402, F401 - re-exported
from .actions import remove_choices  # noqa: E402
from .assets import CSS  # noqa: E402
from .events import wire_api, wire_articles, wire_asking  # noqa: E402
from .layout import PAGE_TITLE, articles_html, articles_tab, ask_tab, page_header  # noqa: E402
from .render import render_status  # noqa: E402

log = logging.getLogger("assistant.ui")


def engine_label(settings: Settings) -> tuple[str, str]:
    """(engine, model) as the header shows them, without loading a model."""
    name = settings.engine_name()
    if name == "openai":
        return name, settings.llm_model
    if name == "local":
        return name, settings.llm_model_path.name if settings.llm_model_path else ""
    return name, "verbatim quotes"


# --------------------------------------------------------------------------------- app
def build_app(settings: Settings | None = None, *, seed: bool = True) -> gr.Blocks:
    """The chat page over the archive of ``settings`` (the seeds ingested first when empty)."""
    settings = settings or Settings()
    if seed:
        ensure_seeded(settings, say=lambda m: log.info(m))
    engine, model = engine_label(settings)

    def status() -> str:
        return render_status(engine, model, len(open_archive(settings).store.registry()))

    def publishers_update() -> Any:
        return gr.update(choices=open_archive(settings).store.sources())

    def refresh(search: str = "") -> tuple[Any, ...]:
        return (
            status(),
            articles_html(settings, search),
            gr.update(choices=remove_choices(settings), value=None),
            publishers_update(),
        )

    # Uploaded files no handler took (or sent from a script and never added) are deleted
    # from Gradio's upload cache once they are this old; added ones right after the ingest.
    keep = max(1, settings.upload_keep_seconds)
    with gr.Blocks(
        title=PAGE_TITLE, analytics_enabled=False, delete_cache=(min(keep, 60), keep)
    ) as app:
        header = page_header(status())
        turns = gr.State([])
        past = gr.State([])  # this session's saved conversations, newest first
        current = gr.State("")  # the id the current conversation is saved under
        with gr.Tabs():
            with gr.Tab("Ask", id="ask"), gr.Row(equal_height=False):
                asking = ask_tab(settings)
            with gr.Tab("Articles", id="articles"):
                listing = articles_tab(settings)

        wire_asking(settings, asking, turns, past, current)
        # Articles: every change refreshes the header, the list and the choices.
        refreshed = [header, listing.articles, listing.doomed, asking.publishers]
        wire_articles(settings, listing, refreshed, refresh)
        app.load(lambda: refresh(""), outputs=refreshed, api_visibility="private")
        wire_api(settings)
    return app


def launch_options() -> dict[str, Any]:
    """Look and offline behaviour for ``launch()``: system fonts, so no font is fetched."""
    fonts = ["ui-sans-serif", "system-ui", "-apple-system", "Segoe UI", "Roboto", "sans-serif"]
    mono = ["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"]
    theme = gr.themes.Soft(primary_hue="blue", font=fonts, font_mono=mono)
    return {"theme": theme, "css": CSS, "ssr_mode": False, "footer_links": ["api"]}


# -------------------------------------------------------------------------------- serve
def serve(
    settings: Settings,
    host: str = "127.0.0.1",
    port: int = 7860,
    auth: str | None = None,
    no_auth: bool = False,
    auth_file: str | None = None,
) -> int:
    """Serve the chat page and block. Off loopback a login is required unless ``no_auth``.

    Every request passes :class:`assistant.web.guard.Guard` first (Host, Origin, framing
    headers, login back-off); see README "Security"."""
    # Our own messages at INFO; libraries (httpx logs every request) only when they warn.
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    logging.getLogger("assistant").setLevel(logging.INFO)
    if env_file_path(settings.data_dir).is_file():
        print(env_file_note(settings))  # which settings file steered this server (none: nothing to say)
    secret = login_secret(settings, auth, auth_file)
    install_log_filter(settings, [secret] if secret else None)  # keys never reach the log
    credentials = parse_auth(secret) if secret else None
    if not is_loopback(host) and credentials is None and not no_auth:
        raise ConfigError(
            f"serving on {host} would let anyone on the network read and change the archive: "
            "give --auth-file FILE (or ASSISTANT_AUTH / ASSISTANT_AUTH_FILE), or --no-auth "
            "to allow it"
        )
    ensure_seeded(settings, say=print)
    follow(settings)  # what other app servers write to the same store reaches this one
    # Uploads go to a folder of this process's own: Gradio's shared default (/tmp/gradio) is
    # swept by every app's cache clean-up, which would delete another server's uploads.
    if not os.environ.get("GRADIO_TEMP_DIR"):
        os.environ["GRADIO_TEMP_DIR"] = tempfile.mkdtemp(prefix="assistant-uploads-")
    app = build_app(settings, seed=False)
    app.queue(default_concurrency_limit=4)
    line = start_line(settings, host, port, credentials[0] if credentials else None)
    # Said once the server listens, so the URL printed is one that answers.
    server.run(
        server.guarded_app(app, settings, host, credentials, launch_options()), host, port,
        ready=lambda: print(line, flush=True),
    )
    return 0


def start_line(settings: Settings, host: str, port: int, user: str | None) -> str:
    """The one line ``assistant serve`` prints: where, who may reach it, what it serves."""
    count = len(open_archive(settings).store.registry())
    engine, model = engine_label(settings)
    serving = (
        f"{count} article{'' if count == 1 else 's'}, {engine} engine"
        + (f" ({model})" if model else "")
    )
    url = f"http://{host}:{port}"
    if user:
        return f"Serving {url} with a login (user {user!r}): {serving}."
    if not is_loopback(host):
        return (
            f"WARNING: serving {url} WITHOUT a login (--no-auth): anyone who can reach this "
            f"address can read and change the archive. {serving}."
        )
    return f"Serving {url} (this machine only): {serving}. Ctrl+C stops it."
