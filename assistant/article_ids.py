"""Short article ids: the first hex digits of a hash of the article id, as git shortens
commit hashes.

An article's id is its URL or file path: stable, but long to read and to type. Its short id
is the first :data:`SHORT_LEN` hex digits of the SHA-1 of that id (longer where two
articles of one archive share them), so it never changes while the article id does not.
Any unique prefix of at least :data:`MIN_PREFIX` digits finds the article again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

from .errors import InputError

SHORT_LEN = 8
MIN_PREFIX = 4


def article_hash(doc_id: str) -> str:
    """The full 40-digit hash every short id is a prefix of."""
    return hashlib.sha1(doc_id.encode("utf-8")).hexdigest()


def short_id(doc_id: str) -> str:
    """The article's short id on its own (see :func:`short_ids` for a whole archive)."""
    return article_hash(doc_id)[:SHORT_LEN]


def short_ids(doc_ids: Iterable[str]) -> dict[str, str]:
    """Each article id's short id: :data:`SHORT_LEN` digits, more where needed to tell
    two articles of this archive apart."""
    hashes = {d: article_hash(d) for d in doc_ids}
    ordered = sorted(hashes.values())
    longest: dict[str, int] = {}
    for a, b in zip(ordered, ordered[1:], strict=False):
        common = next((i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y), len(a))
        for h in (a, b):
            longest[h] = max(longest.get(h, 0), common + 1)
    return {d: h[: max(SHORT_LEN, longest.get(h, 0))] for d, h in hashes.items()}


def find_article(given: str, articles: Mapping[str, Any]) -> str:
    """The article id that ``given`` names: the id itself (URL or path), or a unique prefix
    of its short id. An unknown or ambiguous name is an :class:`InputError` that says
    which articles it could mean."""
    if given in articles:
        return given
    prefix = given.strip().lower()
    if len(prefix) >= MIN_PREFIX and all(ch in "0123456789abcdef" for ch in prefix):
        matches = [d for d in articles if article_hash(d).startswith(prefix)]
        if len(matches) == 1:
            return matches[0]
        if matches:
            ids = short_ids(articles)
            listing = "\n".join(
                f"  {ids[d]}  {_label(articles[d], d)}" for d in sorted(matches, key=lambda d: ids[d])
            )
            raise InputError(
                f"the id {given!r} matches {len(matches)} articles; give more of it:\n{listing}"
            )
    raise InputError(f"no article with id {given!r}: `assistant list` shows the ids")


def _label(info: Any, doc_id: str) -> str:
    title = getattr(info, "title", "") or ""
    return f"{title} ({doc_id})" if title else doc_id
