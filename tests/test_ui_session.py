"""The chat page's conversations: saving, the list, switching, Retry and Edit."""

from __future__ import annotations

import gradio as gr

from assistant.ui.actions import (
    ask_and_save,
    edit_last,
    new_conversation,
    open_conversation,
    retry_last,
)
from assistant.ui.render import ShownTurn
from assistant.ui.session import Conversation, choices, save, take_last

SEED_QUESTION = "Who is Russia's ambassador to North Korea?"
SKIP = gr.skip()  # {"__type__": "update"} and nothing else: the output stays as it is


def turns(*questions: str) -> list[ShownTurn]:
    return [ShownTurn(q, f"<div>{q}</div>", text=f"answer to {q}") for q in questions]


def test_save_puts_the_current_conversation_first_once_and_keeps_a_bounded_list():
    past = save([], "a", turns("one"), limit=3)
    past = save(past, "b", turns("two"), limit=3)
    past = save(past, "a", turns("one", "one more"), limit=3)  # updated, moved first
    assert [(c.id, len(c.turns)) for c in past] == [("a", 2), ("b", 1)]
    assert save(past, "c", [], limit=3) == past  # an empty conversation is not kept
    past = save(save(past, "c", turns("three"), limit=3), "d", turns("four"), limit=3)
    assert [c.id for c in past] == ["d", "c", "a"]  # the oldest went


def test_choices_are_labelled_by_the_first_question():
    long = "What did the intelligence agency of South Korea tell lawmakers about drills?"
    past = [Conversation("a", turns(long, "and then?")), Conversation("b", turns("Short?"))]
    (label_a, id_a), (label_b, id_b) = choices(past)
    assert (id_a, id_b) == ("a", "b") and label_b == "Short?"
    assert label_a.endswith("… (2 questions)") and len(label_a) < len(long) + 15


def test_take_last_returns_the_rest_and_the_question():
    rest, question = take_last(turns("one", "two"))
    assert [t.question for t in rest] == ["one"] and question == "two"
    assert take_last([]) == ([], "")


def test_edit_puts_the_last_question_back_and_drops_its_answer():
    html, rest, box = edit_last(turns("one", "two"))
    assert box == "two" and [t.question for t in rest] == ["one"]
    assert "<div>one</div>" in html and "<div>two</div>" not in html
    assert edit_last([]) == (SKIP,) * 3  # nothing to edit: nothing changes


def test_new_conversation_keeps_the_old_one_in_the_list(settings):
    html, now, past, current, update = new_conversation(turns("one"), [], "a", settings)
    assert now == [] and "nx-empty" in html and current != "a"
    assert [c.id for c in past] == ["a"] and update["choices"] == [("one", "a")]
    assert update["value"] is None


def test_opening_a_past_conversation_saves_the_current_one(settings):
    past = [Conversation("a", turns("one"))]
    html, now, saved, current, update = open_conversation("a", turns("two"), past, "b", settings)
    assert current == "a" and [t.question for t in now] == ["one"] and "<div>one</div>" in html
    assert [c.id for c in saved] == ["b", "a"] and update["value"] == "a"


def test_ask_saves_and_retry_replaces_the_last_answer(seeded):
    states = list(ask_and_save(SEED_QUESTION, [], None, "", "", [], "", seeded))
    html, now = states[-2][0], states[-2][1]
    *_, past, current, update = states[-1]
    assert "Matsegora" in html and len(now) == 1
    assert [c.id for c in past] == [current] and update["value"] == current

    again = list(retry_last(now, None, "", "", past, current, seeded))
    html2, now2 = again[-2][0], again[-2][1]
    assert 'data-state="pending"' in again[0][0]  # the answer is written again
    assert [t.question for t in now2] == [SEED_QUESTION] and "Matsegora" in html2
    assert again[-1][3][0].turns == now2  # the saved copy holds the new answer
    assert list(retry_last([], None, "", "", [], "", seeded)) == [(SKIP,) * 6]
