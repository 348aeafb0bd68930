"""answer() and stream_answer() with both engines."""

from __future__ import annotations

import pytest

from assistant import REFUSAL, Answer, InputError, answer, stream_answer
from assistant.archive import open_archive
from assistant.config import Settings

from .fakes import ScriptedLLM

SEED_ID = "000_bfd5cbc101d0c76f.txt"


def _check_citations(settings: Settings, result: Answer) -> None:
    """Every marker maps to a citation, every citation is used, quotes are verbatim."""
    import re

    used = {int(n) for n in re.findall(r"\[(\d+)\]", result.text)}
    assert used == {c.number for c in result.citations}
    store = open_archive(settings).store
    for c in result.citations:
        article = store.get_article(c.doc_id)
        assert article is not None and article.text[c.start : c.end] == c.quote


def test_extractive_finds_the_ambassador(seeded):
    result = answer("Who is Russia's ambassador to North Korea?", settings=seeded)
    assert not result.abstained
    assert "Matsegora" in result.text
    assert result.citations[0].doc_id == SEED_ID
    assert "Alexander Matsegora" in result.citations[0].quote
    assert result.citations[0].source == "The Washington Times"
    _check_citations(seeded, result)


def test_extractive_abstains_off_topic(seeded):
    result = answer("What is the best recipe for banana bread?", settings=seeded)
    assert result.abstained and result.text == REFUSAL and result.citations == []


def test_stream_yields_text_then_the_answer(seeded):
    items = list(stream_answer("How many missile launches has North Korea made?", settings=seeded))
    assert isinstance(items[-1], Answer)
    assert all(isinstance(i, str) for i in items[:-1]) and items[:-1]
    assert "".join(items[:-1]).strip() == items[-1].text


@pytest.mark.parametrize("question", ["", "   \n\t", "x" * 4001])
def test_bad_questions_are_refused_clearly(seeded, question):
    with pytest.raises(InputError):
        answer(question, settings=seeded)


def _openai(seeded: Settings, url: str) -> Settings:
    return seeded.model_copy(update={"llm": "openai", "openai_base_url": url, "llm_retries": 0,
                                     "llm_model": "scripted"})


def test_openai_engine_markers_become_citations(seeded):
    reply = ("Russia's ambassador to North Korea is Alexander Matsegora [1]. "
             "He said joint drills seem appropriate [1][7].")
    with ScriptedLLM([reply]) as llm:
        s = _openai(seeded, llm.url)
        result = answer("Who is Russia's ambassador to North Korea?", settings=s)
        request = llm.requests[0]
    assert result.engine == "openai" and not result.abstained
    assert "[7]" not in result.text  # a number naming no source is dropped
    assert [c.number for c in result.citations] == [1]
    assert "Matsegora" in result.citations[0].quote
    _check_citations(s, result)
    roles = [m["role"] for m in request["messages"]]
    assert roles == ["system", "user"]
    assert "Matsegora" in request["messages"][1]["content"]
    assert "Matsegora" not in request["messages"][0]["content"]  # sources never in the system role


def test_openai_engine_refusal_abstains(seeded):
    with ScriptedLLM([REFUSAL]) as llm:
        result = answer("Who won the 1998 World Cup?", settings=_openai(seeded, llm.url))
    assert result.abstained and result.citations == []


def test_openai_engine_server_down_is_a_readable_error(seeded):
    from assistant.errors import EngineError

    from .conftest import free_port

    s = _openai(seeded, f"http://127.0.0.1:{free_port()}/v1")
    with pytest.raises(EngineError, match="cannot reach"):
        answer("Who is Russia's ambassador to North Korea?", settings=s)


def test_openai_stream_cut_marks_answer_incomplete(seeded):
    with ScriptedLLM([("cut", "Alexander Matsegora is Russia's ambassador to North Korea [1]. He also")]) as llm:
        result = answer("Who is Russia's ambassador to North Korea?", settings=_openai(seeded, llm.url))
    assert result.incomplete
    assert "Matsegora" in result.text
