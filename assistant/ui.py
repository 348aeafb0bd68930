"""The chat page (``assistant serve``): ask with cited answers, manage the articles.

``build_app(settings)`` lays out the Gradio Blocks; ``serve(...)`` launches it, on loopback
by default. Handlers live in :mod:`assistant.ui_actions`, HTML in :mod:`assistant.ui_render`
(where all article text is escaped). The chat is also an API endpoint, ``api_name="ask"``:
``ask(question, publishers=None, since="", until="", history=None) -> dict`` (the
``Answer.to_dict()`` JSON: text, citations, abstained, claims, engine, model, searched).
"""

from __future__ import annotations

import ipaddress
import logging
import tempfile
from pathlib import Path
from typing import Any

from .config import Settings, set_offline_env

set_offline_env()  # before gradio is imported: no analytics, no hub

import gradio as gr  # noqa: E402

from .archive import open_archive  # noqa: E402
from .errors import ConfigError, InputError  # noqa: E402
from .ingest import ensure_seeded, remove  # noqa: E402
from .redact import install_log_filter  # noqa: E402
from .sync import follow  # noqa: E402
from .ui_actions import (  # noqa: E402
    UPLOAD_SUFFIXES,
    api_ask,
    article_rows,
    chat,
    remove_choices,
    run_ingest,
    stage_uploads,
)
from .ui_render import CSS, HOVER_JS, render_articles, render_status, render_transcript  # noqa: E402

log = logging.getLogger("assistant.ui")

# Questions the seed article answers, so a new user sees the page work at once.
SEED_EXAMPLES = (
    "Who is Russia's ambassador to North Korea?",
    "What did South Korea's intelligence agency say about naval drills with China?",
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

    with gr.Blocks(title=PAGE_TITLE, analytics_enabled=False) as app:
        with gr.Row(elem_classes="nx-header"):
            gr.HTML(
                f"<h1>{PAGE_TITLE}</h1><div class='nx-sub'>Answers quote and cite your "
                "articles, or say they do not cover the question.</div>",
                js_on_load=None,
            )
            header = gr.HTML(status(), js_on_load=None, elem_id="nx-status")
        turns = gr.State([])
        with gr.Tabs():
            with gr.Tab("Ask", id="ask"), gr.Row(equal_height=False):
                with gr.Column(scale=4):
                    transcript = gr.HTML(
                        render_transcript([]),
                        elem_id="nx-transcript",
                        js_on_load=HOVER_JS,
                        min_height=380,
                        max_height=620,
                        autoscroll=True,
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
                    clear = gr.Button("New conversation", size="sm")
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

        # Asking: a generator streams the transcript.
        def on_ask(q, t, pubs, s, u):
            yield from chat(q, t, pubs, s, u, settings)

        ask_io: dict[str, Any] = dict(
            fn=on_ask,
            inputs=[question, turns, publishers, since, until],
            outputs=[transcript, turns, question],
            api_visibility="private",
            concurrency_limit=4,
            concurrency_id="ask",
        )
        ask.click(**ask_io)
        question.submit(**ask_io)

        def example(text: str):
            def on_example(t, pubs, s, u):
                yield from chat(text, t, pubs, s, u, settings)

            return on_example

        for button, text in zip(examples, SEED_EXAMPLES, strict=True):
            button.click(
                example(text),
                inputs=[turns, publishers, since, until],
                outputs=[transcript, turns, question],
                api_visibility="private",
                concurrency_limit=4,
                concurrency_id="ask",
            )
        clear.click(
            lambda: (render_transcript([]), []),
            outputs=[transcript, turns],
            api_visibility="private",
        )

        # Articles: every change refreshes the header, the list and the choices.
        refreshed = [header, articles, doomed, publishers]

        def on_files(paths, query):
            if not paths:
                yield ("Choose one or more files first.", *[gr.skip()] * 4, gr.skip())
                return
            with tempfile.TemporaryDirectory(prefix="assistant-upload-") as folder:
                problems = stage_uploads(paths, settings, Path(folder))
                last = "; ".join(problems)
                if any(Path(folder).iterdir()):
                    for line in run_ingest([folder], settings):
                        last = line + ("; " + "; ".join(problems) if problems else "")
                        yield (last, *[gr.skip()] * 4, gr.skip())
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
                return (str(exc), *refresh(query))
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


def serve(
    settings: Settings,
    host: str = "127.0.0.1",
    port: int = 7860,
    auth: str | None = None,
    no_auth: bool = False,
) -> int:
    """Launch the chat page and block. Off loopback a login is required unless ``no_auth``."""
    # Our own messages at INFO; libraries (httpx logs every request) only when they warn.
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    logging.getLogger("assistant").setLevel(logging.INFO)
    secret = auth or (settings.auth.get_secret_value() if settings.auth else None)
    install_log_filter(settings, [secret] if secret else None)  # keys never reach the log
    credentials = parse_auth(secret) if secret else None
    if not is_loopback(host) and credentials is None and not no_auth:
        raise ConfigError(
            f"serving on {host} would let anyone on the network read and change the archive: "
            "give --auth user:password (or ASSISTANT_AUTH), or --no-auth to allow it"
        )
    ensure_seeded(settings, say=print)
    follow(settings)  # what other app servers write to the same store reaches this one
    app = build_app(settings, seed=False)
    if credentials:
        print(f"Serving on http://{host}:{port} with a login (user {credentials[0]!r}).")
    elif not is_loopback(host):
        print(
            f"WARNING: serving on http://{host}:{port} WITHOUT a login (--no-auth): "
            "anyone who can reach this address can read and change the archive."
        )
    else:
        print(f"Serving on http://{host}:{port} (this machine only).")
    app.queue(default_concurrency_limit=4)
    app.launch(
        server_name=host,
        server_port=port,
        share=False,
        auth=credentials,
        auth_message="Log in to the news archive assistant.",
        show_error=False,
        max_file_size=settings.max_file_bytes,
        **launch_options(),
    )
    return 0
