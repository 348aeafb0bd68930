"""The exact checks before the verifier: opposite words, negation that is not one, names a
capable model takes from the question or the rest of the article, dates that must be in the
span, and capitals standing for their countries.

The checker tests use a scripted verifier (``FakeJudge``, which accepts a claim whose words
are all in the span, or a scripted pair) so that each asserts what the exact check does; one
end-to-end question on the seed article uses the shipped reader."""

from __future__ import annotations

import pytest

from assistant import answer
from assistant.answering.claims import ClaimChecker
from assistant.answering.engines.extractive import ExtractiveEngine
from assistant.records import Passage
from assistant.text.dates import weekday_terms
from assistant.text.match import in_place_of, key_terms, name_runs, term_in, tokens
from assistant.text.negation import negated, negation_conflict
from assistant.text.opposites import opposite_conflict, order_swapped
from assistant.text.places import as_asked, as_countries, capitals, capitals_in, with_capitals

from .fakes import FakeJudge


def passage(text: str, doc: str = "a.txt", title: str = "Markets", source: str = "Test Times",
            published: str = "2023-12-05") -> Passage:
    return Passage(doc, title, source, published, "", text, 0, len(text), 1.0)


def accepting(*pairs: tuple[str, str]) -> FakeJudge:
    """A verifier that accepts every span reaching it through the scripted pairs."""
    return FakeJudge(supported=pairs)


# ------------------------------------------------------------------------- opposites
@pytest.mark.parametrize(
    "claim, source",
    [
        ("Ten-year yields jumped 18 basis points.", "Ten-year yields tumbled 18 basis points."),
        ("Napping was linked to a lower risk of disease.", "Napping was linked to a higher risk of disease."),
        ("The fund grew its assets.", "The fund's assets shrank."),
        ("England defended an above-par total.", "England defended a below-par total."),
        ("The service launched with Universal's catalogue.", "The service launched without Universal's catalogue."),
        ("Buffalo is ahead in the AFC wild card race.", "Buffalo is trailing three other teams in the wild card hunt."),
        ("Harper led off the bottom of the ninth.", "Harper led off the top of the ninth."),
        ("Washington has allowed the most points to receivers.", "Washington has allowed the fewest points to receivers."),
        ("Life emerged in the last 10 million years.", "Life emerged in the first 10 million years."),
        ("Roumie said building a habit of prayer is harder than people think.",
         "Roumie said that building a habit of prayer is easier than people think."),
        ("The Stapletons have five children, three of them girls.", "The Stapletons share five children, three of them boys."),
        ("Waugh backed the proposals.", "Waugh denounced the proposals."),
    ],
)
def test_a_word_turned_into_its_opposite_conflicts(claim, source):
    assert opposite_conflict(claim, source)


@pytest.mark.parametrize(
    "claim, source",
    [
        # the same side in other words, or both sides in the source
        ("Shares fell 3 per cent.", "Shares dropped 3 per cent."),
        ("Shares fell 3 per cent.", "Shares fell 3 per cent, erasing gains made on Monday."),
        # "at least 34" is "34 or more": most/least are not on the more/less axis
        ("UTSA scored 34 or more points in every win.", "UTSA scored at least 34 points in every win."),
        # an axis the claim does not use
        ("The bank kept rates on hold.", "Rates rose last year."),
        # "leading to" is no lead; "quarter-final" is no "last"
        ("That led to layoffs, leading to cuts.", "The creatives behind it were laid off."),
        ("Aki made 61 carries heading into the quarter-final weekend.", "Aki's first statement came with 61 carries."),
    ],
)
def test_the_same_direction_or_an_unused_axis_does_not_conflict(claim, source):
    assert not opposite_conflict(claim, source)


@pytest.mark.parametrize(
    "claim, source, swapped",
    [
        # the same event on the other side
        ("She wept after entering her plea.", "She wept before entering her plea, then sat down.", True),
        ("The cutoff is a day after the Express Saver deadline.", "The cutoff is a day before the Express Saver deadline.", True),
        ("An under bet wins at 48 or more.", "An over bet wins at 48 or more; an under bet at 47 or less.", True),
        ("The seeds are given at the end of a new world.", "The seeds are given at the beginning of a new world.", True),
        # the pair turned round with its events, as a paraphrase does
        ("He was hurt shortly after Perth went 12 points up.",
         "Perth went 12 points up shortly before he was hurt.", False),
        # the source uses both; a short anchor names no event
        ("He spoke after the match ended.", "He spoke before the match started and after the match ended.", False),
        ("Prices rose after that.", "Prices fell before that.", False),
    ],
)
def test_an_event_put_on_the_other_side_of_the_same_event_is_swapped(claim, source, swapped):
    assert order_swapped(claim, source) is swapped


def test_an_event_put_on_the_other_side_makes_a_claim_unsupported():
    text = "Jo Reyes stood in grey jail clothes and took a deep breath after pleading guilty to each count."
    judge = accepting(("took a deep breath", "took a deep breath"))
    (right,) = checked("Jo Reyes took a deep breath after pleading guilty to each count [1].", [passage(text)], judge)
    assert right.supported
    (wrong,) = checked("Jo Reyes took a deep breath before pleading guilty to each count [1].", [passage(text)], judge)
    assert wrong.claim and not wrong.supported


def test_an_opposite_word_makes_a_claim_unsupported_even_when_the_verifier_would_accept():
    text = "Ten-year yields tumbled as much as 18 basis points to 4.62 per cent."
    claim = "Ten-year yields jumped as much as 18 basis points to 4.62 per cent."
    judge = accepting(("jumped", "tumbled"))
    assert not ClaimChecker([passage(text)], judge=judge).check(claim, [0]).supported
    faithful = "Ten-year yields tumbled 18 basis points to 4.62 per cent."
    assert ClaimChecker([passage(text)], judge=judge).check(faithful, [0]).supported


# -------------------------------------------------------------------------- negation
@pytest.mark.parametrize(
    "text, expected",
    [
        ("Her list starts with No. 1, creating unrealistic expectations.", False),
        ("It covers not just search platforms but the ad industry.", False),
        ("They had zero passing attempts.", True),
        ("No, he did not.", True),
        ("He wasn't aware of any preparations.", True),
        # idioms that affirm
        ("Callender was nothing short of sensational in goal.", False),
        ("There is no question that more protection is a sound investment.", False),
        ("It was not until Kaplan intervened that he admitted he had been told.", False),
        ("Not to mention her relationship caused a spike in jersey sales.", False),
        ("He had no hesitation when asked if he would come off the bench.", False),
        ("Nothing was decided.", True),
    ],
)
def test_what_counts_as_a_negation(text, expected):
    assert negated(text) is expected


def test_yet_joining_two_clauses_ends_the_first_but_not_yet_negates():
    source = "NASCAR secured almost a 40% increase over its media rights deal yet something doesn't fit."
    assert not negation_conflict("NASCAR secured almost a 40% increase over its media rights deal.", source)
    assert negation_conflict("The media rights deal was signed.", "The media rights deal was not yet signed.")


def test_a_negated_clause_sharing_only_the_claims_names_is_no_conflict():
    source = "Howell wrote the ruling, and Howell never said the office erred."
    assert not negation_conflict("Howell wrote the ruling.", source)
    # a negated clause that holds what the claim says still conflicts
    assert negation_conflict("He was aware of the preparations.", "He wasn't aware of any preparations.")


@pytest.mark.parametrize(
    "claim, source",
    [
        ("T.J. Hockenson has not missed a game this season.",
         "The tight end has dealt with injury woes this season, however, he's yet to miss a game."),
        ("Hildebrandt agreed to stop seeing patients until the allegations are addressed.",
         "Hildebrandt has agreed not to see patients until the allegations are addressed."),
        ("The goal was to make bots expensive, not to stop bots outright.",
         "The goal was to make bots expensive, as opposed to stopping the bot problem outright."),
    ],
)
def test_a_negation_by_meaning_agrees_with_a_not(claim, source):
    assert not negation_conflict(claim, source)


@pytest.mark.parametrize(
    "claim, source",
    [
        # the word that negates by meaning is in a clause about something else
        ("Meta admitted it has no measures in place to remove under-13 accounts.",
         "Meta said the suit cherry-picked documents instead of quotes, and that it has measures "
         "in place to remove under-13 accounts."),
        # "failed" before a noun negates nothing
        ("Polygon says a run in Hades never feels like a loss.", "Each failed run in Hades feels like a loss."),
        ("He has not missed a game.", "He has missed a game."),
    ],
)
def test_a_negation_by_meaning_elsewhere_is_still_a_conflict(claim, source):
    assert negation_conflict(claim, source)


# --------------------------------------------------------- names from the whole context
HAMSTRING = "“He is progressing well, still not at his best,” Pochettino said of the hamstring."


def test_a_full_name_the_question_gives_is_not_a_swapped_name():
    claim = "Mauricio Pochettino said Reece James is progressing well."
    judge = accepting(("progressing well", "progressing well"))
    question = "How did Mauricio Pochettino describe Reece James's hamstring?"
    asked = ClaimChecker([passage(HAMSTRING)], judge=judge, question=question)
    assert asked.check(claim, [0]).supported
    # without the question, nothing the model read gives "Mauricio" or "Reece James"
    assert not ClaimChecker([passage(HAMSTRING)], judge=judge).check(claim, [0]).supported


def test_a_name_from_another_passage_of_the_same_article_is_given():
    intro = "Chelsea manager Mauricio Pochettino spoke on Friday about Reece James."
    claim = "Mauricio Pochettino said Reece James is progressing well."
    judge = accepting(("progressing well", "progressing well"))
    same = [passage(HAMSTRING, doc="a.txt"), passage(intro, doc="a.txt")]
    other = [passage(HAMSTRING, doc="a.txt"), passage(intro, doc="b.txt")]
    assert ClaimChecker(same, judge=judge).check(claim, [0]).supported
    assert not ClaimChecker(other, judge=judge).check(claim, [0]).supported


def test_a_swapped_first_name_is_still_caught_when_the_context_holds_the_name():
    text = "The ambassador, Alexander Matsegora, told Russian media the drills seemed appropriate."
    claim = "The ambassador, Vladimir Matsegora, told Russian media the drills seemed appropriate."
    judge = accepting(("seemed appropriate", "seemed appropriate"))
    checker = ClaimChecker([passage(text)], judge=judge, question="What did Vladimir Putin say?")
    assert not checker.check(claim, [0]).supported


def test_two_names_the_span_writes_apart_may_run_together():
    text = "For example, in New York City this year, one Turkey Trot is being held at Flushing Meadows."
    judge = accepting(("held", "held"))
    checker = ClaimChecker([passage(text)], judge=judge)
    assert checker.check("This year's New York City Turkey Trot is being held at Flushing Meadows.", [0]).supported
    # a part the span does not write is still no name of it
    assert not checker.check("This year's New York City Thanksgiving Trot is being held at Flushing Meadows.", [0]).supported
    assert not checker.check("This year's New Jersey City Turkey Trot is being held at Flushing Meadows.", [0]).supported


def test_a_month_is_never_taken_from_elsewhere_in_the_passage():
    text = "Traders expect a cut in March. Rates may fall further, analysts said."
    judge = accepting(("cut", "cut"))
    checker = ClaimChecker([passage(text)], judge=judge)
    assert checker.check("Traders expect a cut in March.", [0]).supported
    assert not checker.check("Traders expect a cut in May.", [0]).supported


def test_the_publication_date_may_date_a_claim():
    text = "Found featured Nasrat Khalid of Aseel this week."
    judge = accepting(("featured", "featured"))
    checker = ClaimChecker([passage(text, published="2023-11-05")], judge=judge)
    assert checker.check("In a November 2023 article, Found featured Nasrat Khalid of Aseel.", [0]).supported
    assert not checker.check("In an October 2023 article, Found featured Nasrat Khalid of Aseel.", [0]).supported


