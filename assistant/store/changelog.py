"""The archive's change log, kept in Chroma beside the articles: every write is numbered.

Several app servers may share one Chroma server. Each keeps its own BM25 index (Chroma
1.5.9 has no sparse index on a single node), and each caches the article registry; the
log tells them what changed since they last looked.

``<name>_changes`` holds one record per write (a batch of articles committed, one removed,
an interrupted write cleaned up): its generation ``n`` (record id ``gen-<n>``, 1, 2, 3, ...
without gaps), what it did and the ids of the articles it touched. A writer claims the next
generation by adding its record under that id and reading it back: Chroma keeps the first
record added under an id and ignores later adds, so of two writers racing for the same
number exactly one reads its own record back, and the other takes the next number.

A record is added *after* the write it describes is committed, so a reader that sees
generation ``n`` and then reads the articles it names reads them as they are now (as
written by ``n`` or a later write, which has a later record). Readers apply what the
articles are now, not what the record says was done, which makes replaying a record
harmless and the order of two racing writers irrelevant.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import StoreError
from .client import collection as chroma_collection

SUFFIX = "_changes"
OPS = ("add", "remove", "repair")
CLAIM_TRIES = 1000  # more writers than this racing for one number would be a bug


@dataclass(frozen=True)
class Change:
    """One numbered write: ``op`` is one of :data:`OPS`; ``doc_ids`` the articles touched."""

    generation: int
    op: str
    doc_ids: tuple[str, ...]


def _key(generation: int) -> str:
    return f"gen-{generation:012d}"


def _change(meta: dict[str, Any]) -> Change:
    return Change(int(meta["gen"]), str(meta.get("op", "")), tuple(json.loads(meta["docs"])))


class ChangeLog:
    """The ``<name>_changes`` collection: append a change, read the changes after one."""

    def __init__(self, collection: Any) -> None:
        self.collection = collection
        self.writer = uuid.uuid4().hex  # this process, in the records it writes
        self._head = 0  # the highest generation this process knows to exist
        self._lock = threading.Lock()

    def since(self, generation: int) -> list[Change]:
        """The changes after ``generation``, in order: one Chroma read (about 2 ms on
        loopback when there are none). Stops at the first gap (a number claimed between
        two reads of the log cannot leave one, but a reader must never skip a change)."""
        got = self.collection.get(where={"gen": {"$gt": int(generation)}}, include=["metadatas"])
        changes = sorted(
            (_change(meta) for meta in got["metadatas"] or []), key=lambda c: c.generation
        )
        contiguous: list[Change] = []
        for change in changes:
            if change.generation != generation + len(contiguous) + 1:
                break
            contiguous.append(change)
        if contiguous:
            with self._lock:
                self._head = max(self._head, contiguous[-1].generation)
        return contiguous

    def has(self, generation: int) -> bool:
        return bool(self.collection.get(ids=[_key(generation)], include=[])["ids"])

    def head(self) -> int:
        """The latest generation (0 for an empty log)."""
        with self._lock:
            start = self._head
        changes = self.since(start)
        return changes[-1].generation if changes else start

    def append(self, op: str, doc_ids: Sequence[str]) -> int:
        """Number and record a write that is committed already; returns its generation."""
        if op not in OPS:
            raise ValueError(f"unknown change {op!r}")
        nonce = uuid.uuid4().hex
        docs = json.dumps(list(dict.fromkeys(doc_ids)), ensure_ascii=False)
        generation = self.head() + 1
        for _ in range(CLAIM_TRIES):
            meta = {
                "gen": generation,
                "op": op,
                "docs": docs,
                "writer": self.writer,
                "nonce": nonce,
            }
            self.collection.add(ids=[_key(generation)], embeddings=[[1.0]], metadatas=[meta])
            got = self.collection.get(ids=[_key(generation)], include=["metadatas"])
            mine = bool(got["ids"]) and (got["metadatas"] or [{}])[0].get("nonce") == nonce
            with self._lock:
                self._head = max(self._head, generation)
            if mine:
                return generation
            generation += 1  # another writer took this number: try the next
        raise StoreError(f"could not number a change after {CLAIM_TRIES} tries")


def open_log(client: Any, collection: str) -> ChangeLog:
    return ChangeLog(chroma_collection(client, collection + SUFFIX, metadata={"schema": 1}))
