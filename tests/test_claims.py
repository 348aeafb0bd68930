"""Claim checking: invented names and numbers are caught, markers are re-pointed, unsupported
claims are flagged or dropped, and an answer with nothing supported abstains.

Most tests drive :func:`assistant.answering.pipeline.finish` (raw engine text -> final Answer) over the
seed article's real chunks with the real packaged embedder; a few go end to end through
``answer()`` with a scripted engine, to show the check runs whatever engine wrote the text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence

import pytest

from assistant import REFUSAL, answer
from assistant.answering.claims import ClaimChecker
from assistant.answering.pipeline import finish
from assistant.answering.question_parts import question_parts
from assistant.answering.refusal import missing_part
from assistant.config import Settings
from assistant.embed.embedder import get_embedder
from assistant.ingestion.chunking import chunk_article
from assistant.records import Answer, Article, Passage

from .conftest import SEED_FILE, SEED_ID

SEED = SEED_FILE.read_text(encoding="utf-8")

# Sentences of the seed article (verbatim) and faithful paraphrases an LLM might write.
AMBASSADOR = (
    "The briefing came days after Russia’s Ambassador to North Korea, Alexander Matsegora, "
    "told Russian media that including North Korea in joint military drills between Russia "
    "and China “seems appropriate.”"
)
LAUNCHES = "These displays have involved over 100 missile launches since the beginning of 2022."
HALT = (
    "Diplomatic relations between Pyongyang and Washington have come to a halt since 2019 due "
    "to differences regarding the severe sanctions imposed by the U.S. on North Korea and the "
    "North’s insufficient progress in dismantling its nuclear weapons and missile program."
)
PARADE = (
    "Kim Jong Un extended an invitation to Shoigu to attend a significant military procession "
    "in Pyongyang during July."
)
LETTERS = (
    "Recently, the White House announced that Kim and Putin corresponded through letters, "
    "indicating Moscow’s interest in acquiring additional munitions from Pyongyang."
)
BRIEFING = (
    "Lawmaker Yoo Sang-bum stated that South Korean National Intelligence Service Director Kim "
    "Kyou-hyun mentioned the likelihood of Russian Defense Minister Sergei Shoigu suggesting "
    "trilateral naval drills with North Korea and China during his meeting with North Korean "
    "leader Kim Jong-un in July."
)
TASS = (
    "Matsegora added it was his own point of view and that he wasn’t aware of any preparations, "
    "according to Russia’s Tass news agency."
)
P_AMBASSADOR = "Russia's ambassador to North Korea is Alexander Matsegora."
P_LAUNCHES = "North Korea has carried out over 100 missile launches since the beginning of 2022."
P_PARADE = "Kim Jong Un invited Shoigu to a military parade in Pyongyang in July."
P_LETTERS = "The White House said Kim and Putin exchanged letters."

SOURCE_OF = {P_AMBASSADOR: AMBASSADOR, P_LAUNCHES: LAUNCHES, P_PARADE: PARADE, P_LETTERS: LETTERS}

# (correct sentence, what it says, what a careless engine writes instead)
EDITS = [
    (AMBASSADOR, "Alexander Matsegora", "Sergei Lavrov"),
    (AMBASSADOR, "Alexander", "Vladimir"),
    (AMBASSADOR, "Russia’s Ambassador", "China’s Ambassador"),
    (AMBASSADOR, "Ambassador to North Korea", "Ambassador to South Korea"),
    (AMBASSADOR, "between Russia and China", "between Russia and Japan"),
    (LAUNCHES, "100", "200"),
    (LAUNCHES, "2022", "2021"),
    (LAUNCHES, "over 100", "over 1,000"),
    (LAUNCHES, "over 100", "over twenty"),
    (HALT, "2019", "2017"),
    (HALT, "Pyongyang and Washington", "Pyongyang and Tokyo"),
    (PARADE, "Shoigu", "Lavrov"),
    (PARADE, "July", "August"),
    (PARADE, "in Pyongyang", "in Wonsan"),
    (LETTERS, "Putin", "Xi"),
    (LETTERS, "White House", "Kremlin"),
    (LETTERS, "Moscow’s", "Beijing’s"),
    (BRIEFING, "Yoo Sang-bum", "Park Jin"),
    (BRIEFING, "Kim Kyou-hyun", "Kim Yong-hyun"),
    (BRIEFING, "Sergei Shoigu", "Sergei Lavrov"),
    (BRIEFING, "in July", "in March"),
    (TASS, "Tass", "Interfax"),
    (P_AMBASSADOR, "Alexander Matsegora", "Igor Morgulov"),
    (P_AMBASSADOR, "Russia's", "Belarus's"),
    (P_LAUNCHES, "100", "300"),
    (P_LAUNCHES, "2022", "2020"),
    (P_PARADE, "July", "June"),
    (P_PARADE, "Shoigu", "Gerasimov"),
    (P_LETTERS, "Putin", "Biden"),
]

# Faithful paraphrases (supported) and claims the article does not carry (unsupported):
# the set the claim-checking thresholds in assistant.answering.claims were chosen on.
FAITHFUL = [
    P_AMBASSADOR,
    P_LAUNCHES,
    P_PARADE,
    P_LETTERS,
    "Alexander Matsegora said including North Korea in joint drills with Russia and China seems appropriate.",
    "Matsegora said it was his own point of view.",
    "Matsegora was not aware of any preparations.",
    "Diplomatic relations between Pyongyang and Washington have been stalled since 2019.",
    "Russian Defense Minister Sergei Shoigu may have suggested trilateral naval drills with North Korea and China.",
    "South Korea's spy agency believes Russia probably proposed that North Korea join naval exercises with China.",
    "Kim has threatened nuclear attacks against South Korea.",
    "U.S. officials think North Korea could supply artillery and ammunition to Russia.",
]
UNFAITHFUL = [
    "Matsegora said he was aware of preparations for the drills.",
    "Matsegora said the drills are inappropriate and dangerous.",
    "North Korea plans to launch a satellite to the Moon next year.",
    "Kim Jong Un visited Moscow in July to meet Putin.",
    "Kim has promised never to use nuclear weapons.",
    "Russia's ambassador to North Korea is Alexander Matsegora, who has served since 2015.",
]


@pytest.fixture(scope="module")
def embedder():
    return get_embedder(Settings(embeddings="local"))


@pytest.fixture(scope="module")
def passages() -> list[Passage]:
    """The seed article's chunks as retrieval returns them, plus an unrelated passage."""
    article = Article(doc_id=SEED_ID, text=SEED, source="The Washington Times", published="2023")
    chunks = [
        Passage(SEED_ID, "", article.source, article.published, "", c.text, c.start, c.end, 1.0)
        for c in chunk_article(article, max_tokens=160, overlap=24)
    ]
    harbor = "Dock workers at the eastern port went on strike on Friday. The union wants higher pay."
    other = Passage("harbor.txt", "Port strike", "Harbor Gazette", "2023-03-10", "", harbor, 0,
                    len(harbor), 0.5)
    return [*chunks, other]


