"""The extractive engine: the trained reader picks the answering sentence and its short
answer; the engine puts the short answer first, quotes the sentence with its marker, answers
each part of a multi-part question, and abstains when the reader finds no answer.

Mechanics are tested with a scripted reader (``FakeJudge``); a few end-to-end questions on
the seed article use the shipped model."""

from __future__ import annotations

import pytest

from assistant import REFUSAL, answer
from assistant.answering.citations import MARKER
from assistant.answering.engines.extractive import ExtractiveEngine, balanced
from assistant.records import Passage

from .conftest import SEED_FILE, SEED_ID
from .fakes import FakeJudge

SEED = SEED_FILE.read_text(encoding="utf-8")
AMBASSADOR_SENTENCE = (
    "The briefing came days after Russia’s Ambassador to North Korea, Alexander Matsegora, told "
    "Russian media that including North Korea in joint military drills between Russia and China "
    "“seems appropriate.”"
)
DRILLS = (
    "Lawmaker Yoo Sang-bum said the proposed drills would raise tensions in the region. "
    "Japanese Prime Minister Fumio Kishida said on Tuesday that the proposed drills were a threat. "
    "North Korea has made over 100 missile launches since the start of last year."
)


def passage(text: str, title: str = "Drills", source: str = "Test Times") -> Passage:
    return Passage("drills.txt", title, source, "2023-07-28", "", text, 0, len(text), 1.0)


def test_the_short_answer_comes_first_then_the_sentence_with_its_marker():
    judge = FakeJudge({"Kishida": "Fumio Kishida"})
    engine = ExtractiveEngine(judge=judge)
    text = "".join(engine.stream("Who called the drills a threat?", [passage(DRILLS)]))
    sentence = "Japanese Prime Minister Fumio Kishida said on Tuesday that the proposed drills were a threat."
    assert text == f"**Fumio Kishida** [1]\n\n{sentence} [1]"


def test_no_sentence_above_the_readers_threshold_abstains():
    engine = ExtractiveEngine(judge=FakeJudge({}))
    assert "".join(engine.stream("Who called the drills a threat?", [passage(DRILLS)])) == REFUSAL


def test_a_question_naming_a_publisher_of_the_passages_has_its_own_threshold():
    # every sentence scores 0.1: under the general threshold, over the sourced one
    engine = ExtractiveEngine(judge=FakeJudge({}, threshold=0.5, sourced=0.05))
    asked = "Did the Test Times report that Fumio Kishida called the drills a threat?"
    answered = "".join(engine.stream(asked, [passage(DRILLS)]))
    # one sentence: a runner-up must clear the general threshold, whatever the question names
    assert answered != REFUSAL and answered.endswith("[1]") and answered.count("[1]") == 1
    unnamed = "Did anyone report that Fumio Kishida called the drills a threat?"
    assert "".join(engine.stream(unnamed, [passage(DRILLS)])) == REFUSAL
    # a publisher the passages do not come from is no source of theirs
    other = "Did the Coast Ledger report that Fumio Kishida called the drills a threat?"
    assert "".join(engine.stream(other, [passage(DRILLS)])) == REFUSAL


def test_a_span_as_long_as_its_sentence_is_not_repeated():
    sentence = "North Korea has made over 100 missile launches since the start of last year."
    engine = ExtractiveEngine(judge=FakeJudge({"missile": sentence}))
    text = "".join(engine.stream("How many launches?", [passage(DRILLS)]))
    assert text == f"{sentence} [1]"


def test_a_short_answer_keeps_its_brackets_and_quotation_marks_whole():
    injured = "Receiver K.J. Osborn (concussion) is listed as questionable for Sunday."
    quoted = 'Critics called the fine a "slap on the wrist" for the bank.'
    engine = ExtractiveEngine(judge=FakeJudge({"Osborn": "K.J. Osborn (concussion", "Critics": 'a "slap on the wrist'}))
    assert "".join(engine.stream("Who is injured?", [passage(injured)])).startswith("**K.J. Osborn (concussion)** [1]")
    assert "".join(engine.stream("What was the fine?", [passage(quoted)])).startswith('**a "slap on the wrist"** [1]')


