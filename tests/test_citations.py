"""Markers written by an LLM become citations: parsed, renumbered, checked, quoted verbatim.

Driven end to end through the openai engine against a scripted OpenAI-compatible server,
so the streamed SSE events, the marker parsing and the quote lookup are all real.
"""

from __future__ import annotations

import json
import re

import pytest

from assistant import Answer, answer, ingest, stream_answer
from assistant.answering.citations import Renumberer
from assistant.store.archive import open_archive

from .conftest import SEED_ID
from .fakes import ScriptedLLM, source_number
from .test_answer import AMBASSADOR, CLAIM, check_citations, openai_settings

LAUNCHES = "over 100 missile launches"
MATSEGORA = "Alexander Matsegora"


@pytest.fixture
def two_papers(hashed_seeded, tmp_path):
    """The seed plus a second publisher, so citations name different articles."""
    (tmp_path / "other.json").write_text(
        json.dumps(
            [
                {
                    "url": "https://example.org/drills",
                    "source": "Seoul Daily",
                    "published": "2023-07-04",
                    "title": "Drills planned",
                    "body": "South Korea said North Korea may join naval drills with Russia and China. "
                    "Officials in Seoul called the plan a provocation.",
                }
            ]
        )
    )
    ingest([tmp_path / "other.json"], settings=hashed_seeded)
    return hashed_seeded


def ask(settings, reply, question=AMBASSADOR) -> tuple[Answer, dict]:
    with ScriptedLLM([reply]) as llm:
        result = answer(question, settings=openai_settings(settings, llm.url))
        return result, llm.requests[0]


def test_markers_are_renumbered_by_first_use(two_papers):
    def reply(payload):
        seoul = source_number(payload, "Officials in Seoul")
        ambassador = source_number(payload, MATSEGORA)
        return (
            f"Officials in Seoul called the plan a provocation [{seoul}]. "
            f"Russia's ambassador to North Korea is {MATSEGORA} [{ambassador}]. "
            f"Seoul's officials called the plan a provocation [{seoul}]."
        )

    result, _ = ask(two_papers, reply)
    assert re.findall(r"\[\d+\]", result.text) == ["[1]", "[2]", "[1]"]
    first, second = result.citations
    assert first.url == "https://example.org/drills" and first.source == "Seoul Daily"
    assert second.doc_id == SEED_ID and MATSEGORA in second.quote
    check_citations(two_papers, result)


def test_unknown_marker_numbers_are_dropped(hashed_seeded):
    def reply(payload):
        n = source_number(payload, MATSEGORA)
        return f"{CLAIM} [{n}][42]. Nothing else is known [0][99]."

    result, _ = ask(hashed_seeded, reply)
    assert "[42]" not in result.text and "[99]" not in result.text and "[0]" not in result.text
    assert [c.number for c in result.citations] == [1]
    check_citations(hashed_seeded, result)


def test_grouped_and_spaced_markers_are_parsed(two_papers):
    def reply(payload):
        a = source_number(payload, "Officials in Seoul")
        b = source_number(payload, MATSEGORA)
        return f"North Korea may join drills with Russia and China [{a}, {b}]. It is {MATSEGORA} [ {b} ]."

    result, _ = ask(two_papers, reply)
    assert {c.doc_id for c in result.citations} == {SEED_ID, "other.json#1"}
    check_citations(two_papers, result)


def test_quotes_are_verbatim_article_text(hashed_seeded):
    def reply(payload):
        n = source_number(payload, LAUNCHES)
        m = source_number(payload, MATSEGORA)
        return (
            f"Kim has made {LAUNCHES} since the beginning of 2022 [{n}]. "
            f"{MATSEGORA} is the ambassador [{m}]."
        )

    result, _ = ask(hashed_seeded, reply, "How many missiles has North Korea launched?")
    text = open_archive(hashed_seeded).store.get_article(SEED_ID).text
    quotes = [q.text for c in result.citations for q in c.quotes]
    assert any(LAUNCHES in q for q in quotes) and any(MATSEGORA in q for q in quotes)
    for c in result.citations:
        assert text[c.start : c.end] == c.quote
        assert c.quote == c.quote.strip()
        for q in c.quotes:
            assert text[q.start : q.end] == q.text == q.text.strip()
    check_citations(hashed_seeded, result)


