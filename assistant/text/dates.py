"""Month names as questions and articles write them, and a publication date as a claim
writes it."""

from __future__ import annotations

import calendar
import re
from datetime import date
from functools import lru_cache

from .match import tokens

# "january" and "jan" (lower-case) -> 1, ... "december" and "dec" -> 12.
MONTHS: dict[str, int] = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
MONTHS.update({m.lower(): i for i, m in enumerate(calendar.month_abbr) if m})


@lru_cache(maxsize=4096)  # every span of a passage asks again for the same claim
def publication_date_terms(claim: str, published: str) -> frozenset[str]:
    """Tokens of the claim that write its passage's publication date as the date of a report
    ("TechCrunch reported on November 5, 2023", "in its 2023-11-05 article"): a claim may say
    when its source was published. The date of an event is another thing ("Shares rose on
    November 5" against an article of that day saying "on Friday" is not carried), and the
    date's day or year alone proves nothing."""
    try:
        day = date.fromisoformat(published[:10])
    except ValueError:
        return frozenset()
    month = rf"(?:{day.strftime('%B')}|{day.strftime('%b')}\.?)"
    forms = [
        rf"\b{month}\s+{day.day}(?:st|nd|rd|th)?(?:,?\s+{day.year})?\b",
        rf"\b{day.day}(?:st|nd|rd|th)?\s+{month}(?:,?\s+{day.year})?\b",
        rf"\b{month},?\s+{day.year}\b",
        rf"\b{day.isoformat()}\b",
    ]
    found: set[str] = set()
    for form in forms:
        for m in re.finditer(form, claim, re.IGNORECASE):
            near = claim[max(0, m.start() - 40) : m.end() + 40]
            if _REPORTING.search(near):  # the date of a report, not of what it reports
                found.update(tokens(m.group(0)))
    return frozenset(found)


_REPORTING = re.compile(
    r"\b(?:report(?:s|ed|ing)?|publish(?:es|ed)?|wr(?:ote|ites)|article|piece|story|column|"
    r"update[sd]?|coverage|dated|posted)\b",
    re.IGNORECASE,
)
