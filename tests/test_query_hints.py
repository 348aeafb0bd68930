"""Publishers and dates named in a question, recognised against the archive's own list."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.text.query_hints import (
    DateHint,
    find_dates,
    find_mentions,
    find_publishers,
    name_variants,
    read_hints,
    segments,
    without_dates,
)

SOURCES = [
    "The Independent - Life and Style",
    "The Independent - Travel",
    "The Age",
    "CBSSports.com",
    "FOX News - Health",
    "FOX News - Lifestyle",
    "TechCrunch",
    "Live Science: The Most Interesting Articles",
    "Cnbc | World Business News Leader",
    "BBC News - Technology",
    "The New York Times",
]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("a TechCrunch article published on October 13, 2023", ["TechCrunch"]),
        ("what did TechCrunch's reporter say", ["TechCrunch"]),
        ("The Independent - Travel said", ["The Independent - Travel"]),
        (
            "did The Independent report",
            ["The Independent - Life and Style", "The Independent - Travel"],
        ),
        ("the Fox News piece", ["FOX News - Health", "FOX News - Lifestyle"]),
        ("CBS Sports and The Age agreed", ["CBSSports.com", "The Age"]),
        ("according to Live Science", ["Live Science: The Most Interesting Articles"]),
        ("the CNBC report", ["Cnbc | World Business News Leader"]),
        ("the BBC said", ["BBC News - Technology"]),
        ("the New York Times wrote", ["The New York Times"]),
    ],
)
def test_publishers_are_found_loosely(question, expected):
    assert find_publishers(question, SOURCES) == expected


@pytest.mark.parametrize(
    "question",
    [
        "in the age of AI, who wins?",  # a common word is no name unless capitalised
        "what does techcrunch mean",  # names are capitalised in questions
        "a report by Reuters",  # not a publisher of this archive
        "what is the latest news",
    ],
)
def test_ordinary_words_are_not_publishers(question):
    assert find_publishers(question, SOURCES) == []


def test_a_leading_acronym_names_its_publisher_only_in_capitals():
    assert find_publishers("What did FOX report about the recall?", SOURCES) == [
        "FOX News - Health", "FOX News - Lifestyle"
    ]
    assert find_publishers("Who handled play-by-play on Fox for the World Series?", SOURCES) == []
    assert find_publishers("Did Fox News report it?", SOURCES) == ["FOX News - Health", "FOX News - Lifestyle"]


def test_an_empty_archive_names_nothing():
    assert find_publishers("TechCrunch said", []) == []


def test_the_initials_of_a_long_name_name_its_publisher_in_capitals():
    assert ("mbw", True) in name_variants("Music Business Worldwide")
    assert ("nyt", True) in name_variants("The New York Times")
    assert not any(acronym for _, acronym in name_variants("Sky Sports"))  # two words: no initials
    sources = ["Music Business Worldwide", "TechCrunch"]
    assert [m.sources for m in find_mentions("Spotify had 44 million, as MBW reported.", sources)] == [
        ("Music Business Worldwide",)
    ]
    assert find_mentions("Mbw is no name here", sources) == []


def test_variants_of_a_sectioned_name():
    forms = {compact for compact, _ in name_variants("The Independent - Life and Style")}
    assert {"theindependentlifeandstyle", "theindependent", "independent"} <= forms


def test_mentions_carry_offsets_and_segments_split_the_question():
    q = "Did the Fortune article say X, while the TechCrunch article said Y?"
    mentions = find_mentions(q, ["Fortune", "TechCrunch"])
    assert [q[m.start : m.end] for m in mentions] == ["Fortune", "TechCrunch"]
    assert segments(q, mentions) == [
        "Did the Fortune article say X, while the",
        "article say X, while the TechCrunch article said Y?",
    ]
    assert segments("TechCrunch said X", find_mentions("TechCrunch said X", ["TechCrunch"])) == [
        "TechCrunch said X"
    ]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("published on October 13, 2023", [DateHint(10, 13, 13, 2023)]),
        ("on Oct. 3rd 2023", [DateHint(10, 3, 3, 2023)]),
        ("on 2023-11-05", [DateHint(11, 5, 5, 2023)]),
        ("on 2023-10-04T21:11:57+00:00", [DateHint(10, 4, 4, 2023)]),
        ("on the 5th of May", [DateHint(5, 5, 5, None)]),
        ("in late November 2023", [DateHint(11, 21, 30, 2023)]),
        ("in early December 2023", [DateHint(12, 1, 10, 2023)]),
        ("in September 2023", [DateHint(9, 1, 30, 2023)]),
        (
            "between October 2, 2023 and October 9, 2023",
            [DateHint(10, 2, 2, 2023), DateHint(10, 9, 9, 2023)],
        ),
    ],
)
def test_dates_named_in_questions(question, expected):
    assert find_dates(question) == expected


@pytest.mark.parametrize(
    "question",
    ["it may 5 times over", "in May", "on February 30, 2023", "the March of progress"],
)
def test_non_dates_are_ignored(question):
    assert find_dates(question) == []


def test_without_dates_blanks_exactly_the_dates_read():
    question = "Did the 2023-10-04T21:11:57+00:00 report and the one on October 18, 2023 agree?"
    assert without_dates(question).split() == ["Did", "the", "report", "and", "the", "one", "on", "agree?"]
    assert without_dates("How many of the 30 ships sailed in May?") == (
        "How many of the 30 ships sailed in May?"
    )


def test_date_hint_contains_with_slack_and_unknown_year():
    day = DateHint(10, 13, 13, 2023)
    assert day.contains(date(2023, 10, 13))
    assert not day.contains(date(2023, 10, 14))
    assert day.contains(date(2023, 10, 14), slack=1)
    assert DateHint(10, 13, 13, None).contains(date(2021, 10, 13))
    assert DateHint(11, 21, 30, 2023).contains(date(2023, 11, 25))


def test_read_hints_combines_both():
    hints = read_hints("Did TechCrunch report on November 2, 2023 that", SOURCES)
    assert hints.publishers == ("TechCrunch",)
    assert hints.dates == (DateHint(11, 2, 2, 2023),)
    assert not hints.is_empty()
    assert read_hints("who won?", SOURCES).is_empty()


def test_a_date_expression_stands_for_its_days():
    from assistant.text.dates import date_span

    assert date_span("October 2023") == (date(2023, 10, 1), date(2023, 10, 31))
    assert date_span("Oct. 26th, 2023") == (date(2023, 10, 26), date(2023, 10, 26))
    assert date_span("26 October 2023") == (date(2023, 10, 26), date(2023, 10, 26))
    assert date_span("2023-10-26") == (date(2023, 10, 26), date(2023, 10, 26))
    assert date_span("2019") == (date(2019, 1, 1), date(2019, 12, 31))
    assert date_span("February 2024") == (date(2024, 2, 1), date(2024, 2, 29))
    # no year, or more than a date: not a span
    assert date_span("October 26") is None and date_span("late on October 26, 2023") is None
