"""``answer()`` and ``stream_answer()``: retrieve, let an engine write, cite, check."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from ..config import Settings
from ..embed.embedder import Embedder, prefetch_embedder
from ..errors import EmptyArchiveError, InputError
from ..records import Answer, Claim, Filters, Passage, Usage
from ..retrieval.checks import check_question, resolve_filters
from ..retrieval.retrieve import search_all
from ..store.archive import Archive, open_archive
from . import decline as declining
from .checking import check_sentences, plain_text
from .citations import Renumberer, render, split_answer
from .claims import ClaimChecker
from .engines.engine import Engine, get_engine
from .engines.openai_chat import StreamCut
from .followups import Turn
from .overview import about_subject, is_overview, lead, subject, which_article
from .question_parts import uncovered_parts
from .refusal import REFUSAL, missing_part, words_not_mentioned


def check_history(history: Sequence[Sequence[Any]] | None, settings: Settings) -> list[Turn]:
    """Earlier (question, answer) turns as text, or a clear error when there are too many or
    one is too long: the question limit must not be bypassed through the conversation."""
    if history is None:
        return []
    if isinstance(history, str | bytes) or not isinstance(history, Sequence):
        raise InputError("the history must be a list of [question, answer] pairs")
    if len(history) > settings.max_history_turns:
        raise InputError(
            f"the conversation history has {len(history)} turns; the limit is "
            f"{settings.max_history_turns} (ASSISTANT_MAX_HISTORY_TURNS): send the latest ones"
        )
    turns: list[Turn] = []
    for n, turn in enumerate(history, 1):
        if (
            isinstance(turn, str | bytes)
            or not isinstance(turn, Sequence)
            or len(turn) != 2
            or not all(isinstance(part, str) for part in turn)
        ):
            raise InputError(f"turn {n} of the history is not a [question, answer] pair of texts")
        size = len(turn[0]) + len(turn[1])
        if size > settings.max_history_turn_chars:
            raise InputError(
                f"turn {n} of the history is {size} characters long; the limit is "
                f"{settings.max_history_turn_chars} (ASSISTANT_MAX_HISTORY_TURN_CHARS)"
            )
        turns.append((turn[0], turn[1]))
    return turns


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
    text carries the citation numbers. An archive with no articles raises
    :class:`~assistant.errors.EmptyArchiveError` (every entry point alike: the CLI and the
    chat page ingest the seed articles first).
    """
    settings = settings or Settings()
    question = check_question(question, settings)
    history = check_history(history, settings)
    prefetch_embedder(settings)  # loads while the store opens
    archive = open_archive(settings)
    archive.keep_up()  # what other app servers changed in the store since the last look
    if not archive.store.registry():
        # A refusal here would read as "the articles do not say": say what is wrong instead.
        where = (
            f"collection {settings.collection!r} on the Chroma server"
            if settings.chroma_url
            else str(settings.data_dir)
        )
        raise EmptyArchiveError(
            f"the archive ({where}) holds no articles: add some first with "
            "assistant.ingest(paths) (or `assistant ingest PATH`)"
        )
    resolved = resolve_filters(archive, filters)
    if engine is None:
        engine = get_engine(settings, archive.embedder)
    searched = engine.rewrite(question, list(history)) if history else question
    # The abstention until an engine writes and its claims are checked.
    base = Answer(
        question=question,
        text=REFUSAL,
        abstained=True,
        engine=engine.name,
        model=engine.model,
        searched=searched,
    )
    declined = decline(archive, question, base)
    if declined is not None:
        yield declined.text
        yield declined
        return
    if is_overview(searched):
        # what an article says as a whole: its lead, for the article the question means
        notice = which_article_notice(archive, searched)
        if notice is not None:
            base.text = notice
            yield notice
            yield base
            return
        about = subject(searched)
        searches, planning = [about or searched], None
        found = search_all(archive, searches, k=k or settings.top_k, filters=resolved)
        passages = with_lead(archive, found, about, searched)
    else:
        searches, planning = engine.plan(searched)
        depth = k or (
            max(settings.top_k, settings.planned_passages) if len(searches) > 1 else settings.top_k
        )
        passages = search_all(archive, searches, k=depth, filters=resolved)
    several = len(searches) > 1
    shown = engine.shown(passages, several)
    base.passages = passages
    base.searches = searches[:-1]  # the search questions a plan added, if any
    if not shown:
        yield REFUSAL
        yield base
        return
    pieces: list[str] = []
    renumber = Renumberer(len(shown), [p.doc_id for p in shown])
    incomplete = False
    usage: Usage | None = None
    try:
        for piece in engine.stream(searched, shown):
            if isinstance(piece, Usage):
                usage = piece
                continue
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
    base.usage = add_usage(planning, usage)
    yield finish(
        base, "".join(pieces), shown, settings, incomplete, archive.embedder, _article_texts(archive)
    )


def add_usage(*usages: Usage | None) -> Usage | None:
    """What several LLM calls of one answer cost together (None when none reported any)."""
    known = [u for u in usages if u is not None]
    if not known:
        return None
    return Usage(
        sum(u.prompt_tokens for u in known),
        sum(u.completion_tokens for u in known),
        estimated=any(u.estimated for u in known),
    )


