"""The ``openai`` engine: any OpenAI-compatible chat endpoint through the openai package."""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Iterator, Sequence
from typing import Any

from ...config import Settings
from ...errors import EngineError, describe_error
from ...records import Passage, Usage
from ...text.redact import StreamRedactor, display_url
from ...text.sentences import sentence_spans
from ..followups import Turn
from ..refusal import is_refusal
from ..templates import render

MAX_SEARCH_CHARS = 500  # a planned search question longer than this is cut
PLAN_TOKENS = 200  # the planning reply's limit: three search questions
_PLAN_USER = re.compile(r"Question: (.*)\nSearch questions:", re.DOTALL)


def _as_data(text: str) -> str:
    """Article text that cannot open or close a source block (see prompts/source.txt)."""
    return text.replace("<<<SOURCE", "<<SOURCE").replace("SOURCE ", "SOURCE\u00a0")


def _one_line(text: str) -> str:
    # Publisher and title come from the article too: a newline there could forge a block.
    return _as_data(" ".join(text.split()))


def format_sources(passages: Sequence[Passage]) -> str:
    """Numbered, delimited sources: article text stays data inside the user message."""
    return "\n\n".join(
        render(
            "source",
            number=i,
            source=_one_line(p.source) or "unknown publisher",
            published=_one_line(p.published) or "undated",
            title=_one_line(p.title),
            text=_as_data(p.text),
        )
        for i, p in enumerate(passages, 1)
    )


def estimate_tokens(text: str) -> int:
    """Tokens of a text for a GPT-style tokenizer, about four characters each (the prompt's
    budget and the cost when a server reports no usage)."""
    return math.ceil(len(text) / 4)


def prompt_passages(
    passages: Sequence[Passage], settings: Settings, several: bool = False
) -> list[Passage]:
    """What an LLM engine is shown: the first ``answer_passages`` that fit
    ``max_passage_tokens``; for a question planned into several searches (``several``), the
    first ``planned_passages``, with the cap grown in proportion."""
    if not several:
        return fit_passages(passages[: settings.answer_passages], settings.max_passage_tokens)
    cap = settings.max_passage_tokens * settings.planned_passages // settings.answer_passages
    return fit_passages(passages[: settings.planned_passages], max(cap, settings.max_passage_tokens))


def fit_passages(passages: Sequence[Passage], max_tokens: int) -> list[Passage]:
    """The passages, best first, whose text fits ``max_tokens``: the first one that would
    overflow is cut after its last whole sentence that fits (left out when none does), and
    the rest are left out."""
    kept: list[Passage] = []
    left = max_tokens
    for p in passages:
        need = estimate_tokens(p.text)
        if need <= left:
            kept.append(p)
            left -= need
            continue
        cut = max((e for _, e in sentence_spans(p.text) if estimate_tokens(p.text[:e]) <= left), default=0)
        if cut:
            kept.append(dataclasses.replace(p, text=p.text[:cut], end=p.start + cut))
        break
    return kept


def prompt_usage(messages: Sequence[dict[str, str]], reply: str) -> Usage:
    """Estimated tokens of a request and its reply (servers that report no usage)."""
    prompt = sum(estimate_tokens(m["content"]) + 4 for m in messages)  # ~4 per message frame
    return Usage(prompt, estimate_tokens(reply), estimated=True)


def answer_messages(question: str, passages: Sequence[Passage]) -> list[dict[str, str]]:
    """The chat messages for an answer: rules in the system role, sources in the user's."""
    return [
        {"role": "system", "content": render("answer_system")},
        {
            "role": "user",
            "content": render("answer_user", sources=format_sources(passages), question=question),
        },
    ]


def rewrite_messages(question: str, history: Sequence[Turn]) -> list[dict[str, str]]:
    turns = "\n".join(f"User: {q}\nAssistant: {a}" for q, a in history[-3:])
    return [
        {"role": "system", "content": render("rewrite_system")},
        {"role": "user", "content": render("rewrite_user", history=turns, question=question)},
    ]


