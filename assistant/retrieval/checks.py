"""A question and its filters, checked before anything runs: what ``retrieve()`` and
``answer()`` both take in (control characters removed, limits enforced, publishers resolved
to the names the archive holds)."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from datetime import date
from typing import Any

from ..config import Settings
from ..errors import InputError
from ..records import Filters
from ..store.archive import Archive
from ..text.publishers import held_publishers


def check_question(question: str, settings: Settings) -> str:
    """The question with control characters removed, or a clear error."""
    if not isinstance(question, str):
        raise InputError("the question must be text")
    cleaned = "".join(
        ch if unicodedata.category(ch)[0] != "C" or ch in "\n\t" else " " for ch in question
    )
    cleaned = " ".join(cleaned.split())
    if not cleaned:
        raise InputError("the question is empty: ask something about the articles")
    if len(cleaned) > settings.max_question_chars:
        raise InputError(
            f"the question is {len(cleaned)} characters long; the limit is "
            f"{settings.max_question_chars} (ASSISTANT_MAX_QUESTION_CHARS)"
        )
    return cleaned


def as_date(value: Any, name: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise InputError(f"{name} must be a date like 2023-10-13, not {value!r}") from None


def resolve_filters(
    archive: Archive, filters: Filters | Mapping[str, Any] | None
) -> Filters | None:
    """Check a filter against the archive: publishers resolved to the names it holds."""
    if filters is None:
        return None
    if isinstance(filters, Mapping):
        pubs = filters.get("sources") or filters.get("publisher") or filters.get("publishers") or ()
        pubs = (pubs,) if isinstance(pubs, str) else tuple(pubs)
        filters = Filters(
            sources=pubs,
            since=as_date(filters.get("since"), "since"),
            until=as_date(filters.get("until"), "until"),
        )
    if filters.since and filters.until and filters.since > filters.until:
        raise InputError(
            f"the date range is empty: since {filters.since} is after until {filters.until}"
        )
    if not filters.sources:
        return filters
    known = archive.store.sources()
    resolved: list[str] = []
    for name in filters.sources:
        found = held_publishers(name, known)
        if not found:
            listing = ", ".join(known[:20]) + (" ..." if len(known) > 20 else "")
            raise InputError(
                f"unknown publisher {name!r}; the archive holds: {listing or 'no publishers yet'}"
            )
        resolved.extend(f for f in found if f not in resolved)
    return Filters(sources=tuple(resolved), since=filters.since, until=filters.until)
