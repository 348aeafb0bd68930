"""The evaluations' data rules in one place: reading a JSONL file, and the splits.

Three rules, each kept exactly as it was so figures stay comparable with earlier reports:

- ``assistant eval retrieval``: the answerable MultiHop-RAG queries in file order; query
  number i (from 0) is in the development subset when ``i % DEV_EVERY == 0``
  (:func:`in_retrieval_dev`). The rest are reported apart from it.
- ``assistant eval answers --calibrate``: a question is in dev when the first 8 hex digits
  of the SHA-1 of its text are even, else in test (:func:`split_of`): a split that does
  not depend on a file's order, so QA files of any origin split the same way.
- The hold-out of MultiHop-RAG articles (never trained or tuned on): the SHA-256 of the
  article's URL is odd (:func:`held_out`); a query is held out when all its evidence is
  (:func:`held_out_query`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from ..errors import InputError

T = TypeVar("T")
DEV_EVERY = 5  # answerable query number i (from 0) is in the development subset when i % 5 == 0


def read_jsonl(path: Path, what: str, build: Callable[[dict[str, Any]], T], expected: str) -> list[T]:
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


def in_retrieval_dev(number: int) -> bool:
    """Answerable query ``number`` (from 0) is in eval retrieval's development subset."""
    return number % DEV_EVERY == 0


def split_of(query: str) -> str:
    """A stable dev/test split by the query's hash (calibrate on dev, report on test)."""
    return "dev" if int(hashlib.sha1(query.encode()).hexdigest()[:8], 16) % 2 == 0 else "test"


def held_out(url: str) -> bool:
    """The project's hold-out rule for MultiHop-RAG articles (never trained or tuned on)."""
    return int(hashlib.sha256(url.encode()).hexdigest(), 16) % 2 == 1


def held_out_query(row: dict[str, Any]) -> bool:
    """A query whose evidence lies wholly in held-out articles; a null query (no evidence)
    by the same rule applied to its text."""
    evidence = row.get("evidence_list") or []
    if not evidence:
        return held_out(row["query"])
    return all(held_out(e["url"]) for e in evidence)