def where(passages: Sequence[Passage], sentence: str) -> int:
    """The 1-based number of the first passage holding a sentence (or its source)."""
    source = SOURCE_OF.get(sentence, sentence)
    for n, p in enumerate(passages, 1):
        if source in p.text:
            return n
    raise AssertionError(f"no passage holds {source[:40]!r}")


def settings_for(mode: str = "flag") -> Settings:
    return Settings(unsupported_claims=mode, llm="extractive")


def final(raw: str, passages, embedder, mode: str = "flag", question: str = "Q?") -> Answer:
    base = Answer(question=question, text=REFUSAL, abstained=True, engine="scripted")
    return finish(base, raw, list(passages), settings_for(mode), False, embedder)


def consistent(result: Answer) -> None:
    """Every marker maps to a citation, every citation is used, numbered 1..n."""
    used = {int(n) for n in re.findall(r"\[(\d+)\]", result.text)}
    numbers = [c.number for c in result.citations]
    assert used == set(numbers) and numbers == list(range(1, len(numbers) + 1))
    for claim in result.claims:
        assert set(claim.citations) <= set(numbers)


# ---------------------------------------------------------------- invented facts caught
# A swapped place the span also names ("South Korea" two sentences on) passes the exact
# checks and the verifier reads it as supported: a known miss, kept visible here.
_KNOWN_MISSES = {("Ambassador to North Korea", "Ambassador to South Korea")}


