"""answer() and stream_answer() with both engines."""

from __future__ import annotations

import json
import re

import pytest

from assistant import (
    REFUSAL,
    Answer,
    EmptyArchiveError,
    EngineError,
    InputError,
    answer,
    ingest,
    remove,
    stream_answer,
)
from assistant.config import Settings
from assistant.store.archive import open_archive

from .conftest import SEED_ID, free_port
from .fakes import ScriptedLLM, source_number

AMBASSADOR = "Who is Russia's ambassador to North Korea?"
# Close to the seed's own sentence: the claim checker supports it with any embedder.
CLAIM = (
    "Russia’s Ambassador to North Korea, Alexander Matsegora, told Russian media that including "
    "North Korea in joint military drills between Russia and China seems appropriate"
)


def check_citations(settings: Settings, result: Answer) -> None:
    """Every marker maps to a citation, every citation is used, quotes are verbatim."""
    used = {
        int(n)
        for group in re.findall(r"\[(\d+(?:\s*,\s*\d+)*)\]", result.text)
        for n in group.split(",")
    }
    assert used == {c.number for c in result.citations}
    assert [c.number for c in result.citations] == list(range(1, len(result.citations) + 1))
    store = open_archive(settings).store
    for c in result.citations:
        article = store.get_article(c.doc_id)
        assert article is not None and article.text[c.start : c.end] == c.quote


def openai_settings(base: Settings, url: str) -> Settings:
    return base.model_copy(
        update={
            "llm": "openai",
            "openai_base_url": url,
            "llm_retries": 0,
            "llm_model": "scripted",
            "llm_timeout": 20.0,
        }
    )


# ------------------------------------------------------------------------ extractive


def test_extractive_finds_the_ambassador(seeded):
    result = answer(AMBASSADOR, settings=seeded)
    assert not result.abstained and result.engine == "extractive"
    assert "Matsegora" in result.text
    cited = result.citations[0]
    assert cited.doc_id == SEED_ID and cited.source == "The Washington Times"
    assert "Alexander Matsegora" in cited.quote
    check_citations(seeded, result)


def test_extractive_abstains_off_topic(seeded):
    result = answer("What is the best recipe for banana bread?", settings=seeded)
    assert result.abstained and result.text == REFUSAL and result.citations == []


def test_stream_yields_text_then_the_answer(seeded):
    items = list(stream_answer(AMBASSADOR, settings=seeded))
    assert isinstance(items[-1], Answer)
    assert items[:-1] and all(isinstance(i, str) for i in items[:-1])
    assert "".join(items[:-1]).strip() == items[-1].text


def test_an_empty_archive_is_an_error_naming_ingest_not_a_refusal(hashed, hashed_seeded):
    # A refusal would read as "the articles do not say"; the archive is simply empty.
    for call in (answer, lambda q, **kw: list(stream_answer(q, **kw))):
        with pytest.raises(EmptyArchiveError, match=r"holds no articles.*ingest\("):
            call(AMBASSADOR, settings=hashed)
    remove(SEED_ID, settings=hashed_seeded)  # emptied again: the same error, not a refusal
    with pytest.raises(EmptyArchiveError):
        answer(AMBASSADOR, settings=hashed_seeded)


@pytest.mark.parametrize("question", ["", "   \n\t", "x" * 4001])
def test_bad_questions_are_refused_clearly(hashed_seeded, question):
    with pytest.raises(InputError, match="empty|limit is 4000"):
        answer(question, settings=hashed_seeded)


def test_a_question_of_exactly_the_limit_is_accepted(hashed_seeded):
    result = answer("Matsegora " + "x" * 3990, settings=hashed_seeded)
    assert isinstance(result, Answer)


def test_unknown_publisher_is_refused_clearly(hashed_seeded):
    with pytest.raises(InputError, match="unknown publisher.*The Washington Times"):
        answer(AMBASSADOR, settings=hashed_seeded, filters={"publisher": "Daily Planet"})


# ---------------------------------------------------------------------------- openai


