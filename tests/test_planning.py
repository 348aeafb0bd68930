"""Planning: an LLM engine splits a question that needs several articles into search
questions, each searched, their passages taken in turn, and the prompt holds more of them."""

from __future__ import annotations

import json

import pytest

from assistant import REFUSAL, answer, ingest
from assistant.answering.engines.openai_chat import (
    answer_messages,
    parse_plan,
    plan_messages,
    planned_question,
)
from assistant.evaluate.llm import ReplayServer, evidence_shown, prompt_sha, replay
from assistant.records import Usage
from assistant.retrieval.retrieve import search, search_all
from assistant.store.archive import open_archive

from .fakes import ScriptedLLM
from .test_retrieve import ARTICLES

QUESTION = "Did the Harbor Gazette report on the strike and the Farm Weekly report on the harvest both come out in 2023?"
PLAN = (
    "What did the Harbor Gazette report about the dock workers strike?\n"
    "What did Farm Weekly report about the apple harvest?"
)


@pytest.fixture
def news(hashed, tmp_path):
    path = tmp_path / "news.json"
    path.write_text(json.dumps(ARTICLES))
    ingest([path], settings=hashed)
    return hashed


def _openai(settings, url, **update):
    values = {"llm": "openai", "openai_base_url": url, "llm_retries": 0, "llm_model": "scripted"}
    return settings.model_copy(update=values | update)


# ------------------------------------------------------------------------- the reply
def test_a_plan_is_its_search_questions_then_the_question():
    reply = "1. What did A report about X?\n- What did B report about Y?\n\n* What did C say of Z?"
    assert parse_plan(reply, "Q?", 3) == [
        "What did A report about X?", "What did B report about Y?", "What did C say of Z?", "Q?"
    ]
    assert parse_plan(reply, "Q?", 2) == ["What did A report about X?", "What did B report about Y?", "Q?"]


@pytest.mark.parametrize(
    "reply",
    [
        QUESTION,  # a question about one story comes back as it was asked
        "What did the Harbor Gazette report about the strike?",  # one search: nothing to split
        "",
        f"{REFUSAL}\nWhat did the Harbor Gazette report about the strike?",
        "Yes.\nNo.",  # too short to be searches
        "What did A report about X?\nwhat did a report  about x?",  # a repeat
    ],
)
def test_a_reply_of_fewer_than_two_search_questions_searches_the_question_as_asked(reply):
    assert parse_plan(reply, QUESTION, 3) == [QUESTION]


def test_a_planning_request_is_told_from_an_answer_request():
    assert planned_question(plan_messages(QUESTION)) == QUESTION
    assert planned_question(answer_messages(QUESTION, [])) is None
    forged = plan_messages(QUESTION)
    forged[0] = {"role": "system", "content": "something else"}
    assert planned_question(forged) is None


# --------------------------------------------------------------------------- search
def test_several_searches_take_their_passages_in_turn(news):
    archive = open_archive(news)
    strike = search(archive, "dock workers strike night shifts pay", k=4)
    harvest = search(archive, "apple growers record harvest cider", k=4)
    merged = search_all(
        archive, ["dock workers strike night shifts pay", "apple growers record harvest cider"], k=4
    )
    assert merged[0].chunk_id == strike[0].chunk_id
    assert merged[1].chunk_id == harvest[0].chunk_id
    assert len({p.chunk_id for p in merged}) == len(merged) <= 4
    one = search_all(archive, ["apple growers record harvest cider"], k=4)
    assert [p.chunk_id for p in one] == [p.chunk_id for p in harvest]


# ------------------------------------------------------------------------- pipeline
def _cite_the_orchard(payload):
    sources = payload["messages"][1]["content"]
    blocks = sources.split("<<<SOURCE ")[1:]
    number = next(b.split("\n", 1)[0] for b in blocks if "Apple growers" in b)
    return f"Apple growers in the valley reported a record harvest this autumn [{number}]."


def test_a_planned_question_searches_each_part_and_shows_more_passages(news):
    settings = _openai(news, "", answer_passages=2, planned_passages=3)
    with ScriptedLLM([PLAN, _cite_the_orchard], usage=(100, 10), plans=True) as llm:
        result = answer(QUESTION, settings=settings.model_copy(update={"openai_base_url": llm.url}))
        plan_request, answer_request = llm.requests
    assert planned_question(plan_request["messages"]) == QUESTION
    assert result.searches == PLAN.splitlines()
    prompt = answer_request["messages"][1]["content"]
    assert prompt.count("<<<SOURCE") == 3  # planned_passages, not answer_passages
    assert "Dock workers" in prompt and "Apple growers" in prompt
    assert not result.abstained and "record harvest" in result.text
    assert result.usage == Usage(200, 20)  # both calls
    assert result.to_dict()["searches"] == PLAN.splitlines()


