"""The chat page (``assistant serve``): ask with cited answers, manage the articles.

``build_app(settings)`` lays out the Gradio Blocks; ``serve(...)`` launches it, on loopback
by default. Handlers live in :mod:`assistant.ui.actions`, HTML in :mod:`assistant.ui.render`
(where all article text is escaped). The chat is also an API endpoint, ``api_name="ask"``:
``ask(question, publishers=None, since="", until="", history=None) -> dict`` (the
``Answer.to_dict()`` JSON: text, citations, abstained, claims, engine, model, searched).
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path
from typing import Any

from ..config import Settings, env_file_note, env_file_path, set_offline_env

set_offline_env()  # before gradio is imported: no analytics, no hub

import gradio as gr  # noqa: E402

from ..errors import ConfigError, InputError  # noqa: E402
from ..ingestion.pipeline import ensure_seeded, remove  # noqa: E402
from ..store.archive import open_archive  # noqa: E402
from ..store.follow import follow  # noqa: E402
from ..text.redact import install_log_filter  # noqa: E402
from ..web import server  # noqa: E402
from ..web.server import is_loopback, login_secret, parse_auth  # noqa: E402, F401 - re-exported
from .actions import (  # noqa: E402
    UPLOAD_SUFFIXES,
    api_ask,
    article_rows,
    ask_and_save,
    discard_uploads,
    edit_last,
    new_conversation,
    open_conversation,
    remove_choices,
    retry_last,
    run_ingest,
    shown_error,
    stage_uploads,
)
from .assets import CSS, PAGE_JS  # noqa: E402
from .render import render_articles, render_status, render_transcript  # noqa: E402

log = logging.getLogger("assistant.ui")

# Questions the seed article answers, so a new user sees the page work at once.
SEED_EXAMPLES = (
    "Who is Russia's ambassador to North Korea?",
    "Who heads South Korea's National Intelligence Service?",
    "How many missile launches has North Korea carried out since 2022?",
)
PAGE_TITLE = "News archive assistant"


def engine_label(settings: Settings) -> tuple[str, str]:
    """(engine, model) as the header shows them, without loading a model."""
    name = settings.engine_name()
    if name == "openai":
        return name, settings.llm_model
    if name == "local":
        return name, settings.llm_model_path.name if settings.llm_model_path else ""
    return name, "verbatim quotes"


def articles_html(settings: Settings, search: str = "") -> str:
    total = len(open_archive(settings).store.registry())
    return render_articles(article_rows(settings, search), total, search)


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
        with gr.Row(elem_classes="nx-header"):
            gr.HTML(
                f"<h1>{PAGE_TITLE}</h1><div class='nx-sub'>Answers quote and cite your "
                "articles, or say they do not cover the question.</div>",
                js_on_load=None,
            )
            header = gr.HTML(status(), js_on_load=None, elem_id="nx-status")
        turns = gr.State([])
        past = gr.State([])  # this session's saved conversations, newest first
        current = gr.State("")  # the id the current conversation is saved under
        with gr.Tabs():
            with gr.Tab("Ask", id="ask"), gr.Row(equal_height=False):
                with gr.Column(scale=4):
                    transcript = gr.HTML(
                        render_transcript([]),
                        elem_id="nx-transcript",
                        js_on_load=PAGE_JS,
                        min_height=380,
                        max_height=620,
                        # The page script brings the newest answer into view; Gradio's own
                        # autoscroll moved the page when a source was opened.
                        autoscroll=False,
                    )
                    with gr.Row(elem_id="nx-turn-actions"):
                        retry = gr.Button(
                            "↻ Retry", size="sm", variant="secondary", elem_id="nx-retry"
                        )
                        edit = gr.Button(
                            "✎ Edit last question",
                            size="sm",
                            variant="secondary",
                            elem_id="nx-edit",
                        )
                    with gr.Row():
                        question = gr.Textbox(
                            placeholder="Ask about the articles…",
                            show_label=False,
                            lines=1,
                            max_lines=6,
                            scale=8,
                            elem_id="nx-question",
                            autofocus=True,
                            max_length=settings.max_question_chars,
                        )
                        ask = gr.Button("Ask", variant="primary", scale=1, elem_id="nx-ask")
                    with gr.Row(elem_classes="nx-examples"):
                        examples = [
                            gr.Button(q, size="sm", variant="secondary") for q in SEED_EXAMPLES
                        ]
                with gr.Column(scale=1, min_width=240):
                    gr.Markdown("**Filters** (apply to the next question)")
                    publishers = gr.Dropdown(
                        open_archive(settings).store.sources(),
                        multiselect=True,
                        label="Publisher",
                        elem_id="nx-publishers",
                    )
                    since = gr.Textbox(
                        label="From date", placeholder="YYYY-MM-DD", elem_id="nx-since"
                    )
                    until = gr.Textbox(
                        label="Until date", placeholder="YYYY-MM-DD", elem_id="nx-until"
                    )
                    clear = gr.Button("New conversation", size="sm", elem_id="nx-new")
                    conversations = gr.Radio(
                        [],
                        label="Conversations in this session",
                        elem_id="nx-past",
                    )
                    gr.Markdown(
                        "Follow-up questions use the conversation; each answer's "
                        "*How this was searched* shows the question as searched.",
                        elem_classes="nx-muted",
                    )
            with gr.Tab("Articles", id="articles"):
                with gr.Row():
                    with gr.Column():
                        files = gr.File(
                            label="Upload articles (txt, md, html, json, jsonl)",
                            file_count="multiple",
                            file_types=list(UPLOAD_SUFFIXES),
                            elem_id="nx-files",
                        )
                        add_files = gr.Button(
                            "Add files", variant="primary", elem_id="nx-add-files"
                        )
                    with gr.Column():
                        url = gr.Textbox(
                            label="Add an article by URL", placeholder="https://…", elem_id="nx-url"
                        )
                        add_url = gr.Button("Add URL", elem_id="nx-add-url")
                        progress = gr.Textbox(
                            label="Status", interactive=False, elem_id="nx-progress"
                        )
                with gr.Row():
                    search = gr.Textbox(
                        label="Search articles",
                        placeholder="title, publisher or id",
                        scale=3,
                        elem_id="nx-search",
                    )
                    doomed = gr.Dropdown(
                        remove_choices(settings),
                        label="Remove an article",
                        scale=3,
                        elem_id="nx-remove-choice",
                    )
                    remove_btn = gr.Button("Remove", variant="stop", scale=1, elem_id="nx-remove")
                articles = gr.HTML(articles_html(settings), elem_id="nx-articles", js_on_load=None)

        # Asking: a generator streams the transcript, then saves the conversation.
        filters = [publishers, since, until]
        session = [past, current]
        asked = [transcript, turns, question, past, current, conversations]
        asking: dict[str, Any] = dict(
            outputs=asked, api_visibility="private", concurrency_limit=4, concurrency_id="ask"
        )

        def on_ask(q, t, pubs, s, u, p, c):
            yield from ask_and_save(q, t, pubs, s, u, p, c, settings)

        answering: list[dict[str, Any]] = [  # answers being written: leaving stops them
            ask.click(on_ask, inputs=[question, turns, *filters, *session], **asking),
            question.submit(on_ask, inputs=[question, turns, *filters, *session], **asking),
        ]

        def example(text: str):
            def on_example(t, pubs, s, u, p, c):
                yield from ask_and_save(text, t, pubs, s, u, p, c, settings)

            return on_example

        for button, text in zip(examples, SEED_EXAMPLES, strict=True):
            answering.append(
                button.click(example(text), inputs=[turns, *filters, *session], **asking)
            )

        def on_retry(t, pubs, s, u, p, c):
            yield from retry_last(t, pubs, s, u, p, c, settings)

        answering.append(retry.click(on_retry, inputs=[turns, *filters, *session], **asking))
        edit.click(
            edit_last,
            inputs=turns,
            outputs=[transcript, turns, question],
            api_visibility="private",
            cancels=answering,
        )
        clear.click(
            lambda t, p, c: new_conversation(t, p, c, settings),
            inputs=[turns, *session],
            outputs=[transcript, turns, *session, conversations],
            api_visibility="private",
            cancels=answering,
        )
        conversations.input(
            lambda chosen, t, p, c: open_conversation(chosen, t, p, c, settings),
            inputs=[conversations, turns, *session],
            outputs=[transcript, turns, *session, conversations],
            api_visibility="private",
            cancels=answering,
        )

        # Articles: every change refreshes the header, the list and the choices.
        refreshed = [header, articles, doomed, publishers]

        def on_files(paths, query):
            if not paths:
                yield ("Choose one or more files first.", *[gr.skip()] * 4, gr.skip())
                return
            try:
                with tempfile.TemporaryDirectory(prefix="assistant-upload-") as folder:
                    problems = stage_uploads(paths, settings, Path(folder))
                    last = "; ".join(problems)
                    if any(Path(folder).iterdir()):
                        for line in run_ingest([folder], settings):
                            last = line + ("; " + "; ".join(problems) if problems else "")
                            yield (last, *[gr.skip()] * 4, gr.skip())
            finally:
                discard_uploads(paths)  # the archive keeps the text; the upload goes
            yield (last, *refresh(query), None)

        def on_url(link, query):
            link = (link or "").strip()
            if not link.startswith(("http://", "https://")):
                yield ("Give an http(s) URL.", *[gr.skip()] * 4, gr.skip())
                return
            last = ""
            for line in run_ingest([link], settings):
                last = line
                yield (last, *[gr.skip()] * 4, gr.skip())
            yield (last, *refresh(query), "" if last.startswith("Done") else gr.skip())

        def on_remove(doc_id, query):
            if not doc_id:
                return ("Choose an article to remove first.", *[gr.skip()] * 4)
            try:
                title = open_archive(settings).store.registry().get(doc_id)
                remove(doc_id, settings=settings)
            except InputError as exc:
                return (shown_error(exc, settings), *refresh(query))
            name = title.title if title else doc_id
            return (f"Removed: {name}", *refresh(query))

        write: dict[str, Any] = dict(
            api_visibility="private", concurrency_limit=1, concurrency_id="write"
        )
        add_files.click(
            on_files, inputs=[files, search], outputs=[progress, *refreshed, files], **write
        )
        add_url.click(on_url, inputs=[url, search], outputs=[progress, *refreshed, url], **write)
        url.submit(on_url, inputs=[url, search], outputs=[progress, *refreshed, url], **write)
        remove_btn.click(
            on_remove, inputs=[doomed, search], outputs=[progress, *refreshed], **write
        )
        search.change(
            lambda q: articles_html(settings, q),
            inputs=search,
            outputs=articles,
            api_visibility="private",
        )
        app.load(lambda: refresh(""), outputs=refreshed, api_visibility="private")

        def ask_endpoint(
            question: str,
            publishers: list[str] | None = None,
            since: str = "",
            until: str = "",
            history: list[list[str]] | None = None,
        ) -> dict:
            """Answer a question from the archive: text with [n] markers and its citations."""
            return api_ask(question, publishers, since, until, history, settings)

        gr.api(ask_endpoint, api_name="ask")
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
