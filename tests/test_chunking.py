"""Sentence-aware chunking: offsets into the article, token limits, overlap."""

from __future__ import annotations

from functools import cache

from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.embed.minilm import WordPieceCounter
from assistant.ingestion.chunking import approximate_tokens, chunk_article, chunk_spans, index_text
from assistant.records import Article
from assistant.text.sentences import sentence_spans

from .conftest import SEED_FILE


@cache
def wordpiece():
    """The real model's tokenizer (no model weights needed)."""
    return WordPieceCounter()


def words(text: str) -> int:
    return len(text.split())


def seed() -> Article:
    return Article(doc_id="seed", text=SEED_FILE.read_text(encoding="utf-8").strip())


def long_sentences() -> Article:
    """Sentences longer than a chunk, a URL longer than a chunk, and ordinary ones."""
    parts = [
        "Short opening sentence.",
        " ".join(f"clause{i} of a sentence that never seems to end" for i in range(120)) + ".",
        "A normal sentence follows here.",
        "https://example.org/" + "segment/" * 400,
        "Then: " + "ütf-8 wörds, ñ and 東京 " * 90 + "!",
        "Last one.",
    ]
    return Article(doc_id="long", text="\n\n".join(parts))


def check(article: Article, max_tokens: int, count) -> list:
    chunks = chunk_article(article, max_tokens, 32, count)
    assert chunks, "every non-empty article has a chunk"
    for n, c in enumerate(chunks):
        assert c.index == n and c.doc_id == article.doc_id
        assert article.text[c.start : c.end] == c.text
        assert c.text == c.text.strip() and c.text
        assert count(c.text) <= max_tokens, (count(c.text), c.text[:80])
    starts = [c.start for c in chunks]
    assert starts == sorted(starts) and len(set(starts)) == len(starts)
    covered = set()
    for c in chunks:
        covered.update(range(c.start, c.end))
    assert all(i in covered for i, ch in enumerate(article.text) if not ch.isspace())
    return chunks


def test_seed_chunks_with_the_real_tokenizer():
    chunks = check(seed(), 256, wordpiece())
    assert len(chunks) >= 2
    # chunks end on sentence boundaries
    ends = {e for _, e in sentence_spans(seed().text)}
    assert all(c.end in ends for c in chunks)


def test_long_sentences_with_the_real_tokenizer():
    check(long_sentences(), 256, wordpiece())


def test_long_sentences_with_the_approximate_counter():
    check(long_sentences(), 256, approximate_tokens)


def test_small_limits_still_hold():
    for limit in (8, 16, 40):
        check(long_sentences(), limit, approximate_tokens)
        check(seed(), limit, wordpiece())


def test_neighbours_overlap_by_whole_sentences():
    text = " ".join(f"Sentence number {i} has exactly seven words." for i in range(60))
    chunks = chunk_article(Article(doc_id="x", text=text), 50, 14, words)
    assert len(chunks) > 3
    for a, b in zip(chunks, chunks[1:], strict=False):
        assert b.start < a.end, "a fact on a boundary is whole in one chunk"
        assert text[b.start : a.end].endswith(".")
        assert words(text[b.start : a.end]) <= 14


def test_no_overlap_when_asked_for_none():
    text = " ".join(f"Sentence number {i} has exactly seven words." for i in range(30))
    chunks = chunk_article(Article(doc_id="x", text=text), 50, 0, words)
    assert all(b.start >= a.end for a, b in zip(chunks, chunks[1:], strict=False))


def test_index_text_puts_the_header_first():
    a = Article(doc_id="x", text="Body.", title="Headline", source="Paper", published="2023")
    assert index_text(a, "Body.") == "Headline | Paper | 2023\nBody."
    assert index_text(Article(doc_id="x", text="Body."), "Body.") == "Body."


texts = st.lists(
    st.sampled_from(
        [
            "The mayor spoke.",
            "Prices rose 3.5% in May!",
            "Was it?",
            "Mr. Smith left.",
            "\n\n",
            " ",
            "word",
            "U.S. troops",
            "“Quoted.”",
            "[1]",
            "a" * 40,
            "émigré café",
        ]
    ),
    max_size=80,
).map(" ".join)


@settings(max_examples=150, deadline=None)
@given(texts, st.integers(min_value=3, max_value=60), st.integers(min_value=0, max_value=20))
def test_spans_are_exact_bounded_and_complete(text, limit, overlap):
    spans = chunk_spans(text, limit, overlap, words)
    if not text.strip():
        assert spans == []
        return
    covered = set()
    for s, e in spans:
        assert text[s:e] == text[s:e].strip() and words(text[s:e]) <= limit
        covered.update(range(s, e))
    assert all(i in covered for i, ch in enumerate(text) if not ch.isspace())
    assert [s for s, _ in spans] == sorted({s for s, _ in spans})


def one_by_one(text: str) -> int:
    """The real tokenizer, counting each slice on its own (no ``starts``: no shortcut)."""
    return wordpiece()(text)


def test_tokenizing_once_gives_the_chunks_of_counting_every_slice():
    """Chunking reads token offsets of the whole article instead of re-tokenizing every
    sentence and candidate chunk: the chunks must be exactly those of counting slices."""
    for article in (seed(), long_sentences()):
        for limit in (40, 120, 256):
            fast = chunk_spans(article.text, limit, 32, wordpiece())
            slow = chunk_spans(article.text, limit, 32, one_by_one)
            assert fast == slow, (article.doc_id, limit)


@settings(max_examples=100, deadline=None)
@given(texts, st.integers(min_value=8, max_value=60), st.integers(min_value=0, max_value=20))
def test_tokenizing_once_matches_counting_slices_on_any_text(text, limit, overlap):
    assert chunk_spans(text, limit, overlap, wordpiece()) == chunk_spans(
        text, limit, overlap, one_by_one
    )
