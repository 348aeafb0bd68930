"""The evaluations' data rules in one place: reading a JSONL file, and the one dev/test split.

The split is the project's hold-out of MultiHop-RAG articles (never trained or tuned on):
an article is held out when the SHA-256 of its URL is odd (:func:`held_out`). Every
evaluation splits by it (:func:`split_of`): a query is ``test`` when all its evidence lies in
held-out articles, ``dev`` when none does, ``mixed`` otherwise; a question without evidence
(a null query, a line of a QA file) by the same rule applied to its text. Tune on dev,
report test.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from ..errors import InputError

T = TypeVar("T")


def read_jsonl(
    path: Path, what: str, build: Callable[[dict[str, Any]], T], expected: str
) -> list[T]:
    """One ``build(object)`` per non-empty line of a JSONL file, with a clear error naming
    the file and line of a malformed one (``expected`` says what a line should hold)."""
    if not path.is_file():
        raise InputError(f"no {what} file at {path}")
    items = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            items.append(build(json.loads(line)))
        except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
            raise InputError(f"{path}:{n}: expected {expected}: {exc}") from None
    return items


def held_out(url: str) -> bool:
    """The project's hold-out rule for MultiHop-RAG articles (never trained or tuned on)."""
    return int(hashlib.sha256(url.encode()).hexdigest(), 16) % 2 == 1


def split_of(item: str | dict[str, Any] | tuple[str, ...]) -> str:
    """``"dev"``, ``"test"`` or ``"mixed"`` (see the module's note): of a MultiHop-RAG query
    row (its ``evidence_list``), of the URLs of a query's evidence, or of a question's text."""
    if isinstance(item, dict):
        urls = tuple(e["url"] for e in item.get("evidence_list") or [])
        item = urls or item["query"]
    if isinstance(item, str):
        return "test" if held_out(item) else "dev"
    out = {held_out(u) for u in item}
    return "mixed" if len(out) > 1 else "test" if out == {True} else "dev"
