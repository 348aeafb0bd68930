"""From an engine's raw text with ``[n]`` markers (n = passage number) to an answer whose
markers are citation numbers (one citation per article, numbered by first use: passages of
one article share its number), each citation carrying the verbatim quotes located in its
stored article.

Streaming uses :class:`Renumberer`; the final answer is split into :class:`Sentence` s
(which claim checking may re-point or drop) and put back together by :func:`render`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..records import Citation, Excerpt, Passage
from ..text.sentences import sentence_spans

# "[1]", "[1, 2]", "[1-3]" (a range, as some models write), "[1][2]" (two markers).
MARKER = re.compile(r"\[\s*(\d+(?:\s*[,–-]\s*\d+)*)\s*\]")
_MAX_RANGE = 20  # "[1-999]" is no citation: a longer range is read as its two ends


def marker_parts(inner: str) -> list[int]:
    """The numbers a marker's inside stands for, ranges expanded ("1-3" is 1, 2, 3)."""
    numbers: list[int] = []
    for part in inner.split(","):
        ends = [int(x) for x in re.split(r"\s*[–-]\s*", part.strip()) if x]
        if len(ends) == 2 and 0 <= ends[1] - ends[0] <= _MAX_RANGE:
            ends = list(range(ends[0], ends[1] + 1))
        numbers.extend(ends)
    return numbers


_OPEN_MARKER = re.compile(r"\[[\d,\s–-]*\Z")  # a marker whose end has not arrived yet
_MAX_QUOTE = 700  # characters: longer merged quotes fall back to the best single span


def marker_numbers(segment: str) -> list[int]:
    """Every number inside the markers of a text, in order, without repeats."""
    numbers: list[int] = []
    for m in MARKER.finditer(segment):
        for n in marker_parts(m.group(1)):
            if n not in numbers:
                numbers.append(n)
    return numbers


def neutralise_markers(sentence: str) -> str:
    """Article text must not forge citation markers: bracketed numbers become parentheses."""
    return re.sub(r"\[(\s*\d+(?:\s*,\s*\d+)*\s*)\]", r"(\1)", " ".join(sentence.split()))


def neutralise_brackets(text: str) -> str:
    """Brackets that belong to no marker become parentheses. Dropping a marker then can
    never join its neighbours into a new one ("[[9]1]" must not turn into a "[1]" that no
    citation backs), and a markdown link copied into an answer is no longer a link."""
    keep: set[int] = set()
    for m in MARKER.finditer(text):
        keep.update((m.start(), m.end() - 1))
    return "".join(
        ("(" if ch == "[" else ")") if ch in "[]" and i not in keep else ch
        for i, ch in enumerate(text)
    )


def strip_markers(segment: str) -> str:
    """The text without markers, spaces before punctuation closed up (not before a number's
    point: "slashed .349" keeps its space)."""
    text = MARKER.sub("", segment)
    text = re.sub(r"\s+([.,;:!?])(?=\s|$)", r"\1", text)
    return " ".join(text.split())


class Renumberer:
    """Rewrites passage markers into citation numbers (by first use) as text streams in,
    so the streamed text already reads as the final answer. ``articles`` names each
    passage's article: passages of one article share a number, as in :func:`render`."""

    def __init__(self, passages: int, articles: Sequence[str] | None = None) -> None:
        self.passages = passages
        self.articles = (
            list(articles) if articles is not None else [str(i) for i in range(passages)]
        )
        self.numbers: dict[int, int] = {}
        self._by_article: dict[str, int] = {}
        self._pending = ""

    def _sub(self, m: re.Match[str]) -> str:
        out = []
        for n in marker_parts(m.group(1)):
            if not 1 <= n <= self.passages:
                continue  # an unknown source number is dropped, never guessed
            if n not in self.numbers:
                article = self.articles[n - 1]
                self.numbers[n] = self._by_article.setdefault(article, len(self._by_article) + 1)
            if self.numbers[n] not in out:
                out.append(self.numbers[n])
        return "".join(f"[{n}]" for n in out)

    def feed(self, piece: str) -> str:
        """Text ready to show, holding back a marker that may still be arriving."""
        text = self._pending + piece
        tail = _OPEN_MARKER.search(text)
        if tail and len(text) - tail.start() < 200:
            text, self._pending = text[: tail.start()], text[tail.start() :]
        else:
            self._pending = ""
        return MARKER.sub(self._sub, neutralise_brackets(text))

    def flush(self) -> str:
        text, self._pending = self._pending, ""
        return MARKER.sub(self._sub, neutralise_brackets(text))

    def convert(self, raw: str) -> str:
        return self.feed(raw) + self.flush()


