"""Claim checking: is each sentence of an answer carried by the passages it cites?

A claim is supported by a span of a passage (one sentence, or two neighbouring ones) when
- every name, number and date of the claim appears in the span (a wrong name or number
  fails here, even when the rest of the sentence is copied),
- names written together in the claim ("Alexander Matsegora") are written together there,
  and "X's Y" belongs to X there too ("China's ambassador" is not "Russia's ambassador"),
- the claim and the span agree on negation,
- the span carries the claim's meaning: most of its content words (lexical overlap) and a
  close sentence embedding (cosine similarity), and
- the claim is not a near copy of one sentence with a name or number changed (such a claim
  may not borrow the missing name from the next sentence).

Only claims and the candidate spans that pass the cheap lexical gates are embedded, through
a small cache the extractive engine shares, so checking an extractive answer (verbatim
sentences) embeds almost nothing new. No entailment model: none ships inside a PyPI package
that runs offline here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .citations import Quote, Sentence
from .embeddings import Embedder, cached_vectors
from .models import Passage
from .question_fit import possessive_conflict
from .refusal import states_a_gap
from .sentences import sentence_spans
from .text_match import (
    contains_run,
    content_terms,
    fold,
    is_number,
    key_terms,
    name_runs,
    name_words,
    negation_conflict,
    overlap,
    term_in,
    tokens,
    words,
)

# Calibrated on hand-written paraphrases and falsified claims of the seed article
# (tests/test_claims.py holds them; `pytest tests/test_claims.py -k calibration` re-checks).
MIN_OVERLAP = 0.5  # share of the claim's content words the span must contain
MIN_SIMILARITY = 0.55  # cosine between claim and span embeddings
CLOSE_OVERLAP = 0.9  # a span holding nearly every content word of the claim ...
CLOSE_SIMILARITY = 0.4  # ... needs less similarity: long source sentences dilute embeddings
SUBSTITUTION_OVERLAP = 0.6  # a sentence this close to a claim, with a name or number swapped
NEAR_COPY_OVERLAP = 0.85  # a sentence this close is the claim's source, names and all
MAX_SPAN_SENTENCES = 2


@dataclass(frozen=True)
class Span:
    """A candidate piece of evidence: sentences of one passage, located in its article."""

    passage: int  # 0-based index into the passages
    text: str
    start: int
    end: int
    size: int = 1  # sentences


@dataclass(frozen=True)
class Verdict:
    """The outcome of checking one claim: its best span and whether that span carries it."""

    supported: bool
    span: Span | None
    overlap: float = 0.0
    similarity: float = 0.0

    @property
    def score(self) -> float:
        return (1.0 if self.supported else 0.0) + 0.5 * self.overlap + 0.5 * self.similarity


# ------------------------------------------------------------------------------ spans
def passage_spans(passage: Passage, index: int, width: int = MAX_SPAN_SENTENCES) -> list[Span]:
    """Single sentences of a passage, then windows of up to ``width`` neighbouring ones."""
    sentences = sentence_spans(passage.text)
    spans = []
    for size in range(1, width + 1):
        for i in range(len(sentences) - size + 1):
            s, e = sentences[i][0], sentences[i + size - 1][1]
            spans.append(
                Span(index, passage.text[s:e], passage.start + s, passage.start + e, size)
            )
    return spans


def _squash(text: str) -> str:
    return " ".join(text.split())


class ClaimChecker:
    """Checks claims against a fixed list of passages (those shown to the engine)."""

    def __init__(self, passages: Sequence[Passage], embedder: Embedder | None) -> None:
        self.passages = list(passages)
        self.embedder = embedder
        self.names = name_words(p.text for p in self.passages)
        self._spans: dict[int, list[Span]] = {}
        # A claim's names and numbers, read once: it is checked against every span.
        self._keys: dict[str, frozenset[str]] = {}
        self._runs: dict[str, list[tuple[str, ...]]] = {}

    def key_terms(self, text: str) -> frozenset[str]:
        """:func:`key_terms` of a claim (or sentence) with these passages' names."""
        found = self._keys.get(text)
        if found is None:
            found = self._keys[text] = key_terms(text, self.names)
        return found

    def name_runs(self, claim: str) -> list[tuple[str, ...]]:
        """:func:`name_runs` of a claim with these passages' names."""
        found = self._runs.get(claim)
        if found is None:
            found = self._runs[claim] = name_runs(claim, self.names)
        return found

    def spans(self, index: int) -> list[Span]:
        if index not in self._spans:
            self._spans[index] = passage_spans(self.passages[index], index)
        return self._spans[index]

    # -------------------------------------------------------------------- lexical gates
    def lexical_gate(self, claim: str, span_text: str) -> float | None:
        """The claim's content-word overlap with the span, or None when the span lacks one
        of the claim's names, numbers or dates, splits a name, disagrees on negation, or
        gives "X's Y" to someone else ("China's ambassador" against "Russia's ambassador")."""
        span_tokens = tokens(span_text)
        terms = frozenset(span_tokens)
        for term in self.key_terms(claim):
            if not term_in(term, terms):
                return None
        for run in self.name_runs(claim):
            if not contains_run(run, span_tokens):
                return None
        if negation_conflict(claim, span_text) or possessive_conflict(claim, span_text):
            return None
        return overlap(claim, span_text)

    def misquotes(self, claim: str, sentence: str) -> bool:
        """The claim copies the sentence but changes a name or a number: it swaps one for
        another ("over 200 missile launches" from "over 100 missile launches"), or it is a
        near copy with a name the sentence does not have. Such a claim must not borrow the
        missing name from a neighbouring sentence."""
        near = overlap(claim, sentence)
        if near < SUBSTITUTION_OVERLAP:
            return False
        claim_terms, source_terms = frozenset(tokens(claim)), frozenset(tokens(sentence))
        missing = [t for t in self.key_terms(claim) if not term_in(t, source_terms)]
        if missing and near >= NEAR_COPY_OVERLAP:
            return True
        extra = [t for t in self.key_terms(sentence) if not term_in(t, claim_terms)]
        return any(is_number(m) == is_number(e) for m in missing for e in extra)

    def _similarities(self, claim: str, texts: list[str]) -> np.ndarray:
        if self.embedder is None or not texts:
            return np.ones(len(texts), dtype=np.float32)  # no embedder: lexical evidence decides
        vectors = cached_vectors(self.embedder, [claim, *texts])
        return vectors[1:] @ vectors[0]

    def _judge(self, claim: str, candidates: list[tuple[Span, float]]) -> Verdict | None:
        """The best verdict among spans that passed the lexical gates."""
        if not candidates:
            return None
        eligible = [(s, o) for s, o in candidates if o >= MIN_OVERLAP]
        if not eligible:
            span, lex = max(candidates, key=lambda c: c[1])
            return Verdict(False, span, lex, 0.0)
        folded = _squash(fold(claim)).rstrip(".!?")
        for span, lex in eligible:
            if span.size == 1 and folded in _squash(fold(span.text)):
                return Verdict(True, span, lex, 1.0)  # a verbatim quote: nothing to embed
        sims = self._similarities(claim, [s.text for s, _ in eligible])
        for i, (span, _) in enumerate(eligible):
            if span.size > 1:  # a window means what its sentences mean: long ones dilute it
                parts = [self.passages[span.passage].text[a:b] for a, b in self._parts(span)]
                sims[i] = max(float(sims[i]), *map(float, self._similarities(claim, parts)))
        best = max(range(len(eligible)), key=lambda i: float(sims[i]) + eligible[i][1])
        span, lex = eligible[best]
        sim = float(sims[best])
        ok = sim >= MIN_SIMILARITY or (lex >= CLOSE_OVERLAP and sim >= CLOSE_SIMILARITY)
        return Verdict(ok, span, lex, sim)

    def _parts(self, span: Span) -> list[tuple[int, int]]:
        """The sentences of a window, as offsets into its passage's text."""
        passage = self.passages[span.passage]
        lo, hi = span.start - passage.start, span.end - passage.start
        return [(a, b) for a, b in sentence_spans(passage.text) if lo <= a and b <= hi]

    def check(self, claim: str, cited: Sequence[int]) -> Verdict:
        """Is the claim carried by one of the cited passages (0-based indices)?

        Spans of two sentences may carry a claim that joins neighbouring sentences, but not
        one that copies a single sentence with a name or number swapped."""
        candidates: list[tuple[Span, float]] = []
        fallback: tuple[Span, float] | None = None
        swapped = False
        for index in cited:
            if not 0 <= index < len(self.passages):
                continue
            for span in self.spans(index):
                lex = self.lexical_gate(claim, span.text)
                if lex is not None:
                    candidates.append((span, lex))
                    continue
                if span.size == 1:
                    swapped = swapped or self.misquotes(claim, span.text)
                    near = overlap(claim, span.text)
                    if fallback is None or near > fallback[1]:
                        fallback = (span, near)
        if swapped:
            candidates = [c for c in candidates if c[0].size == 1]
        verdict = self._judge(claim, candidates)
        if verdict is not None and verdict.supported:
            return verdict
        joint = None if swapped else self._joint(claim, cited)
        if joint is not None:
            return joint
        if fallback is not None and (verdict is None or fallback[1] > verdict.overlap):
            return Verdict(False, fallback[0], fallback[1], 0.0)
        return verdict or Verdict(False, None)

    def _joint(self, claim: str, cited: Sequence[int]) -> Verdict | None:
        """A claim that joins facts of several cited passages ("A said X and B said Y [1][2]"):
        the passages' best sentences taken together must carry it."""
        valid = [i for i in dict.fromkeys(cited) if 0 <= i < len(self.passages)]
        if len(valid) < 2:
            return None
        parts = []
        for index in valid:
            singles = [s for s in self.spans(index) if s.size == 1]
            if not singles:
                return None
            parts.append(max(singles, key=lambda s: overlap(claim, s.text)))
        joined = " ".join(p.text for p in parts)
        lex = self.lexical_gate(claim, joined)
        if lex is None or lex < MIN_OVERLAP:
            return None
        sim = float(self._similarities(claim, [joined])[0])
        if sim < MIN_SIMILARITY:
            return None
        best = max(parts, key=lambda s: overlap(claim, s.text))
        return Verdict(True, best, lex, sim)

    def find_support(self, claim: str, exclude: Sequence[int] = ()) -> Verdict | None:
        """The best passage other than ``exclude`` that supports the claim, if any."""
        others = [i for i in range(len(self.passages)) if i not in set(exclude)]
        # Cheap pre-filter: only passages holding every key term can support the claim.
        keys = self.key_terms(claim)
        hopeful = [
            i for i in others if all(term_in(k, frozenset(tokens(self.passages[i].text))) for k in keys)
        ]
        best: Verdict | None = None
        for index in hopeful:
            verdict = self.check(claim, [index])
            if verdict.supported and (best is None or verdict.score > best.score):
                best = verdict
        return best