def test_the_weekday_of_a_date_the_span_gives_is_read_off_the_calendar():
    text = "Final day to ship: December 19th for Express Saver, December 20th for 2Day."
    judge = accepting(("2Day", "2Day"))
    checker = ClaimChecker([passage(text, published="2023-11-20")], judge=judge)
    # 20 December 2023 was a Wednesday; the year is the publication's
    assert checker.check("The last day to ship with 2Day is Wednesday, December 20th.", [0]).supported
    assert not checker.check("The last day to ship with 2Day is Tuesday, December 20th.", [0]).supported
    # the claim's own year decides, and the date itself must still be the span's
    assert not checker.check("The last day to ship with 2Day is Wednesday, December 20th, 2024.", [0]).supported
    assert not checker.check("The last day to ship with 2Day is Thursday, December 21st.", [0]).supported


@pytest.mark.parametrize(
    ("claim", "span", "published", "given"),
    [
        ("It opens on Friday, 8 December.", "It opens on 8 December 2023.", "", {"friday"}),
        ("It opens on Friday, Dec. 8.", "It opens Dec. 8.", "2023-12-01", {"friday"}),
        ("It opens on Saturday, 8 December.", "It opens on 8 December 2023.", "", set()),
        ("It opens on Friday, 8 December.", "It opens on 8 November 2023.", "", set()),
        ("It opens on Friday, 8 December.", "It opens on 8 December.", "", set()),  # no year known
    ],
)
def test_weekday_terms(claim, span, published, given):
    assert weekday_terms(claim, span, published) == given


def test_a_day_or_year_of_the_publication_date_alone_proves_no_number():
    text = "Shares rose 3 per cent on Friday."
    judge = accepting(("rose", "rose"))
    checker = ClaimChecker([passage(text, published="2023-11-05")], judge=judge)
    assert checker.check("The Times reported on November 5 that shares rose 3 per cent on Friday.", [0]).supported
    assert not checker.check("Shares rose 3 per cent on November 5.", [0]).supported  # an event's date
    assert not checker.check("Shares rose 5 per cent on Friday.", [0]).supported
    assert not checker.check("Shares rose 3 per cent in 2023 and 5 per cent since.", [0]).supported


def test_a_possessive_ends_a_name():
    runs = name_runs("He bowled South Africa's Quinton de Kock and Real Madrid's Aurelien Tchouameni.")
    assert ("south", "africa") in runs and ("aurelien", "tchouameni") in runs
    assert not any(len(r) > 2 for r in runs)


def test_a_pronoun_with_a_contraction_is_not_a_name():
    quote = "“If you Google how to sleep, I’ve probably tried everything,” she says. It’s late."
    assert key_terms(quote) == {"googl"}
    assert "o'neil" in key_terms("Then O'Neill spoke.")
    # the span names no one the claim leaves out, so the claim may name who "she" is
    checker = ClaimChecker(
        [passage("Amy Fieldhouse-Downes, 34, has had insomnia for years. " + quote)],
        judge=FakeJudge(supported=[("", "")]),
    )
    assert checker.lexical_gate(
        "Amy Fieldhouse-Downes said she had probably tried every sleep tip on Google.",
        "“If you Google how to sleep, I’ve probably tried everything,” she says.", 0,
    ) is not None


# ---------------------------------------------------------------------- places' people
@pytest.mark.parametrize(
    "term, text, expected",
    [
        ("franc", "French President Emmanuel Macron spoke.", True),
        ("french", "France's president spoke.", True),
        ("china", "US-listed Chinese shares rose.", True),
        ("europ", "He was linked to European clubs.", True),
        ("russia", "Russian forces advanced.", True),  # an ending: matched without the table
        ("franc", "German President Steinmeier spoke.", False),
        ("china", "Japanese shares rose.", False),
    ],
)
def test_a_place_and_its_peoples_word_match(term, text, expected):
    assert term_in(term, frozenset(tokens(text))) is expected


# --------------------------------------------------------------------------- capitals
def test_the_capital_table_is_loaded_from_the_package():
    table = capitals()
    assert table["Moscow"] == "Russia" and table["Pyongyang"] == "North Korea"
    assert len(table) > 200


def test_a_capital_the_sentence_does_not_name_is_read_as_its_country():
    sentence = "Russia’s Ambassador to North Korea, Alexander Matsegora, spoke."
    assert as_countries("Who is Moscow's ambassador in Pyongyang?", sentence) == (
        "Who is Russia's ambassador in North Korea?"
    )
    # a sentence that names the city keeps it
    parade = "Kim invited Shoigu to a military procession in Pyongyang."
    assert as_countries("What event in Pyongyang did Kim invite Shoigu to?", parade) == (
        "What event in Pyongyang did Kim invite Shoigu to?"
    )
    assert capitals_in("Male voters in Kyiv") == [("Kyiv", "Ukraine")]  # first word: not a capital


def test_a_sentences_capital_is_read_as_the_country_the_question_names():
    sentence = "Relations between Pyongyang and Washington have come to a halt since 2019."
    assert as_asked(sentence, "How long have talks between North Korea and the United States been frozen?") == (
        "Relations between North Korea and United States have come to a halt since 2019."
    )
    assert as_asked("Washington said Moscow lied.", "What did the U.S. say about Russia?") == (
        "United States said Russia lied."
    )
    # a country the question does not name, a city it names, a capital inside a longer name
    assert as_asked(sentence, "How long have talks between North Korea and Japan been frozen?") == (
        "Relations between North Korea and Washington have come to a halt since 2019."
    )
    assert as_asked(sentence, "Did Pyongyang talk to the United States?") == (
        "Relations between Pyongyang and United States have come to a halt since 2019."
    )
    assert as_asked("Paris Saint-Germain signed him.", "Which France striker was signed?") == (
        "Paris Saint-Germain signed him."
    )


def test_the_engine_quotes_the_sentence_it_read_with_countries_as_written():
    seen: list[str] = []

    class Recording(FakeJudge):
        def read(self, question, sentences):
            seen.extend(s for s, _, _ in sentences)
            return super().read(question, sentences)

    text = "Diplomatic relations between Pyongyang and Washington have come to a halt since 2019."
    engine = ExtractiveEngine(judge=Recording({"halt": "United States"}))
    reply = "".join(engine.stream("Since when have North Korea and the United States stopped talking?", [passage(text)]))
    assert seen == ["Diplomatic relations between North Korea and United States have come to a halt since 2019."]
    assert text in reply and "United States" not in reply


def test_a_text_naming_a_country_holds_its_capital():
    held = with_capitals(frozenset(tokens("Russia and China held drills.")), "Did Moscow and Beijing agree?")
    assert set(tokens("Moscow Beijing")) <= held
    assert "kyiv" not in with_capitals(held, "What did Moscow say about Kyiv?")  # Ukraine is not named
    capitals_only = frozenset(tokens("Talks between Pyongyang and Washington have stalled."))
    assert set(tokens("North Korea")) <= with_capitals(capitals_only, "Why did North Korea stop talking?")
    assert "russia" not in with_capitals(capitals_only, "Why did Russia stop talking?")
    assert set(tokens("United States")) <= with_capitals(capitals_only, "Why did the U.S. stop talking?")


def test_the_engine_reads_each_sentence_with_the_question_as_it_fits():
    seen: list[tuple[str, str]] = []

    class Recording(FakeJudge):
        def read(self, question, sentences):
            seen.extend((question, s) for s, _, _ in sentences)
            return super().read(question, sentences)

    text = "Russia’s Ambassador to North Korea is Alexander Matsegora. Shoigu visited Pyongyang in July."
    engine = ExtractiveEngine(judge=Recording({"Matsegora": "Alexander Matsegora"}))
    "".join(engine.stream("Who is Moscow's ambassador in Pyongyang?", [passage(text)]))
    asked = dict((s, q) for q, s in seen)
    assert asked["Russia’s Ambassador to North Korea is Alexander Matsegora."] == "Who is Russia's ambassador in North Korea?"
    assert asked["Shoigu visited Pyongyang in July."] == "Who is Russia's ambassador in Pyongyang?"


def test_a_capital_question_is_answered_on_the_seed(seeded):
    # the seed says "Russia's Ambassador to North Korea"; read as asked, the reader abstains
    result = answer("Who is Moscow's ambassador in Pyongyang?", settings=seeded)
    assert not result.abstained
    assert "Matsegora" in result.text.split("\n")[0]


def _chunk_and_article(chunk: str, before: str, supported: tuple[str, str]):
    """Checkers for a chunk alone and with its article (``before`` + ``chunk``)."""
    from assistant.answering.claims import ClaimChecker
    from assistant.records import Passage

    from .fakes import FakeJudge

    p = Passage("a.txt", "News", "Daily Sport", "2023-11-10", "", chunk, len(before), len(before) + len(chunk), 1.0)
    judge = FakeJudge(supported=[supported])
    alone = ClaimChecker([p], judge=judge)
    whole = ClaimChecker([p], judge=judge, article_text={"a.txt": before + chunk}.get)
    return alone, whole


@pytest.mark.parametrize(
    ("chunk", "before", "supported", "claim", "wrong"),
    [
        # the chunk gives the surname alone: the article's first name passes, another not
        ("On Friday, Pochettino said the defender's hamstring was much better.",
         "Mauricio Pochettino took over in the summer. ",
         ("hamstring was much better", "hamstring was much better"),
         "On Friday, Mauricio Pochettino said the defender's hamstring was much better.",
         "On Friday, Diego Pochettino said the defender's hamstring was much better."),
        # the chunk gives the first name alone: the article's surname passes, another not
        ("Diana and Dodi were killed on 31 August 1997 when their car crashed in Paris.",
         "Dodi Fayed had met Diana that summer. ",
         ("were killed on 31 August 1997", "killed on 31 August 1997"),
         "Diana and Dodi Fayed were killed on 31 August 1997 when their car crashed in Paris.",
         "Diana and Dodi Smith were killed on 31 August 1997 when their car crashed in Paris."),
    ],
)
def test_a_full_name_the_article_writes_elsewhere_passes_and_another_does_not(
    chunk, before, supported, claim, wrong
):
    alone, whole = _chunk_and_article(chunk, before, supported)
    assert not alone.check(claim, [0]).supported  # the chunk never writes the full name
    assert whole.check(claim, [0]).supported  # the article does
    assert not whole.check(wrong, [0]).supported  # a name the article never gives


def test_a_product_the_article_names_in_full_is_not_an_inflected_word_of_the_span():
    # "its Kindles" is not the "Kindle" of "Kindle Unlimited"
    _, whole = _chunk_and_article(
        "Amazon also offers 20 percent off all of its Kindles when you trade in a device.",
        "Kindle Unlimited costs $11.99 a month. ",
        ("20 percent off", "20 percent off"),
    )
    claim = "Amazon offers 20 percent off its Kindle Unlimited plans when you trade in a device."
    assert not whole.check(claim, [0]).supported


# ------------------------------------------------- facts gathered from several sentences
def test_a_claim_may_gather_its_facts_from_sentences_that_are_not_neighbours():
    text = (
        "Lee has a .340 career average in seven KBO seasons. "
        "His team announced on Monday that he will be posted. "
        "Lee was hampered by injury in 2023 but slashed .349/.421/.575 in 2022."
    )
    claim = "Lee, who has a .340 career average in seven KBO seasons, slashed .349/.421/.575 in 2022."
    verdict = ClaimChecker([passage(text)], judge=accepting(("slashed", "slashed"))).check(claim, [0])
    assert verdict.supported
    # the quote is one real sentence of it (the one holding most of the claim)
    assert verdict.span is not None and verdict.span.size == 1
    assert text[verdict.span.start : verdict.span.end] == verdict.span.text
    # a number no sentence holds is still missing
    wrong = claim.replace(".340", ".360")
    assert not ClaimChecker([passage(text)], judge=accepting(("slashed", "slashed"))).check(wrong, [0]).supported


def test_a_sentence_saying_the_claim_of_someone_else_is_not_gathered():
    text = (
        "Ed Woods was ejected for targeting in the third quarter. "
        "The coach praised the defence. "
        "Cam Skattebo ran for 100 yards."
    )
    judge = accepting(("ejected", "ejected"))
    claim = "Sun Devils running back Cam Skattebo was ejected for targeting."
    assert not ClaimChecker([passage(text)], judge=judge).check(claim, [0]).supported