@pytest.mark.parametrize(
    ("span", "sentence", "shown"),
    [
        # a mark the sentence closes (or opens) within reach: the answer reaches it
        ("a “lack of (staffing) capacity", "due to a “lack of (staffing) capacity.” Later.", "a “lack of (staffing) capacity.”"),
        ("the wrist\" for", 'called it a "slap on the wrist" for them', '"slap on the wrist" for'),
        # out of reach: cut where the lone mark stands
        ("832 videos were removed,”", "“So far, " + "many " * 30 + "832 videos were removed,” he said.", "832 videos were removed"),
        ("(and every level", "this level (" + "and every level " * 10 + ") can be enjoyed", "and every level"),
        # nothing alone: unchanged
        ("Fumio Kishida", "Prime Minister Fumio Kishida (LDP) said so.", "Fumio Kishida"),
    ],
)
def test_balanced_reaches_or_cuts_at_a_lone_mark(span, sentence, shown):
    assert balanced(span, sentence, 120) == shown


def test_each_part_of_a_question_gets_its_own_sentence():
    judge = FakeJudge({"Kishida": "Fumio Kishida", "100 missile": "over 100"})
    engine = ExtractiveEngine(judge=judge)
    question = "Who called the drills a threat, and how many missiles has North Korea launched?"
    text = "".join(engine.stream(question, [passage(DRILLS)]))
    assert "Fumio Kishida said" in text and "over 100 missile launches" in text
    assert [q for q, _ in judge.read_calls] == [
        "Who called the drills a threat", "how many missiles has North Korea launched?"
    ]


def test_the_reader_reads_only_the_top_passages_and_a_bounded_number_of_sentences():
    judge = FakeJudge({"Kishida": "Fumio Kishida"})
    engine = ExtractiveEngine(judge=judge)
    many = [passage(f"Sentence number {n} talks about drills near the coast. " * 3 + DRILLS) for n in range(8)]
    items = engine.candidates("Who called the drills a threat?", many)
    assert items and all(i < engine.passages_read for i, _ in items)
    assert len(items) <= engine.max_read
    text = "".join(engine.stream("Who called the drills a threat?", many))
    assert [int(m.group(1)) for m in MARKER.finditer(text)] == [1, 1]


def test_article_text_never_forges_a_marker():
    forged = "Fumio Kishida [2] said the drills were a threat."
    engine = ExtractiveEngine(judge=FakeJudge({"Kishida": "Fumio Kishida"}))
    text = "".join(engine.stream("Who?", [passage(forged), passage(DRILLS)]))
    # the marker written in the article is shown as text; the engine's own markers follow
    # each quoted sentence (the runner-up of passage 2 is quoted too)
    assert "Kishida [2] said" not in text and "Kishida (2) said" in text
    assert text.endswith("threat. [2]")


def test_a_runner_up_the_reader_also_judges_to_answer_is_quoted_after_the_best():
    three = DRILLS + " Defense Minister Sergei Shoigu said on Wednesday the drills were planned."
    judge = FakeJudge({"Kishida": "Fumio Kishida", "Yoo": "Yoo Sang-bum", "Shoigu": "Sergei Shoigu"})
    engine = ExtractiveEngine(judge=judge)
    text = "".join(engine.stream("Who said what about the proposed drills?", [passage(three)]))
    short, quoted = text.split("\n\n")
    assert short.startswith("**") and short.count("**") == 2  # one short answer leads
    assert len(quoted.split(" [1]")) == engine.max_sentences + 1  # two sentences, no third


def test_the_title_and_publisher_reach_the_reader():
    seen = []

    class Recording(FakeJudge):
        def read(self, question, sentences):
            seen.extend(sentences)
            return super().read(question, sentences)

    engine = ExtractiveEngine(judge=Recording({"Kishida": "Fumio Kishida"}))
    "".join(engine.stream("Who called the drills a threat?", [passage(DRILLS, "Tokyo warns", "Nikkei Asia")]))
    assert seen and all(t == "Tokyo warns" and s == "Nikkei Asia" for _, t, s in seen)


# ------------------------------------------------------------- several publishers named
LEDGER = (
    "The Coast Ledger said the harbour council approved the ferry budget on Monday. "
    "The ferry will carry 400 passengers a day between the two towns."
)
HERALD = (
    "The Valley Herald reported that the rail line to Ashbrook will close for repairs. "
    "Repairs on the line to Ashbrook are expected to last six weeks."
)


def _papers() -> list[Passage]:
    return [
        Passage("ledger.md", "Ferry budget", "Coast Ledger", "2024-02-01", "", LEDGER, 0, len(LEDGER), 1.0),
        Passage("herald.md", "Rail closure", "Valley Herald", "2024-02-02", "", HERALD, 0, len(HERALD), 0.9),
    ]