def test_passages_of_one_article_are_one_citation(hashed_seeded):
    """Two passages of the seed cited as [a] and [b]: one source [1] holding both quotes,
    in the text, the claims, the stream and the JSON alike."""

    def reply(payload):
        n = source_number(payload, LAUNCHES)
        m = source_number(payload, MATSEGORA)
        assert n != m  # two passages, one article
        return (
            f"Kim has made {LAUNCHES} since the beginning of 2022 [{n}]. "
            f"Russia’s Ambassador to North Korea, {MATSEGORA}, told Russian media that including North Korea "
            f"in joint military drills between Russia and China “seems appropriate” [{m}]. "
            f"Both were reported together [{n}][{m}]."
        )

    question = "How many missiles has North Korea launched?"
    with ScriptedLLM([reply]) as llm:
        items = list(stream_answer(question, settings=openai_settings(hashed_seeded, llm.url)))
    result = items[-1]
    assert isinstance(result, Answer)
    (citation,) = result.citations
    assert citation.number == 1 and citation.doc_id == SEED_ID
    assert len(citation.quotes) == 2
    assert [q.start for q in citation.quotes] == sorted(q.start for q in citation.quotes)
    texts = [q.text for q in citation.quotes]
    assert sorted((LAUNCHES in t, MATSEGORA in t) for t in texts) == [(False, True), (True, False)]
    assert LAUNCHES in citation.quote and citation.quote in texts  # the first one cited
    assert set(re.findall(r"\[\d+\]", result.text)) == {"[1]"}
    assert "[1][1]" not in result.text and "[1] [1]" not in result.text
    assert all(c.citations == [1] for c in result.claims)
    streamed = "".join(i for i in items if isinstance(i, str))
    assert set(re.findall(r"\[\d+\]", streamed)) == {"[1]"}
    assert [len(c["quotes"]) for c in result.to_dict()["citations"]] == [2]
    check_citations(hashed_seeded, result)


def test_answer_without_any_valid_marker_abstains(hashed_seeded):
    result, _ = ask(hashed_seeded, "The ambassador is a man called Bob [7].")
    assert result.abstained and result.citations == []


def test_streamed_text_already_carries_the_final_numbers(two_papers):
    def reply(payload):
        b = source_number(payload, MATSEGORA)
        return f"{CLAIM} [{b}]. Matsegora added it was his own point of view [{b}]."

    with ScriptedLLM([reply]) as llm:
        items = list(stream_answer(AMBASSADOR, settings=openai_settings(two_papers, llm.url)))
    streamed = "".join(i for i in items if isinstance(i, str))
    assert re.findall(r"\[\d+\]", streamed) == ["[1]", "[1]"]
    assert streamed.strip() == items[-1].text


def test_renumberer_handles_markers_split_across_pieces():
    r = Renumberer(3)
    out = "".join(r.feed(p) for p in ["Fact one [", "3", "]. Fact two [1", "][", "9]. Three [3]."])
    out += r.flush()
    assert out == "Fact one [1]. Fact two [2]. Three [1]."


def test_renumberer_gives_passages_of_one_article_one_number():
    r = Renumberer(3, ["a", "b", "a"])
    assert r.convert("One [3]. Two [2]. Three [1]. Both [1, 3].") == (
        "One [1]. Two [2]. Three [1]. Both [1]."
    )


def test_a_number_written_with_a_leading_point_keeps_its_space():
    from assistant.answering.citations import strip_markers

    assert strip_markers("Lee slashed .349/.421/.575 in 2022 [1].") == "Lee slashed .349/.421/.575 in 2022."
    assert strip_markers("Rates rose [2] , analysts said [1] .") == "Rates rose, analysts said."
