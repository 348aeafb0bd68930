"""The chat page's events: asking (streamed, and stopped by whatever starts another
answer), the conversation buttons, adding and removing articles, and the ``ask`` API
endpoint. Each ``wire_*`` runs inside :func:`assistant.ui.app.build_app`'s ``gr.Blocks``."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gradio as gr

from ..config import Settings
from ..errors import InputError
from ..ingestion.pipeline import remove
from ..store.archive import open_archive
from .actions import (
    api_ask,
    ask_and_save,
    discard_uploads,
    edit_last,
    new_conversation,
    open_conversation,
    retry_last,
    run_ingest,
    shown_error,
    stage_uploads,
)
from .layout import SEED_EXAMPLES, ArticlesTab, AskTab, articles_html


def wire_asking(settings: Settings, tab: AskTab, turns: Any, past: Any, current: Any) -> None:
    """Ask, the examples, retry, edit, a new conversation and a saved one."""
    transcript, question, conversations = tab.transcript, tab.question, tab.conversations
    ask, examples, retry, edit, clear = tab.ask, tab.examples, tab.retry, tab.edit, tab.clear
    publishers, since, until = tab.publishers, tab.since, tab.until
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


def wire_articles(
    settings: Settings, tab: ArticlesTab, refreshed: list[Any], refresh: Callable[[str], tuple[Any, ...]]
) -> None:
    """Add files, add a URL, remove an article, search the list. Every change refreshes
    ``refreshed`` (the header, the list and the choices) through ``refresh``."""
    files, add_files, url, add_url = tab.files, tab.add_files, tab.url, tab.add_url
    progress, search, doomed, remove_btn = tab.progress, tab.search, tab.doomed, tab.remove_btn
    articles = tab.articles

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


def wire_api(settings: Settings) -> None:
    """The ``ask`` API endpoint (``gradio_client``: ``client.predict(..., api_name="/ask")``)."""

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
