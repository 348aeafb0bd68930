"""Is a question about articles the archive could hold? Publishers and publication dates
named in a question, checked against the archive (plain functions).

"According to a Bloomberg article ..." asked of an archive without Bloomberg must be
answered "the archive holds no articles from Bloomberg", never from other publishers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Container, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from ..text.analyse import STOPWORDS, words
from ..text.dates import DATE_EXPRESSION, MONTHS, date_span
from ..text.match import fold
from ..text.publishers import core, held_publishers
from .refusal import dates_not_covered, publishers_not_held

_NOUN = (
    r"(?:articles?|reports?|pieces?|stor(?:y|ies)|coverage|analys[ie]s|reviews?|interviews?"
    r"|columns?|op-eds?|editorials?|features?|posts?|publications?|reporting|segments?"
    r"|investigations?|overviews?|headlines?|commentary|blog(?:\s+posts?)?|coverage)"
)
# Nouns that make "a X <noun>" name a publisher ("a CNN report", not "an NCAA investigation").
_BY_NOUN = (
    r"(?:articles?|reports?|pieces?|stor(?:y|ies)|coverage|reviews?|columns?|op-eds?"
    r"|editorials?|reporting|analys[ie]s|interviews?)"
)
_WORD = r"[A-Z0-9][\w.&'’]*"
# A publisher's name: capitalised words, allowing joiners seen in real names
# ("The Roar | Sports Writers Blog", "The Independent - Life and Style", "Eos: Earth ...").
_NAME = (
    rf"(?:[\"'‘“])?(?:[Tt]he\s+)?{_WORD}(?:(?:\s*[|:–-]\s*|\s+(?:of|for|&)\s+|\s+){_WORD})*"
    r"(?:[\"'’”])?"
)
_LIST = rf"{_NAME}(?:(?:\s*,\s*(?:and\s+|or\s+)?|\s+and\s+|\s+or\s+){_NAME})*"
_BOTH = r"(?:both\s+|either\s+|the\s+)?"

# Strong cues: the name is a publisher (or an author) whatever it is.
_STRONG = [
    re.compile(rf"\b{_NOUN}\s+(?:published\s+)?(?:from|by)\s+{_BOTH}(?P<names>{_LIST})"),
    re.compile(
        rf"\b(?:article|piece|story|column|op-ed|editorial)s?\s+in\s+{_BOTH}(?P<names>{_LIST})"
    ),
    re.compile(rf"\b(?i:another|one|the\s+other)\s+(?:from|by|in)\s+{_BOTH}(?P<names>{_LIST})"),
    # not "covered by": services covered by the Online Safety Act (a law) as well as a story
    # covered by Reuters; the weak "by" cue below reads it
    re.compile(
        rf"\b(?i:reported|published|written)\s+(?:on\s+)?(?:by|in)\s+{_BOTH}(?P<names>{_LIST})"
    ),
    # "a Bloomberg report", "from a CNN article"; one name only ("Jess and Bill Walker and
    # the FOX News article" names one publisher)
    re.compile(
        rf"(?:\b(?i:an?|the|both|one|another|two|three|from|in|by|and|each)\s+|,\s*)(?P<names>{_NAME})(?<!'s)(?<!’s)\s+{_BY_NOUN}\b"
    ),
    # "The Verge's article", but not "the EU's analysis"
    re.compile(
        rf"(?:\b(?i:an?|the|both|from|in|by|and)\s+|,\s*)(?P<names>{_NAME})(?:'s|’s)\s+(?:article|piece|story|coverage|column|op-ed|editorial|reporting|report)s?\b"
    ),
]
# Weak cues: a name counts when it is one of the archive's publishers, or when the archive
# never mentions it (then no article could be "according to" it, and saying which publisher
# is missing beats a bare refusal). Other names after them are often people ("according to
# Musk"), left to the reader.
_WEAK = [
    re.compile(rf"\b(?i:according\s+to|per|from|by|in|on)\s+{_BOTH}(?P<names>{_LIST})"),
]

_SPLIT = re.compile(r"\s*,\s*(?:and\s+|or\s+)?|\s+and\s+|\s+or\s+")
_NOT_NAMES = frozenset(MONTHS) | words(
    "monday tuesday wednesday thursday friday saturday sunday today yesterday this that these "
    "those it its"
)


_NEXT_WORD = re.compile(r"\s+([a-z][a-z-]*)")
_SOURCE_WORDS = re.compile(rf"{_NOUN}|says?|said|reported|reports|wrote|writes|published")


def _modifies_a_noun(question: str, end: int) -> bool:
    """The capitalised words a weak cue took are followed by a common noun they describe:
    "according to American officials", "per Russian state media", "in North Korean
    waters". Those words are not a publisher's name: the source is the officials."""
    m = _NEXT_WORD.match(question, end)
    if m is None:
        return False
    word = m.group(1)
    return word not in STOPWORDS and not _SOURCE_WORDS.fullmatch(word)