def test_a_sentence_naming_what_the_reply_names_elsewhere_may_be_gathered():
    text = (
        "If you subscribe to Amazon Prime and live in an eligible ZIP code in the US, you can "
        "get Same-Day Delivery on certain items through December 24th. "
        "The retailer also sells gift cards. "
        "Prime members can get Two-Day Delivery through December 22nd."
    )
    claim = (
        "Two-Day Delivery runs through December 22nd, while Same-Day Delivery in eligible ZIP "
        "codes is available through December 24th."
    )
    reply = f"Amazon Prime members in the US can order late [1]. {claim} [1]"
    judge = accepting(("runs through", "through December 22nd"))
    # the sentence on Same-Day Delivery names Amazon Prime and the US, which the claim does
    # not: gathered only when another sentence of the reply names them
    assert not ClaimChecker([passage(text)], judge=judge).check(claim, [0]).supported
    assert ClaimChecker([passage(text)], judge=judge, reply=reply).check(claim, [0]).supported
    # the reply naming them does not let a swapped name through
    wrong = claim.replace("Same-Day", "Next-Day")
    assert not ClaimChecker([passage(text)], judge=judge, reply=reply.replace("Same-Day", "Next-Day")).check(wrong, [0]).supported


# ------------------------------------------------ what a comparison reply asserts
def checked(reply: str, passages: list[Passage], judge: FakeJudge, question: str = "") -> list:
    """The sentences of a reply as the pipeline marks them (claim, supported)."""
    from assistant.answering.checking import check_sentences
    from assistant.answering.citations import split_answer

    sentences = split_answer(reply, len(passages))
    check_sentences(sentences, ClaimChecker(passages, judge=judge, question=question))
    return sentences


def test_an_alternative_the_passage_never_names_is_not_checked_against_it():
    independent = passage(
        "United went out of the Champions League at the group stage after a 1-0 defeat to Bayern Munich.",
        source="The Independent",
    )
    judge = accepting(("went out", "went out"))
    reply = (
        "It was The Independent, not Sporting News, that reported United went out of the "
        "Champions League at the group stage after a 1-0 defeat to Bayern Munich [1]."
    )
    (sentence,) = checked(reply, [independent], judge)
    assert sentence.claim and sentence.supported
    # what it asserts is still checked: a wrong score is flagged
    (wrong,) = checked(reply.replace("1-0", "2-0"), [independent], judge)
    assert wrong.claim and not wrong.supported


def test_an_alternative_the_passage_names_is_judged_by_it():
    text = "Live betting on MLB is available at DraftKings and FanDuel."
    judge = accepting(("available", "available"))
    reply = "Live betting on MLB is available only at casinos, not at DraftKings or FanDuel [1]."
    (sentence,) = checked(reply, [passage(text)], judge)
    assert sentence.claim and not sentence.supported  # the denial contradicts the passage


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Sporting News reported United went out, not that they won the cup.", "Sporting News reported United went out."),
        ("Team props depend on the team as a whole rather than individual players.", "Team props depend on the team as a whole."),
        ("Rather than griping, parents should stay calm.", "parents should stay calm."),
        ("He is not only a singer, but a dancer.", "He is not only a singer, but a dancer."),
        ("The player did not score.", "The player did not score."),
    ],
)
def test_what_an_alternative_is(text, expected):
    from assistant.answering.checking import without_alternatives

    assert without_alternatives(text) == expected


def test_a_clause_stating_a_gap_leaves_the_rest_of_the_sentence_checked():
    text = "It wasn't a great day for the Seattle offense on Thanksgiving against the Niners."
    judge = accepting(("great day", "great day"))
    reply = (
        "Sporting News did not report that the 49ers lost on Thanksgiving; it said it wasn't a "
        "great day for the Seattle offense on Thanksgiving against the Niners [1]."
    )
    (sentence,) = checked(reply, [passage(text, source="Sporting News")], judge)
    assert sentence.claim and sentence.supported
    sporting = passage(text, source="Sporting News")
    (gap,) = checked("Sporting News did not report that the 49ers lost [1].", [sporting], judge)
    assert not gap.claim  # says what the source lacks: no fact to check
    (fact,) = checked("The company did not report a profit [1].", [sporting], judge)
    assert fact.claim  # a fact about the company, not about the source


def test_a_verdict_on_the_sources_is_no_claim_but_a_fact_about_them_is():
    one = passage("Apple sold 10 million phones.", source="The Verge", published="2023-12-06")
    two = passage("Apple sold 10 million phones in the quarter.", source="TechCrunch", published="2023-12-07")
    judge = accepting()
    reply = "The Verge and TechCrunch reports are consistent [1][2]."
    (verdict,) = checked(reply, [one, two], judge)
    assert not verdict.claim
    (fact,) = checked("Both reports agree that Apple sold 12 million phones [1][2].", [one, two], judge)
    assert fact.claim and not fact.supported  # it names a number: checked, and wrong


def test_the_date_of_a_report_is_read_from_reporting_words_or_its_publisher():
    from assistant.text.dates import publication_date_terms

    assert publication_date_terms("Its November 11, 2023 preview says she lost.", "2023-11-11")
    assert publication_date_terms("In November 2023, TechCrunch's Found featured Khalid.", "2023-11-05", "TechCrunch")
    assert not publication_date_terms("In November 2023, Found featured Khalid.", "2023-11-05", "TechCrunch")
    assert not publication_date_terms("Shares rose on November 5.", "2023-11-05", "TechCrunch")


@pytest.mark.parametrize(
    "sentence, checked_text",
    [
        ("Yes, the vote passed.", "the vote passed."),
        ("No it did not pass.", "it did not pass."),
        ("Yes \u2014 the vote passed.", "the vote passed."),
        ("No team has dropped more points.", "No team has dropped more points."),  # a determiner
        ("No one was hurt.", "No one was hurt."),
    ],
)
def test_a_reply_word_is_set_aside_but_a_determiner_is_not(sentence, checked_text):
    from assistant.answering.checking import claim_text

    assert claim_text(sentence) == checked_text


def test_a_verdict_counting_the_sources_is_no_claim():
    one = passage("Apple sold 10 million phones.", source="The Verge")
    two = passage("Apple sold 10 million phones in the quarter.", source="TechCrunch")
    (verdict,) = checked("The two reports are consistent with each other [1][2].", [one, two], accepting())
    assert not verdict.claim


@pytest.mark.parametrize("sentence", ["Yes.", "No!", "Yes", "No."])
def test_a_bare_reply_word_is_no_claim(sentence):
    from assistant.answering.checking import claim_text, is_checkable

    assert not is_checkable(claim_text(sentence))


# ------------------------------------------------- where a name or number stands (session 8)
def test_a_surname_after_punctuation_is_not_a_renamed_person():
    text = (
        "Chelsea manager Mauricio Pochettino has a selection crisis at Chelsea; James is one part "
        "of it and he will be without seven others through injury against Arsenal. Reece James "
        "is out with a hamstring injury."
    )
    judge = accepting(("seven other players", "seven others"))
    checker = ClaimChecker([passage(text)], judge=judge)
    claim = "Besides Reece James, Chelsea will be without seven other players through injury against Arsenal."
    assert checker.check(claim, [0]).supported
    # a first name written right before the surname is still another person
    renamed = "The ambassador Alexander Matsegora told Russian media the drills seemed appropriate. Vladimir Putin agreed."
    swap = ClaimChecker([passage(renamed)], judge=accepting(("drills", "drills")))
    claim = "The ambassador Vladimir Matsegora told Russian media the drills seemed appropriate."
    assert not swap.check(claim, [0]).supported


def test_a_possessive_may_read_the_sources_pronoun():
    from assistant.text.match import possessive_conflict

    source = "A famous win at Ellis Park saw him save his career. Robertson was named Foster's successor."
    assert not possessive_conflict("The win at Ellis Park saved Foster's career.", source)
    assert possessive_conflict(
        "The win saved Robertson's career.", "Robertson was named after the win that saved Foster's career."
    )
    # a source naming both apart gives the verifier the question, not the possessive check
    assert not possessive_conflict(
        "The win saved Robertson's career.", "Robertson was named after the win that saved the career of Foster."
    )
    assert not possessive_conflict(
        "Bet365's live-betting feature lets bettors wager in real time.",
        "The Bet365 app suits rookies. A highlight is the platform's live-betting feature, allowing real-time bets.",
    )


def test_a_name_swapped_in_place_is_a_misquote_but_another_name_elsewhere_is_not():
    checker = ClaimChecker([passage("Placeholder.")], judge=accepting())
    sentence = "Without injured guards Ian Clark and Matthew Dellavedova, Melbourne suffered a scare when Luke Travers was hurt."
    moved = "Melbourne United played Illawarra without injured guards Ian Clark and Matthew Dellavedova."
    assert not checker.misquotes(moved, sentence)
    swapped = "Without injured guards Ian Clark and Matthew Dellavedova, Melbourne suffered a scare when Jack White was hurt."
    assert checker.misquotes(swapped, sentence)


def test_a_near_copy_may_describe_with_a_peoples_word_its_article_gives():
    judge = accepting(("restructuring", "restructuring"))
    text = (
        "Klarna, the Swedish fintech, is preparing to list. The company has initiated a process "
        "for a legal entity restructuring to set up a holding company in the U.K. as an early "
        "step in its plans for an initial public offering, a Klarna spokesperson tells TechCrunch+."
    )
    checker = ClaimChecker([passage(text)], judge=judge)
    said = "The {} fintech has started a legal entity restructuring process to do this, a Klarna spokesperson told TechCrunch+."
    assert checker.check(said.format("Swedish"), [0]).supported
    assert not checker.check(said.format("Norwegian"), [0]).supported  # not the article's word


@pytest.mark.parametrize(
    "claim, source, moved",
    [
        ("Keaton Mitchell has over 300 yards and four touchdowns in four games.",
         "He has over 300 yards and two TDs over the past four games.", True),
        ("Newcastle had 17 shots with eight on target, while Milan managed eight shots on target.",
         "Newcastle had 17 shots, eight on target. Milan had two shots on target.", True),
        ("Newcastle had 17 shots with eight on target, while Milan managed two shots on target.",
         "Newcastle had 17 shots, eight on target. Milan had two shots on target.", False),
        ("Mitchell scored 441 runs in 10 matches.", "Mitchell has 441 runs in 10 matches, with 2 centuries.", False),
        ("Rates rose 5% to $10.", "Rates rose to $10, up 5%.", False),  # no number of the source left out
        # a year takes another year's place only
        ("Sono meant to start production in 2024 in Germany.",
         "Sono meant to start production in 2023 in Germany. It pivoted to licensing by 2024 instead.", True),
        ("Fleming took five wickets in the 1996 Wills World Cup match in Mumbai.",
         "1996, Match 19, Wills World Cup, Mumbai. Fleming took five wickets.", False),
    ],
)
def test_a_number_put_where_the_source_has_another_is_moved(claim, source, moved):
    from assistant.text.match import moved_number

    assert moved_number(claim, source) is moved


def test_a_number_the_question_gives_and_the_article_holds_may_be_restated():
    text = "She was repeatedly told she was evil and possessed, the plea agreement said."
    intro = "Ruby Franke's 9-year-old daughter was found malnourished."
    claim = "Ruby Franke's 9-year-old daughter was repeatedly told she was evil and possessed."
    judge = accepting(("evil and possessed", "evil and possessed"))
    question = "What was Ruby Franke's 9-year-old daughter repeatedly told?"
    same = [passage(text, doc="a.txt"), passage(intro, doc="a.txt")]
    assert ClaimChecker(same, judge=judge, question=question).check(claim, [0]).supported
    # the question alone does not give it: the article must hold it too
    alone = [passage(text, doc="a.txt"), passage("Ruby Franke was arrested.", doc="a.txt")]
    assert not ClaimChecker(alone, judge=judge, question=question).check(claim, [0]).supported
    # nor does the article alone
    assert not ClaimChecker(same, judge=judge, question="What was she told?").check(
        claim.replace("9", "8"), [0]
    ).supported


