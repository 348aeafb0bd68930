"""Declining a question much of which no article of a large archive mentions."""

from __future__ import annotations

import pytest

from assistant import REFUSAL, answer
from assistant.answering.decline import UNKNOWN_SHARE, unknown_words
from assistant.answering.refusal import words_not_mentioned


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
    monkeypatch.setattr("assistant.answering.decline.UNKNOWN_MIN_ARTICLES", min_articles)
    a = answer("What is the best recipe for kimchi?", settings=hashed_seeded)
    assert a.abstained and not a.citations
    # (in the one-article archive even "best" and "recipe" are unknown: hence the gate)
    assert ('"kimchi"' in a.text) is declined
    # a question the seed article answers is never declined this way
    b = answer("Who is Russia's ambassador to North Korea?", settings=hashed_seeded)
    assert not b.abstained and "Matsegora" in b.text


def test_question_and_function_words_are_never_missing_content():
    """Issue 21: in an archive of short articles none of which says "how" or "many", "How
    many officials resigned in town 42?" was declined for not mentioning "How" and "many"."""
    import bm25s

    articles = [f"Three officials resigned in town {n} on Monday." for n in range(40, 45)]

    def real_analyse(texts: list[str]) -> list[list[str]]:  # the BM25 index's analyser
        return bm25s.tokenize(texts, stopwords="en", return_ids=False, show_progress=False)

    vocabulary = {t for terms in real_analyse(articles) for t in terms}
    assert "how" not in vocabulary and "many" not in vocabulary
    assert unknown_words("How many officials resigned in town 42?", real_analyse, vocabulary) == []
    assert unknown_words("Which officials resigned in town 42, and when?", real_analyse, vocabulary) == []
    # content words the archive lacks are still named
    assert unknown_words("How many flamingos migrated to town 42?", real_analyse, vocabulary) == [
        "flamingos",
        "migrated",
    ]


def test_an_archive_holds_a_name_typed_without_its_accents(hashed, tmp_path):
    """"How much did the Beyonce film make?" was declined: "No article in the archive
    mentions "Beyonce"", over articles on "Beyoncé". A word the index lacks as typed is
    read as the index writes it with accents, for search and for this check alike."""
    from assistant.ingestion.pipeline import ingest
    from assistant.store.archive import open_archive

    article = tmp_path / "film.txt"
    article.write_text(
        "Beyoncé film opens\n\nThe concert film by Beyoncé opened with $21 million in North "
        "America over the weekend, the studio said on Sunday.\n",
        encoding="utf-8",
    )
    ingest([article], settings=hashed)
    vocabulary = open_archive(hashed).lexical.vocabulary()
    assert unknown_words("Beyonce film", vocabulary.analyse, vocabulary.terms) == []
    assert not vocabulary.unmentioned("Beyonce") and not vocabulary.unmentioned("Beyoncé")
    assert vocabulary.unmentioned("Taylor")
    # and search finds the article by the name typed either way
    from assistant.store.archive import open_archive as _open

    lexical = _open(hashed).lexical
    assert lexical.search("Beyonce concert", 3) and lexical.search("Beyoncé concert", 3)
    assert lexical.search("Beyonce concert", 3)[0][1] == lexical.search("Beyoncé concert", 3)[0][1]
