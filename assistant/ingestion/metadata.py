"""An article's metadata read from its text: copyright lines, publication dates in any
common spelling, and a title (or an untitled article's first words)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

_COPYRIGHT = re.compile(
    r"^(?:copyright\s*(?:©|\(c\))?|©\s*(?:copyright)?|\(c\)\s*(?:copyright)?)\s*"
    r"(?:\d{4}\s*[-–—]\s*)?(\d{4}),?\s+(?:by\s+)?(.+)$",
    re.I,
)
_COMPANY = re.compile(
    r"[,\s]+(?:LLC|L\.L\.C\.?|Inc\.?|Incorporated|Ltd\.?|Limited|Corp\.?|Corporation|plc|GmbH)$",
    re.I,
)


def copyright_of(text: str) -> tuple[str, str]:
    """(publisher, year) from a copyright line among the last lines, else ("", "")."""
    lines = [line.strip() for line in text[-2000:].split("\n") if line.strip()]
    for line in reversed(lines[-3:]):
        match = _COPYRIGHT.match(line) if len(line) <= 300 else None
        if not match:
            continue
        name = re.split(r"all rights reserved", match.group(2), flags=re.I)[0]
        name = name.strip(" .,;:-–—")
        while _COMPANY.search(name):
            name = _COMPANY.sub("", name).strip(" .,;:-–—")
        if name and len(name) <= 100:
            return name, match.group(1)
    return "", ""


def normalise_date(value: Any) -> str:
    """'YYYY-MM-DD', 'YYYY' when only the year is known, or '' when unparsable."""
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, int | float):
        seconds = value / 1000 if value > 1e11 else value  # epoch milliseconds or seconds
        try:
            return datetime.fromtimestamp(seconds, tz=UTC).date().isoformat()
        except (OverflowError, OSError, ValueError):
            return ""
    text = str(value).strip()
    if re.fullmatch(r"\d{4}", text):
        return text
    iso = re.match(r"(\d{4})-(\d{2})-(\d{2})", text)
    if iso:  # ISO and "2023-11-27 08:45:59.000000000Z": the date as the publisher wrote it
        try:
            return date(*map(int, iso.groups())).isoformat()
        except ValueError:
            return ""
    if not text or len(text) > 80:
        return ""
    from dateutil import parser  # slow to import; rarely needed

    try:
        # Two different defaults reveal which parts the string really holds.
        first = parser.parse(text, default=datetime(2000, 1, 1))
        second = parser.parse(text, default=datetime(2001, 2, 2))
    except (ValueError, OverflowError, TypeError):
        return ""
    if first.year != second.year:
        return ""
    if (first.month, first.day) != (second.month, second.day):
        return f"{first.year:04d}"
    return first.date().isoformat()


def shorten(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] or text[:limit]
    return cut.rstrip(" ,;:-") + "…"


UNTITLED = "Untitled"
_UNTITLED_WORDS = 8  # words of the text an untitled article is known by
_HEADING_MAX_WORDS = 20


def untitled(text: str) -> str:
    """The title of an article that has none: its first words, marked as untitled, so a
    first sentence is never passed off as a headline ("Untitled: The agency said on…")."""
    words = text.split()
    head = " ".join(words[:_UNTITLED_WORDS]).rstrip(" ,;:-")
    return f"{UNTITLED}: {head}…" if len(words) > _UNTITLED_WORDS else f"{UNTITLED}: {head}"


def title_from_text(text: str) -> str:
    """The first line when it reads as a headline: short, more text after it, and not a
    sentence ending in a full stop. Otherwise the article is untitled."""
    match = re.search(r"\S[^\n]*", text)
    if not match:
        return ""
    line = match.group(0).strip()
    rest = text[match.end() :].strip()
    if rest and len(line.split()) <= _HEADING_MAX_WORDS and not re.search(r"[.,;:]$", line):
        return shorten(line)
    return untitled(text)


def normalise_text(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()