def test_a_near_copy_may_restate_the_questions_number_where_the_span_writes_none():
    text = ("The season begins with Princess Diana (played by Elizabeth Debicki) whisking her sons "
            "away on summer holiday to Saint-Tropez.")
    title = "Fans react to the opening scene of The Crown season 6"
    claim = "At the start of season six, Princess Diana whisks her sons away on summer holiday to Saint-Tropez."
    question = "Where does Diana take her sons on holiday at the start of The Crown season 6?"
    judge = accepting(("Saint-Tropez", "Saint-Tropez"))

    def checked(span: str) -> bool:
        shown = [passage(span, doc="a.txt"), passage(title, doc="a.txt")]
        return ClaimChecker(shown, judge=judge, question=question).check(claim, [0]).supported

    assert checked(text)
    # a span that writes another season: the question's number would replace it
    assert not checked(text.replace("The season begins", "Season 5 begins"))


def test_a_name_in_a_bracketed_aside_may_be_left_out_when_another_is_borrowed():
    text = "In episode three, Diana's partner Dodi Fayed (played by Khalid Abdalla) surprises her with a trip to Paris."
    cast = "Elizabeth Debicki plays Diana in the final season."
    claim = "In episode three, Dodi Fayed surprises Diana, played by Elizabeth Debicki, with a trip to Paris."
    judge = accepting(("trip to Paris", "trip to Paris"))
    shown = [passage(text, doc="a.txt"), passage(cast, doc="a.txt")]
    assert ClaimChecker(shown, judge=judge).check(claim, [0]).supported
    # a name the span gives outside an aside still keeps the claim from borrowing
    unbracketed = [passage(text.replace("(played by Khalid Abdalla)", "and Khalid Abdalla"), doc="a.txt"),
                   passage(cast, doc="a.txt")]
    assert not ClaimChecker(unbracketed, judge=judge).check(claim, [0]).supported


def test_a_verdict_lead_in_is_set_aside_and_the_fact_after_it_checked():
    herald = passage("Hope has been rising on Wall Street that the economy is slowing.", source="The Herald")
    judge = accepting(("Wall Street", "Wall Street"))
    (sentence,) = checked("No, not on the first point: The Herald reports hope on Wall Street that the economy is slowing [1].", [herald], judge)
    assert sentence.claim and sentence.supported
    # a lead-in stating a fact is kept, and its fact checked
    (fact,) = checked("According to The Herald, Acme boomed: hope has been rising on Wall Street [1].", [herald], judge)
    assert fact.claim and not fact.supported


@pytest.mark.parametrize(
    "reply, claim",
    [
        ("Yes, on both counts [1].", False),
        ("All three points are supported [1].", False),
        ("Yes, both hold [1].", False),
        ("It was the second [1].", True),  # a short answer, checked
        ("Three [1].", True),
    ],
)
def test_a_verdict_on_the_questions_parts_is_no_claim(reply, claim):
    (sentence,) = checked(reply, [passage("The second round went ahead with three fighters.")], accepting())
    assert sentence.claim is claim


def test_an_ordinal_naming_a_source_is_no_fact_to_check():
    text = "They vary from player to team bets and lean heavily on the statistical side of the game."
    judge = accepting(("player to team bets", "player to team bets"))
    (sentence,) = checked("That second article says they vary from player to team bets [1].", [passage(text)], judge)
    assert sentence.supported
    (wrong,) = checked("They vary over the second half [1].", [passage(text)], judge)
    assert not wrong.supported


def test_a_source_that_did_not_say_something_states_a_gap():
    talk = passage("United have conceded 14 goals in the group stages, a new record.", source="talkSPORT")
    judge = accepting(("conceded 14 goals", "conceded 14 goals"))
    reply = "TalkSport did not say United's defence was better; it reported that United conceded 14 goals [1]."
    (sentence,) = checked(reply, [talk], judge)
    assert sentence.claim and sentence.supported


def test_a_relative_date_is_read_against_the_publication_date():
    gemini = passage("Gemini Pro began rolling out to Bard yesterday.", published="2023-12-08")
    judge = accepting(("rolling out", "rolling out"))
    checker = ClaimChecker([gemini], judge=judge)
    assert checker.check("Gemini Pro began rolling out to Bard on December 7, 2023.", [0]).supported
    assert not checker.check("Gemini Pro began rolling out to Bard on December 6, 2023.", [0]).supported
    season = ClaimChecker([passage("Truist Park had 54 sellouts this season.", published="2023-10-02")], judge=accepting(("sellouts", "sellouts")))
    assert season.check("Truist Park had 54 sellouts in 2023.", [0]).supported
    assert not season.check("Truist Park had 54 sellouts in 2022.", [0]).supported
    plain = ClaimChecker([passage("Truist Park had 54 sellouts.", published="2023-10-02")], judge=accepting(("sellouts", "sellouts")))
    assert not plain.check("Truist Park had 54 sellouts in 2023.", [0]).supported  # no word dates it


def test_a_claim_of_names_only_needs_no_verifier_but_its_names_in_the_span():
    from .fakes import FakeJudge

    text = "Manchester United went out of the Champions League after a 1-0 defeat to Bayern Munich."
    rejecting = FakeJudge(threshold=2.0)  # would reject everything it reads
    checker = ClaimChecker([passage(text)], judge=rejecting)
    assert checker.check("Manchester United.", [0]).supported
    assert not checker.check("Manchester City.", [0]).supported


def test_initialisms_are_one_word_however_written():
    assert tokens("U.S. Steel") == tokens("US Steel")
    assert tokens("the U.K.") != tokens("the U.S.")


def test_a_name_the_span_writes_as_an_acronym_or_spells_out_is_given():
    judge = accepting(("loan", "loan"))
    span = "RA was forced to take out a $40m loan from Ares to keep the game afloat."
    checker = ClaimChecker([passage(span)], judge=judge)
    assert checker.check("Last year Rugby Australia took out a $40m loan from Ares.", [0]).supported
    assert not checker.check("Last year Rugby Union took out a $40m loan from Ares.", [0]).supported
    spelled = ClaimChecker([passage("Last year Rugby Australia took out a $40m loan from Ares.")], judge=judge)
    assert spelled.check("Last year RA took out a $40m loan from Ares.", [0]).supported
    assert not spelled.check("Last year RU took out a $40m loan from Ares.", [0]).supported


def test_acronyms_side_by_side_are_each_their_own_name():
    judge = accepting(("Same-Day", "Same-Day"))
    span = (
        "If you subscribe to Amazon Prime and live in an eligible ZIP code in the US, you can get "
        "Same-Day Delivery through December 24th."
    )
    checker = ClaimChecker([passage(span)], judge=judge)
    assert checker.check("Prime members in eligible US ZIP codes can get Same-Day Delivery through December 24th.", [0]).supported
    assert not checker.check("Prime members in eligible UK ZIP codes can get Same-Day Delivery through December 24th.", [0]).supported


def test_a_near_copy_may_abbreviate_a_name_that_opens_the_sentence():
    judge = accepting(("co-develop", "co-develop"))
    span = "General Motors and Honda said in April 2022 that they'd co-develop millions of small EVs."
    # another article writes "GM" and "Nissan" inside a sentence: both are names here
    other = passage("Honda's plans with GM rival those of Nissan in the US market.", doc="b.txt")
    checker = ClaimChecker([passage(span), other], judge=judge)
    claim = "GM and Honda announced in April 2022 that they'd co-develop millions of small EVs."
    assert not checker.misquotes(claim, span, 0)
    assert checker.check(claim, [0]).supported
    # another company in its place is still a swapped name
    swapped = "Nissan and Honda announced in April 2022 that they'd co-develop millions of small EVs."
    assert not checker.check(swapped, [0]).supported


def test_first_may_be_written_opening_but_not_second():
    judge = accepting(("wins", "wins"))
    span = "Liverpool have picked up five wins out of their opening eight games."
    checker = ClaimChecker([passage(span)], judge=judge)
    assert checker.check("Liverpool have five wins from their first eight games.", [0]).supported
    assert not checker.check("Liverpool have five wins from their second eight games.", [0]).supported


def test_an_uncited_short_answer_is_no_claim_when_a_supported_claim_names_it():
    text = "Each year Google pays Apple billions of dollars to be the default search engine."
    judge = accepting(("default search engine", "default search engine"))
    short, fact = checked("Google. Google pays Apple to be the default search engine [1].", [passage(text)], judge)
    assert fact.supported and not short.claim
    wrong, fact = checked("Microsoft. Google pays Apple to be the default search engine [1].", [passage(text)], judge)
    assert fact.supported and wrong.claim and not wrong.supported  # not borne out: flagged


@pytest.mark.parametrize(
    "sentence, gap",
    [
        ("The later article does not explicitly discuss the cause.", True),
        ("The article doesn't specify when.", True),
        ("No article from The Verge is among the sources.", True),
        ("The sources do not show a change in policy.", True),
        ("I can't answer that.", True),
        ("Shares did not rise.", False),
        ("The company does not disclose its revenue.", False),
    ],
)
def test_what_states_a_gap(sentence, gap):
    from assistant.answering.refusal import states_a_gap

    assert states_a_gap(sentence) is gap


def test_a_verdict_on_the_sources_may_call_them_they_or_order_them():
    one = passage("Apple sold 10 million phones.", source="The Verge")
    two = passage("Apple sold 10 million phones in the quarter.", source="TechCrunch")
    for reply in ("They describe different issues [1][2].", "TechCrunch's report came first [2]."):
        (verdict,) = checked(reply, [one, two], accepting())
        assert not verdict.claim, reply
    (fact,) = checked("They say Apple sold 12 million phones [1][2].", [one, two], accepting())
    assert fact.claim and not fact.supported


@pytest.mark.parametrize("sentence", ["They agreed to a new deal [1].", "They later won the title [1]."])
def test_a_fact_about_people_called_they_is_still_a_claim(sentence):
    (fact,) = checked(sentence, [passage("The union and the owners met on Monday.")], accepting())
    assert fact.claim and not fact.supported


def test_a_quotation_of_two_sentences_is_one_cited_sentence():
    from assistant.answering.citations import split_answer

    reply = 'She adds, "I\'m not going to marry Dodi. I can\'t wait to come home" [1]. Then she left [1].'
    first, second = split_answer(reply, 1)
    assert first.cited == [0] and "come home" in first.raw
    assert second.raw.startswith("Then")


def test_a_name_written_with_an_exclamation_mark_does_not_end_the_sentence():
    from assistant.answering.citations import split_answer

    reply = ("Game Freak launched it through the country's Yahoo! Kids portal [1]. Over 5 million "
             "users accessed Yahoo! Kids each month [2]. Wow! It sold well [1].")
    first, second, third, fourth = split_answer(reply, 2)
    assert first.cited == [0] and "Kids portal" in first.raw
    assert second.cited == [1] and second.raw.startswith("Over")
    assert third.raw == "Wow!" and fourth.raw.startswith("It sold")  # not a name: still a sentence


def test_a_near_copy_may_name_who_the_pronoun_is_but_not_swap_a_name():
    checker = ClaimChecker([passage("Placeholder.")], judge=accepting())
    sentence = "Then he accidentally bowled a very wide full toss to Charles, who clunked it to Buttler."
    assert not checker.misquotes("Then Rashid accidentally bowled a very wide full toss to Charles, who clunked it to Buttler.", sentence)
    assert checker.misquotes("Then he accidentally bowled a very wide full toss to Hope, who clunked it to Buttler.", sentence)


def test_a_number_before_million_is_not_placed_by_that_word():
    from assistant.text.match import moved_number

    source = "The film fell to second place with an estimated $14.5 million. It has now earned over $121 million."
    assert not moved_number("The film has now earned over $121 million.", source)
    assert moved_number("The film fell to second place with an estimated $121 million.", source)
    # past the magnitude, the word after it tells the place: a claim leaving out a phrase
    # keeps each number in its own
    source = ("It debuted in 2,539 theaters in the U.S. and Canada, as well as 94 international "
              "territories, where it earned $6.4 million from 2,621 theaters.")
    assert not moved_number("It also debuted in 94 international territories, where it took in "
                            "$6.4 million from 2,621 theaters.", source)
    source = "I've gotten about five hours of media playback and calls and have about 30 percent battery left."
    assert not moved_number("After five hours of calls the glasses had about 30 percent battery left.", source)
    assert moved_number("After about five hours of calls, the Echo Frames had roughly 5 percent battery left.",
                        source.replace("five hours", "5 hours"))


