"""The ``openai`` engine against a scripted OpenAI-compatible server: the failure modes a
real llama.cpp server cannot be made to show on demand (429, 500, a slow reply, malformed
markers). The real server is exercised in test_llm_server.py."""

from __future__ import annotations

import re

import pytest

from assistant import REFUSAL, answer
from assistant.answering.engines.engine import get_engine
from assistant.answering.engines.openai_chat import (
    StreamCut,
    answer_messages,
    check_finish,
    first_line,
    fit_passages,
    rewrite_messages,
)
from assistant.config import Settings
from assistant.errors import EngineError
from assistant.records import Passage, Usage

from .conftest import free_port
from .fakes import ScriptedLLM

QUESTION = "Who is Russia's ambassador to North Korea?"
GOOD = "Russia's ambassador to North Korea is Alexander Matsegora [1]."


def _openai(seeded: Settings, url: str, **update) -> Settings:
    values = {"llm": "openai", "openai_base_url": url, "llm_retries": 0, "llm_model": "scripted"}
    return seeded.model_copy(update=values | update)


def _passage(text: str, n: int = 0) -> Passage:
    return Passage(
        doc_id=f"d{n}",
        title=f"Title {n}",
        source="Pub",
        published="2023-01-02",
        url="",
        text=text,
        start=0,
        end=len(text),
        score=1.0,
    )


# ------------------------------------------------------------------------------- cost
def test_the_answer_carries_the_tokens_the_server_reports(seeded):
    # two calls, each reported: planning the searches, then the answer
    with ScriptedLLM([GOOD], usage=(812, 23)) as llm:
        result = answer(QUESTION, settings=_openai(seeded, llm.url))
        asked = llm.requests[0]
        plans = len(llm.plan_requests)
    assert asked["stream_options"] == {"include_usage": True}
    assert plans == 1
    assert result.usage == Usage(2 * 812, 2 * 23)
    assert result.to_dict()["usage"] == {
        "prompt_tokens": 1624, "completion_tokens": 46, "estimated": False
    }