def decline(archive: Archive, question: str, base: Answer) -> Answer | None:
    """The abstention to give instead of answering when the question is about publishers
    or publication dates the archive does not hold, or (in a large archive) much of it is
    words no article mentions (else None): "The archive holds no articles published by
    Bloomberg", never an answer from other publishers."""
    facts = archive.store.facts()
    if not facts.articles:
        return None  # nothing to search: the ordinary refusal follows
    vocabulary = archive.lexical.vocabulary()
    notice = declining.coverage_notice(
        question, facts.publishers, facts.authors, facts.published, vocabulary.unmentioned
    )
    if notice is None and facts.articles >= declining.UNKNOWN_MIN_ARTICLES:
        unknown = declining.unknown_words(question, vocabulary.analyse, vocabulary.terms)
        notice = words_not_mentioned(unknown) if unknown else None
    if notice is None:
        return None
    base.text = notice
    return base


def _article_texts(archive: Archive) -> Callable[[str], str | None]:
    """Each article's whole text by doc id, read from the store when first asked."""
    read: dict[str, str | None] = {}

    def text(doc_id: str) -> str | None:
        if doc_id not in read:
            try:
                article = archive.store.get_article(doc_id)
            except Exception:  # only a help to the checks (a server away): they judge the passages
                article = None
            read[doc_id] = article.text if article is not None else None
        return read[doc_id]

    return text


def which_article_notice(archive: Archive, question: str) -> str | None:
    """For an overview of "this article" in an archive of several, naming none: which
    article? (else None)."""
    registry = archive.store.registry()
    if subject(question) or len(registry) < 2:
        return None
    latest = sorted(registry.values(), key=lambda a: (a.published, a.title), reverse=True)
    return which_article([(a.title or a.url or a.doc_id, a.source) for a in latest], len(registry))


def with_lead(archive: Archive, passages: list[Passage], about: str = "", question: str = "") -> list[Passage]:
    """The passages of the best retrieved article about ``about``, its lead first (see
    :mod:`assistant.answering.overview`): the first, in the order retrieved, whose title or
    lead writes the subject (any, when the question names none); none when none does."""
    for doc_id in dict.fromkeys(p.doc_id for p in passages):
        own = [p for p in passages if p.doc_id == doc_id]
        try:
            article = archive.store.get_article(doc_id)
        except Exception:  # a server away: no lead to read
            article = None
        first = lead(article, own[0]) if article is not None else None
        if first is None or (about and not about_subject(about, [first], question)):
            continue
        return [first, *(p for p in own if p.start >= first.end)]
    return []


def finish(
    base: Answer,
    raw: str,
    passages: list[Passage],
    settings: Settings,
    incomplete: bool,
    embedder: Embedder | None = None,
    article_text: Callable[[str], str | None] | None = None,
) -> Answer:
    """Turn an engine's raw text into the final Answer.

    Every sentence that states a fact becomes a claim checked against the passages it cites
    (see :mod:`assistant.answering.claims`); markers are re-pointed to the passage that carries a claim
    when the cited one does not; unsupported claims are flagged (``supported=False``) or,
    with ``unsupported_claims="drop"``, removed. With no supported claim, and none that passes
    every exact check (only the verifier doubting it), the answer abstains (``base``, the
    refusal). Parts of the question no supported claim covers are named."""
    sentences = split_answer(raw, len(passages))
    checker = ClaimChecker(
        passages, embedder, question=base.question, article_text=article_text, reply=raw
    )
    check_sentences(sentences, checker)
    claims = [s for s in sentences if s.claim]
    shown = any(s.supported for s in claims) or (
        settings.unsupported_claims != "drop" and any(s.exact for s in claims)
    )
    if not shown:
        # no claim the passages carry, nor one whose names, numbers and dates they hold
        # (an invented answer): the refusal. A reply the verifier alone doubts is shown
        # with its claims flagged.
        base.incomplete = incomplete  # a cut-off reply is not the archive's verdict
        return base
    if settings.unsupported_claims == "drop":
        for s in claims:
            s.dropped = not s.supported
    missing = uncovered_parts(base.question, sentences)
    text, citations, numbers = render(raw, sentences, passages)
    if missing:
        text = f"{text} " + " ".join(missing_part(part) for part in missing)
    base.text, base.citations = text, citations
    base.claims = [
        Claim(
            text=plain_text(s.text),
            citations=list(dict.fromkeys(numbers[p] for p in s.cited if p in numbers)),
            supported=s.supported,
            quote=s.quote.text if s.quote else "",
            start=s.quote.start if s.quote else -1,
            end=s.quote.end if s.quote else -1,
            doc_id=passages[s.quote.passage].doc_id if s.quote else "",
            repointed=s.repointed,
        )
        for s in claims
        if not s.dropped
    ]
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
    for item in stream_answer(
        question, k=k, filters=filters, history=history, settings=settings, engine=engine
    ):
        if isinstance(item, Answer):
            final = item
    assert final is not None
    return final


__all__ = ["answer", "check_history", "check_question", "resolve_filters", "stream_answer"]