def test_a_publisher_named_as_people_write_it_is_given_by_its_passage():
    text = "If you want a slightly higher risk, Saint-Denis is +155 to win by KO, TKO or DQ."
    judge = accepting(("+155", "+155"))
    cbs = passage(text, source="CBSSports.com")
    claim = "CBS Sports lists Saint-Denis at +155 to win by KO, TKO or DQ."
    assert ClaimChecker([cbs], judge=judge).check(claim, [0]).supported
    other = passage(text, source="Yardbarker")  # another publisher's passage does not give it
    assert not ClaimChecker([other, cbs], judge=judge).check(claim, [0]).supported


def test_a_sentence_setting_the_sources_side_by_side_is_drawn_from_them():
    one = passage("Sales rose 8% in Europe.", source="CNBC")
    two = passage("Treasury yields fell on Tuesday.", source="Fortune")
    for reply in (
        "Both reported increases [1][2].",
        "Only the CNBC report showed an increase [1].",
        "So one stresses sales, the other yields [1][2].",
        "The two articles describe different markets [1][2].",
    ):
        (synthesis,) = checked(reply, [one, two], accepting())
        assert not synthesis.claim, reply
    for reply in (
        "Both reported increases in Asia [1][2].",  # a name neither passage writes
        "Both reported 12% increases [1][2].",  # a number
        "Both teams reported increases [1][2].",  # not the sources
        "The later article says yields fell in March [2].",  # one source's account
    ):
        (fact,) = checked(reply, [one, two], accepting())
        assert fact.claim and not fact.supported, reply


def test_an_ordinal_the_passage_writes_as_a_number():
    text = (
        "5. Virat Kohli, India\n\nKohli scored 711 runs.\n\n"
        "4. Rachin Ravindra, New Zealand\n\nRavindra accumulated 578 runs in 10 matches.\n\n"
        "2003, Match 11, Centurion\n\nIndia chose to bat first."
    )
    checker = ClaimChecker([passage(text)], judge=accepting(("runs", "runs"), ("bat first", "bat first")))
    assert checker.check("Ravindra was fourth on the list, with 578 runs in 10 matches.", [0]).supported
    assert not checker.check("Ravindra was fifth on the list, with 578 runs in 10 matches.", [0]).supported
    assert checker.check("In the 11th match, India chose to bat first.", [0]).supported
    assert not checker.check("In the 12th match, India chose to bat first.", [0]).supported


def test_a_claim_all_of_whose_words_are_the_span_needs_no_verifier():
    from .fakes import FakeJudge

    rejecting = FakeJudge(threshold=2.0)  # rejects all it reads
    text = "Ahead of the Michigan-Michigan State game on Oct. 21, investigators arrived."
    checker = ClaimChecker([passage(text)], judge=rejecting)
    assert checker.check("The Michigan-Michigan State game was on Oct. 21.", [0]).supported
    assert not checker.check("The Michigan-Michigan State game was close on Oct. 21.", [0]).supported
    assert not checker.check("The Michigan-Michigan State game was on Oct. 22.", [0]).supported
    # the span names someone the claim does not: its words may come from another phrase
    semis = (
        "India beat New Zealand in the first semi-final at the Wankhede Stadium in Mumbai, and "
        "Australia beat South Africa in the second semi-final at the Eden Gardens in Kolkata."
    )
    checker = ClaimChecker([passage(semis)], judge=rejecting)
    assert not checker.check("Australia beat South Africa in the second semi-final at the Wankhede Stadium in Mumbai.", [0]).supported
    # ... unless the claim restates one phrase of it, in its order
    named = "Ahead of the Michigan-Michigan State game on Oct. 21, the Big Ten approached MSU."
    checker = ClaimChecker([passage(named)], judge=rejecting)
    assert checker.check("The Michigan-Michigan State game was on Oct. 21.", [0]).supported
    assert not checker.check("The Michigan-Michigan State game was on Oct. 22.", [0]).supported


@pytest.mark.parametrize(
    ("claim", "sentence", "expected"),
    [
        ("The Michigan-Michigan State game was on Oct. 21.",
         "Ahead of the Michigan-Michigan State game on Oct. 21, the Big Ten approached MSU.", True),
        ("Australia beat South Africa at the Wankhede Stadium.",
         "India beat New Zealand at the Wankhede Stadium, and Australia beat South Africa at "
         "the Eden Gardens.", False),
        ("South Africa beat Australia.", "Australia beat South Africa.", False),
        ("Nothing in common.", "Australia beat South Africa.", False),
    ],
)
def test_a_claim_restating_one_phrase_in_order(claim, sentence, expected):
    from assistant.text.match import restated_in_order

    assert restated_in_order(claim, sentence) is expected


def test_a_publication_date_as_the_day_a_source_cited_something():
    text = "Traders expect the Federal Reserve to cut rates in March, according to CME Group."
    checker = ClaimChecker([passage(text, published="2023-12-05")], judge=accepting(("cut rates", "cut rates")))
    assert checker.check("According to CME Group data cited on 2023-12-05, traders expect the Federal Reserve to cut rates in March.", [0]).supported
    assert not checker.check("According to CME Group data cited on 2023-12-06, traders expect the Federal Reserve to cut rates in March.", [0]).supported


@pytest.mark.parametrize(
    "reply, lacking",
    [
        ("Yardbarker does not predict Kelce will match his past output.", True),
        ("The excerpt does not specifically credit Google with simplifying navigation.", True),
        ("Sources at four Big Ten schools said they did not expect any punishment.", False),
        ("Yardbarker says Google did not release the full model.", False),
        ("The company did not pay dividends.", False),
    ],
)
def test_a_source_that_does_not_do_something_states_a_gap_only_as_the_subject(reply, lacking):
    from assistant.answering.checking import says_what_is_lacking

    checker = ClaimChecker([passage("Kelce caught six passes.", source="Yardbarker")], judge=accepting())
    assert says_what_is_lacking(reply, checker) is lacking


@pytest.mark.parametrize(
    "reply, claim",
    [
        ("CNBC quotes Wang describing special privileges for Alameda, but does not use the term secret access [1].", True),
        ("CNBC quotes Wang describing special privileges for Alameda, but it does not use the term secret access [1].", True),
        ("CNBC quotes Wang describing special privileges for Alameda, without naming the engineer [1].", True),
        # no source its subject: a fact to check, which the passage does not carry
        ("Wang described special privileges for Alameda but did not name the engineer [1].", False),
    ],
)
def test_what_a_source_leaves_out_after_its_account_is_no_claim(reply, claim):
    cnbc = passage("Wang described special privileges in FTX's code for Alameda.", source="CNBC")
    judge = accepting(("special privileges", "special privileges"))
    (sentence,) = checked(reply, [cnbc], judge)
    assert sentence.claim and sentence.supported is claim, reply


def test_a_verdict_may_name_what_the_question_asks_about():
    from assistant.answering.checking import is_verdict_only

    checker = ClaimChecker([passage("x", source="Fortune")], question="Did Deft retire, and did Apple win?")
    assert is_verdict_only("on Deft, but yes on Apple.", checker)
    assert is_verdict_only("only the Fortune half holds.", checker)
    assert not is_verdict_only("Apple.", checker)  # a bare name is an answer
    assert not is_verdict_only("Yes, Apple won.", checker)  # a fact


@pytest.mark.parametrize(
    "reply, mode, refused",
    [
        ("Acme is paying $2 billion to take over Widgets [1].", "flag", False),  # only the verifier doubts it
        ("Acme is paying $3 billion to take over Widgets [1].", "flag", True),
        ("Rivals mocked the $2 billion price tag loudly [1].", "flag", True),  # few of its words  # a number no passage holds
        ("Acme is paying $2 billion to take over Widgets [1].", "drop", True),  # dropped: nothing is left
    ],
)
def test_a_reply_only_the_verifier_doubts_is_shown_flagged_not_refused(monkeypatch, reply, mode, refused):
    from assistant.answering.pipeline import finish
    from assistant.answering.refusal import REFUSAL
    from assistant.config import Settings
    from assistant.records import Answer

    from .fakes import FakeJudge

    monkeypatch.setattr("assistant.answering.claims.get_judge", lambda: FakeJudge(threshold=2.0))
    acme = passage("Acme agreed to buy Widgets for $2 billion on Tuesday, the companies said.")
    base = Answer(question="Q?", text=REFUSAL, abstained=True, engine="scripted")
    result = finish(base, reply, [acme], Settings(unsupported_claims=mode, llm="extractive"), False, None)
    assert result.abstained is refused
    if not refused:
        assert [c.supported for c in result.claims] == [False] and "$2 billion" in result.text


def test_an_uncited_opening_verdict_is_borne_out_by_the_supported_claims_after_it():
    one = passage("On Tuesday, United lost 1-0 to Bayern Munich and went out of Europe.", source="Sporting News")
    judge = accepting(("lost 1-0", "lost 1-0"))
    question = "Which club went out of Europe after losing to Bayern Munich?"
    checker = ClaimChecker([one], judge=judge, question=question)

    def marked(reply):
        from assistant.answering.checking import check_sentences
        from assistant.answering.citations import split_answer

        sentences = split_answer(reply, 1)
        check_sentences(sentences, checker)
        return sentences

    verdict, fact = marked("United, as far as these sources go. Sporting News says United lost 1-0 to Bayern Munich [1].")
    assert fact.supported and not verdict.claim
    wrong, fact = marked("United, by two goals. Sporting News says United lost 1-0 to Bayern Munich [1].")
    assert fact.supported and wrong.claim and not wrong.supported  # a number no claim states
    fact, late = marked("Sporting News says United lost 1-0 to Bayern Munich [1]. United went out as favourites.")
    assert fact.supported and late.claim and not late.supported  # not the opening answer
    partly, fact = marked("Partly, by one goal. Sporting News says United lost 1-0 to Bayern Munich [1].")
    assert fact.supported and not partly.claim  # names nothing, but reads as a verdict


def test_a_claim_joining_two_passages_that_only_the_verifier_doubts_is_exact():
    one = passage("Paul Denino streamed the encounter on September 21.", doc="a.txt",
                  source="TechCrunch", published="2023-09-30")
    two = passage("Federline posted private videos of Spears without her consent.", doc="b.txt",
                  source="The Independent", published="2023-10-20")
    claim = ("TechCrunch reported on 2023-09-30 that Paul Denino streamed the encounter, before "
             "Federline posted private videos of Spears without her consent.")
    rejecting = FakeJudge(threshold=2.0)
    verdict = ClaimChecker([one, two], judge=rejecting).check(claim, [0, 1])
    assert not verdict.supported and verdict.exact  # shown flagged, not refused
    # a date neither passage was published on fails an exact check: not exact
    wrong = claim.replace("2023-09-30", "2023-09-29")
    verdict = ClaimChecker([one, two], judge=rejecting).check(wrong, [0, 1])
    assert not verdict.supported and not verdict.exact
    # and the verifier's yes makes it supported
    accepting_all = FakeJudge(supported=[("Denino", "Denino")])
    assert ClaimChecker([one, two], judge=accepting_all).check(claim, [0, 1]).supported


def test_a_guide_or_roundup_may_be_dated_by_its_publication_day():
    from assistant.text.dates import publication_date_terms

    said = "The October 24 MLB guide says rain delays may lead to refunds."
    assert publication_date_terms(said, "2023-10-24", "Sporting News") >= {"24"}
    assert publication_date_terms(said, "2023-10-25", "Sporting News") == frozenset()
    # the day of an event in the story is not the day of the report
    assert publication_date_terms("Rain fell on October 24 in Boston.", "2023-10-24") == frozenset()


