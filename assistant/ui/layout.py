"""The chat page's layout: the header, the Ask tab and the Articles tab, made as Gradio
components inside the caller's ``gr.Blocks`` (:func:`assistant.ui.app.build_app`);
:mod:`assistant.ui.events` wires them to the actions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from ..config import Settings
from ..ingestion.suffixes import UPLOAD_SUFFIXES
from ..store.archive import open_archive
from .actions import article_rows, remove_choices
from .assets import PAGE_JS
from .render import render_articles, render_transcript

# Questions the seed article answers, so a new user sees the page work at once.
SEED_EXAMPLES = (
    "What is this article about?",
    "Who is Russia's ambassador to North Korea?",
    "Who heads South Korea's National Intelligence Service?",
    "How many missile launches has North Korea carried out since 2022?",
)
PAGE_TITLE = "News archive assistant"


@dataclass
class AskTab:
    """The Ask tab: the transcript and its buttons, the question, the filters, the
    conversations of this session."""

    transcript: Any
    retry: Any
    edit: Any
    question: Any
    ask: Any
    examples: list[Any]
    publishers: Any
    since: Any
    until: Any
    clear: Any
    conversations: Any


@dataclass
class ArticlesTab:
    """The Articles tab: adding files and URLs, searching and removing articles."""

    files: Any
    add_files: Any
    url: Any
    add_url: Any
    progress: Any
    search: Any
    doomed: Any
    remove_btn: Any
    articles: Any


def articles_html(settings: Settings, search: str = "") -> str:
    total = len(open_archive(settings).store.registry())
    return render_articles(article_rows(settings, search), total, search)


def page_header(status_html: str) -> Any:
    """The title row; returns the status line (engine, model, article count)."""
    with gr.Row(elem_classes="nx-header"):
        gr.HTML(
            f"<h1>{PAGE_TITLE}</h1><div class='nx-sub'>Answers quote and cite your "
            "articles, or say they do not cover the question.</div>",
            js_on_load=None,
        )
        return gr.HTML(status_html, js_on_load=None, elem_id="nx-status")


def ask_tab(settings: Settings) -> AskTab:
    """The Ask tab's components (made inside its ``gr.Tab`` and row)."""
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
    return AskTab(
        transcript, retry, edit, question, ask, examples,
        publishers, since, until, clear, conversations,
    )


def articles_tab(settings: Settings) -> ArticlesTab:
    """The Articles tab's components (made inside its ``gr.Tab``)."""
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
    return ArticlesTab(files, add_files, url, add_url, progress, search, doomed, remove_btn, articles)