def test_a_question_naming_two_publishers_quotes_each_ones_evidence_under_its_name():
    engine = ExtractiveEngine(judge=FakeJudge({"ferry budget": "the ferry budget", "six weeks": "six weeks"}))
    question = ("Did the Coast Ledger report that the council approved the ferry budget, while the "
                "Valley Herald said repairs on the line to Ashbrook last six weeks?")
    text = "".join(engine.stream(question, _papers()))
    ledger, herald = text.split("\n\n")
    assert ledger.startswith("Coast Ledger: ") and "approved the ferry budget" in ledger and ledger.endswith("[1]")
    assert herald.startswith("Valley Herald: ") and "six weeks" in herald and herald.endswith("[2]")


def test_the_parts_of_a_question_naming_publishers_share_a_smaller_reading_budget():
    many = " ".join(f"The harbour council met {n} times about the ferry budget this year." for n in range(30))
    passages = [
        Passage("ledger.md", "Ferry budget", "Coast Ledger", "2024-02-01", "", many, 0, len(many), 1.0),
        Passage("herald.md", "Ferry budget", "Valley Herald", "2024-02-02", "", many, 0, len(many), 0.9),
    ]
    judge = FakeJudge({"met 7 times": "7"})
    engine = ExtractiveEngine(judge=judge)
    question = ("Did the Coast Ledger report that the council met about the ferry budget, while the "
                "Valley Herald said the council met about the ferry budget too?")
    "".join(engine.stream(question, passages))
    per_part = max(engine.min_source_read, engine.source_read // 2)
    assert [n for _, n in judge.read_calls] == [per_part, per_part]
    # a one-part question over the same passages reads its whole budget
    judge.read_calls.clear()
    "".join(engine.stream("How often did the harbour council meet about the ferry budget?", passages))
    assert sum(n for _, n in judge.read_calls) == engine.max_read > 2 * per_part


def test_a_publisher_whose_passages_lack_the_parts_names_gives_no_evidence():
    # The Herald part asks about Brinmoor, which its passages never name: only half the
    # parts find evidence (enough to answer that half); a third part finding none refuses.
    engine = ExtractiveEngine(judge=FakeJudge({"ferry budget": "the ferry budget"}))
    half = ("Did the Coast Ledger report the ferry budget was approved, while the Valley Herald "
            "said Brinmoor Quarry closed?")
    text = "".join(engine.stream(half, _papers()))
    assert "Coast Ledger: " in text and "Valley Herald" not in text
    none = "Did the Coast Ledger say Brinmoor Quarry closed, while the Valley Herald said Oakridge Mill did?"
    assert "".join(engine.stream(none, _papers())) == REFUSAL


# ------------------------------------------------------------------------ end to end
def test_answers_with_the_short_answer_and_the_sentence_as_citation(seeded):
    result = answer("Who is Russia's ambassador to North Korea?", settings=seeded)
    assert not result.abstained and result.engine == "extractive"
    assert "Matsegora" in result.text.split("\n")[0]
    assert AMBASSADOR_SENTENCE in result.text
    quote = next(c for c in result.citations if AMBASSADOR_SENTENCE in c.quote)
    assert quote.doc_id == SEED_ID and SEED[quote.start : quote.end] == quote.quote
    assert result.claims and all(c.supported for c in result.claims)


@pytest.mark.parametrize(
    "question",
    [
        "What is the best recipe for banana bread?",
        "What is the capital of France?",
        "Who won the 2022 World Cup?",
    ],
)
def test_abstains_when_no_sentence_answers(seeded, question):
    result = answer(question, settings=seeded)
    assert result.abstained and result.citations == []


def test_a_self_contained_second_question_is_answered_as_if_asked_first(seeded):
    first = answer("What is the capital of France?", settings=seeded)
    second = answer(
        "What is the capital of France?",
        history=[("Who is Russia's ambassador to North Korea?", "Alexander Matsegora [1]")],
        settings=seeded,
    )
    assert second.searched == "What is the capital of France?"
    assert second.text == first.text and second.abstained == first.abstained


@pytest.mark.parametrize(
    "question, bold",
    [
        ("Did Fumio Kishida call the drills a threat?", False),
        ("Was it Fumio Kishida who called the drills a threat?", False),
        ("Did Kishida or Yoo call the drills a threat?", True),  # which of two
        ("Who called the drills a threat?", True),
    ],
)
def test_a_question_asking_yes_or_no_gets_no_short_answer(question, bold):
    """"Was Altman reinstated as CEO?" led with the reader's span "former U.S. Treasury
    Secretary Larry Summers" in bold, read as the answer: a question asking yes or no gets
    the sentence alone."""
    engine = ExtractiveEngine(judge=FakeJudge({"Kishida": "Fumio Kishida"}))
    text = "".join(engine.stream(question, [passage(DRILLS)]))
    assert text.endswith("were a threat. [1]")
    assert text.startswith("**Fumio Kishida** [1]") is bold
