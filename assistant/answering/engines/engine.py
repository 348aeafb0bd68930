"""Answer engines. Each takes a question and numbered passages and yields answer text with
``[n]`` markers, n being the passage number (1-based). The answer pipeline turns markers
into citations, so every engine is checked the same way.

- ``extractive``: offline and deterministic; quotes the best sentences of the passages.
- ``openai``: any OpenAI-compatible chat server (:mod:`.openai_chat`).
- ``local``: a GGUF model in-process through llama-cpp-python (:mod:`.local`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol

from ...config import Settings
from ...embed.embedder import Embedder, get_embedder
from ...errors import ConfigError
from ...records import Passage, Usage
from ..followups import Turn
from .extractive import ExtractiveEngine
from .local import LocalEngine
from .openai_chat import OpenAIEngine


class Engine(Protocol):
    """Writes an answer from numbered passages."""

    name: str
    model: str

    def stream(self, question: str, passages: Sequence[Passage]) -> Iterator[str | Usage]:
        """Yield the answer's text as it is written, with ``[n]`` passage markers; an LLM
        engine yields last the :class:`Usage` of the call."""
        ...

    def rewrite(self, question: str, history: Sequence[Turn]) -> str:
        """A follow-up question made standalone using the conversation."""
        ...

    def plan(self, question: str) -> tuple[list[str], Usage | None]:
        """The searches that answer the question (the question itself, or search questions
        for each article a comparison needs and then the question), and what planning cost
        an LLM."""
        ...

    def shown(self, passages: list[Passage], several: bool = False) -> list[Passage]:
        """The retrieved passages this engine is given, best first: an LLM's prompt holds
        the first few that fit it (more for a question planned into ``several`` searches);
        the extractive engine reads them all."""
        ...


def get_engine(settings: Settings, embedder: Embedder | None = None) -> Engine:
    """The engine the settings name (``auto``: openai when a key or base url is set)."""
    match settings.engine_name():
        case "extractive":  # the only engine that embeds (an LLM engine ignores ``embedder``)
            if embedder is None:
                embedder = get_embedder(settings)
            return ExtractiveEngine(embedder)
        case "openai":
            return OpenAIEngine(settings)
        case "local":
            return LocalEngine(settings)
        case other:
            raise ConfigError(f"unknown engine {other!r}: use extractive, openai or local")
