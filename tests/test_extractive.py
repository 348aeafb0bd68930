"""The extractive engine: verbatim answers, abstention, multi-part questions, and the
question-fit checks that keep it from answering a question the sentences do not answer."""

from __future__ import annotations

import pytest

from assistant import REFUSAL, answer
from assistant.citations import MARKER
from assistant.engines import ExtractiveEngine
from assistant.refusal import missing_part
from assistant.text_match import (
    fits_answer_type,
    lacks_attribute,
    possessive_conflict,
    wh_word,
)

from .conftest import SEED_FILE, SEED_ID

SEED = SEED_FILE.read_text(encoding="utf-8")
AMBASSADOR_SENTENCE = (
    "The briefing came days after Russia’s Ambassador to North Korea, Alexander Matsegora, told "
    "Russian media that including North Korea in joint military drills between Russia and China "
    "“seems appropriate.”"
)


@pytest.mark.parametrize(
    ("question", "wh"),
    [("How many launches?", "how many"), ("According to X, who is Y?", "who"),
     ("Since when have talks stalled?", "when"), ("Did it rain?", "")],
)
def test_wh_word(question, wh):
    assert wh_word(question) == wh


@pytest.mark.parametrize(
    ("question", "sentence", "fits"),
    [
        ("How many missile launches has North Korea made?",
         "These displays have involved over 100 missile launches.", True),
        ("How many nuclear warheads does North Korea have?",
         "These displays have involved over 100 missile launches.", False),  # not what is counted
        ("How much ammunition has North Korea shipped?",
         "This could include artillery and other ammunition from North Korea.", False),  # no number
        ("When did Shoigu meet Kim?", "Shoigu met Kim in July.", True),
        ("When did Shoigu meet Kim?", "Shoigu met Kim in Pyongyang.", False),
        ("Who is Russia's ambassador?", "The ambassador, Alexander Matsegora, spoke.", True),
        ("Who is Russia's ambassador?", "Russia's ambassador spoke to the press.", False),
        ("Why did talks stall?", "Talks stalled over sanctions.", True),
    ],
)
def test_fits_answer_type(question, sentence, fits):
    assert fits_answer_type(question, sentence) is fits


@pytest.mark.parametrize(
    ("question", "sentence", "conflict"),
    [
        ("What is the name of China's defense minister?",
         "Russian Defense Minister Sergei Shoigu suggested drills with North Korea and China.", True),
        ("Who is Russia's defense minister?",
         "Russian Defense Minister Sergei Shoigu suggested drills with North Korea and China.", False),
        ("Who is North Korea's ambassador to Russia?", AMBASSADOR_SENTENCE, True),
        ("Who is Russia's ambassador to North Korea?", AMBASSADOR_SENTENCE, False),
        ("What does North Korea's recent weapons testing suggest?",
         "Recent testing activities by North Korea indicate a heavy dependence on tactical systems.",
         False),
    ],
)
def test_possessive_conflict(question, sentence, conflict):
    assert possessive_conflict(question, sentence) is conflict


def test_lacks_attribute():
    assert lacks_attribute("What is the population of Pyongyang?", "Kim unites with Pyongyang.")
    assert not lacks_attribute("What is the population of Pyongyang?", "Pyongyang's population is 3 million.")
    assert lacks_attribute("Who is North Korea's ambassador to Russia?", "Russia suggested drills.")
    assert not lacks_attribute("What is the name of the minister?", "Sergei Shoigu, the minister.")
    # a generic head ("the individual", "the figure") introduces a description, not a role
    assert not lacks_attribute(
        "Who is the individual associated with FTX facing a fraud trial?",
        "Sam Bankman-Fried, the founder of FTX, is on trial for fraud.",
    )
    assert lacks_attribute("Who is the director of the agency?", "Kim spoke to the agency.")


# ------------------------------------------------------------------------ end to end
def test_answers_verbatim_with_the_sentence_as_citation(seeded):
    result = answer("Who is Russia's ambassador to North Korea?", settings=seeded)
    assert not result.abstained and result.engine == "extractive"
    assert result.text == f"{AMBASSADOR_SENTENCE} [1]"
    assert result.citations[0].quote == AMBASSADOR_SENTENCE and result.citations[0].doc_id == SEED_ID
    assert SEED[result.citations[0].start : result.citations[0].end] == AMBASSADOR_SENTENCE
    assert all(c.supported for c in result.claims)


@pytest.mark.parametrize(
    "question",
    [
        "What is the best recipe for banana bread?",
        "What is the population of Pyongyang?",
        "Who is North Korea's ambassador to Russia?",
        "What did Japan's prime minister say about the proposed drills?",
        "How many nuclear warheads does North Korea have?",
    ],
)
def test_abstains_when_no_sentence_answers(seeded, question):
    result = answer(question, settings=seeded)
    assert result.abstained and result.text == REFUSAL and result.citations == []


def test_each_part_of_a_question_gets_its_own_sentence(seeded):
    question = "Who is Russia's ambassador to North Korea, and how many missile launches has North Korea made?"
    result = answer(question, settings=seeded)
    assert "Matsegora" in result.text and "over 100 missile launches" in result.text
    assert all(c.supported for c in result.claims) and "this part" not in result.text


def test_a_part_no_sentence_answers_is_named(seeded):
    question = "Who is Russia's ambassador to North Korea, and what is his salary?"
    result = answer(question, settings=seeded)
    assert not result.abstained and "Matsegora" in result.text
    assert result.text.endswith(missing_part("what is his salary"))


def test_a_following_sentence_about_the_same_subject_is_kept(seeded):
    result = answer("What is Kim Jong Un trying to overcome by strengthening his alliances with "
                    "Moscow and Beijing?", settings=seeded)
    assert "diplomatic isolation" in result.text
    assert [c.number for c in result.citations] == [1]


def test_engine_never_forges_markers_and_reads_only_top_passages(seeded):
    from assistant.archive import open_archive
    from assistant.retrieve import search

    archive = open_archive(seeded)
    engine = ExtractiveEngine(archive.embedder)
    passages = search(archive, "Who is Russia's ambassador to North Korea?", k=10)
    items = engine.candidates("Who is Russia's ambassador to North Korea?", passages)
    assert items and all(i < engine.passages_read for i, _ in items)
    text = "".join(engine.stream("Who is Russia's ambassador to North Korea?", passages))
    assert [int(m.group(1)) for m in MARKER.finditer(text)] == [1]