def plan_messages(question: str) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": render("plan_system")},
        {"role": "user", "content": render("plan_user", question=question)},
    ]


def planned_question(messages: Sequence[dict[str, Any]]) -> str | None:
    """The question of a planning request (the messages of :func:`plan_messages`), else
    None: how a scripted or replaying server tells a plan from an answer."""
    if len(messages) != 2:
        return None
    found = _PLAN_USER.fullmatch(str(messages[1].get("content") or ""))
    if found is None or list(messages) != plan_messages(found.group(1)):
        return None
    return found.group(1)


_LIST_MARK = re.compile(r"^\s*(?:[-*\u2022]|\d+[.)]|Q\d+[:.])\s*")


def parse_plan(text: str, question: str, limit: int) -> list[str]:
    """The searches a planning reply asks for: its search questions (at most ``limit``, list
    marks and quotes removed, repeats and the refusal left out), then the question as asked.
    A reply of fewer than two search questions plans nothing: the question is searched as
    asked."""
    seen = {" ".join(question.casefold().split())}
    found: list[str] = []
    for line in text.splitlines():
        line = _LIST_MARK.sub("", line).strip().strip('"\u201c\u201d').strip()
        key = " ".join(line.casefold().split())
        if len(line.split()) < 3 or key in seen or is_refusal(line):
            continue
        seen.add(key)
        found.append(line[:MAX_SEARCH_CHARS])
    if len(found) < 2:
        return [question]
    return [*found[:limit], question]


def failure(exc: Exception, where: str, retries: int) -> str:
    """``describe_error``, saying so when the client already retried with backoff."""
    import openai

    message = describe_error(exc, where)
    retried = (openai.APIConnectionError, openai.RateLimitError, openai.InternalServerError)
    if retries and isinstance(exc, retried):
        tries = "retry" if retries == 1 else "retries"
        message += f" (after {retries} {tries}; ASSISTANT_LLM_RETRIES)"
    return message


def check_finish(reason: str | None, where: str, max_tokens: int) -> None:
    """Every complete answer stream ends with a finish reason. None means the connection
    closed mid-answer (a server killed or restarted ends the body cleanly, so no error is
    raised); ``length`` means the token limit cut the answer short."""
    if reason is None:
        raise StreamCut(f"the answer stream from {where} ended before the answer was finished")
    if reason == "length":
        raise StreamCut(
            f"the answer reached the limit of {max_tokens} tokens (ASSISTANT_MAX_ANSWER_TOKENS)"
        )


def first_line(text: str, fallback: str) -> str:
    """The rewritten question: the reply's first line, unquoted, or the question as asked."""
    line = text.strip().splitlines()[0].strip().strip('"') if text.strip() else ""
    return line or fallback


class StreamCut(EngineError):
    """The engine stopped mid-answer: what arrived is kept and marked incomplete."""