@dataclass
class Quote:
    """Evidence for a sentence: a span of passage ``passage`` located in its article."""

    passage: int  # 0-based
    text: str
    start: int
    end: int


@dataclass
class Sentence:
    """One sentence of an engine's answer: its raw text (engine markers), where it sits in
    the raw answer, the passages it cites (0-based, valid ones only) and its evidence."""

    raw: str
    start: int
    end: int
    cited: list[int]
    quote: Quote | None = None
    supported: bool = False
    claim: bool = False  # states a fact that was checked
    repointed: bool = False
    dropped: bool = False
    exact: bool = False  # unsupported, but every exact check passed (only the verifier doubts it)

    @property
    def text(self) -> str:
        return strip_markers(self.raw)


LIST_ITEM = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")
_ITEM_NUMBER = re.compile(r"\s*\d+[.)]\s*")  # what the sentence splitter cuts off a numbered item


def split_answer(raw: str, passages: int) -> list[Sentence]:
    """The sentences of a raw answer (line by line, so list items stay apart). The items of
    a list that carry no marker of their own cite what the line leading into the list cites
    ("The options are [5]:" over "- Fire Flower", "- Drill Hat"); a line leading in with no
    marker of its own cites what its items cite ("It offers two welcome bonuses:" over
    "- A $5 bet [1]", "- A $1,000 match [1]")."""
    out: list[Sentence] = []
    offset = 0
    lead: list[int] = []  # what the list being read was introduced with, if cited
    opener: Sentence | None = None  # the line leading into it, when it has no marker
    for line in raw.splitlines(keepends=True):
        item = LIST_ITEM.match(line) is not None
        if not item and line.strip():
            lead = []
            opener = None
        spans = _whole_quotes(line, _bang_names(line, sentence_spans(line)))
        if len(spans) > 1 and _ITEM_NUMBER.fullmatch(line[spans[0][0] : spans[0][1]]):
            spans = [(spans[0][0], spans[1][1]), *spans[2:]]  # "1." is no sentence of its own
        for s, e in spans:
            segment = neutralise_brackets(line[s:e])  # same length: offsets still hold
            cited = [n - 1 for n in marker_numbers(segment) if 1 <= n <= passages]
            if item and not cited:
                cited = list(lead)
            elif item and opener is not None:
                opener.cited = list(dict.fromkeys([*opener.cited, *cited]))
            out.append(Sentence(segment, offset + s, offset + e, cited))
        if not item and out and out[-1].start >= offset and strip_markers(out[-1].raw).rstrip().endswith(":"):
            lead = list(out[-1].cited)
            opener = out[-1] if not lead else None
        offset += len(line)
    return out


MAX_QUOTED_SENTENCES = 4  # sentences one quotation may hold before it counts as unclosed

# A name written with an exclamation mark ("the country's Yahoo! Kids portal", "a Jeopardy!
# champion"): a capitalised word inside a sentence, "!", and no citation marker yet.
_BANG_NAME = re.compile(r"\s[A-Z][\w'’.&-]*!$")