def test_openai_engine_streams_then_answers(hashed_seeded):
    def reply(payload):
        n = source_number(payload, "Alexander Matsegora")
        return f"Russia's ambassador to North Korea is Alexander Matsegora [{n}]."

    with ScriptedLLM([reply]) as llm:
        s = openai_settings(hashed_seeded, llm.url)
        items = list(stream_answer(AMBASSADOR, settings=s))
        request = llm.requests[0]
    final = items[-1]
    assert isinstance(final, Answer) and final.engine == "openai" and final.model == "scripted"
    assert len(items) > 2, "the text arrives in pieces as the server streams it"
    assert "".join(items[:-1]).strip() == final.text
    assert final.text == "Russia's ambassador to North Korea is Alexander Matsegora [1]."
    check_citations(s, final)
    assert request["stream"] is True
    assert [m["role"] for m in request["messages"]] == ["system", "user"]
    assert AMBASSADOR in request["messages"][-1]["content"]
    assert "Matsegora" not in request["messages"][0]["content"]  # sources only as user data


def test_openai_engine_refusal_abstains(hashed_seeded):
    with ScriptedLLM([REFUSAL]) as llm:
        result = answer(
            "Who won the 1998 World Cup?", settings=openai_settings(hashed_seeded, llm.url)
        )
    assert result.abstained and result.citations == [] and result.text == REFUSAL


def test_openai_server_down_is_a_readable_error(hashed_seeded):
    s = openai_settings(hashed_seeded, f"http://127.0.0.1:{free_port()}/v1")
    with pytest.raises(EngineError, match="cannot reach"):
        answer(AMBASSADOR, settings=s)


def test_openai_server_error_is_a_readable_error(hashed_seeded):
    with ScriptedLLM([500]) as llm, pytest.raises(EngineError, match="HTTP 500"):
        answer(AMBASSADOR, settings=openai_settings(hashed_seeded, llm.url))


def test_openai_stream_cut_marks_answer_incomplete(hashed_seeded):
    def reply(payload):
        n = source_number(payload, "Alexander Matsegora")
        return ("cut", f"Alexander Matsegora is Russia's ambassador to North Korea [{n}]. He also")

    with ScriptedLLM([reply]) as llm:
        result = answer(AMBASSADOR, settings=openai_settings(hashed_seeded, llm.url))
    assert result.incomplete and not result.abstained
    assert "Matsegora" in result.text


def test_follow_up_question_is_rewritten_before_retrieval(hashed_seeded):
    def reply(payload):
        n = source_number(payload, "Alexander Matsegora")
        return f"{CLAIM} [{n}]."

    with ScriptedLLM(["What did Alexander Matsegora say about joint drills?", reply]) as llm:
        result = answer(
            "What did he say about drills?",
            history=[(AMBASSADOR, "Alexander Matsegora [1].")],
            settings=openai_settings(hashed_seeded, llm.url),
        )
    assert result.searched == "What did Alexander Matsegora say about joint drills?"
    assert result.question == "What did he say about drills?"
    assert "Matsegora" in result.text and result.citations


def test_declining_follows_an_ingest_in_the_same_process(hashed_seeded, tmp_path):
    """What answer() reads of the whole archive to decline (its publishers and dates) is
    cached between questions; an ingest must show in the very next answer."""
    from assistant.answering.refusal import publishers_not_held

    by_herald = "What did a Daily Herald article say about the harbour ferry?"
    in_2021 = "What did articles published in March 2021 say about the harbour ferry?"
    assert answer(by_herald, settings=hashed_seeded).text == publishers_not_held(["Daily Herald"])
    assert answer(in_2021, settings=hashed_seeded).text.startswith("The archive holds no articles")

    path = tmp_path / "herald.json"
    path.write_text(json.dumps([{
        "title": "Harbour ferry returns", "source": "Daily Herald", "published": "2021-03-10",
        "body": "The harbour ferry returned to service on Monday after repairs to its hull.",
    }]))
    ingest([path], settings=hashed_seeded)
    assert "Daily Herald" in open_archive(hashed_seeded).store.sources()
    for question in (by_herald, in_2021):
        assert not answer(question, settings=hashed_seeded).text.startswith(
            "The archive holds no articles"
        ), question