_POSSESSIVE = re.compile(r"(?<=\w)(?:'s|’s)\s+")


def _clean(name: str) -> str:
    name = name.strip().strip("\"'‘’“”").strip()
    name = re.sub(r"(?:'s|’s)$", "", name).strip()
    return name


def _publisher_like(name: str) -> bool:
    words = core(name).split()
    return any(w not in _NOT_NAMES and not w.isdigit() for w in words)


_QUOTED = re.compile(r"(?<!\w)(['‘\"“])(?P<inner>[^'’\"”]{2,120})(['’\"”])(?!\w)")


def _mask_titles(question: str, known: Sequence[str]) -> str:
    """Quoted text that is not a publisher is a title ('NBA Rookie of the Year Odds'):
    hide it so its capitals are not read as a publisher's name."""

    def mask(m: re.Match[str]) -> str:
        return m.group(0) if held_publishers(m["inner"], known) else "«title»"

    return _QUOTED.sub(mask, question)


Unmentioned = Callable[[str], bool]  # True for a name no article of the archive mentions

# The strong cues that name a publisher by its product ("a CNN report", "The Verge's
# article"), which an author's byline never is.
_ATTRIBUTIVE = frozenset({4, 5})


def _named(
    question: str, known: Sequence[str], unmentioned: Unmentioned | None
) -> list[tuple[str, bool]]:
    """Publisher names of a question in order, each with whether an attributive cue named it."""
    found: list[tuple[int, str, bool]] = []
    question = _mask_titles(question, known)

    def add(raw: str, at: int, strong: bool, attributive: bool) -> None:
        for part in _SPLIT.split(raw):
            # a possessive ends the name: "The Roar's December 2023 report" is The Roar's
            name = _clean(_POSSESSIVE.split(part, maxsplit=1)[0])
            if not _publisher_like(name) or any(core(name) == core(n) for _, n, _ in found):
                continue
            if (
                strong
                or held_publishers(name, known)
                or (unmentioned is not None and unmentioned(name))
            ):
                found.append((at + max(0, raw.find(part)), name, attributive))

    for n, pattern in enumerate(_STRONG):
        for m in pattern.finditer(question):
            add(m.group("names"), m.start("names"), True, n in _ATTRIBUTIVE)
    for pattern in _WEAK:
        for m in pattern.finditer(question):
            if _modifies_a_noun(question, m.end("names")):
                continue  # "according to American officials", "in Russian state media"
            add(m.group("names"), m.start("names"), False, False)
    return [(name, attributive) for _, name, attributive in sorted(found)]


def named_publishers(
    question: str, known: Sequence[str] = (), unmentioned: Unmentioned | None = None
) -> list[str]:
    """Publishers a question names, in order: after strong cues ("an article from X",
    "a X report") any name; after weak ones ("according to X") the archive's publishers
    and names the archive never mentions."""
    return [name for name, _ in _named(question, known, unmentioned)]


def publishers_missing(
    question: str,
    known: Sequence[str],
    authors: Sequence[str] = (),
    unmentioned: Unmentioned | None = None,
) -> list[str]:
    """Publishers the question names that the archive holds no article from. A name that
    is an author of the archive ("an article by Amber Raiken") is not a publisher, unless
    the question names it by its product: wire copy by Reuters in The Age is not "a Reuters
    report"."""
    missing = []
    for name, attributive in _named(question, known, unmentioned):
        if held_publishers(name, known):
            continue
        if not attributive and any(core(name) == core(a) for a in authors):
            continue
        missing.append(name)
    return missing