def is_checkable(sentence: str) -> bool:
    """A sentence with something to check: at least one content word ("Yes." has none)."""
    return bool(content_terms(re.sub(r"\[\d+(?:,\s*\d+)*\]", "", sentence)))


def _quote(span: Span | None) -> Quote | None:
    return None if span is None else Quote(span.passage, span.text, span.start, span.end)


def check_sentences(sentences: Sequence[Sentence], checker: ClaimChecker) -> None:
    """Mark each sentence that states a fact as a claim, supported or not, with its best
    evidence; re-point markers to the passage that carries the claim when the cited one
    does not. A factual sentence without a marker is unsupported."""
    for sentence in sentences:
        text = sentence.text
        sentence.claim = bool(text) and not states_a_gap(text) and is_checkable(text)
        if not sentence.claim or not sentence.cited:
            continue
        verdicts = {p: checker.check(text, [p]) for p in sentence.cited}
        holding = [p for p in sentence.cited if verdicts[p].supported]
        if holding:
            best = max(holding, key=lambda p: verdicts[p].score)
            sentence.cited = holding  # markers on passages that do not carry it go
            sentence.supported, sentence.quote = True, _quote(verdicts[best].span)
            continue
        joint = checker.check(text, sentence.cited) if len(sentence.cited) > 1 else None
        if joint is not None and joint.supported:
            sentence.supported, sentence.quote = True, _quote(joint.span)
            continue
        elsewhere = checker.find_support(text, exclude=sentence.cited)
        if elsewhere is not None and elsewhere.span is not None:
            sentence.cited = [elsewhere.span.passage]
            sentence.repointed = True
            sentence.supported, sentence.quote = True, _quote(elsewhere.span)
            continue
        closest = max(verdicts.values(), key=lambda v: v.score)
        sentence.quote = _quote(closest.span)


