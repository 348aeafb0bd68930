"""The extractive engine: verbatim answers, abstention, multi-part questions, and the
question-fit checks that keep it from answering a question the sentences do not answer."""

from __future__ import annotations

import pytest

from assistant import REFUSAL, answer
from assistant.citations import MARKER
from assistant.engines import ExtractiveEngine
from assistant.models import Passage
from assistant.question_fit import (
    Role,
    asked_role,
    fits_answer_type,
    lacks_act,
    lacks_attribute,
    lacks_role,
    misses_year,
    one_fact,
    possessive_conflict,
    wh_word,
)
from assistant.refusal import missing_part

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


JAPAN_PM = "What did Japan's prime minister say about the proposed drills?"
ENVOY = "Who is North Korea's ambassador to Russia?"


@pytest.mark.parametrize(
    ("question", "role"),
    [
        (JAPAN_PM, Role(("japan",), ("prim", "minister"))),
        (ENVOY, Role(("north", "korea"), ("ambassador",), ("russia",))),
        ("When did Google's new CEO take over?", Role(("googl",), ("ceo",))),
        ("What is the name of China's defense minister?", Role(("china",), ("defens", "minister"))),
        # not a role, or the role is not what the question is about
        ("What kind of conflict is North Korea's military ill-prepared to handle?", None),
        ("Who is the director of South Korea's National Intelligence Service?", None),
        ("Did the report say that Binance's CEO is stepping down?", None),
    ],
)
def test_asked_role(question, role):
    assert asked_role(question) == role


@pytest.mark.parametrize(
    ("question", "sentence", "lacks"),
    [
        (JAPAN_PM, "Japanese Prime Minister Fumio Kishida called the drills a threat.", False),
        (JAPAN_PM, "Fumio Kishida, the prime minister of Japan, called the drills a threat.", False),
        (JAPAN_PM, "Japan's new prime minister called the drills a threat.", False),
        (JAPAN_PM, "Its prime minister called the drills a threat.", False),  # Japan in the passage
        # the role missing, held by someone else, or only near the owner
        (JAPAN_PM, "Japan said the proposed drills were a provocation.", True),
        (JAPAN_PM, "Russian Defense Minister Sergei Shoigu proposed the drills to Japan.", True),
        (JAPAN_PM, "British Prime Minister Rishi Sunak visited Japan.", True),
        (JAPAN_PM, "Japan and the British prime minister discussed the drills.", True),
        # "ambassador to Russia" is not "Russia's ambassador to North Korea"
        (ENVOY, AMBASSADOR_SENTENCE, True),
        (ENVOY, "The U.S. ambassador to Russia, Lynne Tracy, protested.", True),
        (ENVOY, "The North Korean ambassador to China attended.", True),
        (ENVOY, "North Korea's ambassador to Russia, Sin Hong Chol, attended.", False),
        ("Who is Russia's ambassador to North Korea?", AMBASSADOR_SENTENCE, False),
        ("Who is Russia's defense minister?",
         "Russian Defense Minister Sergei Shoigu suggested drills with North Korea and China.", False),
    ],
)
def test_lacks_role(question, sentence, lacks):
    assert lacks_role(question, sentence, context="An article about Japan.") is lacks


def test_a_pronoun_holds_the_role_only_in_an_article_about_the_owner():
    sentence = "Its prime minister called the drills a threat."
    assert not lacks_role(JAPAN_PM, sentence, context=f"Japan objected. {sentence}")
    assert lacks_role(JAPAN_PM, sentence, context=f"Britain objected. {sentence}")


@pytest.mark.parametrize(
    ("question", "sentence", "published", "misses"),
    [
        ("Who won the 2022 World Cup?", "Australia won the 2023 World Cup final.", "2023-11-19", True),
        ("Who won the 2022 World Cup?", "Argentina won the 2022 World Cup in Qatar.", "2023-11-19", False),
        ("Who won the 2022 World Cup?", "Argentina won the World Cup in Qatar.", "2022-12-18", False),
        ("Who won the World Cup?", "Australia won the 2023 World Cup final.", "2023-11-19", False),
        # a full date names when the article was published: coverage checks it, not this
        ("What did the report of October 7 2023 say?", "Markets fell.", "2022-10-07", False),
        # a question of several facts: the sentence may answer the one without the year
        ("Did Sporting News report a higher average for Lee in 2022 than Yardbarker did?",
         "Lee batted .340 for the Heroes.", "2023-12-12", False),
    ],
)
def test_misses_year(question, sentence, published, misses):
    assert misses_year(question, sentence, published) is misses