def test_the_speaker_the_article_named_just_before_the_passage_is_given():
    lead = "Rick Grinnell, a partner at Glasswing Ventures, laid out the firm's view. "
    chunk = "We think that most of the opportunity lies in the application layer."
    article = lead + chunk
    at = len(lead)
    p = Passage("g.txt", "AI layers", "TechCrunch", "2023-12-05", "", chunk, at, at + len(chunk), 1.0)
    judge = accepting(("opportunity", "opportunity"), ("layer", "layer"))
    checker = ClaimChecker([p], judge=judge, article_text=lambda _doc: article)
    assert checker.check("Rick Grinnell believes most of the opportunity lies in the application layer.", [0]).supported
    assert checker.check("Most of the opportunity lies in the application layer, Rick Grinnell said.", [0]).supported
    # only as the one who says it: a name of the lead-in elsewhere in the claim is not given
    assert not checker.check("Rick Grinnell said the opportunity lies with Glasswing Ventures' layer.", [0]).supported
    # and not from an article that does not name them before the passage
    far = chunk + " Rick Grinnell is a partner at Glasswing Ventures."
    q = Passage("g.txt", "AI layers", "TechCrunch", "2023-12-05", "", chunk, 0, len(chunk), 1.0)
    checker = ClaimChecker([q], judge=judge, article_text=lambda _doc: far)
    assert not checker.check("Rick Grinnell believes most of the opportunity lies in the application layer.", [0]).supported


def test_a_fraction_word_is_a_number():
    text = "A bot costs a fraction of a penny, call it a tenth of a penny."
    checker = ClaimChecker([passage(text)], judge=accepting(("costs", "costs")))
    assert checker.check("A bot costs about a tenth of a penny.", [0]).supported
    assert not checker.check("A bot costs about a hundredth of a penny.", [0]).supported


def test_claims_are_evaluated_with_what_an_answer_checker_has():
    from assistant.evaluate.claims import ClaimItem, check

    lead = "Sam Reich, the chief executive of Dropout, spoke to us. "
    chunk = "So, platforms compete with each other and themselves, he said."
    item = ClaimItem("Sam Reich said platforms compete with each other.", chunk, True, "paraphrase",
                     "Dropout", "Polygon", chunk, lead + chunk, "2023-12-05", len(lead))

    def checker_for(passages, **kw):
        return ClaimChecker(passages, judge=accepting(("compete", "compete")), **kw)

    assert check(item, "article", checker_for)  # the article names who "he" is
    assert not check(item, "chunk", checker_for)  # the chunk alone does not
    with pytest.raises(ValueError):
        check(item, "page", checker_for)


def test_a_number_word_inside_a_name_is_no_number():
    text = "Erik ten Hag said the defence was not good enough. Two Britons were arrested."
    checker = ClaimChecker([passage(text)], judge=accepting(("defence", "defence")))
    assert checker.key_terms("Ten Hag said the defence was not good enough.") == {"hag"}
    assert "2" in checker.key_terms("Two Britons were arrested.")
    assert "10" in checker.key_terms("Ten Britons were arrested.")  # not a name the passage writes


@pytest.mark.parametrize(
    ("claim", "source", "expected"),
    [
        ("Brock Purdy threw three touchdowns in the 42-10 rout, including four to George Kittle.",
         "Brock Purdy threw four touchdowns in the 42-10 rout, including three to George Kittle.", True),
        ("The 38-year-old Parker, a big underdog, outboxed the 31-year-old Wilder throughout.",
         "The 31-year-old Parker, a big underdog according to FanDuel Sportsbook, looked the better "
         "fighter throughout, while the 38-year-old Wilder looked his age.", True),
        ("The yield fell to 4.26 per cent from 4.18 per cent late on Monday.",
         "The yield fell to 4.18 per cent from 4.26 per cent late on Monday.", True),
        ("Ticket sales will be split 57% to theaters and 43% to Swift and AMC.",
         "Ticket sales will be split 43% with theaters and 57% shared by Swift and AMC.", True),
        # the same numbers in their own places, or said in another order, are no swap
        ("The yield fell to 4.18 per cent from 4.26 per cent.",
         "The yield fell to 4.18 per cent from 4.26 per cent late on Monday.", False),
        ("Harry was 12 and William was 15 at the time.",
         "William, then 15, and Harry, then 12, inquire over the phone.", False),
        ("Purdy threw four touchdowns in the 42-10 rout.", "Brock Purdy threw four touchdowns in the 42-10 rout.", False),
        ("The Astros went 17-6 in their sellouts.", "But in all those sellouts, the Astros went 6-17.", True),
        ("Michigan beat Penn State 24-15.", "The Wolverines still won 24-15 over Penn State.", False),
        # two numbers close together: the words right before them trade places
        ("Cardholders earn $500 after spending $200 in the first 3 months.",
         "You'll also earn $200 after spending $500 in the first 3 months.", True),
        ("Cardholders earn $200 after spending $500 in the first 3 months.",
         "You'll also earn $200 after spending $500 in the first 3 months.", False),
    ],
)
def test_two_numbers_put_in_each_others_places(claim, source, expected):
    from assistant.text.match import swapped_numbers

    assert swapped_numbers(claim, source) is expected
    if expected:
        checker = ClaimChecker([passage(source)], judge=FakeJudge(supported=[("", "")]))
        assert not checker.check(claim, [0]).supported


def test_a_month_as_news_style_shortens_it_is_the_month():
    text = 'His brand new EP, "Enlisted," debuts on Oct. 20.'
    checker = ClaimChecker([passage(text)], judge=accepting(("debut", "debuts")))
    assert checker.check("The EP Enlisted debuts on October 20.", [0]).supported
    assert not checker.check("The EP Enlisted debuts on November 20.", [0]).supported
    assert tokens("Sept. 5") == tokens("September 5") and tokens("May 5") != tokens("Mar. 5")


def test_a_wrong_passage_claim_whose_cited_chunk_holds_its_evidence_is_no_false_claim():
    from assistant.evaluate.claims import ClaimItem, cites_its_evidence, evaluate

    wrong = "The club was founded in 1902 in a pub."
    right = "It won its first title in 1921."
    chunk = f"{wrong} {right}"
    claim = "The club won its first title in 1921."

    def item(true_passage, true_url="u", text=chunk):
        return ClaimItem(claim, wrong, False, "wrong_passage", "Title", "Paper", text, text, "", 0,
                         true_passage, true_url, "u")

    inside, outside = item(right), item(right, text=wrong)
    assert cites_its_evidence(inside, "chunk") and cites_its_evidence(inside, "article")
    assert not cites_its_evidence(inside, "passage")  # the passage alone does not hold it
    assert not cites_its_evidence(outside, "chunk")
    assert not cites_its_evidence(item(right, true_url="elsewhere"), "chunk")
    assert not cites_its_evidence(item(""), "chunk")
    report = evaluate([inside, outside], "chunk")
    assert report["false_claims"] == 1  # only the claim whose chunk lacks its evidence
    assert report["wrong_passage_cited_text_holds_it"] == 1


def test_a_conclusion_across_two_articles_is_drawn_from_the_claims_before_it():
    lee = passage("Lee slashed .349/.421/.575 in 2022.", doc="lee.txt", source="Yardbarker")
    soto = passage("Soto hit .275 with 35 home runs this season.", doc="soto.txt", source="CBSSports.com")
    judge = accepting(("Lee slashed", "Lee slashed"), ("Soto hit", "Soto hit"))
    grounds = "Lee slashed .349 in 2022 [1]. Soto hit .275 this season [2]. "
    for conclusion in (
        "So Lee's .349 is higher than Soto's .275 [1][2].",
        "Yes, both point to the same hitter [1][2].",
        "One points to power, the other to average [1][2].",
    ):
        *facts, last = checked(grounds + conclusion, [lee, soto], judge)
        assert all(f.claim and f.supported for f in facts), conclusion
        assert not last.claim and last.quote is None, conclusion
    # a name or number the checked claims do not give stays a claim to check
    for conclusion in ("So Lee's .349 is higher than Judge's .267 [1][2].", "Yes, Lee beat Soto in 2021 [1][2]."):
        *_, last = checked(grounds + conclusion, [lee, soto], judge)
        assert last.claim and not last.supported, conclusion
    # claims from one article only: a conclusion there is a claim like any other
    other = passage("Lee hit .260 in 2023.", doc="lee.txt", source="Yardbarker")
    *_, last = checked("Lee slashed .349 in 2022 [1]. So Lee hit .349 [1][2].", [lee, other], judge)
    assert last.claim and not last.supported


def test_list_items_without_markers_cite_the_line_leading_into_the_list():
    text = "In KO Arenas you pick your power-up: a Fire Flower, an Elephant Suit or a Drill Hat."
    reply = "The power-ups on offer are [1]:\n- Fire Flower\n- Elephant Suit\n- Drill Hat\n\nThe arenas open in May."
    sentences = checked(reply, [passage(text)], accepting())
    items = [s for s in sentences if s.text.startswith("- ")]
    assert [s.cited for s in items] == [[0], [0], [0]]
    assert all(s.claim and s.supported for s in items)
    # an item the passage does not name is checked, and flagged; a line after the list
    # does not inherit the lead-in's marker
    wrong = checked(reply.replace("Drill Hat", "Super Leaf"), [passage(text)], accepting())
    assert [s.supported for s in wrong if s.text.startswith("- ")] == [True, True, False]
    assert wrong[-1].cited == [] and not wrong[-1].supported


def test_a_line_leading_into_a_list_with_no_marker_cites_what_its_items_cite():
    offers = "New users choose between two welcome offers: a $1,000 safety net or $150 in bonus bets."
    other = "The app also streams games."
    shown = [passage(offers), passage(other, doc="b.txt")]
    judge = accepting(("two welcome offers", "two welcome offers"))
    reply = "The code unlocks two welcome offers:\n- A $1,000 safety net [1]\n- $150 in bonus bets [1]"
    lead, *items = checked(reply, shown, judge)
    assert lead.cited == [0] and lead.claim and lead.supported
    assert all(s.supported for s in items)
    # a count the passage the items cite does not give is still flagged
    wrong, *_ = checked(reply.replace("two welcome", "three welcome"), shown, judge)
    assert wrong.cited == [0] and wrong.claim and not wrong.supported


def test_a_name_the_claim_writes_as_an_acronym_is_not_left_out_of_it():
    span = (
        "The European Union has warned more must be done, with the bloc's values and "
        "transparency commissioner highlighting AI-generated disinformation as a threat to elections."
    )
    other = "Vera Jourova said she was meeting representatives of OpenAI."
    shown = [passage(span, doc="a.txt"), passage(other, doc="a.txt")]
    judge = accepting(("highlighted", "highlighting"))
    claim = "Vera Jourova, the EU's values and transparency commissioner, highlighted AI-generated disinformation as a threat to elections."
    checker = ClaimChecker(shown, judge=judge)
    assert not checker._names_left_out(claim, span)
    assert checker.check(claim, [0]).supported
    # a union the claim does not abbreviate is still a name it leaves out
    assert checker._names_left_out(claim.replace("the EU's", "the bloc's"), span)


def test_a_lead_in_naming_what_the_question_does_not_is_a_claim_checked():
    shown = [passage("Pochettino made Reece James captain for his personality and his leadership.")]
    judge = accepting(("captain", "captain"))
    question = "Why did Pochettino make Reece James captain?"
    plain, _ = checked("Pochettino gave these reasons [1]:\n- his personality [1]", shown, judge, question)
    assert not plain.claim
    added, _ = checked(
        "Pochettino made Reece James, who came through the Cobham academy, captain for these reasons [1]:\n"
        "- his personality [1]",
        shown, judge, question,
    )
    assert added.claim and not added.supported


def test_a_numbered_list_item_is_one_sentence_with_its_number():
    text = "In KO Arenas you pick your power-up: a Fire Flower, an Elephant Suit or a Drill Hat."
    reply = "The power-ups on offer are [1]:\n1. Fire Flower\n2) Elephant Suit [1]. It is the biggest.\n3. Super Leaf"
    sentences = checked(reply, [passage(text)], accepting())
    assert [s.text for s in sentences] == [
        "The power-ups on offer are:", "1. Fire Flower", "2) Elephant Suit.", "It is the biggest.", "3. Super Leaf",
    ]
    assert [s.supported for s in sentences[1:3]] == [True, True]
    assert sentences[4].claim and not sentences[4].supported


