"""Answer engines. Each takes a question and numbered passages and yields answer text with
``[n]`` markers, n being the passage number (1-based). The answer module turns markers
into citations, so every engine is checked the same way.

- ``extractive``: offline and deterministic; quotes the best sentences of the passages.
- ``openai``: any OpenAI-compatible chat server (see ``openai_engine``).
- ``local``: a GGUF model in-process through llama-cpp-python (see ``local_engine``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from .config import Settings
from .embeddings import Embedder
from .errors import ConfigError
from .models import Passage
from .refusal import REFUSAL
from .sentences import sentence_spans
from .text_match import content_terms, overlap

Turn = tuple[str, str]  # (question, answer) of an earlier exchange


class Engine(Protocol):
    """Writes an answer from numbered passages."""

    name: str
    model: str

    def stream(self, question: str, passages: Sequence[Passage]) -> Iterator[str]:
        """Yield the answer's text as it is written, with ``[n]`` passage markers."""
        ...

    def rewrite(self, question: str, history: Sequence[Turn]) -> str:
        """A follow-up question made standalone using the conversation."""
        ...


@dataclass(frozen=True)
class ScoredSentence:
    passage: int
    text: str
    score: float
    similarity: float
    lexical: float


class ExtractiveEngine:
    """Answers with the retrieved sentences that best answer the question, verbatim.

    A sentence is scored by the cosine similarity of its embedding to the question's
    and by the share of the question's content words it contains. The engine abstains
    when the best sentence is below the calibrated thresholds (see ``assistant eval``).
    """

    name = "extractive"
    model = "extractive"

    # Calibrated on the seed QA set beside the MultiHop-RAG corpus (`assistant eval answers`).
    min_similarity = 0.42
    min_score = 0.40
    max_sentences = 2
    passages_read = 5

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def score(self, question: str, passages: Sequence[Passage]) -> list[ScoredSentence]:
        """Every distinct sentence of the top passages, best first."""
        seen: set[str] = set()
        items: list[tuple[int, str]] = []
        for i, passage in enumerate(passages[: self.passages_read]):
            for s, e in sentence_spans(passage.text):
                text = passage.text[s:e]
                key = " ".join(text.split()).lower()
                if key in seen or len(content_terms(text)) < 3:
                    continue  # overlapping chunks repeat sentences; fragments answer nothing
                seen.add(key)
                items.append((i, text))
        if not items:
            return []
        q = self.embedder.embed_query(question)
        vectors = self.embedder.embed_documents([t for _, t in items])
        sims = vectors @ np.asarray(q)
        scored = []
        for (i, text), sim in zip(items, sims, strict=True):
            lex = overlap(question, text)
            scored.append(ScoredSentence(i, text, 0.7 * float(sim) + 0.3 * lex, float(sim), lex))
        return sorted(scored, key=lambda s: -s.score)

    def answerable(self, best: ScoredSentence) -> bool:
        return best.similarity >= self.min_similarity and best.score >= self.min_score

    def stream(self, question: str, passages: Sequence[Passage]) -> Iterator[str]:
        scored = self.score(question, passages)
        if not scored or not self.answerable(scored[0]):
            yield REFUSAL
            return
        best = scored[0]
        chosen = [best]
        for cand in scored[1:]:
            if len(chosen) >= self.max_sentences:
                break
            if cand.score >= best.score - 0.05 and self.answerable(cand):
                chosen.append(cand)
        parts = [f"{_neutralise(s.text)} [{s.passage + 1}]" for s in chosen]
        yield " ".join(parts)

    def rewrite(self, question: str, history: Sequence[Turn]) -> str:
        """No model to rewrite with: carry the previous question's context into retrieval."""
        if not history:
            return question
        previous = history[-1][0]
        return f"{question} (context: {previous})"


def _neutralise(sentence: str) -> str:
    """Article text must not forge citation markers: bracketed numbers become parentheses."""
    return re.sub(r"\[(\s*\d+(?:\s*,\s*\d+)*\s*)\]", r"(\1)", " ".join(sentence.split()))


def get_engine(settings: Settings, embedder: Embedder | None = None) -> Engine:
    """The engine the settings name (``auto``: openai when a key or base url is set)."""
    match settings.engine_name():
        case "extractive":
            if embedder is None:
                from .embeddings import get_embedder

                embedder = get_embedder(settings)
            return ExtractiveEngine(embedder)
        case "openai":
            from .openai_engine import OpenAIEngine

            return OpenAIEngine(settings)
        case "local":
            from .local_engine import LocalEngine

            return LocalEngine(settings)
        case other:
            raise ConfigError(f"unknown engine {other!r}: use extractive, openai or local")
