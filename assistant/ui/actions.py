"""What the chat page does, apart from its layout: stream an answer into the transcript,
answer the ``ask`` API endpoint, stage uploads and run an ingest with progress."""

from __future__ import annotations

import contextlib
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

from ..answering.followups import Turn
from ..answering.pipeline import answer as answer_question
from ..answering.pipeline import check_history, stream_answer
from ..config import Settings
from ..errors import AssistantError
from ..ingestion.fetch import size_limit_text
from ..ingestion.pipeline import ingest
from ..ingestion.suffixes import UPLOAD_SUFFIXES
from ..records import Answer, Article, ArticleInfo
from ..store.archive import open_archive
from ..store.sync import is_transport_error, reaching, unreachable
from ..text.redact import redact
from .render import ShownTurn, render_answer, render_error, render_transcript
from .session import Conversation, choices, find, new_id, save, take_last

log = logging.getLogger("assistant.ui")



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


def _history(turns: Sequence[ShownTurn], settings: Settings) -> list[Turn]:
    """The conversation a follow-up carries: the latest turns, within the history limits."""
    kept = [t for t in turns if t.ok][-settings.max_history_turns :]
    if settings.max_history_turns <= 0:
        kept = []
    room = settings.max_history_turn_chars
    return [(t.question[:room], t.text[: max(0, room - len(t.question))]) for t in kept]


def _article_cache(settings: Settings):
    store = open_archive(settings).store
    cache: dict[str, Article | None] = {}

    def article_of(doc_id: str) -> Article | None:
        if doc_id not in cache:
            cache[doc_id] = store.get_article(doc_id)
        return cache[doc_id]

    return article_of


def shown_error(exc: Exception, settings: Settings) -> str:
    """An error's message as the page or the API shows it: no key, password or URL token
    (an error may quote a server's reply or a URL with user info)."""
    return redact(str(exc), settings)


def _unexpected(exc: Exception, settings: Settings | None = None) -> str:
    if settings is not None and settings.chroma_url and is_transport_error(exc):
        return str(unreachable(settings, exc))  # Chroma stopped answering mid-question
    log.exception("unexpected error in the chat page")
    return f"Something went wrong ({type(exc).__name__}); the details are in the server log."


# ------------------------------------------------------------------------------- asking
def chat(
    question: str,
    turns: list[ShownTurn] | None,
    publishers: list[str] | None,
    since: str,
    until: str,
    settings: Settings,
) -> Iterator[tuple[str, list[ShownTurn], str]]:
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
            history=_history(turns, settings) or None,
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
        turns.append(ShownTurn(question, block, text=final.text))
    except AssistantError as exc:
        turns.append(ShownTurn(question, render_error(shown_error(exc, settings)), ok=False))
    except Exception as exc:  # the page keeps serving whatever one question did
        turns.append(ShownTurn(question, render_error(_unexpected(exc, settings)), ok=False))
    yield render_transcript(turns), turns, ""


# ------------------------------------------------------------------------ conversations
# Handlers for the page's conversation controls. Each returns (transcript html, turns,
# question box, past conversations, current id, list update); gr.skip() leaves one as is.
AskOutputs = tuple[Any, Any, Any, Any, Any, Any]


def ask_and_save(
    question: str,
    turns: list[ShownTurn] | None,
    publishers: list[str] | None,
    since: str,
    until: str,
    past: list[Conversation] | None,
    current: str,
    settings: Settings,
) -> Iterator[AskOutputs]:
    """:func:`chat`, then the conversation saved in the session's list."""
    now = list(turns or [])
    shown: Any = gr.skip()
    for html_, now_turns, box in chat(question, now, publishers, since, until, settings):
        now, shown = now_turns, html_
        yield html_, now, box, gr.skip(), gr.skip(), gr.skip()
    current = current or new_id()
    saved = save(past or [], current, now, settings.max_conversations)
    yield (
        shown,  # the finished transcript again: the event's result holds it whole
        gr.skip(),
        gr.skip(),
        saved,
        current,
        gr.update(choices=choices(saved), value=current if now else None),
    )


def retry_last(
    turns: list[ShownTurn] | None,
    publishers: list[str] | None,
    since: str,
    until: str,
    past: list[Conversation] | None,
    current: str,
    settings: Settings,
) -> Iterator[AskOutputs]:
    """Ask the last question again (with the filters as they are now), replacing its answer."""
    rest, question = take_last(turns or [])
    if not question:
        yield (gr.skip(),) * 6
        return
    yield from ask_and_save(question, rest, publishers, since, until, past, current, settings)


def edit_last(turns: list[ShownTurn] | None) -> tuple[Any, Any, Any]:
    """Take back the last question: its answer goes, the question returns to the box."""
    rest, question = take_last(turns or [])
    if not question:
        return gr.skip(), gr.skip(), gr.skip()
    return render_transcript(rest), rest, question


def new_conversation(
    turns: list[ShownTurn] | None, past: list[Conversation] | None, current: str, settings: Settings
) -> tuple[Any, ...]:
    """Keep the current conversation in the list and start an empty one."""
    saved = save(past or [], current or new_id(), turns or [], settings.max_conversations)
    return render_transcript([]), [], saved, new_id(), gr.update(choices=choices(saved), value=None)


def open_conversation(
    chosen: str | None,
    turns: list[ShownTurn] | None,
    past: list[Conversation] | None,
    current: str,
    settings: Settings,
) -> tuple[Any, ...]:
    """Switch to a past conversation, keeping the current one in the list."""
    saved = save(past or [], current or new_id(), turns or [], settings.max_conversations)
    found = find(saved, chosen or "")
    if found is None:
        return gr.skip(), gr.skip(), saved, gr.skip(), gr.update(choices=choices(saved))
    return (
        render_transcript(found.turns),
        list(found.turns),
        saved,
        found.id,
        gr.update(choices=choices(saved), value=found.id),
    )


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
    try:
        pairs = check_history(history, settings)
        with reaching(settings):  # a Chroma server that stops answering: a clear message
            result = answer_question(
                question,
                filters=filters_of(publishers, since, until),
                history=pairs or None,
                settings=settings,
            )
    except AssistantError as exc:
        raise gr.Error(shown_error(exc, settings), print_exception=False) from None
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


def discard_uploads(paths: Sequence[str]) -> None:
    """Delete uploaded files from Gradio's upload cache (only there), and their folders
    when empty: a file is read once, its text then lives in the archive."""
    cache = Path(gr.utils.get_upload_folder()).resolve()
    for raw in paths:
        path = Path(raw).resolve()
        if cache not in path.parents:
            continue
        path.unlink(missing_ok=True)
        folder = path.parent
        if folder != cache:
            with contextlib.suppress(OSError):  # not empty: another upload landed there
                folder.rmdir()


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
            outcome["error"] = shown_error(exc, settings)
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
    if not titles:  # every input was skipped: the summary says why, file by file
        yield f"Nothing added: {report.summary()}"
        return
    read = f"“{titles[-1]}”" + (f" and {len(titles) - 1} more" if len(titles) > 1 else "")
    yield f"Done: {report.summary()}; {chunks} written. Read {read}."
