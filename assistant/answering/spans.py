"""Evidence a claim is checked against: spans of a passage (one sentence, or neighbouring
ones) and the verdict on a claim (its best span, and whether that span carries it)."""

from __future__ import annotations

from dataclasses import dataclass

from ..records import Passage
from ..text.sentences import sentence_spans

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
    # unsupported, yet the claim passed every exact check against a cited span, and its cited
    # passages write at least half its words (only the verifier doubts it)
    exact: bool = False

    @property
    def score(self) -> float:
        return (1.0 if self.supported else 0.0) + 0.5 * self.overlap + 0.5 * self.similarity


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