class ChatEngine:
    """What both LLM engines do with their chat completions (``_complete``): answer from the
    passages the prompt holds, and make a follow-up standalone."""

    settings: Settings
    # A rewrite failing so falls back to the question as asked (one cut short keeps what
    # it wrote: its first line is the rewrite).
    rewrite_failures: tuple[type[Exception], ...] = (StreamCut,)

    def _complete(self, messages: list[dict[str, str]], max_tokens: int) -> Iterator[str | Usage]:
        raise NotImplementedError

    def stream(self, question: str, passages: Sequence[Passage]) -> Iterator[str | Usage]:
        yield from self._complete(
            answer_messages(question, passages), self.settings.max_answer_tokens
        )

    def shown(self, passages: list[Passage], several: bool = False) -> list[Passage]:
        return prompt_passages(passages, self.settings, several)

    def rewrite(self, question: str, history: Sequence[Turn]) -> str:
        if not history:
            return question
        pieces: list[str] = []
        try:
            for piece in self._complete(rewrite_messages(question, history), 96):
                if isinstance(piece, str):
                    pieces.append(piece)
        except self.rewrite_failures:
            pass
        return first_line("".join(pieces), question)

    def plan(self, question: str) -> tuple[list[str], Usage | None]:
        """The searches for a question: a question that needs several articles (a
        comparison, an order in time, two publishers) is split by the model into one search
        question each (:func:`parse_plan`); any other is searched as asked. One short call;
        none when ``max_searches`` is below 2."""
        if self.settings.max_searches < 2:
            return [question], None
        pieces: list[str] = []
        usage: Usage | None = None
        try:
            for piece in self._complete(plan_messages(question), PLAN_TOKENS):
                if isinstance(piece, Usage):
                    usage = piece
                else:
                    pieces.append(piece)
        except self.rewrite_failures:
            pass  # a plan cut short: the question is searched as asked
        return parse_plan("".join(pieces), question, self.settings.max_searches), usage


class OpenAIEngine(ChatEngine):
    """Streams chat completions; retries with backoff on connection errors, 429 and 5xx."""

    name = "openai"

    def __init__(self, settings: Settings, client=None) -> None:
        from openai import OpenAI

        self.settings = settings
        self.model = settings.llm_model
        # Messages name the server without its user info or query string (they may hold a
        # password or token); answer text echoing a secret is masked as it streams.
        self.where = display_url(settings.openai_base_url or "https://api.openai.com")
        key = (
            settings.openai_api_key.get_secret_value() if settings.openai_api_key else "not-needed"
        )
        # The client retries connection errors, 408, 409, 429 and 5xx with exponential
        # backoff (honouring Retry-After); llm_retries bounds how often.
        self.client = client or OpenAI(
            api_key=key,
            base_url=settings.openai_base_url,
            timeout=settings.llm_timeout,
            max_retries=settings.llm_retries,
        )

    def _complete(self, messages: list[dict[str, str]], max_tokens: int) -> Iterator[str | Usage]:
        """The reply's text as it streams, then its :class:`Usage` (as the server reports it
        with ``include_usage``, else estimated)."""
        import openai

        try:
            # The openai stubs type messages as TypedDicts and the result as a union; at run
            # time this is always a Stream of chunks.
            stream: Any = self.client.chat.completions.create(  # type: ignore[call-overload]
                model=self.model,
                messages=messages,
                temperature=0,
                max_tokens=max_tokens,
                stream=True,
                stream_options={"include_usage": True},
            )
        except openai.OpenAIError as exc:
            raise EngineError(failure(exc, self.where, self.settings.llm_retries)) from None
        reason: str | None = None
        usage: Usage | None = None
        pieces: list[str] = []
        masker = StreamRedactor(self.settings)
        try:
            for event in stream:
                if getattr(event, "usage", None) is not None:
                    usage = Usage(event.usage.prompt_tokens or 0, event.usage.completion_tokens or 0)
                if not event.choices:
                    continue
                choice = event.choices[0]
                if choice.delta and choice.delta.content:
                    pieces.append(choice.delta.content)
                    safe = masker.feed(choice.delta.content)
                    if safe:
                        yield safe
                reason = choice.finish_reason or reason
        except (openai.OpenAIError, ConnectionError, OSError) as exc:
            raise StreamCut(describe_error(exc, self.where)) from None
        except Exception as exc:  # httpx errors surface raw mid-stream
            raise StreamCut(
                f"the answer stream from {self.where} broke off: {type(exc).__name__}"
            ) from None
        finally:
            stream.close()  # a consumer that stops early must not leave the connection open
            held = masker.flush()
        if held:
            yield held
        check_finish(reason, self.where, max_tokens)
        if usage is None or not (usage.prompt_tokens or usage.completion_tokens):
            usage = prompt_usage(messages, "".join(pieces))
        yield usage