def _bang_names(line: str, spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sentence spans with a piece that ends in a name's "!" (uncited, mid-sentence) joined
    to what follows: "Game Freak launched it through the country's Yahoo! Kids portal [1]."
    is one sentence, cited."""
    out: list[tuple[int, int]] = []
    for start, end in spans:
        if out and _BANG_NAME.search(line[out[-1][0] : out[-1][1]]) and not marker_numbers(
            line[out[-1][0] : out[-1][1]]
        ):
            out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def _open_quote(text: str) -> bool:
    return text.count('"') % 2 == 1 or text.count("\u201c") > text.count("\u201d")


def _whole_quotes(line: str, spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sentence spans with a quotation of several sentences kept in one: "She adds, "I'm
    not going to marry him. I can't wait to come home" [1]." is one sentence, cited."""
    out: list[tuple[int, int]] = []
    joined = 0
    for start, end in spans:
        if out and joined < MAX_QUOTED_SENTENCES and _open_quote(line[out[-1][0] : out[-1][1]]):
            out[-1] = (out[-1][0], end)
            joined += 1
        else:
            out.append((start, end))
            joined = 1
    return out


def _close_up(text: str) -> str:
    text = re.sub(r"[ \t]+(?=[.,;:!?](?:\s|$))", "", text)
    text = re.sub(r"(\[(\d+)\])(?:\s*\[\2\])+", r"\1", text)  # "[1] [1]": two passages, one article
    return re.sub(r"[ \t]{2,}", " ", text)


def _sentence_text(sentence: Sentence, numbers: dict[int, int]) -> str:
    """The sentence with citation numbers; re-pointed markers move to the sentence's end."""
    if not sentence.repointed:

        def sub(m: re.Match[str]) -> str:
            out: list[int] = []
            for n in marker_parts(m.group(1)):
                p = n - 1
                if p in sentence.cited and numbers[p] not in out:
                    out.append(numbers[p])
            return "".join(f"[{n}]" for n in out)

        return _close_up(MARKER.sub(sub, sentence.raw)).strip()
    body = _close_up(MARKER.sub("", sentence.raw)).strip()
    marks = "".join(f"[{n}]" for n in dict.fromkeys(numbers[p] for p in sentence.cited))
    m = re.search(r"[.!?…]+[\"'”’)]*$", body)
    if m:
        return f"{body[: m.start()]} {marks}{body[m.start() :]}"
    return f"{body} {marks}"


def render(
    raw: str, sentences: Sequence[Sentence], passages: Sequence[Passage]
) -> tuple[str, list[Citation], dict[int, int]]:
    """Put the answer back together: dropped sentences removed, markers numbered by first
    use, one citation per cited article whose quotes cover the sentences citing it.

    Returns the text, the citations and the passage -> citation number map."""
    numbers: dict[int, int] = {}
    by_article: dict[str, int] = {}
    for s in sentences:
        if not s.dropped:
            for p in s.cited:
                if p not in numbers:
                    numbers[p] = by_article.setdefault(passages[p].doc_id, len(by_article) + 1)
    parts: list[str] = []
    cursor = 0
    for s in sentences:
        gap = raw[cursor : s.start]
        cursor = s.end
        if s.dropped:
            continue
        if parts or gap.strip():
            parts.append(gap if gap else " ")
        parts.append(_sentence_text(s, numbers))
    text = _close_up("".join(parts)).strip()
    text = re.sub(r"\n{3,}", "\n\n", text)
    text = text.replace("](", "] (")  # a marker must never read as a markdown link
    kept = [s for s in sentences if not s.dropped]
    citations = []
    for number in range(1, len(by_article) + 1):
        cited = [p for p, n in numbers.items() if n == number]  # in order of first use
        excerpts = [_excerpt(p, [s for s in kept if p in s.cited], passages) for p in cited]
        first, passage = excerpts[0], passages[cited[0]]
        citations.append(
            Citation(
                number=number,
                doc_id=passage.doc_id,
                title=passage.title,
                source=passage.source,
                published=passage.published,
                url=passage.url,
                quote=first.text,
                start=first.start,
                end=first.end,
                quotes=merge_excerpts(excerpts),
            )
        )
    return text, citations, numbers


def merge_excerpts(excerpts: Sequence[Excerpt]) -> list[Excerpt]:
    """Spans of one article in article order, overlapping or touching ones joined."""
    merged: list[Excerpt] = []
    for e in sorted(excerpts, key=lambda e: (e.start, e.end)):
        last = merged[-1] if merged else None
        if last is not None and e.start <= last.end:
            if e.end > last.end:  # both are verbatim article text: the tail extends it
                merged[-1] = Excerpt(last.text + e.text[last.end - e.start :], last.start, e.end)
            continue
        merged.append(e)
    return merged


def _excerpt(index: int, citing: Sequence[Sentence], passages: Sequence[Passage]) -> Excerpt:
    """A passage's quote: it spans the evidence of the sentences citing the passage."""
    passage = passages[index]
    quotes = [s.quote for s in citing if s.quote is not None and s.quote.passage == index]
    supported = [
        s.quote for s in citing if s.supported and s.quote is not None and s.quote.passage == index
    ]
    chosen = supported or quotes
    if chosen:
        start = min(q.start for q in chosen)
        end = max(q.end for q in chosen)
        if end - start > _MAX_QUOTE:
            start, end = chosen[0].start, chosen[0].end
    else:  # nothing located (cannot happen for a checked claim): the first sentence
        spans = sentence_spans(passage.text)
        s, e = spans[0] if spans else (0, len(passage.text))
        start, end = passage.start + s, passage.start + e
    return Excerpt(passage.text[start - passage.start : end - passage.start], start, end)
