"""What a question says about where to look: publishers and publication dates it names.

News questions often say "a TechCrunch article published on October 13, 2023" or "the Fox
News report from late November". Retrieval uses these as soft boosts (never as hard
filters: a guess that is wrong must not hide the right article). Publishers are recognised
against the archive's own publisher list, loosely: "The Independent" finds "The Independent
- Life and Style", "CBS Sports" finds "CBSSports.com", "Fox News" finds every "FOX News -
..." section.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from .dates import MONTHS
from .match import fold

# --------------------------------------------------------------------------- publishers
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
# Separators between a publisher's name and its section or tagline.
_SECTION = re.compile(r"\s+[-|–—:]\s+|\s*\|\s*|:\s+")
_DOMAIN = re.compile(r"\.(?:com|co\.uk|org|net|news|co)$", re.I)
MAX_NAME_WORDS = 8


def _compact(words: Sequence[str]) -> str:
    return "".join(fold(w) for w in words)


def name_variants(source: str) -> set[tuple[str, bool]]:
    """Ways a question may name a publisher, as (compact lowercase form, single word).

    The full name, the name before a section or tagline ("The Independent" of "The
    Independent - Life and Style"), without a leading "The", without a domain suffix, and a
    leading acronym ("BBC" of "BBC News - Technology").
    """
    names = {source.strip()}
    head = _SECTION.split(source.strip(), maxsplit=1)[0].strip()
    names.add(head)
    names.update({_DOMAIN.sub("", n) for n in list(names)})
    for name in list(names):
        words = name.split()
        if len(words) > 1 and words[0].lower() == "the":
            names.add(" ".join(words[1:]))
    first = head.split()[0] if head.split() else ""
    if len(first) >= 2 and first.isupper() and first.isalpha():
        names.add(first)
    variants: set[tuple[str, bool]] = set()
    for name in names:
        words = _TOKEN.findall(name)
        if words and len(words) <= MAX_NAME_WORDS:
            compact = _compact(words)
            if len(compact) >= 3:
                variants.add((compact, len(words) == 1))
    return variants


@dataclass(frozen=True)
class PublisherIndex:
    """Compact name forms of an archive's publishers, for fast lookup in questions."""

    forms: dict[str, tuple[str, ...]] = field(default_factory=dict)
    longest: int = 1


@lru_cache(maxsize=8)
def publisher_index(sources: tuple[str, ...]) -> PublisherIndex:
    """The lookup table of a publisher list (cached: the list changes only on ingest)."""
    forms: dict[str, list[str]] = {}
    longest = 1
    for source in sources:
        for compact, _single in name_variants(source):
            forms.setdefault(compact, [])
            if source not in forms[compact]:
                forms[compact].append(source)
        longest = max(longest, min(len(_TOKEN.findall(source)), MAX_NAME_WORDS))
    return PublisherIndex({k: tuple(v) for k, v in forms.items()}, longest)


@dataclass(frozen=True)
class Mention:
    """Where a question names a publisher: character offsets and the archive's publishers
    the name stands for (several for "Fox News": each of its sections)."""

    start: int
    end: int
    sources: tuple[str, ...]


def find_mentions(question: str, sources: Sequence[str]) -> list[Mention]:
    """Where a question names the archive's publishers, in order.

    A name must start with a capital letter in the question ("the Age of AI" does not name
    "The Age"; "The Age reported" does), and a run of words may be glued together ("CBS
    Sports" names "CBSSports.com"). Where names overlap the longest wins: "The Independent
    - Travel" names that section, not every section of The Independent.
    """
    index = publisher_index(tuple(sorted(set(sources))))
    if not index.forms:
        return []
    words = [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(question)]
    spans: list[tuple[int, int, tuple[str, ...]]] = []  # (first word, last word + 1, sources)
    for i, (word, _, _) in enumerate(words):
        if not word[0].isupper() and not word[0].isdigit():
            continue  # names are capitalised; "the" before one is covered by its variants
        compact = ""
        for j in range(i, min(len(words), i + index.longest + 1)):
            compact += fold(words[j][0])
            if compact in index.forms:
                spans.append((i, j + 1, index.forms[compact]))
    taken: list[tuple[int, int, tuple[str, ...]]] = []
    for span in sorted(spans, key=lambda s: (s[0] - s[1], s[0])):
        if all(span[1] <= t[0] or t[1] <= span[0] for t in taken):
            taken.append(span)
    return [Mention(words[i][1], words[j - 1][2], found) for i, j, found in sorted(taken)]


def find_publishers(question: str, sources: Sequence[str]) -> list[str]:
    """The archive's publishers that a question names, in the order it names them."""
    found: list[str] = []
    for mention in find_mentions(question, sources):
        found.extend(s for s in mention.sources if s not in found)
    return found


def segments(question: str, mentions: Sequence[Mention]) -> list[str]:
    """The part of the question about each mentioned publisher: from the end of the mention
    before it to the start of the one after ("Did the Fortune article say X, while the
    TechCrunch article said Y?" gives "...Fortune article say X, while the" and
    "TechCrunch article said Y?"). One mention gets the whole question."""
    parts = []
    for n in range(len(mentions)):
        low = mentions[n - 1].end if n > 0 else 0
        high = mentions[n + 1].start if n + 1 < len(mentions) else len(question)
        parts.append(question[low:high].strip())
    return parts


# -------------------------------------------------------------------------------- dates
_MONTHS = {**MONTHS, "sept": 9}
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_PART = r"(?:(?P<part>early|mid|middle of|late|the (?:start|beginning|middle|end) of)\s+)?"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d{2})"
_DATE_PATTERNS = [
    # 2023-10-13, 2023-10-04T21:11:57+00:00
    re.compile(
        r"\b(?P<iso>(?:19|20)\d{2})-(?P<m>\d{2})-(?P<d>\d{2})"
        r"(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\b"
    ),
    # October 13, 2023 / Oct. 13th 2023 / October 13
    re.compile(rf"\b{_PART}(?P<month>{_MONTH})\.?\s+{_DAY}\b(?:,?\s+{_YEAR}\b)?", re.I),
    # 13 October 2023 / 13th of October
    re.compile(rf"\b{_DAY}\s+(?:of\s+)?(?P<month>{_MONTH})\.?(?:,?\s+{_YEAR}\b)?", re.I),
    # (late) November 2023
    re.compile(rf"\b{_PART}(?P<month>{_MONTH})\.?,?\s+{_YEAR}\b", re.I),
]


