"""Sentence boundaries with offsets."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.text.sentences import sentence_spans, split_sentences

from .conftest import SEED_FILE


def test_plain_sentences():
    assert split_sentences("One fine day. Two more! Three? Four.") == [
        "One fine day.",
        "Two more!",
        "Three?",
        "Four.",
    ]


def test_abbreviations_and_initials_do_not_end_sentences():
    text = "Mr. Smith met Dr. Jones at 5 p.m. on Jan. 4. John F. Kennedy spoke in Washington."
    assert split_sentences(text) == [
        "Mr. Smith met Dr. Jones at 5 p.m. on Jan. 4.",
        "John F. Kennedy spoke in Washington.",
    ]


def test_decimals_and_lowercase_continuations():
    assert split_sentences("Prices rose 3.5 percent. e.g. not here. Done.") == [
        "Prices rose 3.5 percent. e.g. not here.",
        "Done.",
    ]


def test_quotes_brackets_and_markers_stay_with_their_sentence():
    text = (
        "He said “it seems appropriate.” Then he left (quietly.) Matsegora spoke [1]. Next [2, 3]."
    )
    assert split_sentences(text) == [
        "He said “it seems appropriate.”",
        "Then he left (quietly.)",
        "Matsegora spoke [1].",
        "Next [2, 3].",
    ]
    assert split_sentences("It is settled. [1] Next one.") == ["It is settled. [1]", "Next one."]


def test_paragraphs_end_sentences_without_punctuation():
    assert split_sentences("A headline\n\nThe body starts here. It ends") == [
        "A headline",
        "The body starts here.",
        "It ends",
    ]


def test_offsets_inside_a_range():
    text = "Skip this. Take this one. And this. Not this."
    start = text.index("Take")
    end = text.index("Not") - 1
    spans = sentence_spans(text, start, end)
    assert [text[s:e] for s, e in spans] == ["Take this one.", "And this."]


def test_seed_sentences_cover_the_article():
    text = SEED_FILE.read_text(encoding="utf-8")
    sentences = split_sentences(text)
    assert any("Alexander Matsegora, told Russian media" in s for s in sentences)
    assert sentences[-1] == "Copyright © 2023 The Washington Times, LLC."


pieces = st.sampled_from(
    list("aB .!?\n\"')[]1") + ["Mr.", " [1]", "…", "\n\n", "e.g.", "U.S.", "  ", "“", "”", "é"]
)


@settings(max_examples=250, deadline=None)
@given(st.lists(pieces, max_size=60).map("".join))
def test_spans_are_ordered_trimmed_and_cover_every_character(text):
    spans = sentence_spans(text)
    prev = 0
    covered = set()
    for s, e in spans:
        assert prev <= s < e <= len(text)
        assert not text[s].isspace() and not text[e - 1].isspace()
        covered.update(range(s, e))
        prev = e
    assert all(i in covered for i, ch in enumerate(text) if not ch.isspace())