@pytest.mark.parametrize(
    ("sentence", "said", "wrong"),
    [
        pytest.param(*e, marks=pytest.mark.xfail(reason="the verifier misses this swap", strict=False))
        if e[1:] in _KNOWN_MISSES else e
        for e in EDITS
    ],
    ids=[f"{s}->{w}" for _, s, w in EDITS],
)
def test_a_wrong_name_or_number_is_unsupported(passages, embedder, sentence, said, wrong):
    assert said in sentence
    edited = sentence.replace(said, wrong, 1)
    companion = LAUNCHES if sentence not in (LAUNCHES, P_LAUNCHES) else PARADE
    raw = f"{edited} [{where(passages, sentence)}] {companion} [{where(passages, companion)}]"
    result = final(raw, passages, embedder)
    by_text = {c.text: c for c in result.claims}
    wrong_claim = next(c for t, c in by_text.items() if wrong in t)
    assert not wrong_claim.supported, f"{wrong!r} passed as supported"
    assert next(c for t, c in by_text.items() if t != wrong_claim.text).supported
    assert not result.abstained
    consistent(result)


@pytest.mark.parametrize("sentence", [AMBASSADOR, LAUNCHES, HALT, PARADE, LETTERS, BRIEFING, TASS])
def test_the_unedited_sentences_are_supported(passages, embedder, sentence):
    """The control for the edits above: the same sentences, unedited, pass."""
    result = final(f"{sentence} [{where(passages, sentence)}]", passages, embedder)
    assert [c.supported for c in result.claims] == [True]
    assert result.claims[0].quote and result.claims[0].quote in SEED


# Known misses, kept visible (assistant/weights/judge.json). Run G read the paraphrase of half
# its sentence ("announced that Kim and Putin corresponded through letters, indicating ...")
# at p 0.26, under its 0.3 threshold; run N reads it at 0.79, so none is known now.
_KNOWN_FLAGGED: set[str] = set()
# Run N reads "inappropriate" against "seems appropriate" at p 0.17 with the sentence's
# publisher, over its 0.15 threshold (run G: under 0.3). Turning a word round by a prefix is
# no exact check yet.
_KNOWN_ACCEPTED = {"Matsegora said the drills are inappropriate and dangerous."}


@pytest.mark.parametrize(
    "claim",
    [
        pytest.param(c, marks=pytest.mark.xfail(reason="the verifier reads it under its threshold", strict=False))
        if c in _KNOWN_FLAGGED else c
        for c in FAITHFUL
    ],
)
def test_calibration_faithful_paraphrases_are_supported(passages, embedder, claim):
    verdict = ClaimChecker(passages, embedder).check(claim, range(len(passages)))
    assert verdict.supported, (claim, verdict)
    assert verdict.span is not None and verdict.span.text in SEED


@pytest.mark.parametrize(
    "claim",
    [
        pytest.param(c, marks=pytest.mark.xfail(reason="the verifier reads it over its threshold", strict=False))
        if c in _KNOWN_ACCEPTED else c
        for c in UNFAITHFUL
    ],
)
def test_calibration_claims_the_article_does_not_make_are_unsupported(passages, embedder, claim):
    verdict = ClaimChecker(passages, embedder).check(claim, range(len(passages)))
    assert not verdict.supported, (claim, verdict)


def test_every_claim_records_its_best_span_with_offsets(passages, embedder):
    result = final(f"{P_PARADE} [{where(passages, P_PARADE)}]", passages, embedder)
    claim = result.claims[0]
    assert claim.supported and claim.doc_id == SEED_ID
    assert SEED[claim.start : claim.end] == claim.quote
    assert "Shoigu" in claim.quote and claim.citations == [1]


# ---------------------------------------------------------------------- re-pointing
def test_a_marker_on_the_wrong_passage_is_re_pointed(passages, embedder):
    harbor = len(passages)  # the unrelated passage
    raw = f"{P_AMBASSADOR} [{harbor}]"
    result = final(raw, passages, embedder)
    assert result.claims[0].supported
    assert result.claims[0].repointed  # reported, not moved silently
    assert [c.doc_id for c in result.citations] == [SEED_ID]
    assert "Matsegora" in result.citations[0].quote
    assert result.text == f"{P_AMBASSADOR[:-1]} [1]."
    consistent(result)


def test_a_claim_the_cited_passage_carries_is_not_reported_as_re_pointed(passages, embedder):
    result = final(f"{P_AMBASSADOR} [{where(passages, P_AMBASSADOR)}]", passages, embedder)
    assert result.claims[0].supported and not result.claims[0].repointed


