"""Dates as questions and articles write them: month names, the days a date expression
stands for ("October 13, 2023", "late November 2023", "2023-10-13", "2023"), and a publication
date as a claim writes it. The one place that reads dates out of text."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from .match import tokens

# "january" and "jan" (lower-case) -> 1, ... "december" and "dec" -> 12.
MONTHS: dict[str, int] = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
MONTHS.update({m.lower(): i for i, m in enumerate(calendar.month_abbr) if m})


def _month(day: date) -> str:
    """A pattern for the day's month, in full or short ("December", "Dec.")."""
    return rf"(?:{day.strftime('%B')}|{day.strftime('%b')}\.?)"


def _day_forms(day: date) -> tuple[str, ...]:
    """Patterns for one day as texts write it: "December 7, 2023", "7th December", "2023-12-07"."""
    month = _month(day)
    return (
        rf"\b{month}\s+{day.day}(?:st|nd|rd|th)?(?:,?\s+{day.year})?\b",
        rf"\b{day.day}(?:st|nd|rd|th)?\s+{month}(?:,?\s+{day.year})?\b",
        rf"\b{day.isoformat()}\b",
    )


@lru_cache(maxsize=4096)  # every span of a passage asks again for the same claim
def publication_date_terms(claim: str, published: str, publisher: str = "") -> frozenset[str]:
    """Tokens of the claim that write its passage's publication date as the date of a report
    ("TechCrunch reported on November 5, 2023", "in its 2023-11-05 article", "In November
    2023, TechCrunch's Found featured ..." with ``publisher`` TechCrunch): a claim may say
    when its source was published. The date of an event is another thing ("Shares rose on
    November 5" against an article of that day saying "on Friday" is not carried), and the
    date's day or year alone proves nothing."""
    try:
        day = date.fromisoformat(published[:10])
    except ValueError:
        return frozenset()
    forms = [*_day_forms(day), rf"\b{_month(day)},?\s+{day.year}\b"]
    # "2023-12-13" is how a prompt heads each source, never how a story dates what it tells:
    # a claim writing its passage's date so took it from the heading, whatever words it sits
    # among ("... came later, on 2023-12-13"; "The 2023-11-01 articles explain ...")
    found = {t for m in re.finditer(rf"\b{day.isoformat()}\b", claim) for t in tokens(m.group(0))}
    matches = [m for form in forms for m in re.finditer(form, claim, re.IGNORECASE)]
    # "By November, it reported ...": the month alone, written as a name (not the verb "may")
    matches += re.finditer(rf"\b{day.strftime('%B')}\b(?!\s+\d)", claim)
    for m in matches:
        near = claim[max(0, m.start() - 40) : m.end() + 40]
        # the date of a report, not of what it reports
        if _REPORTING.search(near) or (publisher and _names(near, publisher)):
            found.update(tokens(m.group(0)))
    return frozenset(found)


# Words of a story that date what it tells by the day it was published.
_RELATIVE_DAYS = {"today": 0, "tonight": 0, "yesterday": -1, "tomorrow": 1}
_THIS_YEAR = re.compile(r"\bthis (?:year|season)\b", re.IGNORECASE)
_THIS_MONTH = re.compile(r"\bthis month\b", re.IGNORECASE)


@lru_cache(maxsize=4096)
def relative_date_terms(claim: str, span: str, published: str) -> frozenset[str]:
    """Tokens of the claim that write a date the span gives relative to its publication
    date: "rolled out yesterday" in an article of 2023-12-08 gives "December 7" (and
    2023-12-07); "this season" gives the year; "this month" its month and year. Only the
    date the word denotes: another day or year is still not in the span."""
    try:
        day = date.fromisoformat(published[:10])
    except ValueError:
        return frozenset()
    found: set[str] = set()
    for word, shift in _RELATIVE_DAYS.items():
        if re.search(rf"\b{word}\b", span, re.IGNORECASE):
            for form in _day_forms(day + timedelta(days=shift)):
                for m in re.finditer(form, claim, re.IGNORECASE):
                    found.update(tokens(m.group(0)))
    if _THIS_YEAR.search(span) or _THIS_MONTH.search(span):
        for m in re.finditer(rf"\b{day.year}\b", claim):
            found.update(tokens(m.group(0)))
    if _THIS_MONTH.search(span):
        for m in re.finditer(rf"\b{_month(day)}(?:,?\s+{day.year})?\b", claim, re.IGNORECASE):
            found.update(tokens(m.group(0)))
    return frozenset(found)


