"""Sentence-aware chunking with character offsets into the article text."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable

from ..embed.embedder import approximate_tokens
from ..records import Article, Chunk
from ..text.sentences import sentence_spans

TokenCounter = Callable[[str], int]

def _split_long(
    text: str, start: int, end: int, max_tokens: int, count: TokenCounter
) -> list[tuple[int, int]]:
    """Cut one over-long sentence at word boundaries into pieces that fit."""
    pieces: list[tuple[int, int]] = []
    piece: tuple[int, int] | None = None
    total = 0
    for m in re.finditer(r"\S+", text[start:end]):
        s, e = start + m.start(), start + m.end()
        # Per-word counts keep this linear on hostile input (megabytes without a full stop).
        size = count(text[s:e])
        if size > max_tokens:  # a URL or a blob longer than a whole chunk: cut it alone
            if piece:
                pieces.append(piece)
            pieces.extend(_split_word(text, s, e, max_tokens, count))
            piece, total = None, 0
            continue
        if piece and total + size > max_tokens:
            pieces.append(piece)
            piece, total = None, 0
        piece = (piece[0] if piece else s, e)
        total += size
    if piece:
        pieces.append(piece)
    return pieces


def _split_word(
    text: str, start: int, end: int, max_tokens: int, count: TokenCounter
) -> list[tuple[int, int]]:
    """Cut one word longer than a whole chunk into pieces of characters that fit."""
    pieces: list[tuple[int, int]] = []
    while start < end:
        size = min(end - start, max_tokens)  # a token covers at least one character
        while size > 1 and count(text[start : start + size]) > max_tokens:
            size //= 2
        pieces.append((start, start + size))
        start += size
    return pieces


def _slice_counter(text: str, count: TokenCounter) -> Callable[[int, int], int]:
    """Tokens in ``text[s:e]`` for slices cut between words. With a tokenizer that reports
    token offsets (``count.starts``) the text is tokenized once and a slice's count is the
    number of tokens starting inside it; otherwise each slice is counted on its own."""
    starts_of = getattr(count, "starts", None)
    if starts_of is None:
        return lambda s, e: count(text[s:e])
    starts = starts_of(text)
    return lambda s, e: bisect_left(starts, e) - bisect_left(starts, s)


def chunk_spans(
    text: str, max_tokens: int = 256, overlap: int = 32, count: TokenCounter = approximate_tokens
) -> list[tuple[int, int]]:
    """Pack whole sentences into spans of at most ``max_tokens``.

    Neighbouring chunks share trailing sentences worth up to ``overlap`` tokens, so a fact
    that straddles a boundary is whole in at least one chunk.
    """
    sentences = sentence_spans(text)
    whole = _slice_counter(text, count)
    counts = [whole(s, e) for s, e in sentences]
    if any(n > max_tokens for n in counts):
        # Over-long sentences are cut inside words, where a slice's tokens are not those
        # of the whole text: count every slice on its own (rare: hostile or broken text).
        whole = lambda s, e: count(text[s:e])  # noqa: E731
    units: list[tuple[int, int, int]] = []  # (start, end, tokens)
    for (s, e), n in zip(sentences, counts, strict=True):
        if n <= max_tokens:
            units.append((s, e, n))
        else:
            pieces = _split_long(text, s, e, max_tokens, count)
            units.extend((ps, pe, count(text[ps:pe])) for ps, pe in pieces)
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(units):
        j = i
        total = 0
        # Token counts of sentences roughly add up; the joined text is checked once more.
        while j < len(units) and total + units[j][2] <= max_tokens:
            total += units[j][2]
            j += 1
        j = max(j, i + 1)
        while j > i + 1 and whole(units[i][0], units[j - 1][1]) > max_tokens:
            j -= 1
        spans.append((units[i][0], units[j - 1][1]))
        if j >= len(units):
            break
        # Step back over trailing sentences to form the overlap, never to where we began.
        back = j
        carried = 0
        while back - 1 > i and carried + units[back - 1][2] <= overlap:
            back -= 1
            carried += units[back][2]
        i = back
    return spans


def chunk_article(
    article: Article,
    max_tokens: int = 256,
    overlap: int = 32,
    count: TokenCounter = approximate_tokens,
) -> list[Chunk]:
    """The chunks of one article, each with ``article.text[start:end] == chunk.text``."""
    return [
        Chunk(doc_id=article.doc_id, index=n, text=article.text[s:e], start=s, end=e)
        for n, (s, e) in enumerate(chunk_spans(article.text, max_tokens, overlap, count))
    ]


def index_text(article: Article, chunk_text: str) -> str:
    """What is embedded and indexed for a chunk: its article's headline, publisher and date
    first, so questions naming them find it."""
    header = " | ".join(x for x in (article.title, article.source, article.published) if x)
    return f"{header}\n{chunk_text}" if header else chunk_text
