"""Answer engines. Each takes a question and numbered passages and yields answer text with
``[n]`` markers, n being the passage number (1-based). The answer module turns markers
into citations, so every engine is checked the same way.

- ``extractive``: offline and deterministic; quotes the best sentences of the passages.
- ``openai``: any OpenAI-compatible chat server (see ``openai_engine``).
- ``local``: a GGUF model in-process through llama-cpp-python (see ``local_engine``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from .config import Settings
from .embeddings import Embedder, cached_vectors
from .errors import ConfigError
from .models import Passage
from .question_fit import (
    fits_answer_type,
    lacks_act,
    lacks_attribute,
    lacks_role,
    misses_year,
    possessive_conflict,
)
from .refusal import REFUSAL
from .sentences import sentence_spans
from .text_match import content_terms, key_terms, name_words, overlap, term_in, tokens

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
    """A passage sentence and how well it answers the question."""

    passage: int
    text: str
    score: float
    similarity: float
    lexical: float


@dataclass(frozen=True)
class Assessment:
    """What the extractive engine measures before answering (also what calibration reads)."""

    best: ScoredSentence | None
    name_coverage: float  # share of the question's names found in the passages


class ExtractiveEngine:
    """Answers with the retrieved sentences that best answer the question, verbatim.

    A sentence is scored by the cosine similarity of its embedding to the question's and by
    the share of the question's content words it contains. The engine abstains when the
    best sentence is below the thresholds, or when the passages lack most of the names the
    question asks about (a question about someone no article mentions). A question in
    several parts ("Who is X, and what did he say?") gets the best sentence for each part.
    """

    name = "extractive"
    model = "extractive"

    # Calibrated on a dev split of MultiHop-RAG (null vs answerable queries) and the seed
    # QA set: `assistant eval answers --calibrate --multihop ../shared/benchmarks/multihop-rag
    # --qa tests/data/seed_qa.jsonl --store DIR` prints the table these were chosen from.
    min_similarity = 0.30
    min_score = 0.30
    min_name_coverage = 0.5
    max_sentences = 2
    close_to_best = 0.05  # a second sentence joins the first when scored this close
    passages_read = 5
    max_embedded = 12  # candidate sentences embedded per question (the most word overlap)

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def candidates(self, question: str, passages: Sequence[Passage]) -> list[tuple[int, str]]:
        """Distinct sentences of the top passages that share a content word with the
        question (a sentence sharing none does not answer it, and is not worth embedding)."""
        wanted = content_terms(question)
        seen: set[str] = set()
        items: list[tuple[int, str]] = []
        for i, passage in enumerate(passages[: self.passages_read]):
            for s, e in sentence_spans(passage.text):
                text = passage.text[s:e]
                key = " ".join(text.split()).lower()
                terms = content_terms(text)
                if key in seen or len(terms) < 3 or not terms & wanted:
                    continue  # overlapping chunks repeat sentences; fragments answer nothing
                seen.add(key)
                items.append((i, text))
        return items

    def score(
        self,
        question: str,
        passages: Sequence[Passage],
        keep: Callable[[int, str], bool] | None = None,
    ) -> list[ScoredSentence]:
        """Every candidate sentence of the top passages that ``keep(passage, text)`` accepts,
        best first. Filtering before scoring spares the encoder sentences that could not be
        chosen anyway (embedding them is most of an extractive answer's time)."""
        items = self.candidates(question, passages)
        if keep is not None:
            items = [(i, text) for i, text in items if keep(i, text)]
        if not items:
            return []
        lexical = [overlap(question, text) for _, text in items]
        if len(items) > self.max_embedded:
            # Only the sentences sharing most of the question's words are embedded: the
            # chosen sentence is among the first 12 by word overlap for 99% of questions
            # (MultiHop-RAG and the seed QA); embedding is most of an answer's time.
            top = sorted(sorted(range(len(items)), key=lambda n: -lexical[n])[: self.max_embedded])
            items, lexical = [items[n] for n in top], [lexical[n] for n in top]
        q = cached_vectors(self.embedder, [question])[0]  # retrieval embedded it already
        vectors = cached_vectors(self.embedder, [t for _, t in items])
        sims = vectors @ np.asarray(q)
        scored = []
        for (i, text), sim, lex in zip(items, sims, lexical, strict=True):
            scored.append(ScoredSentence(i, text, 0.7 * float(sim) + 0.3 * lex, float(sim), lex))
        return sorted(scored, key=lambda s: -s.score)

    def name_coverage(self, question: str, passages: Sequence[Passage]) -> float:
        """Share of the names and numbers of the question (publishers and publication dates
        aside) that appear in the passages, their titles or publishers."""
        from .coverage import named_publishers
        from .query_hints import without_dates

        names = name_words(p.text for p in passages)
        publishers = named_publishers(question, [p.source for p in passages])
        # Dates the question names are publication dates, checked against the archive's
        # dates (see :mod:`assistant.coverage`), not words to find in the text.
        asked = key_terms(without_dates(question), names) - frozenset(
            t for n in publishers for t in tokens(n)
        )
        if not asked:
            return 1.0
        found: set[str] = set()
        for p in passages:
            found.update(tokens(f"{p.title} {p.source} {p.text}"))
        held = frozenset(found)
        return sum(term_in(t, held) for t in asked) / len(asked)

    def rank(self, question: str, passages: Sequence[Passage]) -> list[ScoredSentence]:
        """Scored sentences that fit the question (see :mod:`assistant.question_fit`): the
        kind of answer it asks for (a number for "how many", a time for "when", a name for
        "who"), its "X's Y" together, the role it asks about held by whom it says, the act
        "who did" it asks about, and the year it names."""
        names = name_words(p.text for p in passages)

        def fits(i: int, text: str) -> bool:
            return (
                fits_answer_type(question, text, names)
                and not possessive_conflict(question, text)
                and not lacks_attribute(question, text)
                and not lacks_role(question, text, passages[i].text)
                and not lacks_act(question, text)
                and not misses_year(question, text, passages[i].published)
            )

        return self.score(question, passages, keep=fits)

    def assess(self, question: str, passages: Sequence[Passage]) -> Assessment:
        scored = self.rank(question, passages)
        return Assessment(scored[0] if scored else None, self.name_coverage(question, passages))

    def answerable(self, best: ScoredSentence) -> bool:
        return best.similarity >= self.min_similarity and best.score >= self.min_score

    def choose(self, question: str, passages: Sequence[Passage]) -> list[ScoredSentence]:
        """The sentences that answer the question (none: abstain)."""
        from .claims import question_parts

        if self.name_coverage(question, passages) < self.min_name_coverage:
            return []
        parts = question_parts(question)
        if len(parts) < 2:
            scored = self.rank(question, passages)
            best = self.first_answerable(scored)
            if best is None:
                return []
            chosen = [best]
            # (the sentences above ``best`` failed the thresholds: none of them joins it)
            for cand in scored[scored.index(best) + 1 :]:
                if len(chosen) >= self.max_sentences:
                    break
                if cand.score >= scored[0].score - self.close_to_best and self.answerable(cand):
                    chosen.append(cand)
            return chosen
        chosen = []
        for part in parts:  # one sentence per part; a part nothing answers stays unanswered
            best = self.first_answerable(self.rank(part, passages))
            if best is not None and best not in chosen:
                chosen.append(best)
        return chosen

    def first_answerable(self, scored: Sequence[ScoredSentence]) -> ScoredSentence | None:
        """The best sentence, or one scored within ``close_to_best`` of it that passes the
        thresholds where the best does not: two sentences this close are a tie, and which
        comes first can turn on the last digits of a vector."""
        for cand in scored:
            if cand.score < scored[0].score - self.close_to_best:
                return None
            if self.answerable(cand):
                return cand
        return None

    def continuation(self, chosen: ScoredSentence, passages: Sequence[Passage]) -> str | None:
        """The sentence right after a chosen one when it goes on about the same subject
        ("... alliances with Moscow and Beijing. His goal is to overcome ...")."""
        text = passages[chosen.passage].text
        spans = sentence_spans(text)
        for (s, e), following in zip(spans, spans[1:], strict=False):
            if " ".join(text[s:e].split()) == " ".join(chosen.text.split()):
                nxt = text[following[0] : following[1]]
                first = nxt.split(maxsplit=1)[0].lower() if nxt.split() else ""
                return nxt if first in _CONTINUING else None
        return None

    def stream(self, question: str, passages: Sequence[Passage]) -> Iterator[str]:
        chosen = self.choose(question, passages)
        if not chosen:
            yield REFUSAL
            return
        texts: list[str] = []
        for s in chosen:
            texts.append(f"{_neutralise(s.text)} [{s.passage + 1}]")
            more = self.continuation(s, passages) if len(chosen) == 1 else None
            if more and len(content_terms(more)) >= 3:
                texts.append(f"{_neutralise(more)} [{s.passage + 1}]")
        yield " ".join(texts)

    def rewrite(self, question: str, history: Sequence[Turn]) -> str:
        """No model to rewrite with: carry the previous question's context into retrieval."""
        if not history:
            return question
        previous = history[-1][0]
        return f"{question} (context: {previous})"


# Words that open a sentence continuing the one before (its subject carried by a pronoun).
_CONTINUING = frozenset(["his", "her", "its", "their", "he", "she", "they", "this", "these"])


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