def test_an_uncited_short_answer_may_be_named_in_full_by_the_passages_the_claims_cite():
    text = "Alameda Research was negative by about $200 million, more than FTX made in revenue."
    judge = accepting(("negative by about", "negative by about"))
    reply = "{}. The Verge says Alameda was negative by about $200 million [1]."
    verge = passage(text, source="The Verge")
    short, fact = checked(reply.format("Alameda Research"), [verge], judge)
    assert fact.supported and not short.claim
    # a name the claims do not share, or a whole name no cited passage writes, stays a claim
    for wrong in ("FTX Trading", "Alameda Capital"):
        short, fact = checked(reply.format(wrong), [verge], judge)
        assert fact.supported and short.claim and not short.supported, wrong


def test_a_verdict_may_count_the_parts_and_the_sources_as_the_two():
    meta = passage("Instagram users accuse Meta of shadowbanning posts about Palestine.", doc="a.txt", source="TechCrunch")
    egypt = passage("Egypt risks being seen as betraying the Palestinian cause.", doc="b.txt", source="Fortune")
    judge = accepting(("shadowbanning", "shadowbanning"), ("betraying", "betraying"))
    question = "Does TechCrunch report frustration among Palestinians while Fortune discusses Egypt's stance?"
    grounds = " TechCrunch says users accuse Meta of shadowbanning posts about Palestine [1]. Fortune says Egypt risks being seen as betraying the Palestinian cause [2]."
    for opening in (
        "Yes on both counts, though neither article links the two [1][2].",
        "Yes, as far as the sources show, though only one of the two articles quotes users [1][2].",
        "No on the first point, yes on the second.",
    ):
        first, *facts = checked(opening + grounds, [meta, egypt], judge, question=question)
        assert all(f.supported for f in facts), opening
        assert not first.claim, opening
    # a number that counts something else is a fact to check
    first, *_ = checked("Yes, though two users were banned [1][2]." + grounds, [meta, egypt], judge, question=question)
    assert first.claim and not first.supported


def test_the_question_names_include_the_acronyms_of_its_names():
    checker = ClaimChecker([passage("X was warned.")], judge=accepting(),
                           question="Has the stance of the European Union towards X stayed the same?")
    assert "eu" in checker.question_names


def test_an_opening_frame_may_name_what_the_question_asks_about():
    span = ("Pokémon love even intertwines with the music: a relaxing bar plays a slow jazz-infused "
            "rendition of the Pokémon Center theme, just like how a synth rendition of Pallet Town marks the start.")
    judge = accepting(("relaxing bar", "relaxing bar"))
    checker = ClaimChecker([passage(span)], judge=judge, question="what theme plays in the bar scene in poketsume")
    claim = "In PokéTsume, a relaxing bar plays a slow jazz-infused rendition of the Pokémon Center theme."
    assert checker.check(claim, [0]).supported
    # only as the scene: the same name in the sentence's body must be in the span
    assert not checker.check("PokéTsume plays a slow jazz-infused rendition of the Pokémon Center theme.", [0]).supported
    # and only a name the question gives
    assert not checker.check(claim.replace("PokéTsume", "Pokémon Go"), [0]).supported


def test_the_question_names_may_stand_in_for_a_description_at_a_higher_bar():
    from assistant.answering.claims import QUESTION_NAMES_SUPPORT

    span = 'After her recovery, the "El Shaddai" crooner shared the stage with her husband Gill during the Christmas season.'
    question = "Does the article about Amy Grant and Vince Gill performing together share a theme of family?"
    claim = "Amy Grant shared the stage with her husband Vince Gill during the Christmas season."

    class Lukewarm(FakeJudge):
        """Finds every claim about the stage only this likely."""

        def __init__(self, p):
            super().__init__(supported=[("shared the stage", "shared the stage")], threshold=0.1)
            self.p = p

        def supports(self, claim, spans):
            return [self.p if p > 0.5 else p for p in super().supports(claim, spans)]

    sure = ClaimChecker([passage(span)], judge=Lukewarm(0.9), question=question)
    assert sure.check(claim, [0]).supported
    # a name the question does not give is still one the span leaves out
    assert not sure.check(claim.replace("Amy Grant", "Faith Hill"), [0]).supported
    # without the question, the span names someone ("El Shaddai") the claim does not
    assert not ClaimChecker([passage(span)], judge=Lukewarm(0.9)).check(claim, [0]).supported
    # the verifier must be surer than for a claim the span names as it is
    doubting = ClaimChecker([passage(span)], judge=Lukewarm(QUESTION_NAMES_SUPPORT - 0.1), question=question)
    assert not doubting.check(claim, [0]).supported
    assert doubting.check("After her recovery she shared the stage with her husband Gill.", [0]).supported


def test_a_description_in_the_span_may_stand_for_the_question_s_name_but_no_other():
    before = "Christian Pulisic equalised for Milan after a cross from Theo Hernandez."
    span = "The American had been a target for Newcastle last January; how they must now regret the fact he joined Milan in the summer."
    shown = [passage(f"{before} {span}")]
    judge = accepting(("target", "target"))
    claim = "{} had been a Newcastle target last January before joining Milan in the summer."
    asked = ClaimChecker(shown, judge=judge, question="Who provided the assist for Pulisic's equaliser against Newcastle?")
    assert not asked.misquotes(claim.format("Pulisic"), span, 0)
    assert asked.check(claim.format("Pulisic"), [0]).supported
    # another name of the article in the description's place is a swap
    assert asked.misquotes(claim.format("Hernandez"), span, 0)
    assert not asked.check(claim.format("Hernandez"), [0]).supported
    # and so is the question's name where no question asks about him
    unasked = ClaimChecker(shown, judge=judge)
    assert not unasked.check(claim.format("Pulisic"), [0]).supported


def test_a_name_may_be_written_with_its_place_before_it_or_after_of():
    span = "The documentation obtained by the attorneys general is damning, as AG Rob Bonta of California put it."
    judge = accepting(("damning", "damning"))
    checker = ClaimChecker([passage(span)], judge=judge)
    claim = "The documentation is damning, California AG Rob Bonta said."
    assert checker.check(claim, [0]).supported
    assert not checker.check(claim.replace("California", "Oregon"), [0]).supported
    assert not checker.check(claim.replace("Bonta", "Smith"), [0]).supported


def test_an_acronym_of_three_letters_or_more_may_spell_out_lowercase_words():
    span = "The drug has been used for depression, post-traumatic stress disorder and pain for more than 10 years."
    judge = accepting(("used for depression", "used for depression"))
    checker = ClaimChecker([passage(span)], judge=judge)
    assert checker.check("The drug has been used for depression, PTSD and pain for more than 10 years.", [0]).supported
    # not an acronym the words do not spell, nor one of two letters from any two words
    assert not checker.check("The drug has been used for depression, ADHD and pain for more than 10 years.", [0]).supported
    two = ClaimChecker([passage("Sales grew under some pressure in 2023.")], judge=accepting(("Sales grew", "Sales grew")))
    assert not two.check("Sales grew in the US in 2023.", [0]).supported


def test_a_gap_after_though_leaves_the_fact_before_it_checked():
    text = "Some lysins have reached human trials, which produced mixed results."
    judge = FakeJudge()  # accepts a claim only where the span holds every word of it
    reply = "The trials produced mixed results, though the article does not go into detail about them [1]."
    (sentence,) = checked(reply, [passage(text)], judge)
    assert sentence.claim and sentence.supported
    # a fact after "though" is checked with the rest
    (fact,) = checked("The trials produced mixed results, though they lasted two years [1].", [passage(text)], judge)
    assert fact.claim and not fact.supported


# ------------------------------------------------------------------------- side statements
@pytest.mark.parametrize(
    "claim, expected",
    [
        ("Martha Stewart, the lifestyle host, recommends focusing on your breathing.",
         [("Martha Stewart", "Martha Stewart is the lifestyle host")]),
        ("Cole Palmer, who joined Chelsea on deadline day, says the traffic is the worst.",
         [("Cole Palmer", "Cole Palmer joined Chelsea on deadline day")]),
        ("Kara Swisher, host of the show, interviewed Alexis Ohanian.",
         [("Kara Swisher", "Kara Swisher is host of the show")]),
        ("Using several accounts, a practice known as line shopping, finds the best odds.",
         [("", "a practice known as line shopping")]),
        ("The team visited Hateno, where Link owns a house.", [("Hateno", "In Hateno, Link owns a house")]),
        # opening phrases and objects of a preposition are no subjects of an appositive
        ("According to The Verge, the championships took place in Yokohama, the city said.", []),
        ("In June, the company said it would cut jobs.", []),
        ("Separately, the Bears' loss dropped Chicago to 5-9.", []),
        # the end of a longer noun phrase is not what a relative clause describes
        ("Its founder and CEO, who launched it in 2017, spoke.", []),
        ("Guy Kamgaing, its founder and CEO, spoke on Monday.",
         [("Guy Kamgaing", "Guy Kamgaing is its founder and CEO")]),
        # a reason given in passing; "since" of a time gives none
        ("Users pay with airtime, a method chosen because many users lack bank cards, and it works.",
         [("", "many users lack bank cards")]),
        ("The last day is December 19th, since the service delivers within three business days.",
         [("", "the service delivers within three business days")]),
        ("Talks have stalled since 2019, and he has not played since the start of the season.", []),
        # a relative clause after a name's abbreviation, or on a thing no name calls; a
        # number's thousands comma does not end the clause
        ("Fans came for the Africa Cup of Nations (AFCON), which was held in Ivory Coast.",
         [("Nations", "Nations was held in Ivory Coast")]),
        ("The form asks for your Social Security number, which regulators require for checks.",
         [("your Social Security number", "your Social Security number regulators require for checks")]),
        ("Its premium packages, which run over $45,000, dwarf the rest.",
         [("Its premium packages", "Its premium packages run over $45,000")]),
        # a clause set off by a dash, with a verb of its own
        ("Viewers will want more by the finale — and the show has been renewed for a third season.",
         [("", "the show has been renewed for a third season")]),
        ("The review covers three things — price, speed and battery life.", []),
    ],
)
def test_the_asides_of_a_claim_are_put_as_claims_of_their_own(claim, expected):
    from assistant.answering.asides import asides

    assert asides(claim) == expected


def test_an_aside_no_passage_states_flags_the_claim_but_does_not_refuse_it():
    text = "Martha Stewart recommends focusing on your breathing to fall asleep."
    other = "Martha Stewart is a lifestyle host who has written dozens of books."
    # the verifier reads the main fact as carried whatever the aside says; an aside alone
    # is accepted where the span holds every word of it
    judge = accepting(("recommends focusing", "recommends focusing"))
    plain = "Martha Stewart recommends focusing on your breathing [1]."
    (sentence,) = checked(plain, [passage(text)], judge)
    assert sentence.claim and sentence.supported
    # an aside the passages never state: flagged, with every exact check of the main fact passed
    (aside,) = checked("Martha Stewart, the television chef, recommends focusing on your breathing [1].",
                       [passage(text)], judge)
    assert aside.claim and not aside.supported and aside.exact
    # an aside another passage shown states is carried
    (shown,) = checked("Martha Stewart, a lifestyle host, recommends focusing on your breathing [1].",
                       [passage(text), passage(other, doc="b.txt")], judge)
    assert shown.supported and shown.cited == [0]


def test_a_claim_the_verifier_doubts_as_a_whole_is_carried_clause_by_clause():
    text = (
        "Dario Longhetto kicked a 33-yard field goal to end the first half. "
        "Arizona State led Colorado 17-14 at the break."
    )

    class OneFactAtATime(FakeJudge):
        """Doubts every claim of two clauses; reads one clause at a time as scripted."""

        def supports(self, claim, spans):
            if "," in claim:
                return [0.0 for _ in spans]
            return super().supports(claim, spans)

    claim = "Dario Longhetto kicked the 33-yard field goal to end the first half, putting Arizona State ahead of Colorado 17-14 at the break."
    judge = OneFactAtATime(supported=[("putting Arizona State ahead", "Arizona State led")])
    checker = ClaimChecker([passage(text)], judge=judge)
    assert checker.check(claim, [0]).supported
    # a clause the verifier doubts on its own leaves the claim unsupported
    doubting = ClaimChecker([passage(text)], judge=OneFactAtATime())
    assert not doubting.check(claim, [0]).supported
    # and a wrong number stays unsupported, clause by clause too
    assert not checker.check(claim.replace("17-14", "17-10"), [0]).supported


