"""Follow-up questions borrow from the conversation only when they lean on it."""

from __future__ import annotations

import pytest

from assistant.answering.followups import leans_on_context, names_in, with_context

HISTORY = [("Who is Russia's ambassador to North Korea?", "Alexander Matsegora [1]")]


@pytest.mark.parametrize(
    "question",
    [
        "What is the capital of France?",
        "How many missile launches has North Korea made?",
        "Who won the 2023 Rugby World Cup final?",
        "What did Matsegora say about the drills?",
    ],
)
def test_a_self_contained_question_is_searched_as_itself(question):
    assert not leans_on_context(question)
    assert with_context(question, HISTORY) == question


@pytest.mark.parametrize(
    "question",
    [
        "What did he say about the drills?", "When did that happen?", "And in 2022?", "What about China?",
        "Tell me more", "Tell me more about him",  # a request opening with a verb names no one
    ],
)
def test_a_question_that_leans_on_the_conversation_borrows_its_names(question):
    assert leans_on_context(question)
    searched = with_context(question, HISTORY)
    assert searched.startswith(question.rstrip("?")) and "Russia" in searched and "North Korea" in searched
    # the borrowed names inside the question, before its mark
    assert searched.endswith("?" if question.endswith("?") else ")")
    assert searched.count("?") == question.count("?")


def test_names_come_from_the_answer_when_the_question_had_none():
    history = [("who is the ambassador?", "The ambassador is Alexander Matsegora [1].")]
    assert "Alexander Matsegora" in with_context("What did he say?", history)


def test_no_history_no_change():
    assert with_context("What did he say?", []) == "What did he say?"


def test_names_in_skips_question_words_and_markers():
    assert names_in("What did Kim Jong Un tell Vladimir Putin in 2023? [1]") == [
        "Kim Jong Un", "Vladimir Putin", "2023"
    ]


def test_a_pronoun_for_a_name_the_question_gives_does_not_borrow():
    question = "What did Musk say about his plans for X?"
    assert with_context(question, HISTORY) == question