@dataclass(frozen=True)
class DateHint:
    """A span of days a question points at; ``year`` None when the question gave none."""

    month: int
    first_day: int
    last_day: int
    year: int | None = None

    def contains(self, day: date, slack: int = 0) -> bool:
        """Whether a publication day falls in the span, give or take ``slack`` days (time
        zones put a late-evening story on the next day)."""
        years = [self.year] if self.year else [day.year - 1, day.year, day.year + 1]
        for year in years:
            try:
                low = date(year, self.month, self.first_day)
                high = date(year, self.month, self.last_day)
            except ValueError:
                continue
            if low - timedelta(days=slack) <= day <= high + timedelta(days=slack):
                return True
        return False


def _part_days(part: str | None, last: int) -> tuple[int, int]:
    part = (part or "").lower()
    if part.endswith("early") or "start" in part or "beginning" in part:
        return 1, 10
    if part.startswith("mid") or "middle" in part:
        return 11, 20
    if part.endswith("late") or "end" in part:
        return 21, last
    return 1, last


def find_dates(question: str) -> list[DateHint]:
    """The days, or spans of days, a question names ("October 13, 2023", "late November
    2023", "2023-10-13", "the 5th of May"); a month alone without a day or year is not
    taken ("may" is a verb too)."""
    hints: list[DateHint] = []
    for hint, _ in _read_dates(question):
        if hint not in hints:
            hints.append(hint)
    return hints


def without_dates(question: str) -> str:
    """The question with the dates :func:`find_dates` reads blanked out (they are matched
    against publication dates, not looked for in article text)."""
    for _, (start, end) in sorted(_read_dates(question), key=lambda hs: -hs[1][0]):
        question = question[:start] + " " + question[end:]
    return question


def _read_dates(question: str) -> list[tuple[DateHint, tuple[int, int]]]:
    found: list[tuple[DateHint, tuple[int, int]]] = []
    taken: list[tuple[int, int]] = []
    for pattern in _DATE_PATTERNS:
        for m in pattern.finditer(question):
            if any(s < m.end() and m.start() < e for s, e in taken):
                continue  # already read as part of a longer date
            groups = m.groupdict()
            try:
                if groups.get("iso"):
                    y, mo, d = int(groups["iso"]), int(groups["m"]), int(groups["d"])
                    date(y, mo, d)
                    hint = DateHint(mo, d, d, y)
                else:
                    mo = _MONTHS[groups["month"].lower().rstrip(".")]
                    year = int(groups["year"]) if groups.get("year") else None
                    if groups.get("day"):
                        d = int(groups["day"])
                        date(year or 2000, mo, d)  # 2000 is a leap year: Feb 29 is fine
                        hint = DateHint(mo, d, d, year)
                    else:
                        last = calendar.monthrange(year or 2001, mo)[1]
                        low, high = _part_days(groups.get("part"), last)
                        hint = DateHint(mo, low, high, year)
            except (ValueError, KeyError):
                continue
            # "May 5" alone is ambiguous with the verb only when lower-case.
            word = (groups.get("month") or "")[:1]
            if word and word.islower() and not groups.get("year"):
                continue
            taken.append((m.start(), m.end()))
            found.append((hint, (m.start(), m.end())))
    return found


@dataclass(frozen=True)
class QueryHints:
    """Publishers and dates a question names."""

    publishers: tuple[str, ...] = ()
    dates: tuple[DateHint, ...] = ()
    mentions: tuple[Mention, ...] = ()

    def is_empty(self) -> bool:
        return not self.publishers and not self.dates


def read_hints(question: str, sources: Sequence[str]) -> QueryHints:
    """Publishers (from the archive's own list) and dates named in a question."""
    mentions = find_mentions(question, sources)
    publishers: list[str] = []
    for mention in mentions:
        publishers.extend(s for s in mention.sources if s not in publishers)
    return QueryHints(tuple(publishers), tuple(find_dates(question)), tuple(mentions))
