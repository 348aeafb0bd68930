"""What the chat page does, apart from its layout: stream an answer into the transcript,
answer the ``ask`` API endpoint, stage uploads and run an ingest with progress."""

from __future__ import annotations

import hashlib
import logging
import queue
import shutil
import threading
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import gradio as gr

from .answer import answer as answer_question
from .answer import stream_answer
from .archive import open_archive
from .config import Settings
from .errors import AssistantError
from .fetch import size_limit_text
from .ingest import ingest
from .models import Answer, Article, ArticleInfo
from .sync import is_transport_error, reaching, unreachable
from .ui_render import Turn, render_answer, render_error, render_transcript

log = logging.getLogger("assistant.ui")

UPLOAD_SUFFIXES = (".txt", ".md", ".html", ".htm", ".json", ".jsonl")


# ------------------------------------------------------------------------------ helpers
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


def _unexpected(exc: Exception, settings: Settings | None = None) -> str:
    if settings is not None and settings.chroma_url and is_transport_error(exc):
        return str(unreachable(settings, exc))  # Chroma stopped answering mid-question
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
        turns.append(Turn(question, render_error(_unexpected(exc, settings)), ok=False))
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
        with reaching(settings):  # a Chroma server that stops answering: a clear message
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
    titles: list[str] = []
    while (event := events.get()) is not None:
        done, title = event
        titles.append(title[:120])
        yield f"Indexing article {done}: {titles[-1]}"
    if "error" in outcome:
        yield f"Could not add: {outcome['error']}"
        return
    report = outcome["report"]
    chunks = "1 chunk" if report.chunks == 1 else f"{report.chunks} chunks"
    read = f"“{titles[-1]}”" + (f" and {len(titles) - 1} more" if len(titles) > 1 else "")
    yield f"Done: {report.summary()}; {chunks} written. Read {read if titles else 'nothing'}."