def test_a_second_marker_that_does_not_support_is_removed(passages, embedder):
    harbor = len(passages)
    raw = f"{P_LAUNCHES} [{where(passages, P_LAUNCHES)}][{harbor}] {PARADE} [{harbor}]"
    result = final(raw, passages, embedder)
    assert all(c.supported for c in result.claims)
    assert {c.doc_id for c in result.citations} == {SEED_ID}
    consistent(result)


def test_an_unsupported_claim_keeps_its_marker_when_nothing_else_supports_it(passages, embedder):
    n = where(passages, LAUNCHES)
    raw = f"{LAUNCHES} [{n}] North Korea plans a lunar landing next year [{n}]."
    result = final(raw, passages, embedder)
    assert [c.supported for c in result.claims] == [True, False]
    assert result.claims[1].citations == [1]
    consistent(result)


# ------------------------------------------------------------------------ flag or drop
INVENTED = "Kim Jong Un plans to visit Paris in 2025"


def test_flag_keeps_unsupported_claims_marked(passages, embedder):
    harbor = len(passages)
    raw = f"{P_AMBASSADOR} [{where(passages, P_AMBASSADOR)}] {INVENTED} [{harbor}]."
    result = final(raw, passages, embedder, "flag")
    assert INVENTED in result.text
    assert [c.supported for c in result.claims] == [True, False]
    assert len(result.citations) == 2  # the unsupported claim still shows what it cited
    consistent(result)


def test_drop_removes_unsupported_claims_and_renumbers(passages, embedder):
    harbor = len(passages)
    raw = f"{INVENTED} [{harbor}]. {P_AMBASSADOR} [{where(passages, P_AMBASSADOR)}]"
    result = final(raw, passages, embedder, "drop")
    assert INVENTED not in result.text
    assert [c.supported for c in result.claims] == [True]
    assert [c.number for c in result.citations] == [1] and result.citations[0].doc_id == SEED_ID
    assert result.text == f"{P_AMBASSADOR} [1]"  # the marker stays where the engine put it
    consistent(result)


def test_a_factual_sentence_without_a_marker_is_unsupported(passages, embedder):
    raw = f"{P_AMBASSADOR} [{where(passages, P_AMBASSADOR)}] {P_PARADE}"
    result = final(raw, passages, embedder)
    assert [(c.text, c.supported) for c in result.claims] == [(P_AMBASSADOR, True), (P_PARADE, False)]
    assert result.claims[1].citations == [] and result.claims[1].quote == ""
    dropped = final(raw, passages, embedder, "drop")
    assert P_PARADE not in dropped.text


def test_sentences_saying_what_is_missing_are_not_claims(passages, embedder):
    raw = f"{P_AMBASSADOR} [1] The articles do not say when he was appointed."
    result = final(raw, passages, embedder)
    assert [c.text for c in result.claims] == [P_AMBASSADOR]
    assert result.text.endswith("The articles do not say when he was appointed.")


# ---------------------------------------------------------------------------- abstention
@pytest.mark.parametrize("mode", ["flag", "drop"])
def test_nothing_supported_abstains(passages, embedder, mode):
    raw = f"Sergei Lavrov is Russia's ambassador to North Korea [{where(passages, AMBASSADOR)}]."
    result = final(raw, passages, embedder, mode)
    assert result.abstained and result.text == REFUSAL and not result.citations


@pytest.mark.parametrize("raw", [REFUSAL, "", "Yes.", f"{P_AMBASSADOR}"])
def test_refusals_and_unchecked_text_abstain(passages, embedder, raw):
    result = final(raw, passages, embedder)
    assert result.abstained and result.text == REFUSAL


# ------------------------------------------------------------------------ partial answers
def test_question_parts():
    assert question_parts("Who is Matsegora, and what did he announce?") == [
        "Who is Matsegora", "what did he announce?"]
    assert question_parts("Who is Matsegora? When did Shoigu arrive?") == [
        "Who is Matsegora?", "When did Shoigu arrive?"]
    assert question_parts("Did Russia and China hold drills?") == ["Did Russia and China hold drills?"]


def test_a_partial_answer_names_the_missing_part(passages, embedder):
    question = "Who is Russia's ambassador to North Korea, and what is his salary?"
    raw = f"{P_AMBASSADOR} [{where(passages, P_AMBASSADOR)}]"
    result = final(raw, passages, embedder, question=question)
    assert not result.abstained
    assert result.text.endswith(missing_part("what is his salary?"))
    assert "Matsegora" in result.text


