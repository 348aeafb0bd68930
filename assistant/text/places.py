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


def with_capitals(found: frozenset[str], question: str) -> frozenset[str]:
    """Normalised terms of a text, plus each capital the question names whose country the
    text names: a question asking about "Beijing" is about a text naming "China"."""
    extra = [
        t for city, country in capitals_in(question)
        if all(term_in(w, found) for w in tokens(country)) for t in tokens(city)
    ]
    return found | frozenset(extra) if extra else found