_WEEKDAY = "|".join(d for d in calendar.day_name)
_WEEKDAY_DATE = re.compile(
    rf"\b(?P<weekday>{_WEEKDAY}),?\s+(?:(?P<month>[A-Z][a-z]+)\.?\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?"
    rf"|(?:the\s+)?(?P<day2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<month2>[A-Z][a-z]+))"
    rf"(?:,?\s+(?P<year>(?:19|20)\d{{2}}))?",
)


def weekday_terms(claim: str, span: str, published: str) -> frozenset[str]:
    """The weekday a claim puts before a date the span writes, where the calendar agrees:
    "Wednesday, December 20th" for a span's "December 20th" in an article of 2023. The year
    is the claim's, else the first the span writes, else the publication year; another
    weekday is still not in the span."""
    found: set[str] = set()
    for m in _WEEKDAY_DATE.finditer(claim):
        month = _MONTHS.get((m.group("month") or m.group("month2") or "").lower())
        years = [m.group("year")] if m.group("year") else re.findall(r"\b(?:19|20)\d{2}\b", span) or [published[:4]]
        try:
            day = date(int(years[0]), month or 0, int(m.group("day") or m.group("day2")))
        except ValueError:
            continue  # no month or year known, or no such day
        if day.strftime("%A") == m.group("weekday") and any(
            re.search(form, span, re.IGNORECASE) for form in _day_forms(day)
        ):
            found.update(tokens(m.group("weekday")))
    return frozenset(found)


def _names(text: str, publisher: str) -> bool:
    """``text`` names the publisher ("The Verge" in "... The Verge's piece")."""
    name = re.sub(r"^the\s+", "", " ".join(publisher.split()), flags=re.IGNORECASE)
    return bool(name) and re.search(rf"\b{re.escape(name)}\b", text, re.IGNORECASE) is not None


_REPORTING = re.compile(
    r"\b(?:report(?:s|ed|ing)?|publish(?:es|ed)?|wr(?:ote|ites)|article|piece|story|column|"
    r"update[sd]?|coverage|dated|posted|entry|entries|preview|review|recap|analysis|"
    r"interview|blog|edition|newsletter|op-ed|editorial|headline|guide|explainer|roundup|wrap|"
    r"feature|profile|cit(?:es|ed|ing)|quot(?:es|ed|ing))\b",
    re.IGNORECASE,
)


# --------------------------------------------------------------- reading dates from text
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
    for hint, _ in read_dates(question):
        if hint not in hints:
            hints.append(hint)
    return hints


def without_dates(question: str) -> str:
    """The question with the dates :func:`find_dates` reads blanked out (they are matched
    against publication dates, not looked for in article text)."""
    for _, (start, end) in sorted(read_dates(question), key=lambda hs: -hs[1][0]):
        question = question[:start] + " " + question[end:]
    return question


def read_dates(question: str) -> list[tuple[DateHint, tuple[int, int]]]:
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


def date_span(expression: str) -> tuple[date, date] | None:
    """First and last day a whole date expression stands for, with its year ("October
    2023", "26 October 2023", "2023-10-26", "2023"); None when it is not one, or gives no
    year."""
    text = expression.strip().rstrip(".")
    if re.fullmatch(r"(?:19|20)\d{2}", text):
        return date(int(text), 1, 1), date(int(text), 12, 31)
    found = read_dates(text)
    if len(found) != 1:
        return None
    hint, (start, end) = found[0]
    if hint.year is None or text[:start].strip(" ,") or text[end:].strip(" ,."):
        return None
    return date(hint.year, hint.month, hint.first_day), date(hint.year, hint.month, hint.last_day)


# A date expression, for patterns that look for one after a cue ("published in ..."): what
# :func:`date_span` reads.
DATE_EXPRESSION = (
    rf"(?:(?i:{_MONTH})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"  # October 26, 2023
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?i:{_MONTH})\.?,?\s+\d{{4}}"  # 26 October 2023
    rf"|(?i:{_MONTH})\.?,?\s+\d{{4}}"  # October 2023
    r"|\d{4}-\d{2}-\d{2}"  # 2023-10-26
    r"|(?:19|20)\d{2})"  # 2023
)