def test_an_engine_that_already_says_what_is_missing_gets_no_second_note(passages, embedder):
    question = "Who is Russia's ambassador to North Korea, and what is his salary?"
    raw = f"{P_AMBASSADOR} [1] The articles do not give his salary."
    result = final(raw, passages, embedder, question=question)
    assert "this part of the question" not in result.text


# ------------------------------------------------------------ any engine, end to end
class ScriptedEngine:
    """A fake engine: writes whatever ``write(passages)`` returns, in small pieces."""

    name = "scripted"
    model = "scripted-1"

    def __init__(self, write: Callable[[Sequence[Passage]], str]) -> None:
        self.write = write
        self.calls = 0

    def stream(self, question: str, passages: Sequence[Passage]) -> Iterator[str]:
        self.calls += 1
        text = self.write(passages)
        for i in range(0, len(text), 5):
            yield text[i : i + 5]

    def rewrite(self, question: str, history) -> str:
        return question

    def plan(self, question: str):
        return [question], None

    def shown(self, passages: list[Passage], several: bool = False) -> list[Passage]:
        return passages[:6]  # as an LLM engine's prompt holds the first few


@pytest.mark.parametrize(("said", "wrong"), [("100", "250"), ("2022", "2019"), (None, None)])
def test_claims_are_checked_for_any_engine(seeded, said, wrong):
    def write(passages: Sequence[Passage]) -> str:
        sentence = LAUNCHES.replace(said, wrong) if said else LAUNCHES
        return f"{sentence} [{where(passages, LAUNCHES)}] {P_AMBASSADOR} [{where(passages, AMBASSADOR)}]"

    engine = ScriptedEngine(write)
    result = answer("How many missiles has North Korea launched, and who is Russia's envoy?",
                    settings=seeded, engine=engine)
    assert engine.calls == 1 and result.engine == "scripted"
    assert [c.supported for c in result.claims] == [said is None, True]
    consistent(result)


# ------------------------------------------------------------------ news-aware abstention
def test_held_publishers_match_names_not_lookalikes():
    from assistant.text.publishers import held_publishers

    known = ["The Washington Times", "BBC News - Technology", "CBSSports.com", "The Guardian"]
    assert held_publishers("The Washington Post", known) == []
    assert held_publishers("BBC", known) == ["BBC News - Technology"]
    assert held_publishers("CBS Sports", known) == ["CBSSports.com"]
    assert held_publishers("the Guardian", known) == ["The Guardian"]
    # a near spelling (the length check in front of difflib must not skip it)
    assert held_publishers("Washington Poost", [*known, "The Washington Post"]) == [
        "The Washington Post"
    ]


def test_fold_strips_accents_ligatures_and_curly_quotes():
    from assistant.text.match import fold

    assert fold("Plain ASCII, 1,000 Words") == "plain ascii, 1,000 words"
    assert fold("Café Zürich’s ‘QUOTE’ İstanbul ﬁnal") == "cafe zurich's 'quote' istanbul final"


@pytest.mark.parametrize(
    ("question", "named"),
    [
        ("According to a Bloomberg article, who leads Visa?", ["Bloomberg"]),
        ("What did a CNN report and an article in The Wall Street Journal say?",
         ["CNN", "The Wall Street Journal"]),
        ("Does the 'NBA Rookie of the Year Odds' article from Sporting News agree?", ["Sporting News"]),
        ("Did an NCAA investigation follow the EU's analysis of X?", []),
        ("What did Taylor Swift coverage by The Verge say?", ["The Verge"]),
    ],
)
def test_publishers_named_in_questions(question, named):
    from assistant.answering.decline import named_publishers

    assert named_publishers(question, ["Sporting News", "The Verge"]) == named


def test_a_name_describing_the_noun_after_a_weak_cue_is_not_a_publisher():
    from assistant.answering.decline import publishers_missing

    never = lambda name: True  # noqa: E731 - an archive that mentions none of these names
    # the officials, the media and the waters are the sources or places, not "American"
    for q in (
        "According to American officials, what might North Korea supply to Russia?",
        "What did Moscow say, per Russian state media?",
        "How often did ships enter in North Korean waters last year?",
        "What is the US federal funds rate, according to the SMH market wrap?",
    ):
        assert publishers_missing(q, ["The Washington Times"], [], never) == [], q
    # a name the weak cue takes whole is still one, and a report noun keeps it one
    assert publishers_missing("According to Bloomberg, who leads Visa?", ["CNN"], [], never) == [
        "Bloomberg"
    ]
    assert publishers_missing(
        "According to Bloomberg reporting, who leads Visa?", ["CNN"], [], never
    ) == ["Bloomberg"]


