"""``assistant chat``: a conversation with the archive in the terminal.

Answers stream as they are written; follow-ups carry the conversation (as the chat page
does); ``/sources``, ``/open N``, ``/filters``, ``/new``, ``/help`` and ``/quit`` act on it.
The prompt comes first: the store, the encoder and the engine load on a thread while the
first question is typed, and stay loaded, so every later answer starts at once.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shlex
import shutil
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from ..config import Settings
from ..errors import AssistantError, InputError
from ..records import Filters

if TYPE_CHECKING:  # the heavy modules load on the warm-up thread, not before the prompt
    from ..answering.engines.engine import Engine
    from ..records import Answer
    from ..store.archive import Archive

PROMPT = "> "
HELP = """\
Type a question; follow-ups use the conversation so far.
  /sources            the sources of the last answer, with their quotes
  /open N             the quote of source N inside its article (title, publisher, date, link)
  /filters            show the filters; set them as `ask` takes them:
                      /filters --publisher NAME --since YYYY-MM-DD --until YYYY-MM-DD
                      (--publisher repeats; /filters clear removes them all)
  /new                start a new conversation
  /help               this list
  /quit               leave (or Ctrl+D); Ctrl+C stops an answer being written"""


class Warm:
    """The store, encoder, reader and engine, loaded on a thread from the start."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.said: list[str] = []  # what loading had to say (seeding), shown with the answer
        self._result: tuple[Archive, Engine] | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._load, name="chat-warm-up", daemon=True)
        self._thread.start()

    def _load(self) -> None:
        try:
            from ..answering.engines.engine import get_engine
            from ..embed.embedder import prefetch_embedder
            from ..ingestion.pipeline import ensure_seeded
            from ..judge import get_judge
            from ..store.archive import open_archive

            prefetch_embedder(self.settings)
            ensure_seeded(self.settings, say=self.said.append)
            archive = open_archive(self.settings)
            extractive = self.settings.engine_name() == "extractive"
            engine = get_engine(self.settings, archive.embedder if extractive else None)
            archive.embedder.embed_query("warm up")  # first calls of a session are slow
            get_judge()  # reads passages (extractive) and checks every engine's claims
            self._result = archive, engine
        except BaseException as exc:  # reported to the question that needs it
            self._error = exc

    def settle(self, timeout: float = 120.0) -> None:
        """Wait for loading to end before the process does: an interpreter that exits while
        the thread is inside the ONNX Runtime or Chroma can abort (SIGABRT) instead of
        exiting cleanly."""
        self._thread.join(timeout)

    def get(self) -> tuple[Archive, Engine]:
        """What was loaded, waiting for it; a failure is raised once, then loading retries."""
        self._thread.join()
        if self._error is not None:
            error, self._error = self._error, None
            self._thread = threading.Thread(target=self._load, name="chat-warm-up", daemon=True)
            self._thread.start()
            raise error
        assert self._result is not None
        return self._result


@dataclass
class Chat:
    """One terminal conversation: its turns, filters and last answer."""

    settings: Settings
    out: TextIO
    k: int | None = None
    filters: Filters | None = None  # resolved against the archive
    history: list[tuple[str, str]] = field(default_factory=list)
    last: Answer | None = None
    warm: Warm | None = None

    def say(self, text: str = "", end: str = "\n") -> None:
        self.out.write(text + end)
        self.out.flush()

    def loaded(self) -> tuple[Archive, Engine]:
        assert self.warm is not None
        archive, engine = self.warm.get()
        while self.warm.said:
            self.say(self.warm.said.pop(0))
        return archive, engine

    # ---------------------------------------------------------------------- asking
    def ask(self, question: str) -> None:
        from ..answering.pipeline import stream_answer
        from ..records import Answer
        from .output import cited_as, claim_notes, status_notes

        archive, engine = self.loaded()
        final: Answer | None = None
        written: list[str] = []
        stream = stream_answer(
            question,
            k=self.k,
            filters=self.filters,
            history=self.history or None,
            settings=self.settings,
            engine=engine,
        )
        try:
            for item in stream:
                if isinstance(item, Answer):
                    final = item
                else:
                    written.append(item)
                    self.say(item, end="")
        except KeyboardInterrupt:  # the dropped generator closes the engine's stream
            self.say("\n(stopped)")
            return
        assert final is not None
        self.say()
        if " ".join("".join(written).split()) != " ".join(final.text.split()):
            # Checking changed the text (a claim dropped, a citation moved): show what stands.
            self.say("After checking it against its sources:\n" + final.text)
        for note in status_notes(final):
            self.say(note)
        if not final.abstained and final.searched != final.question:
            self.say(f"(searched with the conversation: {final.searched})")
        if final.citations and not final.abstained:
            self.say(
                "Sources: " + "; ".join(f"[{c.number}] {cited_as(c)}" for c in final.citations)
            )
        for note in claim_notes(final):
            self.say(note)
        self.history.append((final.question, final.text))
        self.last = final

    # -------------------------------------------------------------------- commands
    def command(self, line: str) -> bool:
        """Run a /command; False when it asks to leave."""
        name, _, rest = line.partition(" ")
        name = name.lower()
        if name in ("/quit", "/exit", "/q"):
            return False
        if name == "/help":
            self.say(HELP)
        elif name == "/sources":
            self.sources()
        elif name == "/open":
            self.open(rest.strip())
        elif name == "/filters":
            self.set_filters(rest.strip())
        elif name == "/new":
            self.history.clear()
            self.last = None
            self.say("New conversation: the next question starts afresh.")
        else:
            self.say(f"Unknown command {name}: /help lists the commands.")
        return True

    def sources(self) -> None:
        from ..article_ids import short_id

        if self.last is None or not self.last.citations:
            self.say(
                "No sources: "
                + ("nothing asked yet." if self.last is None else "the last answer cites none.")
            )
            return
        for c in self.last.citations:
            self.say(f"[{c.number}] {c.title or '(untitled)'}")
            when = c.published or "undated"
            self.say(f"    {c.source or 'no publisher'} · {when} · id {short_id(c.doc_id)}")
            self.say(f"    “{c.quote}”")

    def open(self, which: str) -> None:
        from .output import quote_in_context

        citations = self.last.citations if self.last else []
        if not citations:
            self.say(
                "No sources to open: ask a question first."
                if self.last is None
                else "No sources to open: the last answer cites none."
            )
            return
        cited = next((c for c in citations if which.isdigit() and c.number == int(which)), None)
        if cited is None:
            listed = ", ".join(str(c.number) for c in citations)
            self.say(f"Give the number of a source of the last answer ({listed}): /open 1")
            return
        archive, _ = self.loaded()
        width = max(40, min(100, shutil.get_terminal_size().columns - 2))
        article = archive.store.get_article(cited.doc_id)
        self.say(quote_in_context(cited, article, width=width, color=self.out.isatty()))

    def set_filters(self, spec: str) -> None:
        if spec:
            wanted = parse_filters(spec, self.filters)
            self.filters = _resolved(self, wanted)
        self.say("Filters: " + describe(self.filters))