@pytest.mark.parametrize(
    ("question", "sentence", "lacks"),
    [
        ("Who won the 2022 World Cup?",
         "FIFA partnered with a streamer to broadcast the 2022 World Cup on Twitch.", True),
        ("Who won the 2022 World Cup?", "Argentina won the 2022 World Cup in Qatar.", False),
        ("Who won the 2022 World Cup?", "Argentina were the winners of the 2022 World Cup.", False),
        ("Who won the 2022 World Cup?", "Argentina beat France in the 2022 World Cup final.", False),
        ("Who founded OpenAI?", "Sam Altman, a founder of OpenAI, spoke.", False),
        ("Who reportedly led the raid?", "The raid was planned in Gaza.", True),
        # "who is", and questions of several clauses, ask for no one act
        ("Who is Russia's ambassador to North Korea?", AMBASSADOR_SENTENCE, False),
        ("Who became a figure in AI through ChatGPT, and supported a teen's venture?",
         "Sam Altman supported the venture.", False),
        ("According to CNN, who became chief?", "Sam Altman spoke.", False),
    ],
)
def test_lacks_act(question, sentence, lacks):
    assert lacks_act(question, sentence) is lacks


@pytest.mark.parametrize(
    ("question", "one"),
    [("Who won the 2022 World Cup?", True),
     ("Which company, founded in late 2015, makes ChatGPT?", False),
     ("Did Lee bat better in 2022 than Soto?", False),
     ("Who led the raid and who died?", False)],
)
def test_one_fact(question, one):
    assert one_fact(question) is one


@pytest.fixture(scope="module")
def engine():
    from assistant.config import Settings
    from assistant.embeddings import get_embedder

    return ExtractiveEngine(get_embedder(Settings(embeddings="local")))


def passage(text: str, published: str = "2023-07-28") -> Passage:
    return Passage("drills.txt", "Drills", "Test Times", published, "", text, 0, len(text), 1.0)


def test_engine_wants_the_role_held_by_whom_the_question_says(engine):
    others = ("Japan watched the proposed drills closely. Lawmaker Yoo Sang-bum said the proposed "
              "drills between Russia, China and North Korea would raise tensions with Japan.")
    assert "".join(engine.stream(JAPAN_PM, [passage(others)])) == REFUSAL
    held = f"{others} Japanese Prime Minister Fumio Kishida said the proposed drills were a threat."
    assert "Fumio Kishida said" in "".join(engine.stream(JAPAN_PM, [passage(held)]))


def test_engine_keeps_the_year_and_the_act_a_question_names(engine):
    question = "Who won the 2022 World Cup?"
    final = passage("Australia won the 2023 World Cup, beating India by six wickets in the final.",
                    "2023-11-19")
    twitch = passage("FIFA and the streamer Casimito broadcast the 2022 World Cup on Twitch.")
    assert "".join(engine.stream(question, [final])) == REFUSAL
    assert "".join(engine.stream(question, [twitch])) == REFUSAL
    qatar = passage("Argentina won the 2022 World Cup, beating France on penalties in Qatar.")
    assert "Argentina" in "".join(engine.stream(question, [final, twitch, qatar]))


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


def test_a_sentence_tied_with_a_best_below_the_floor_answers_instead():
    from assistant.engines import ScoredSentence

    engine = ExtractiveEngine(embedder=None)  # type: ignore[arg-type]
    floor = engine.min_similarity
    best = ScoredSentence(0, "According to a lawmaker at the briefing", 0.416, floor - 0.05, 0.8)
    tied = ScoredSentence(0, "Lawmaker Yoo shared this information.", 0.415, floor + 0.2, 0.2)
    far = ScoredSentence(1, "The briefing came days after ...", 0.416 - 0.06, floor + 0.1, 0.2)
    assert engine.first_answerable([best, tied, far]) is tied
    assert engine.first_answerable([best, far]) is None  # not a tie: abstain, as before
    assert engine.first_answerable([tied, best]) is tied
    assert engine.first_answerable([]) is None
