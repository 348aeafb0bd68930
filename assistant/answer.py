"""``answer()`` and ``stream_answer()``: retrieve, let an engine write, cite, check."""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from typing import Any

from .archive import Archive, open_archive
from .citations import Renumberer, assemble
from .config import Settings
from .engines import Engine, Turn, get_engine
from .errors import InputError
from .models import Answer, Filters, Passage
from .openai_engine import StreamCut
from .refusal import REFUSAL, is_refusal
from .retrieve import search
from .text_match import fold


def check_question(question: str, settings: Settings) -> str:
    """The question with control characters removed, or a clear error."""
    if not isinstance(question, str):
        raise InputError("the question must be text")
    cleaned = "".join(
        ch if unicodedata.category(ch)[0] != "C" or ch in "\n\t" else " " for ch in question
    )
    cleaned = " ".join(cleaned.split())
    if not cleaned:
        raise InputError("the question is empty: ask something about the articles")
    if len(cleaned) > settings.max_question_chars:
        raise InputError(
            f"the question is {len(cleaned)} characters long; the limit is "
            f"{settings.max_question_chars} (ASSISTANT_MAX_QUESTION_CHARS)"
        )
    return cleaned


def match_publishers(wanted: str, known: Sequence[str]) -> list[str]:
    """Publishers of the archive that a name refers to: exact, contained ("The Independent"
    for "The Independent - Life and Style") or a close spelling."""
    w = fold(wanted).strip()
    exact = [k for k in known if fold(k) == w]
    if exact:
        return exact
    contained = [k for k in known if w and (w in fold(k) or fold(k) in w)]
    if contained:
        return contained
    folded = {fold(k): k for k in known}
    return [folded[m] for m in difflib.get_close_matches(w, list(folded), n=3, cutoff=0.8)]


def _as_date(value: Any, name: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise InputError(f"{name} must be a date like 2023-10-13, not {value!r}") from None


def resolve_filters(archive: Archive, filters: Filters | Mapping[str, Any] | None) -> Filters | None:
    """Check a filter against the archive: publishers resolved to the names it holds."""
    if filters is None:
        return None
    if isinstance(filters, Mapping):
        pubs = filters.get("sources") or filters.get("publisher") or filters.get("publishers") or ()
        pubs = (pubs,) if isinstance(pubs, str) else tuple(pubs)
        filters = Filters(
            sources=pubs,
            since=_as_date(filters.get("since"), "since"),
            until=_as_date(filters.get("until"), "until"),
        )
    if filters.since and filters.until and filters.since > filters.until:
        raise InputError(f"the date range is empty: since {filters.since} is after until {filters.until}")
    if not filters.sources:
        return filters
    known = archive.store.sources()
    resolved: list[str] = []
    for name in filters.sources:
        found = match_publishers(name, known)
        if not found:
            listing = ", ".join(known[:20]) + (" ..." if len(known) > 20 else "")
            raise InputError(f"unknown publisher {name!r}; the archive holds: {listing or 'no publishers yet'}")
        resolved.extend(f for f in found if f not in resolved)
    return Filters(sources=tuple(resolved), since=filters.since, until=filters.until)


def stream_answer(
    question: str,
    *,
    k: int | None = None,
    filters: Filters | Mapping[str, Any] | None = None,
    history: Sequence[Turn] | None = None,
    settings: Settings | None = None,
    engine: Engine | None = None,
) -> Iterator[str | Answer]:
    """Yield the answer's text as the engine writes it, then the finished :class:`Answer`.

    The streamed text still carries the engine's own passage numbers; the final Answer's
    text carries the citation numbers.
    """
    settings = settings or Settings()
    question = check_question(question, settings)
    archive = open_archive(settings)
    resolved = resolve_filters(archive, filters)
    if engine is None:
        engine = get_engine(settings, archive.embedder if settings.engine_name() == "extractive" else None)
    searched = engine.rewrite(question, list(history)) if history else question
    passages = search(archive, searched, k=k or settings.top_k, filters=resolved)
    shown = passages if engine.name == "extractive" else passages[: settings.answer_passages]
    base = Answer(question=question, text=REFUSAL, abstained=True, engine=engine.name,
                  model=engine.model, searched=searched, passages=passages)
    if not shown:
        yield REFUSAL
        yield base
        return
    pieces: list[str] = []
    renumber = Renumberer(len(shown))
    incomplete = False
    try:
        for piece in engine.stream(searched, shown):
            pieces.append(piece)
            out = renumber.feed(piece)
            if out:
                yield out
    except StreamCut:
        if not pieces:
            raise
        incomplete = True
    tail = renumber.flush()
    if tail:
        yield tail
    yield finish(base, "".join(pieces), shown, settings, incomplete)


def finish(base: Answer, raw: str, passages: list[Passage], settings: Settings, incomplete: bool) -> Answer:
    """Turn an engine's raw text into the final Answer (citations, claims, abstention)."""
    text, citations, claims = assemble(raw, passages)
    if not citations or (is_refusal(raw) and len(citations) == 0):
        return base
    if settings.unsupported_claims == "drop" and claims:
        kept = [c for c in claims if c.supported]
        if not kept:
            return base
    base.text, base.citations, base.claims = text, citations, claims
    base.abstained, base.incomplete = False, incomplete
    return base


def answer(
    question: str,
    *,
    k: int | None = None,
    filters: Filters | Mapping[str, Any] | None = None,
    history: Sequence[Turn] | None = None,
    settings: Settings | None = None,
    engine: Engine | None = None,
) -> Answer:
    """Answer a question from the archive, with every sentence citing its source."""
    final: Answer | None = None
    for item in stream_answer(question, k=k, filters=filters, history=history, settings=settings, engine=engine):
        if isinstance(item, Answer):
            final = item
    assert final is not None
    return final


__all__ = ["answer", "check_question", "resolve_filters", "stream_answer"]
