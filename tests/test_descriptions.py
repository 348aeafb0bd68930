"""Questions asking who or what a name is, answered by the sentence describing it beside
the name ("Sam Bankman-Fried, the founder of failed cryptocurrency exchange FTX, ...")."""

from __future__ import annotations

import pytest

from assistant import REFUSAL
from assistant.answering.descriptions import asked_name, description
from assistant.answering.engines.extractive import ExtractiveEngine
from assistant.records import Passage

from .fakes import FakeJudge


@pytest.mark.parametrize(
    "question, name",
    [
        ("Who is Sam Bankman-Fried?", "Sam Bankman-Fried"),
        ("who is Eric Farraro", "Eric Farraro"),
        ("What is Gerudo Town?", "Gerudo Town"),
        ("What is the Bank of England?", "Bank of England"),
        # roles ask for a name, not a description
        ("Who is the CEO of Epic Games?", None),
        ("Who is Tidal's CEO?", None),
        ("Who is the Melbourne Rebels' CEO?", None),
        # not the question's whole
        ("Who is Sam Bankman-Fried's lawyer?", None),
        ("What is Worldcoin worth?", None),
        ("who is the ceo", None),
    ],
)
def test_the_name_a_question_asks_about(question, name):
    assert asked_name(question) == name


@pytest.mark.parametrize(
    "name, sentence, said",
    [
        (
            "Sam Bankman-Fried",
            "Sam Bankman-Fried, the founder of failed cryptocurrency exchange FTX, is on trial.",
            "the founder of failed cryptocurrency exchange FTX",
        ),
        (
            "Alexander Matsegora",
            "The briefing came days after Russia’s Ambassador to North Korea, Alexander Matsegora, "
            "told Russian media that it seems appropriate.",
            "Russia’s Ambassador to North Korea",
        ),
        (
            "Worldcoin",
            "Worldcoin is a cryptocurrency project that scans people's irises.",
            "a cryptocurrency project that scans people's irises",
        ),
        ("Mira Murati", "Mira Murati, OpenAI’s CTO, will take over.", "OpenAI’s CTO"),
        # what it did is no description of what it is
        ("Joe Biden", "He is frustrated with Joe Biden, who signed the bill.", None),
        ("Threads", "Instagram Threads, which began testing ActivityPub, grew.", None),
        ("Sam Bankman-Fried", "Sam Bankman-Fried testified on Friday.", None),
        # a question the article asks as a heading
        ("Sam Bankman-Fried", "Who is Sam Bankman-Fried, the former CEO of FTX?", None),
    ],
)
def test_descriptions_beside_a_name(name, sentence, said):
    assert description(name, sentence) == said


def test_who_is_a_name_is_answered_by_its_description_though_the_reader_scores_it_low():
    """The reader scores "Who is X?" low against every sentence (0.1 here, under its
    threshold): the sentence that describes X answers it, its description first."""
    text = (
        "Sam Bankman-Fried testified on Friday. Sam Bankman-Fried, the founder of failed "
        "cryptocurrency exchange FTX, is on trial for fraud."
    )
    p = Passage("ftx.txt", "Trial", "Test Times", "2023-10-27", "", text, 0, len(text), 1.0)
    engine = ExtractiveEngine(judge=FakeJudge({}))
    answered = "".join(engine.stream("Who is Sam Bankman-Fried?", [p]))
    assert answered.startswith("**the founder of failed cryptocurrency exchange FTX** [1]")
    assert answered.endswith("is on trial for fraud. [1]")
    # a name the passages do not describe: the reader decides, as for any question
    assert "".join(engine.stream("Who is Caroline Ellison?", [p])) == REFUSAL