def parse_filters(spec: str, current: Filters | None) -> dict[str, Any] | None:
    """``--publisher NAME --since DATE --until DATE`` (the flags of ``ask``) over the
    current filters: a flag given replaces that part; ``clear`` removes them all."""
    try:
        words = shlex.split(spec)
    except ValueError as exc:
        raise InputError(f"cannot read the filters: {exc}") from None
    if words == ["clear"]:
        return None
    values: dict[str, Any] = {
        "sources": list(current.sources) if current else [],
        "since": current.since if current else None,
        "until": current.until if current else None,
    }
    publishers: list[str] = []
    i = 0
    while i < len(words):
        flag, eq, value = words[i].partition("=")
        if flag not in ("--publisher", "--since", "--until"):
            raise InputError(
                f"unknown filter {words[i]!r}: use --publisher, --since, --until or clear"
            )
        if not eq:
            i += 1
            if i == len(words):
                raise InputError(f"{flag} needs a value")
            value = words[i]
        if flag == "--publisher":
            publishers.append(value)
        else:
            values[flag[2:]] = value or None
        i += 1
    if publishers:
        values["sources"] = publishers
    return values


def describe(filters: Filters | None) -> str:
    """Filters as one line: "publisher: The Washington Times; since 2023-01-01"."""
    if filters is None or filters.is_empty():
        return "none (every publisher, any date)"
    parts = []
    if filters.sources:
        parts.append("publisher: " + ", ".join(filters.sources))
    if filters.since:
        parts.append(f"since {filters.since.isoformat()}")
    if filters.until:
        parts.append(f"until {filters.until.isoformat()}")
    return "; ".join(parts)


# ------------------------------------------------------------------------- terminal
def _readline(settings: Settings) -> tuple[Any, Path] | None:
    """Arrow-key editing and a history file, when a person is typing."""
    if not sys.stdin.isatty() or settings.chat_history == 0:
        return None
    try:
        import readline
    except ImportError:  # a Python built without it: plain input still works
        return None
    path = settings.data_dir / "chat_history"
    with contextlib.suppress(OSError):
        readline.read_history_file(path)
    readline.set_history_length(settings.chat_history)
    return readline, path


def _save_history(found: tuple[Any, Path] | None) -> None:
    if found is None:
        return
    readline, path = found
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        readline.write_history_file(path)
        os.chmod(path, 0o600)  # questions can be private


def run(args: argparse.Namespace, settings: Settings, filters: dict[str, Any] | None) -> int:
    """The REPL of ``assistant chat``; returns the exit code."""
    from ..text.redact import current_secrets, redact

    chat = Chat(settings, sys.stdout, k=args.k)
    chat.warm = Warm(settings)
    typing = sys.stdin.isatty()
    if filters:  # from the command line: a bad one ends the command, as with `ask`
        chat.filters = _resolved(chat, filters)
    history = _readline(settings)
    chat.say(
        f"Ask about the articles ({settings.engine_name()} engine; /help lists the commands, /quit leaves)."
    )
    try:
        while True:
            try:
                line = input(PROMPT)
            except EOFError:
                chat.say()
                break
            except KeyboardInterrupt:
                chat.say()
                continue
            if not typing:  # piped in: show what was asked, as a transcript
                chat.say(line)
            line = line.strip()
            if not line:
                continue
            try:
                if line.startswith("/"):
                    if not chat.command(line):
                        break
                else:
                    chat.ask(line)
            except AssistantError as exc:
                chat.say(f"error: {redact(str(exc), current_secrets())}")
            except KeyboardInterrupt:  # while waiting for the archive: back to the prompt
                chat.say("\n(stopped)")
    finally:
        _save_history(history)
        chat.warm.settle()
    return 0


def _resolved(chat: Chat, filters: dict[str, Any] | None) -> Filters | None:
    """Filters checked against the archive (publishers as it names them), or None."""
    from ..retrieval.checks import resolve_filters

    archive, _ = chat.loaded()
    resolved = resolve_filters(archive, filters)
    return None if resolved is None or resolved.is_empty() else resolved
