"""The chat page (``assistant serve``): ask with cited answers, manage the articles.

``build_app(settings)`` returns the Gradio Blocks; ``serve(...)`` launches it on loopback
by default. HTML is built in :mod:`assistant.ui_render`, where all article text is escaped.
The chat is also an API endpoint, ``api_name="ask"`` (see :func:`api_ask`).
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import queue
import shutil
import tempfile
import threading
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from .config import Settings, set_offline_env

set_offline_env()  # before gradio is imported: no analytics, no hub

import gradio as gr  # noqa: E402

from .answer import answer as answer_question  # noqa: E402
from .answer import stream_answer  # noqa: E402
from .archive import open_archive  # noqa: E402
from .errors import AssistantError, ConfigError, InputError  # noqa: E402
from .fetch import size_limit_text  # noqa: E402
from .ingest import ensure_seeded, ingest, remove  # noqa: E402
from .models import Answer, Article, ArticleInfo  # noqa: E402
from .ui_render import (  # noqa: E402
    CSS,
    HOVER_JS,
    Turn,
    esc,
    render_answer,
    render_error,
    render_status,
    render_transcript,
)

log = logging.getLogger("assistant.ui")

UPLOAD_SUFFIXES = (".txt", ".md", ".html", ".htm", ".json", ".jsonl")
# Questions the seed article answers, so a new user sees the page work at once.
SEED_EXAMPLES = (
    "Who is Russia's ambassador to North Korea?",
    "What did South Korea's intelligence agency say about naval drills with China?",
    "How many missile launches has North Korea carried out since 2022?",
)
PAGE_TITLE = "News archive assistant"


# ------------------------------------------------------------------------------ helpers
def engine_label(settings: Settings) -> tuple[str, str]:
    """(engine, model) as the header shows them, without loading a model."""
    name = settings.engine_name()
    if name == "openai":
        return name, settings.llm_model
    if name == "local":
        return name, settings.llm_model_path.name if settings.llm_model_path else ""
    return name, "verbatim quotes"


def describe_filters(publishers: Sequence[str] | None, since: str, until: str) -> str:
    parts = []
    if publishers:
        parts.append("publisher: " + ", ".join(publishers))
    if since:
        parts.append(f"from {since}")
    if until:
        parts.append(f"until {until}")
    return "; ".join(parts)


def filters_of(publishers: Sequence[str] | None, since: str, until: str) -> dict[str, Any] | None:
    if not publishers and not (since or "").strip() and not (until or "").strip():
        return None
    return {
        "sources": list(publishers or ()),
        "since": (since or "").strip(),
        "until": (until or "").strip(),
    }


def _history(turns: Sequence[Turn]) -> list[tuple[str, str]]:
    return [(t.question, t.text) for t in turns if t.ok]


def _article_cache(settings: Settings):
    store = open_archive(settings).store
    cache: dict[str, Article | None] = {}

    def article_of(doc_id: str) -> Article | None:
        if doc_id not in cache:
            cache[doc_id] = store.get_article(doc_id)
        return cache[doc_id]

    return article_of


def _unexpected(exc: Exception) -> str:
    log.exception("unexpected error in the chat page")
    return f"Something went wrong ({type(exc).__name__}); the details are in the server log."


# ------------------------------------------------------------------------------- asking
def chat(
    question: str,
    turns: list[Turn] | None,
    publishers: list[str] | None,
    since: str,
    until: str,
    settings: Settings,
) -> Iterator[tuple[str, list[Turn], str]]:
    """Stream one answer into the transcript: yields (transcript html, turns, textbox)."""
    turns = list(turns or [])
    question = (question or "").strip()
    if not question:
        yield render_transcript(turns), turns, ""
        return
    text = ""
    yield render_transcript(turns, (question, text)), turns, ""
    filters = describe_filters(publishers, since, until)
    try:
        final: Answer | None = None
        for item in stream_answer(
            question,
            filters=filters_of(publishers, since, until),
            history=_history(turns) or None,
            settings=settings,
        ):
            if isinstance(item, Answer):
                final = item
            else:
                text += item
                yield render_transcript(turns, (question, text)), turns, ""
        assert final is not None
        key = uuid.uuid4().hex[:10]
        block = render_answer(final, key, _article_cache(settings), filters)
        turns.append(Turn(question, block, text=final.text))
    except AssistantError as exc:
        turns.append(Turn(question, render_error(str(exc)), ok=False))
    except Exception as exc:  # the page keeps serving whatever one question did
        turns.append(Turn(question, render_error(_unexpected(exc)), ok=False))
    yield render_transcript(turns), turns, ""


def api_ask(
    question: str,
    publishers: list[str] | None = None,
    since: str = "",
    until: str = "",
    history: list[list[str]] | None = None,
    settings: Settings | None = None,
) -> dict[str, Any]:
    """The ``ask`` endpoint: the answer as JSON (text, citations, abstained, searched ...).

    ``history`` is earlier [question, answer] pairs for follow-up questions.
    """
    settings = settings or Settings()
    pairs = [(str(q), str(a)) for q, a in (history or [])]
    try:
        result = answer_question(
            question,
            filters=filters_of(publishers, since, until),
            history=pairs or None,
            settings=settings,
        )
    except AssistantError as exc:
        raise gr.Error(str(exc), print_exception=False) from None
    return result.to_dict()


# ----------------------------------------------------------------------------- articles
def article_rows(settings: Settings, search: str = "") -> list[ArticleInfo]:
    infos = sorted(
        open_archive(settings).store.registry().values(),
        key=lambda a: (a.published, a.title),
        reverse=True,
    )
    needle = (search or "").strip().lower()
    if needle:
        infos = [a for a in infos if needle in f"{a.title} {a.source} {a.doc_id}".lower()]
    return infos


def render_articles(settings: Settings, search: str = "") -> str:
    rows = article_rows(settings, search)
    total = len(open_archive(settings).store.registry())
    if not rows:
        return (
            f'<div class="nx-muted">No articles match “{esc(search)}”.</div>'
            if search
            else ('<div class="nx-muted">The archive is empty: add files or a URL above.</div>')
        )
    body = "".join(
        f'<tr data-doc="{esc(a.doc_id)}"><td class="nx-t">{esc(a.title or a.doc_id)}</td>'
        f"<td>{esc(a.source or '–')}</td><td>{esc(a.published or '–')}</td>"
        f'<td class="nx-num">{a.chunks}</td><td class="nx-id">{esc(a.doc_id)}</td></tr>'
        for a in rows
    )
    shown = f"{len(rows)} of {total}" if len(rows) != total else str(total)
    return (
        f'<div class="nx-muted">{shown} articles</div>'
        '<table class="nx-table"><thead><tr><th>Title</th><th>Publisher</th><th>Date</th>'
        f"<th>Chunks</th><th>Id</th></tr></thead><tbody>{body}</tbody></table>"
    )


def remove_choices(settings: Settings) -> list[tuple[str, str]]:
    return [
        (
            f"{a.title or a.doc_id} ({a.source or 'no publisher'}, {a.published or 'undated'})",
            a.doc_id,
        )
        for a in article_rows(settings)
    ]


def stage_uploads(paths: Sequence[str], settings: Settings, folder: Path) -> list[str]:
    """Copy uploaded files into ``folder`` under generated names; return the problems."""
    problems = []
    for raw in paths:
        path = Path(raw)
        name = path.name
        suffix = path.suffix.lower()
        if suffix not in UPLOAD_SUFFIXES:
            problems.append(f"{name}: not a {', '.join(UPLOAD_SUFFIXES)} file")
            continue
        size = path.stat().st_size
        if size > settings.max_file_bytes:
            problems.append(f"{name}: larger than the {size_limit_text(settings)}")
            continue
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
        # The same file uploaded twice keeps one id, so it is recognised as unchanged.
        shutil.copyfile(path, folder / f"upload-{digest}{suffix}")
    return problems


def run_ingest(targets: list[str], settings: Settings) -> Iterator[str]:
    """Ingest in a worker thread, yielding progress lines, then the summary."""
    events: queue.Queue[tuple[int, str] | None] = queue.Queue()
    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            outcome["report"] = ingest(
                targets, settings=settings, progress=lambda done, title: events.put((done, title))
            )
        except AssistantError as exc:
            outcome["error"] = str(exc)
        except Exception as exc:
            outcome["error"] = _unexpected(exc)
        finally:
            events.put(None)

    threading.Thread(target=work, daemon=True, name="ingest").start()
    yield "Reading…"
    while (event := events.get()) is not None:
        done, title = event
        yield f"Indexing article {done}: {title[:80]}"
    if "error" in outcome:
        yield f"Could not add: {outcome['error']}"
        return
    report = outcome["report"]
    yield f"Done: {report.summary()}, {report.chunks} chunks written."


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
            render_articles(settings, search),
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
                        max_height="62vh",
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
                            label="Ingest progress", interactive=False, elem_id="nx-progress"
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
                articles = gr.HTML(
                    render_articles(settings), elem_id="nx-articles", js_on_load=None
                )

        # Asking: a generator streams the transcript.
        def on_ask(q, t, pubs, s, u):
            yield from chat(q, t, pubs, s, u, settings)

        ask_io = dict(
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

        write = dict(api_visibility="private", concurrency_limit=1, concurrency_id="write")
        add_files.click(
            on_files, inputs=[files, search], outputs=[progress, *refreshed, files], **write
        )
        add_url.click(on_url, inputs=[url, search], outputs=[progress, *refreshed, url], **write)
        url.submit(on_url, inputs=[url, search], outputs=[progress, *refreshed, url], **write)
        remove_btn.click(
            on_remove, inputs=[doomed, search], outputs=[progress, *refreshed], **write
        )
        search.change(
            lambda q: render_articles(settings, q),
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
    return {"theme": theme, "css": CSS + ARTICLES_CSS, "ssr_mode": False, "footer_links": ["api"]}


ARTICLES_CSS = """
.nx-table { width:100%; border-collapse:collapse; font-size:0.9rem; margin-top:6px; }
.nx-table th { text-align:left; font-weight:600; border-bottom:2px solid var(--border-color-primary);
  padding:6px 8px; }
.nx-table td { border-bottom:1px solid var(--border-color-primary); padding:6px 8px; vertical-align:top; }
.nx-table .nx-num { text-align:right; }
.nx-table .nx-id { color:var(--body-text-color-subdued); font-family:var(--font-mono); font-size:0.8rem;
  word-break:break-all; }
"""


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
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    secret = auth or (settings.auth.get_secret_value() if settings.auth else None)
    credentials = parse_auth(secret) if secret else None
    if not is_loopback(host) and credentials is None and not no_auth:
        raise ConfigError(
            f"serving on {host} would let anyone on the network read and change the archive: "
            "give --auth user:password (or ASSISTANT_AUTH), or --no-auth to allow it"
        )
    ensure_seeded(settings, say=print)
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
