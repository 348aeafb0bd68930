"""What a question says about where to look: publishers and publication dates it names.

News questions often say "a TechCrunch article published on October 13, 2023" or "the Fox
News report from late November". Retrieval uses these as soft boosts (never as hard
filters: a guess that is wrong must not hide the right article). Publishers are recognised
against the archive's own publisher list, loosely: "The Independent" finds "The Independent
- Life and Style", "CBS Sports" finds "CBSSports.com", "Fox News" finds every "FOX News -
..." section.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .dates import DateHint, find_dates, read_dates, without_dates
from .publishers import Mention, find_mentions, find_publishers, name_variants, segments

__all__ = [
    "DateHint",
    "Mention",
    "QueryHints",
    "find_dates",
    "find_mentions",
    "find_publishers",
    "name_variants",
    "read_dates",
    "read_hints",
    "segments",
    "without_dates",
]


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
