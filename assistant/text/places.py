"""Capitals standing for their countries: news writes "Moscow said" for Russia's
government and "talks with Beijing" for China, and readers ask that way too ("Who is
Moscow's envoy to Pyongyang?" of an article naming "Russia's Ambassador to North Korea").

The table (``data/capitals.tsv``: every country's capital, from GeoNames) is general
knowledge, not drawn from any article. A question is read against a sentence with each
capital the sentence does not name put as its country; a sentence that names the city
("a parade in Pyongyang") is read with the question as asked.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from .match import term_in, tokens

CAPITALS_FILE = Path(__file__).parent / "data" / "capitals.tsv"


@lru_cache(maxsize=1)
def capitals() -> dict[str, str]:
    """Capital -> country, as written ("Moscow" -> "Russia")."""
    table: dict[str, str] = {}
    for line in CAPITALS_FILE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            city, country = line.split("\t")
            table[city.strip()] = country.strip()
    return table


@lru_cache(maxsize=1)
def _pattern() -> re.Pattern[str]:
    names = sorted(capitals(), key=len, reverse=True)
    # Capitalised as written, a whole word, not the question's first word ("Male ..." is
    # more often a word than the Maldives' capital).
    return re.compile(r"(?<!^)(?<![\w-])(" + "|".join(map(re.escape, names)) + r")(?![\w-])")


def capitals_in(text: str) -> list[tuple[str, str]]:
    """The (capital, country) pairs a text names."""
    return [(m.group(1), capitals()[m.group(1)]) for m in _pattern().finditer(text.strip())]


def as_countries(question: str, sentence: str) -> str:
    """The question with each capital that ``sentence`` does not name put as its country."""
    question = question.strip()
    if not capitals_in(question):
        return question

    def swap(m: re.Match[str]) -> str:
        city = m.group(1)
        return city if re.search(rf"(?<!\w){re.escape(city)}(?!\w)", sentence) else capitals()[city]

    return _pattern().sub(swap, question)


@lru_cache(maxsize=1)
def _anywhere() -> re.Pattern[str]:
    names = sorted(capitals(), key=len, reverse=True)
    # not inside a longer name ("Paris Saint-Germain", "the Washington Commanders")
    return re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, names)) + r")(?![\w-])(?!\s+[A-Z])")


def as_asked(sentence: str, question: str) -> str:
    """The sentence with each capital it names put as its country where the question names
    that country and not the city: "relations between Pyongyang and Washington have come to
    a halt" read for "How long have talks between North Korea and the United States been
    frozen?" (the other way round from :func:`as_countries`)."""
    if _anywhere().search(sentence) is None:
        return sentence
    asked = frozenset(tokens(question))

    def swap(m: re.Match[str]) -> str:
        city = m.group(1)
        country = capitals()[city]
        if re.search(rf"(?<!\w){re.escape(city)}(?!\w)", question):
            return city
        return country if names_country(asked, country) else city

    return _anywhere().sub(swap, sentence)


def names_country(asked: frozenset[str], country: str) -> bool:
    """The terms ``asked`` (a question's tokens) name the country: its words, or its
    initials for a name of several words ("US", "U.S." for the United States)."""
    if all(term_in(w, asked) for w in tokens(country)):
        return True
    short = "".join(w[0] for w in country.split()).lower()
    return len(short) > 1 and short in asked


@lru_cache(maxsize=1)
def _capital_tokens() -> tuple[tuple[tuple[str, ...], str], ...]:
    """(capital's tokens, country) for every capital."""
    return tuple((tokens(city), country) for city, country in capitals().items())


def with_capitals(found: frozenset[str], question: str) -> frozenset[str]:
    """Normalised terms of a text, plus each capital the question names whose country the
    text names (a question asking about "Beijing" is about a text naming "China"), and each
    country the question names whose capital the text names (a question on North Korea and
    the United States is about "talks between Pyongyang and Washington")."""
    extra = [
        t for city, country in capitals_in(question)
        if all(term_in(w, found) for w in tokens(country)) for t in tokens(city)
    ]
    asked = frozenset(tokens(question))
    extra += [
        t for city, country in _capital_tokens()
        if all(w in found for w in city) and names_country(asked, country)
        for t in tokens(country)
    ]
    return found | frozenset(extra) if extra else found