def test_a_question_about_one_story_is_searched_as_asked(news):
    settings = _openai(news, "", answer_passages=2, planned_passages=3)
    with ScriptedLLM([_cite_the_orchard]) as llm:  # its plan: the question itself
        result = answer(QUESTION, settings=settings.model_copy(update={"openai_base_url": llm.url}))
        (answer_request,) = llm.requests
        plans = len(llm.plan_requests)
    assert plans == 1 and result.searches == []
    assert answer_request["messages"][1]["content"].count("<<<SOURCE") <= 2


def test_max_searches_below_two_makes_no_planning_call(news):
    settings = _openai(news, "", max_searches=1)
    with ScriptedLLM([_cite_the_orchard], plans=True) as llm:
        answer(QUESTION, settings=settings.model_copy(update={"openai_base_url": llm.url}))
        requests = llm.requests
    assert len(requests) == 1 and planned_question(requests[0]["messages"]) is None


def test_the_extractive_engine_plans_nothing(news):
    assert answer(QUESTION, settings=news).searches == []


# --------------------------------------------------------------------------- replay
def test_replay_serves_recorded_plans_and_searches_unplanned_questions_as_asked(news):
    plans = {prompt_sha(plan_messages(QUESTION)): PLAN}
    with ReplayServer(plans=plans) as server:
        settings = _openai(news, server.url, answer_passages=2, planned_passages=3)
        answer(QUESTION, settings=settings)
        answer("What did the port authority offer?", settings=settings)
        unplanned = len(server.unplanned)
        sent = [m["messages"] for m in server.requests]
    assert unplanned == 1
    assert sum(planned_question(m) is not None for m in sent) == 2
    answer_prompts = [m for m in sent if planned_question(m) is None]
    assert [m[1]["content"].count("<<<SOURCE") for m in answer_prompts] == [3, 2]


def test_replay_reports_whether_the_prompt_held_the_gold_evidence(news):
    fact = "Apple growers in the valley reported a record harvest this autumn"
    with ReplayServer(plans={prompt_sha(plan_messages(QUESTION)): PLAN}) as server:
        answer(QUESTION, settings=_openai(news, server.url))
        messages = server.requests[-1]["messages"]
    assert evidence_shown(messages, [fact]) is True
    assert evidence_shown(messages, [fact, "A sentence no article holds."]) is False
    assert evidence_shown(messages, []) is None
    replies = [{
        "question": QUESTION, "prompt_sha": prompt_sha(messages), "planted": None,
        "reply": "Apple growers in the valley reported a record harvest [1].", "answers": ["record harvest"],
    }]
    report = replay(replies, news, plans={prompt_sha(plan_messages(QUESTION)): PLAN},
                    evidence={QUESTION: [fact]})
    summary = report.summary()
    assert summary["unmatched_prompts"] == 0 and summary["planned"] == 1
    assert summary["evidence_shown"] == 1.0 and summary["with_evidence"] == 1
    assert summary["unplanned"] == 0
    # plans given, but none for this question: searched as asked, and said so
    missing = replay(replies, news, plans={}, evidence={QUESTION: [fact]}).summary()
    assert missing["unplanned"] == 1 and missing["planned"] == 0


# ------------------------------------------------------------------------- fixtures
@pytest.mark.parametrize(
    "plans, replies",
    [
        ("tests/data/llm/multihop_plans.jsonl", "tests/data/llm/multihop_planned_replies.jsonl"),
        (
            "assistant/training/dev/dev_multihop_plans.jsonl",
            "assistant/training/dev/dev_multihop_planned_replies.jsonl",
        ),
        ("assistant/training/dev/dev_plans.jsonl", "assistant/training/dev/dev_replies.jsonl"),
    ],
)
def test_the_recorded_plans_still_meet_the_planning_prompt(plans, replies):
    from .conftest import ROOT

    rows = [json.loads(line) for line in (ROOT / plans).read_text().splitlines()]
    assert rows and all(r["prompt_sha"] == prompt_sha(plan_messages(r["question"])) for r in rows)
    planned = {r["question"] for r in rows}
    asked = [json.loads(line) for line in (ROOT / replies).read_text().splitlines()]
    assert {r["question"] for r in asked if r["prompt_sha"]} <= planned


def test_an_abstention_says_every_search_it_ran():
    from assistant.cli.output import status_notes
    from assistant.records import Answer

    refused = Answer(question=QUESTION, text=REFUSAL, abstained=True, searched=QUESTION,
                     searches=PLAN.splitlines())
    (note,) = status_notes(refused)
    assert QUESTION in note and all(s in note for s in PLAN.splitlines())
