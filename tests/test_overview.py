"""Questions about an article as a whole ("What is this article about?"): answered by the
lead of the article meant, quoted; in an archive of several, "this article" names none."""

from __future__ import annotations

import pytest

from assistant import REFUSAL, answer
from assistant.answering.overview import is_overview, lead, lead_sentences, subject
from assistant.records import Article, Passage

from .conftest import SEED_FILE

SEED = SEED_FILE.read_text(encoding="utf-8")
SEED_LEAD = SEED.split("\n")[0].strip()


@pytest.mark.parametrize(
    "question, about",
    [
        ("What is this article about?", ""),
        ("what's the article about", ""),
        ("Summarize the article", ""),
        ("Can you summarise it for me?", ""),
        ("Give me a quick summary", ""),
        ("What are the main points?", ""),
        ("TL;DR", ""),
        ("Summarize the article about the FTX trial", "FTX trial"),
        ("Give me an overview of the Rugby World Cup final.", "Rugby World Cup final"),
        ("What are the key takeaways from the story on Binance's settlement?", "Binance's settlement"),
        ("Tell me about the FTX trial", "FTX trial"),
        ("Any news on Tesla?", "Tesla"),
        ("What's the latest on the Israel-Hamas war?", "Israel-Hamas war"),
        ("Catch me up on the port strike", "port strike"),
        ("Tell me more about the port strike", "port strike"),
        ("Tell me more", ""),
    ],
)
def test_overview_requests_and_their_subject(question, about):
    assert is_overview(question)
    assert subject(question) == about


@pytest.mark.parametrize(
    "question",
    [
        "What is the lawsuit about?",
        "What does the article say about China's response?",  # a fact it may not give
        "Who summarized the findings?",
        "How did China respond?",
        "What is the main point of contention between Russia and the US?",
    ],
)
def test_questions_for_a_fact_are_no_overview(question):
    assert not is_overview(question)


def test_the_lead_leaves_out_headings_and_page_furniture():
    text = (
        "Markets wrap\n"
        "In this article COIN Follow your favorite stocks CREATE FREE ACCOUNT\n"
        "Shares of the exchange rose 60% in November, their second-best month. "
        "Bitcoin also rallied. The chief executive criticised the regulator on Tuesday. "
        "A fourth sentence follows here and is not part of the lead.\n"
    )
    article = Article(doc_id="d", text=text, title="Markets wrap", source="Desk")
    like = Passage("d", "Markets wrap", "Desk", "2023-12-01", "", text[:10], 0, 10, 0.5)
    first = lead(article, like)
    assert first is not None and text[first.start : first.end] == first.text
    # "Bitcoin also rallied." is too short to lead; the heading and the furniture line too
    assert lead_sentences(first) == [
        "Shares of the exchange rose 60% in November, their second-best month.",
        "The chief executive criticised the regulator on Tuesday.",
        "A fourth sentence follows here and is not part of the lead.",
    ]
    assert lead(Article(doc_id="e", text="Only a heading"), like) is None


def test_the_one_article_of_the_archive_is_summarised_by_its_lead(hashed_seeded):
    a = answer("What is this article about?", settings=hashed_seeded)
    assert not a.abstained and a.text != REFUSAL
    assert a.text.startswith(SEED_LEAD) and "[1]" in a.text
    assert a.claims and all(c.supported for c in a.claims)
    assert a.citations and SEED_LEAD in a.citations[0].quote


def test_this_article_in_an_archive_of_several_asks_which(hashed_seeded, tmp_path):
    from assistant.ingestion.pipeline import ingest

    other = tmp_path / "port.txt"
    other.write_text(
        "Port strike enters second week\n\nDock workers at the eastern port stayed on strike "
        "for a second week on Friday, the union said. The union wants higher pay and shorter "
        "shifts for its members. Talks with the port authority broke down on Wednesday.\n",
        encoding="utf-8",
    )
    ingest([other], settings=hashed_seeded)
    a = answer("What is this article about?", settings=hashed_seeded)
    assert a.abstained and "The archive holds 2 articles" in a.text
    assert "Port strike enters second week" in a.text
    # with a subject, the article it names
    b = answer("Summarize the article about the port strike", settings=hashed_seeded)
    assert not b.abstained
    assert b.text.startswith("Dock workers at the eastern port stayed on strike")
    assert "North Korea" not in b.text
    c = answer("Tell me about the port strike", settings=hashed_seeded)
    assert c.text.startswith("Dock workers at the eastern port stayed on strike")
    # a subject no article's title or lead writes: no article's lead stands in for it
    for question in ("Summarize the article about the Moon landing", "Tell me about the harbour ferry"):
        d = answer(question, settings=hashed_seeded)
        assert d.abstained and d.text.startswith(REFUSAL) and not d.citations


def test_an_article_is_about_what_its_title_or_lead_writes_together():
    from assistant.answering.overview import about_subject

    def lead_of(title: str, text: str) -> list[Passage]:
        return [Passage("d", title, "Desk", "", "", text, 0, len(text), 1.0)]

    guide = lead_of("Best classes in the game", "Circle of the Land and Circle of the Moon suit druids.")
    assert about_subject("Moon", guide, "Tell me about the Moon")
    assert about_subject("Circle of the Moon", guide, "Tell me about the Circle of the Moon")
    # words of the subject far apart, or a name of the subject missing, are no subject
    far = lead_of("Moon", "A long guide to twelve classes, spells, feats, races and builds where you land hits.")
    assert not about_subject("Moon landing", far, "Summarize the article about the Moon landing")
    assert not about_subject("Binance settlement", guide, "Tell me about the Binance settlement")