def test_what_a_law_covers_is_not_a_publisher():
    from assistant.answering.decline import publishers_missing

    # the articles mention the act: "covered by" it is what the law applies to
    mentioned = lambda name: name != "Bloomberg"  # noqa: E731 - the archive never mentions Bloomberg
    unmentioned = lambda name: not mentioned(name)  # noqa: E731
    for q in (
        "How many online services may be covered by the Online Safety Act rules?",
        "How many online services may be covered by the Online Safety Act?",
    ):
        assert publishers_missing(q, ["The Guardian"], [], unmentioned) == [], q
    # a story covered by a publisher the archive never mentions is still that publisher's
    assert publishers_missing("Was the strike covered by Bloomberg?", ["The Guardian"], [], unmentioned) == [
        "Bloomberg"
    ]
    assert publishers_missing("What did the article published by Bloomberg say?", ["CNN"]) == ["Bloomberg"]


def test_a_possessive_ends_a_publishers_name():
    from assistant.answering.decline import publishers_missing

    roar = ["The Roar | Sports Writers Blog"]
    never = lambda name: True  # noqa: E731 - an archive that mentions none of these names
    q = "According to The Roar's December 2023 report, by what margin did India win?"
    assert publishers_missing(q, roar, [], never) == []
    q = "According to Bloomberg's December 2023 report, by what margin did India win?"
    assert publishers_missing(q, roar, [], never) == ["Bloomberg"]


def test_an_author_of_the_archive_is_not_a_missing_publisher():
    from assistant.answering.decline import publishers_missing

    q = "What did an article by Amber Raiken say about prenups?"
    assert publishers_missing(q, ["The Independent"], ["Amber Raiken"]) == []
    assert publishers_missing(q, ["The Independent"], []) == ["Amber Raiken"]
    # Wire copy by Reuters in another paper does not make Reuters a publisher of the archive.
    assert publishers_missing("What did a Reuters report say?", ["The Age"], ["Reuters"]) == ["Reuters"]


def test_a_publisher_the_archive_does_not_hold_is_named_instead_of_answered(seeded):
    from assistant.answering.refusal import publishers_not_held

    engine = ScriptedEngine(lambda passages: f"{P_AMBASSADOR} [1]")
    result = answer("According to a Bloomberg article, who is Russia's ambassador to North Korea?",
                    settings=seeded, engine=engine)
    assert result.abstained and not result.citations
    assert result.text == publishers_not_held(["Bloomberg"])
    assert "Bloomberg" in result.text and REFUSAL in result.text
    assert engine.calls == 0  # never answered from other publishers


def test_a_held_publisher_is_answered(seeded):
    """Not declined by the coverage check: the engine answers (the reader's own judgement is
    tested in test_extractive)."""
    engine = ScriptedEngine(lambda passages: f"{P_AMBASSADOR} [1]")
    result = answer("What did The Washington Times report about Russia's ambassador to North Korea?",
                    settings=seeded, engine=engine)
    assert engine.calls == 1 and not result.abstained and "Matsegora" in result.text


@pytest.mark.parametrize(
    "question",
    [
        "What did articles published in March 2021 say about North Korea's missile launches?",
        "What was reported before 2020 about Kim Jong Un?",
        "Which stories published between June 2024 and August 2024 mention Shoigu?",
    ],
)
def test_a_period_the_archive_does_not_cover_is_named(seeded, question):
    result = answer(question, settings=seeded)
    assert result.abstained and not result.citations
    assert result.text.startswith("The archive holds no articles published ")
    assert "its articles are from 2023" in result.text and REFUSAL in result.text


def test_a_covered_period_or_a_topic_year_is_not_refused(seeded):
    for question in ("What did articles published in 2023 say about Matsegora?",
                     "How many missile launches has North Korea made since the beginning of 2022?"):
        engine = ScriptedEngine(lambda passages: f"{P_LAUNCHES} [1]")
        result = answer(question, settings=seeded, engine=engine)
        assert engine.calls == 1 and result.passages, question  # not declined before the engine