def test_a_claim_gathering_its_clauses_from_sentences_apart_is_carried_clause_by_clause():
    text = (
        "Jack McVeigh forced a turnover on Sam McDaniel's inbounds pass. The crowd roared. "
        "Brisbane held on to win 90-87."
    )
    checker = ClaimChecker([passage(text)], judge=FakeJudge())  # every word of a claim in its span
    claim = "Jack McVeigh forced a turnover on Sam McDaniel's inbounds pass, but Brisbane held on to win 90-87."
    assert checker.check(claim, [0]).supported
    assert not checker.check(claim.replace("90-87", "90-86"), [0]).supported
    assert not checker.check(claim.replace("McVeigh", "Crawford"), [0]).supported


def test_a_score_read_clause_by_clause_must_be_written_as_one():
    text = "Cincinnati won 1-0 at the stadium in front of 2 thousand fans. Arizona State led Colorado 14-17."
    checker = ClaimChecker([passage(text)], judge=FakeJudge())
    assert checker.check("Cincinnati won 1-0 at the stadium, with 2 thousand fans in front of it.", [0]).supported
    # "2" and "0" are both in the passage, but not as the score; a score in either order is
    assert not checker._scores_written("Cincinnati won 2-0 at the stadium.", [0])
    assert checker._scores_written("Arizona State was ahead 17-14, and Cincinnati won 1-0.", [0])


def test_an_opening_answer_naming_in_full_whom_the_cited_passage_names_is_no_claim_of_its_own():
    text = "Holder edged the ball towards the rope, but a diving stop from Rehan Ahmed saved a run."
    judge = accepting(("diving stop", "diving stop"))
    reply = "Rehan Ahmed stopped it. Holder edged the ball towards the rope, but a diving stop from Rehan saved a run [1]."
    opening, fact = checked(reply, [passage(text)], judge)
    assert fact.supported and not opening.claim
    # a name the cited passage does not write is still an answer to check
    swapped = "Rehan Archer stopped it. Holder edged the ball towards the rope, but a diving stop from Rehan saved a run [1]."
    opening, fact = checked(swapped, [passage(text)], judge)
    assert fact.supported and opening.claim and not opening.supported


def test_a_name_is_in_place_of_another_only_where_the_span_writes_one_the_claim_leaves_out():
    span = "Diplomatic relations between Pyongyang and Washington have come to a halt."
    claim = "Diplomatic relations between Pyongyang and Tokyo have come to a halt."
    assert in_place_of(claim, span, "tokyo", frozenset({"washington"}))
    haunted = "Haunted by the death of his mother at the hands of a vampire named Olrox, Richter must face the darkness as a Belmont."
    named = "Richter is haunted by the death of his mother, Julia, at the hands of a vampire named Olrox."
    assert not in_place_of(named, haunted, "julia", frozenset({"belmont"}))
    sent = "First-Class Mail packages sent via USPS Ground Advantage must be sent by Wednesday to arrive in time."
    added = "USPS First-Class Mail packages must be sent by Wednesday to arrive in time for Christmas."
    assert not in_place_of(added, sent, "christma", frozenset({"ground", "advantag"}))


def test_a_near_copy_may_add_a_name_the_article_gives_but_not_put_one_in_another_s_place():
    haunted = passage(
        "Haunted by the death of his mother at the hands of a vampire named Olrox, Richter must "
        "face the darkness as a Belmont."
    )
    mother = passage("Richter trained with his mother, Julia, as a boy.", doc="a.txt")
    judge = accepting(("haunted by the death", "Haunted by the death"), ("face the darkness", "face the darkness"))
    checker = ClaimChecker([haunted, mother], judge=judge)
    # the passage leaves out who his mother is; the article names her: an addition, no swap
    named = "Richter is haunted by the death of his mother, Julia, at the hands of a vampire named Olrox."
    assert checker.check(named, [0]).supported
    # the same name written where the span names the Belmonts is a name swapped
    swapped = "Haunted by the death of his mother at the hands of a vampire named Olrox, Richter must face the darkness as a Julia."
    assert not checker.check(swapped, [0]).supported
    # a name no passage of the article gives is not the span's, added or not
    assert not checker.check(named.replace("Julia", "Lisa"), [0]).supported


def test_a_claim_one_uncited_passage_completes_gets_that_passage_s_citation():
    score = passage("Colorado beat Arizona State 27-24 on Saturday to earn a first Pac-12 win.")
    yards = passage("Sanders threw for 239 yards and a touchdown.", doc="b.txt")
    judge = accepting(("Sanders threw", "Sanders threw"))
    (sentence,) = checked(
        "Sanders threw for 239 yards and a touchdown as Colorado beat Arizona State 27-24 [1].",
        [score, yards], judge,
    )
    assert sentence.supported and sentence.repointed and sentence.cited == [0, 1]
    # a number neither passage writes finds no passage to complete the claim
    (wrong,) = checked(
        "Sanders threw for 249 yards and a touchdown as Colorado beat Arizona State 27-24 [1].",
        [score, yards], judge,
    )
    assert not wrong.supported and wrong.cited == [0]


def test_a_description_may_be_written_as_the_name_its_passage_gave_before_it():
    text = (
        "The commissioner will meet representatives of ChatGPT maker, OpenAI, later today. "
        "Officials said the AI giant is not a signatory to the bloc's voluntary code on online "
        "disinformation, as yet."
    )
    claim = "Officials said {} is not a signatory to the bloc's voluntary code on online disinformation, as yet."
    judge = accepting(("signatory to the", "signatory to the"))
    checker = ClaimChecker([passage(text, title="EU warns on generative AI")], judge=judge)
    # "the AI giant" is OpenAI: the passage named it just before
    assert checker.check(claim.format("OpenAI"), [0]).supported
    # a company another article names is no reading of it
    other = passage("Google signed the code in 2022.", doc="b.txt", title="Google and the EU")
    checker = ClaimChecker([passage(text, title="EU warns on generative AI"), other], judge=judge)
    assert not checker.check(claim.format("Google"), [0]).supported


@pytest.mark.parametrize(
    "claim, source, read",
    [
        ("Sporting News also noted that the Eagles will be without Darius Slay on Monday.",
         "Sporting News", "The Eagles will be without Darius Slay on Monday."),
        ("According to The Verge's holiday guide, the last day to ship is December 20th.",
         "The Verge", "The last day to ship is December 20th."),
        ("Per Sporting News, Arizona State's head coach is Kenny Dillingham.",
         "Sporting News", "Arizona State's head coach is Kenny Dillingham."),
        # an attribution to anyone but the span's publisher is part of what the claim says
        ("According to Reuters, the Eagles will be without Darius Slay on Monday.",
         "Sporting News", None),
        ("Nick Sirianni said the Eagles will be without Darius Slay on Monday.", "Sporting News", None),
        ("The paper said the Eagles will be without Darius Slay.", "The Independent", None),
    ],
)
def test_the_verifier_reads_a_claim_without_its_attribution_to_the_span_s_publisher(claim, source, read):
    from assistant.answering.claims import unattributed

    assert unattributed(claim, source) == (claim if read is None else read)


def test_a_claim_its_publisher_is_said_to_have_noted_is_checked_on_what_it_says():
    slay = passage(
        "The Eagles will be without Darius Slay for the game in Seattle on Monday night.",
        source="Sporting News",
    )
    checker = ClaimChecker([slay], judge=FakeJudge())
    claim = "Sporting News also noted that the Eagles will be without Darius Slay for the game in Seattle."
    assert checker.check(claim, [0]).supported


@pytest.mark.parametrize(
    "claim, source, conflict",
    [
        ("The Eagles will be without Darius Slay on Monday.",
         "It will be made worse with the absence of Darius Slay on Monday.", False),
        ("The Eagles will be without Darius Slay on Monday.",
         "In the absence of Darius Slay, the Eagles will start Josh Jobe on Monday.", False),
        ("The Eagles will play with Darius Slay on Monday.",
         "It will be made worse with the absence of Darius Slay on Monday.", True),
    ],
)
def test_the_absence_of_someone_is_being_without_them(claim, source, conflict):
    assert (negation_conflict(claim, source) or opposite_conflict(claim, source)) is conflict


def test_a_source_dated_as_the_prompt_heads_it_is_its_publication_day():
    from assistant.text.dates import publication_date_terms

    # a prompt heads each source "[1] Publisher, 2023-12-13 - title": a claim writing that
    # date so took it from the heading, whatever words stand near it
    later = "The piece on Joelinton's thunderbolt for Newcastle came later, on 2023-12-13."
    assert publication_date_terms(later, "2023-12-13", "The Independent") >= {"2023", "12", "13"}
    assert publication_date_terms("The 2023-11-01 articles explain the over bet.", "2023-11-01") >= {"11"}
    # another day is not the passage's
    assert publication_date_terms(later, "2023-12-14", "The Independent") == frozenset()


def test_a_judgement_before_a_colon_naming_nothing_more_is_set_aside():
    herald = passage("Hope has been rising on Wall Street that the economy is slowing.", source="The Herald")
    judge = accepting(("Wall Street", "Wall Street"))
    question = "Did the mood on Wall Street change after the Fed meeting?"
    facts = "The Herald reports hope on Wall Street that the economy is slowing [1]."
    (sentence,) = checked(f"No, the mood did not sour after the Fed meeting: {facts}", [herald], judge, question)
    assert sentence.claim and sentence.supported
    # a judgement giving what neither the facts after it nor the question do is a fact of
    # its own, checked with them
    (added,) = checked(f"No, the mood did not sour after the Fed cut rates by 0.5 points: {facts}", [herald], judge, question)
    assert added.claim and not added.supported


def test_the_month_a_source_was_published_may_date_what_it_reported():
    from assistant.text.dates import publication_date_terms

    said = "By November, it reported that moderation had been crowdsourced."
    assert publication_date_terms(said, "2023-11-05", "TechCrunch") >= {"novemb"}
    assert publication_date_terms(said, "2023-10-05", "TechCrunch") == frozenset()
    # the month of an event in the story, and "may" the verb, are not the report's
    assert publication_date_terms("Shares rose in November.", "2023-11-05") == frozenset()
    assert publication_date_terms("Prices may rise, the report said.", "2023-05-05") == frozenset()


def test_a_short_answer_the_next_claim_calls_he_is_borne_out_through_the_pronoun():
    text = "Erling Haaland has 50 goals in 2023 for Manchester City, two more than Kane."
    talk = passage(text, source="TalkSport", title="Top scorers of the year")
    judge = accepting(("50 goals", "50 goals"))
    question = "Which player leads the year's scoring charts?"
    reply = "{}. TalkSport says he has 50 goals in 2023 for Manchester City [1]."
    short, fact = checked(reply.format("Erling Haaland"), [talk], judge, question)
    assert fact.supported and not short.claim
    # a name the passage does not give for what the claim says stays a claim, unsupported
    short, fact = checked(reply.format("Harry Kane"), [talk], judge, question)
    assert short.claim and not short.supported


def test_a_lead_naming_another_publisher_than_the_facts_after_it_is_kept():
    from assistant.answering.checking import without_judgement

    # the colon is the title's: who listed it is part of the claim, checked with it
    polygon = passage("The Crown: Season 6 Part 1 arrives on Nov. 16.", source="Polygon",
                      title="Every movie and show coming to Netflix in November")
    verge = passage("Pokemon is no longer just a game.", doc="b.txt", source="The Verge")
    checker = ClaimChecker([polygon, verge], judge=accepting(), question="When did the last Crown season hit Netflix?")
    for who in ("The Verge", "Polygon"):
        said = f"{who}'s list of November Netflix releases has The Crown: Season 6 Part 1 arriving on Nov. 16."
        assert without_judgement(said, checker) == said
    judged = "the season did not slip: The Crown: Season 6 Part 1 arrives on Nov. 16 on Netflix."
    assert without_judgement(judged, checker).startswith("The Crown")