# ---------------------------------------------------------------- partial answers
_WH = r"(?:who|whom|whose|what|when|where|why|how|which)"
_PART_SPLIT = re.compile(rf"\s*,?\s+(?:and|but)\s+(?={_WH}\b)|(?<=\?)\s+", re.IGNORECASE)
_WH_WORDS = words("who whom whose what when where why how which")
MIN_PART_COVERAGE = 0.5  # share of a part's content words the supported evidence must hold


def question_parts(question: str) -> list[str]:
    """The separate questions inside one ("Who is X, and what did she say?")."""
    parts = [p.strip(" ,;") for p in _PART_SPLIT.split(question.strip())]
    return [p for p in parts if content_terms(p) - _WH_WORDS]


def uncovered_parts(question: str, sentences: Sequence[Sentence]) -> list[str]:
    """Parts of a multi-part question that no supported claim of the answer covers.

    Nothing is reported when the answer itself already says what its sources lack."""
    parts = question_parts(question)
    if len(parts) < 2 or any(states_a_gap(s.text) for s in sentences if not s.dropped):
        return []
    evidence: set[str] = set()
    for s in sentences:
        if s.claim and s.supported and not s.dropped:
            evidence |= content_terms(s.text)
            if s.quote is not None:
                evidence |= content_terms(s.quote.text)
    missing = []
    for part in parts:
        wanted = content_terms(part) - _WH_WORDS
        if len(wanted & evidence) / len(wanted) < MIN_PART_COVERAGE:
            missing.append(part)
    return missing if len(missing) < len(parts) else []