def test_a_server_reporting_no_usage_gets_an_estimate_marked_as_such(seeded):
    with ScriptedLLM([GOOD]) as llm:
        result = answer(QUESTION, settings=_openai(seeded, llm.url))
        sent = [*llm.plan_requests, *llm.requests]
        prompt = sum(len(m["content"]) for r in sent for m in r["messages"])
    assert result.usage is not None and result.usage.estimated
    # the plan's reply is the question itself (a question about one story)
    assert result.usage.completion_tokens == -(-len(GOOD) // 4) + -(-len(QUESTION) // 4)
    assert prompt / 4 <= result.usage.prompt_tokens <= prompt / 4 + 20


def test_the_extractive_engine_costs_no_tokens(seeded):
    assert answer(QUESTION, settings=seeded.model_copy(update={"llm": "extractive"})).usage is None


def test_passages_beyond_the_token_cap_are_left_out_and_the_last_cut_at_a_sentence():
    first = _passage("A" * 396 + ".", 1)  # 100 tokens
    second = _passage("One short sentence here. " * 8, 2)  # 200 characters, 50 tokens
    third = _passage("Never shown.", 3)
    kept = fit_passages([first, second, third], 130)
    assert [p.doc_id for p in kept] == ["d1", "d2"]
    assert kept[1].text == "One short sentence here. " * 3 + "One short sentence here."  # 120 chars left
    assert kept[1].end == kept[1].start + len(kept[1].text)
    assert fit_passages([first, second], 1000) == [first, second]
    assert fit_passages([first], 50) == []  # no whole sentence of it fits


def test_the_prompt_holds_no_more_passage_text_than_the_cap(seeded):
    with ScriptedLLM([GOOD]) as llm:
        answer(QUESTION, settings=_openai(seeded, llm.url, max_passage_tokens=120))
        prompt = llm.requests[0]["messages"][1]["content"]
    sources = prompt.count("<<<SOURCE")
    assert sources == 1  # the seed's chunks are longer than 120 tokens: one, cut short


# ---------------------------------------------------------------------------- retries
def test_429_then_success_is_retried_with_backoff(seeded):
    with ScriptedLLM([429, GOOD]) as llm:
        result = answer(QUESTION, settings=_openai(seeded, llm.url, llm_retries=2))
        requests = len(llm.requests)
    assert requests == 2
    assert not result.abstained and "Matsegora" in result.text


def test_persistent_500_gives_a_readable_error_after_retries(seeded):
    with ScriptedLLM([500, 500, 500, 500]) as llm:
        with pytest.raises(EngineError) as caught:
            answer(QUESTION, settings=_openai(seeded, llm.url, llm_retries=2))
        requests = len(llm.requests)
    assert requests == 3  # the first try and two retries
    message = str(caught.value)
    assert "HTTP 500" in message and "after 2 retries" in message
    assert "Traceback" not in message and "{" not in message


def test_persistent_429_says_rate_limited(seeded):
    with ScriptedLLM([429, 429]) as llm, pytest.raises(EngineError, match="rate-limiting"):
        answer(QUESTION, settings=_openai(seeded, llm.url, llm_retries=1))


def test_connection_refused_is_readable_and_retried(seeded):
    url = f"http://127.0.0.1:{free_port()}/v1"
    with pytest.raises(EngineError, match=r"cannot reach .*after 1 retry;"):
        answer(QUESTION, settings=_openai(seeded, url, llm_retries=1))


def test_a_server_slower_than_the_timeout_is_readable(seeded):
    with (
        ScriptedLLM([GOOD], delay=3.0) as llm,
        pytest.raises(EngineError, match="did not answer in time"),
    ):
        answer(QUESTION, settings=_openai(seeded, llm.url, llm_timeout=0.5))


# ------------------------------------------------------------------------ cut streams
def test_a_stream_closed_without_finishing_is_marked_incomplete(seeded):
    partial = "Alexander Matsegora is Russia's ambassador to North Korea [1]. He also"
    with ScriptedLLM([("cut", partial)]) as llm:
        result = answer(QUESTION, settings=_openai(seeded, llm.url))
    assert result.incomplete and not result.abstained
    assert result.text.endswith("He also")  # the partial text is kept, not tidied into a whole


def test_finish_reasons():
    check_finish("stop", "x", 10)
    with pytest.raises(StreamCut, match="ended before"):
        check_finish(None, "x", 10)
    with pytest.raises(StreamCut, match="limit of 10 tokens"):
        check_finish("length", "x", 10)


# ------------------------------------------------------------------------ bad markers
def test_claims_without_valid_markers_stay_unsupported(seeded):
    reply = (
        "Alexander Matsegora is Russia's ambassador to North Korea [1]. "
        "Kim Jong Un invited Shoigu to a parade [9]. "
        "Matsegora said joint drills seem appropriate [0]. "
        "Seoul's spy agency briefed lawmakers [source 2]. "
        "Russia suggested naval drills with China (1). "
        "Matsegora spoke to Tass [1"
    )
    with ScriptedLLM([reply]) as llm:
        result = answer(QUESTION, settings=_openai(seeded, llm.url))
    assert [c.number for c in result.citations] == [1]
    assert "[9]" not in result.text and "[0]" not in result.text
    by_text = {c.text: c for c in result.claims}
    assert by_text["Alexander Matsegora is Russia's ambassador to North Korea."].supported
    unmarked = [c for c in result.claims if not c.citations]
    assert len(unmarked) == 5
    for claim in unmarked:  # never mapped to some source
        assert not claim.supported and claim.quote == "" and claim.doc_id == ""


def test_an_answer_without_any_marker_is_not_presented_as_cited(seeded):
    with ScriptedLLM(["Alexander Matsegora is the ambassador."]) as llm:
        result = answer(QUESTION, settings=_openai(seeded, llm.url))
    assert result.citations == [] and result.abstained and result.text == REFUSAL


# ----------------------------------------------------------------------- follow-ups
def test_follow_up_rewriting_goes_through_the_same_server(seeded):
    history = [(QUESTION, "Alexander Matsegora is Russia's ambassador to North Korea [1].")]
    rewritten = '"What did Alexander Matsegora say about joint military drills?"\nExtra line.'
    with ScriptedLLM([rewritten, "He said they seem appropriate [1]."]) as llm:
        result = answer(
            "What did he say about drills?", history=history, settings=_openai(seeded, llm.url)
        )
        requests = llm.requests
    assert len(requests) == 2
    assert "Alexander Matsegora is Russia's ambassador" in requests[0]["messages"][1]["content"]
    assert result.searched == "What did Alexander Matsegora say about joint military drills?"
    assert result.searched in requests[1]["messages"][1]["content"]


def test_a_failed_rewrite_cut_falls_back_to_the_question(seeded):
    history = [(QUESTION, "Alexander Matsegora [1].")]
    with ScriptedLLM([("cut", ""), GOOD]) as llm:
        result = answer("And his deputy?", history=history, settings=_openai(seeded, llm.url))
    assert result.searched == "And his deputy?"


def test_first_line():
    assert first_line('  "Who is X?"\nmore', "q") == "Who is X?"
    assert first_line("   ", "q") == "q"


# --------------------------------------------------------------------------- prompts
def test_prompts_number_sources_and_carry_the_refusal():
    passages = [_passage("Alpha said one thing.", 0), _passage("Beta said another.", 1)]
    system, user = answer_messages("What did Beta say?", passages)
    assert REFUSAL in system["content"] and "$refusal" not in system["content"]
    assert re.search(r"\[1\]", system["content"])  # a worked example of a cited answer
    assert "[1] Pub, 2023-01-02" in user["content"] and "[2] Pub, 2023-01-02" in user["content"]
    assert user["content"].index("Alpha said") < user["content"].index("Beta said")
    assert "What did Beta say?" in user["content"]
    assert "$" not in user["content"]
    rewrite = rewrite_messages("And him?", [("Q1", "A1")])
    assert "Q1" in rewrite[1]["content"] and "And him?" in rewrite[1]["content"]


def test_get_engine_picks_openai_when_a_base_url_is_set(tmp_path):
    engine = get_engine(Settings(data_dir=tmp_path, openai_base_url="http://127.0.0.1:9/v1"))
    assert engine.name == "openai"
