"""From an engine's raw text with ``[n]`` markers (n = passage number) to an answer whose
markers are renumbered citations with verbatim quotes located in the stored articles."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .models import Citation, Claim, Passage
from .refusal import is_refusal
from .sentences import sentence_spans
from .text_match import key_terms, overlap

MARKER = re.compile(r"\[\s*(\d+(?:\s*,\s*\d+)*)\s*\]")


@dataclass(frozen=True)
class Quote:
    """A sentence of a passage, located in its article."""

    passage: int  # 0-based index into the passages
    text: str
    start: int
    end: int
    score: float


def marker_numbers(segment: str) -> list[int]:
    """Every number inside the markers of a text, in order, without repeats."""
    numbers: list[int] = []
    for m in MARKER.finditer(segment):
        for part in m.group(1).split(","):
            n = int(part)
            if n not in numbers:
                numbers.append(n)
    return numbers


def strip_markers(segment: str) -> str:
    text = MARKER.sub("", segment)
    text = re.sub(r"\s+([.,;:!?])", r"\1", text)
    return " ".join(text.split())


def passage_sentences(passage: Passage) -> list[tuple[str, int, int]]:
    """The sentences of a passage with offsets into its article."""
    return [
        (passage.text[s:e], passage.start + s, passage.start + e)
        for s, e in sentence_spans(passage.text)
    ]


def best_quote(claim: str, passages: list[Passage], index: int) -> Quote:
    """The sentence of passage ``index`` that best carries the claim."""
    passage = passages[index]
    best: Quote | None = None
    for text, start, end in passage_sentences(passage):
        score = overlap(claim, text)
        if best is None or score > best.score:
            best = Quote(index, text, start, end, score)
    if best is None:  # an empty passage cannot happen in a store, but stay total
        return Quote(index, passage.text, passage.start, passage.end, 0.0)
    return best


def supports(claim: str, quote: str) -> bool:
    """Lexical support: the claim's names and numbers appear in the quote and most of its
    content words do."""
    missing = key_terms(claim) - key_terms(quote) - _terms_of(quote)
    return not missing and overlap(claim, quote) >= 0.5


def _terms_of(text: str) -> frozenset[str]:
    from .text_match import content_terms

    return content_terms(text)


def is_factual(sentence: str) -> bool:
    """A sentence that asserts something (not a refusal or a note on what is missing)."""
    lowered = sentence.lower()
    if is_refusal(sentence):
        return False
    return not any(
        p in lowered
        for p in ("do not say", "does not say", "do not cover", "does not cover", "do not mention",
                  "does not mention", "no information", "not contain", "do not answer")
    )


class Renumberer:
    """Rewrites passage markers into citation numbers (by first use) as text streams in,
    so the streamed text already reads as the final answer."""

    def __init__(self, passages: int) -> None:
        self.passages = passages
        self.numbers: dict[int, int] = {}
        self._pending = ""

    def _sub(self, m: re.Match[str]) -> str:
        out = []
        for part in m.group(1).split(","):
            n = int(part)
            if not 1 <= n <= self.passages:
                continue  # an unknown source number is dropped, never guessed
            number = self.numbers.setdefault(n, len(self.numbers) + 1)
            if number not in out:
                out.append(number)
        return "".join(f"[{n}]" for n in out)

    def feed(self, piece: str) -> str:
        text = self._pending + piece
        cut = text.rfind("[")
        if cut != -1 and "]" not in text[cut:] and len(text) - cut < 24:
            text, self._pending = text[:cut], text[cut:]  # a marker may still be arriving
        else:
            self._pending = ""
        return MARKER.sub(self._sub, text)

    def flush(self) -> str:
        text, self._pending = self._pending, ""
        return MARKER.sub(self._sub, text)

    def convert(self, raw: str) -> str:
        return self.feed(raw) + self.flush()


def assemble(raw: str, passages: list[Passage]) -> tuple[str, list[Citation], list[Claim]]:
    """Renumber markers into citations (one per passage, in order of first use), drop
    markers that name no passage, and record each claim with its best evidence.

    A citation's quote is the passage sentence that best carries the claims citing it."""
    renumber = Renumberer(len(passages))
    text = renumber.convert(raw)
    text = re.sub(r"[ \t]+(?=[.,;:!?](?:\s|$))", "", text).strip()
    number_to_passage = {num: n - 1 for n, num in renumber.numbers.items()}
    best_for: dict[int, Quote] = {}
    claims: list[Claim] = []
    for s, e in sentence_spans(text):
        segment = text[s:e]
        claim_text = strip_markers(segment)
        cited = [n for n in marker_numbers(segment) if n in number_to_passage]
        quotes = [best_quote(claim_text, passages, number_to_passage[n]) for n in cited]
        for n, quote in zip(cited, quotes, strict=True):
            if n not in best_for or quote.score > best_for[n].score:
                best_for[n] = quote
        if claim_text and is_factual(claim_text):
            best = max(quotes, key=lambda q: q.score, default=None)
            claims.append(
                Claim(
                    text=claim_text,
                    citations=cited,
                    supported=best is not None and supports(claim_text, best.text),
                    quote=best.text if best else "",
                    start=best.start if best else -1,
                    end=best.end if best else -1,
                    doc_id=passages[best.passage].doc_id if best else "",
                )
            )
    citations = []
    for number in sorted(number_to_passage):
        p = passages[number_to_passage[number]]
        q = best_for.get(number) or best_quote("", passages, number_to_passage[number])
        citations.append(
            Citation(
                number=number, doc_id=p.doc_id, title=p.title, source=p.source,
                published=p.published, url=p.url, quote=q.text, start=q.start, end=q.end,
            )
        )
    return text, citations, claims