# ------------------------------------------------------------------------------- dates
@dataclass(frozen=True)
class Period:
    """A publication period a question asks about (inclusive), as the question said it."""

    text: str
    first: date
    last: date


_PUBLISHED = re.compile(
    rf"\b(?:published|posted|dated|written|released|articles?|reports?|news|stories|story|"
    rf"coverage|pieces?|reported)\s+(?P<how>on|in|during|from|between|before|after|since|"
    rf"until|prior\s+to)\s+(?:the\s+(?:year|month\s+of)\s+)?(?P<a>{DATE_EXPRESSION})"
    rf"(?:\s+(?:and|to|through|until|-|–)\s+(?P<b>{DATE_EXPRESSION}))?(?![\w-])"
)


def asked_periods(question: str) -> list[Period]:
    """Publication periods a question names ("published in March 2022", "articles from
    2019", "reports between June and ..."); a date that is only the topic is not one."""
    periods = []
    for m in _PUBLISHED.finditer(question):
        a = date_span(m["a"])
        if a is None:
            continue
        how = " ".join(m["how"].split())
        first, last = a
        if m["b"]:
            b = date_span(m["b"])
            if b is None:
                continue
            last = b[1]
        elif how in ("before", "until", "prior to"):
            first, last = date.min, a[0] - timedelta(days=1) if how != "until" else a[1]
        elif how == "after":
            first, last = a[1] + timedelta(days=1), date.max
        elif how == "since":
            first, last = a[0], date.max
        said = question[m.start("how") : m.end()].strip()
        periods.append(Period(said, first, last))
    return periods


def periods_not_covered(question: str, first: date, last: date) -> list[Period]:
    """Periods of the question in which the archive has no article (by publication date)."""
    return [p for p in asked_periods(question) if p.last < first or p.first > last]


def coverage_notice(
    question: str,
    sources: Sequence[str],
    authors: Sequence[str] = (),
    published: tuple[str, date, str, date] | None = None,
    unmentioned: Unmentioned | None = None,
) -> str | None:
    """The notice to give instead of an answer when the question is about publishers or
    dates the archive does not hold, else None. ``published`` is the archive's first and
    last publication dates, as written and as days."""
    missing = publishers_missing(question, sources, authors, unmentioned)
    if missing:
        return publishers_not_held(missing)
    if published is not None:
        first_said, first, last_said, last = published
        uncovered = periods_not_covered(question, first, last)
        if uncovered:
            return dates_not_covered(uncovered[0].text, first_said, last_said)
    return None


# A question is declined when at least this share of its content words occurs in no article,
# in an archive of at least this many articles (in a small one, absence proves little: one
# article rarely uses every word a reader might ask with).
UNKNOWN_SHARE = 0.2
UNKNOWN_MIN_ARTICLES = 100


def unknown_words(
    question: str,
    analyse: Callable[[list[str]], list[list[str]]],
    vocabulary: Container[str],
) -> list[str]:
    """The question's content words that no article mentions, when they make up at least
    ``UNKNOWN_SHARE`` of its content words (else none). ``analyse`` and ``vocabulary`` are
    the BM25 index's (stems, stop words out). On MultiHop-RAG's 609 articles no answerable
    query reaches that share (``assistant eval answers --multihop``)."""
    # Question and function words ("How many ...") are no content: an archive of short
    # articles may never use them, and the BM25 analyser keeps most of them.
    found = re.findall(r"[^\W_]+(?:['’-][^\W_]+)*", question)
    words = list(dict.fromkeys(w for w in found if fold(w) not in STOPWORDS))
    if not words:
        return []
    analysed = analyse(words)
    terms = {t for stems in analysed for t in stems}
    unknown = [
        (w, stems)
        for w, stems in zip(words, analysed, strict=True)
        if stems and not any(t in vocabulary for t in stems)
    ]
    missing = {t for _, stems in unknown for t in stems}
    if not terms or len(missing) / len(terms) < UNKNOWN_SHARE:
        return []
    return [w for w, _ in unknown]
