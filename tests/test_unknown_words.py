"""Declining a question much of which no article of a large archive mentions."""

from __future__ import annotations

import pytest

from assistant import REFUSAL, answer
from assistant.coverage import UNKNOWN_SHARE, unknown_words
from assistant.refusal import words_not_mentioned


def analyse(texts: list[str]) -> list[list[str]]:
    stop = {"what", "is", "the", "for", "a", "of"}
    return [[w.lower()] if w.lower() not in stop else [] for t in texts for w in [t]]


VOCABULARY = {"best", "recipe", "which", "ferry", "sank", "on", "monday", "near", "harbour"}
VOCABULARY |= {"after", "council", "met", "its", "spring", "meeting"}


def test_words_no_article_mentions_are_named_when_they_are_a_large_share():
    assert unknown_words("What is the best recipe for kimchi?", analyse, VOCABULARY) == ["kimchi"]
    # one unknown word among many known ones proves nothing (a name misspelt, a paraphrase)
    long = "Which ferry sank on Monday near the harbour after the council met its spring kimchi?"
    assert unknown_words(long, analyse, VOCABULARY) == []
    assert unknown_words("What is the best recipe?", analyse, VOCABULARY) == []
    assert unknown_words("", analyse, VOCABULARY) == []
    assert 0 < UNKNOWN_SHARE < 1


def test_the_notice_names_the_words_and_carries_the_refusal():
    assert words_not_mentioned(["kimchi"]) == f'No article in the archive mentions "kimchi". {REFUSAL}'
    assert words_not_mentioned(["a", "b", "c"]).startswith('No article in the archive mentions "a", "b" and "c".')


@pytest.mark.parametrize("min_articles, declined", [(1, True), (100, False)])
def test_answer_declines_only_in_a_large_enough_archive(
    hashed_seeded, monkeypatch, min_articles, declined
):
    monkeypatch.setattr("assistant.coverage.UNKNOWN_MIN_ARTICLES", min_articles)
    a = answer("What is the best recipe for kimchi?", settings=hashed_seeded)
    assert a.abstained and not a.citations
    # (in the one-article archive even "best" and "recipe" are unknown: hence the gate)
    assert ('"kimchi"' in a.text) is declined
    # a question the seed article answers is never declined this way
    b = answer("Who is Russia's ambassador to North Korea?", settings=hashed_seeded)
    assert not b.abstained and "Matsegora" in b.text
