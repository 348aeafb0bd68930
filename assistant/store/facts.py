"""What the archive holds, in brief: how many articles, from which publishers, by which
authors, published between which days. Made from the store's registry of committed articles
and kept with it (see :meth:`Store.derived`: made again once the registry changes)."""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from .layout import UNKNOWN_MAX, UNKNOWN_MIN, date_bounds


@dataclass(frozen=True)
class ArchiveFacts:
    articles: int = 0
    publishers: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    # The first and last publication dates, as written and as days; None when none is known.
    published: tuple[str, date, str, date] | None = None


def published_range(registry: Mapping[str, Any]) -> tuple[str, date, str, date] | None:
    """The archive's first and last publication dates, as written and as days (an article
    dated only "2023" spans the year)."""
    spans = [(date_bounds(a.published), a.published) for a in registry.values() if a.published]
    spans = [s for s in spans if s[0] != (UNKNOWN_MIN, UNKNOWN_MAX)]
    if not spans:
        return None
    (low, _), first = min(spans, key=lambda s: s[0][0])
    (_, high), last = max(spans, key=lambda s: s[0][1])

    def day(n: int) -> date:
        y, m, d = n // 10000, n // 100 % 100, n % 100
        return date(y, m, min(d, calendar.monthrange(y, m)[1]))

    return first[:10], day(low), last[:10], day(high)


def archive_facts(registry: Mapping[str, Any]) -> ArchiveFacts:
    """The facts of a registry (doc id -> its ``ArticleInfo``)."""
    return ArchiveFacts(
        articles=len(registry),
        publishers=tuple(sorted({a.source for a in registry.values() if a.source})),
        authors=tuple(sorted({a.author for a in registry.values() if a.author})),
        published=published_range(registry),
    )
