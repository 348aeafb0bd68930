"""Following the change log: this process's BM25 index and article registry kept up to
date with what other processes write to the same Chroma server.

What each app server keeps for itself is a cache of Chroma's state at a generation of the
change log (:mod:`assistant.store.changelog`): the article registry in memory, and the BM25 index
in its data folder (saved with that generation). :meth:`Follower.keep_up` reads the log
after that generation (one Chroma read, cheap when nothing changed), reads the articles the
new records name as they are now, and adds or drops just those articles' chunks in BM25;
nothing is rebuilt. Questions call it (at most once per ``sync_interval`` seconds), and
``assistant serve`` runs it on a thread of its own (:mod:`assistant.store.follow`) every
``sync_interval`` seconds, so a change made through one app server reaches the others
within about that interval even when no question comes in.

Every ``sync_full_interval`` seconds the thread also compares the whole registry with the
BM25 index (one read of the article records): the net under the one gap the log has, a
writer killed after committing articles and before numbering its record (its journal
re-records them when it starts again, but it may never start again).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Protocol

from ..config import Settings
from ..errors import AssistantError, StoreError
from ..records import ArticleInfo
from .bm25 import LexicalIndex
from .chroma import Store
from .nodes import group_records

log = logging.getLogger(__name__)
POSITION = "position"  # the key of the saved generation in the BM25 index's files


def unreachable(settings: Settings, exc: BaseException) -> StoreError:
    """The error questions and ingests get while the Chroma server does not answer."""
    lines = str(exc).strip().splitlines()
    detail = f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__
    return StoreError(
        f"the Chroma server at {settings.chroma_url} is not answering ({detail}). Nothing "
        f"stored is lost; try again in a moment: this app server carries on by itself once "
        f"Chroma is back."
    )


def is_transport_error(exc: BaseException) -> bool:
    """A connection to the Chroma server failed (refused, reset, timed out)."""
    import httpx

    return isinstance(exc, httpx.TransportError | ConnectionError | TimeoutError)


@contextmanager
def reaching(settings: Settings) -> Iterator[None]:
    """Turn a failed connection to the Chroma server into :func:`unreachable`'s error."""
    try:
        yield
    except Exception as exc:
        if settings.chroma_url and is_transport_error(exc):
            raise unreachable(settings, exc) from None
        raise


class Followed(Protocol):
    """What a :class:`Follower` keeps up to date: an opened archive
    (:class:`assistant.store.archive.Archive`)."""

    @property
    def settings(self) -> Settings: ...

    @property
    def store(self) -> Store: ...

    @property
    def lexical(self) -> LexicalIndex: ...

    def reconcile(self) -> bool: ...


class Follower:
    """One archive's place in the change log, and the catching up to its head."""

    def __init__(self, archive: Followed) -> None:
        self.archive = archive
        self.generation = 0
        self.checked = float("-inf")  # time.monotonic() of the last successful check
        self.full_checked = time.monotonic()
        self._lock = threading.Lock()

    @property
    def settings(self) -> Settings:
        return self.archive.settings

    def start(self) -> int:
        """Where to follow from: the head of the log now (the caller then compares the
        whole registry with BM25). The saved generation only spares reading the log from
        its start; it counts when the log it came from is still this store's log."""
        changes = self.archive.store.changes
        saved = self.archive.lexical.position
        ours = saved.get("log") == str(changes.collection.id)
        after = int(saved.get("generation", 0)) if ours else 0
        head = changes.since(after)
        self.generation = head[-1].generation if head else after
        if after and not head and not changes.has(after):
            self.generation = changes.head()  # the saved number is not in this log
        self.checked = time.monotonic()
        return self.generation

    def keep_up(self, *, wait: bool = False, force: bool = False) -> int:
        """Apply the changes other processes logged since the last check, if the last check
        is older than ``sync_interval`` (or ``force``); returns how many were applied.

        Without ``wait``, a check another thread is making already is not waited for.
        Raises a :class:`StoreError` saying so when the Chroma server does not answer."""
        interval = self.settings.sync_interval
        if not force and time.monotonic() - self.checked < interval:
            return 0
        if not self._lock.acquire(blocking=wait):
            return 0
        try:
            if not force and time.monotonic() - self.checked < interval:
                return 0  # another thread checked while this one waited
            return self._catch_up()
        finally:
            self._lock.release()

    def _catch_up(self) -> int:
        for attempt in (1, 2):
            try:
                changes = self.archive.store.changes.since(self.generation)
                if changes:
                    repair = {d for c in changes if c.op == "repair" for d in c.doc_ids}
                    touched = dict.fromkeys(d for c in changes for d in c.doc_ids)
                    apply_changes(self.archive, list(touched), refetch=repair)
                    self.generation = changes[-1].generation
                    self.save_position()
                break
            except AssistantError:
                raise
            except Exception as exc:
                if attempt == 1 and _collection_gone(exc):
                    self.archive.store.reopen()  # re-created by another process: try again
                    continue
                raise self._error(exc) from None
        self.checked = time.monotonic()
        return len(changes)

    def _error(self, exc: Exception) -> Exception:
        """What a failed look at the log raises: a StoreError that says what happened."""
        if self.settings.chroma_url and is_transport_error(exc):
            return unreachable(self.settings, exc)
        lines = str(exc).strip().splitlines()
        where = self.settings.chroma_url or self.settings.data_dir
        return StoreError(
            f"the store at {where} failed while this process caught up with its changes "
            f"({type(exc).__name__}: {lines[0] if lines else ''})"
        )

    def save_position(self) -> None:
        lexical = self.archive.lexical
        log_id = str(self.archive.store.changes.collection.id)
        lexical.position = {"generation": self.generation, "log": log_id}
        lexical.flush()

    def full_check(self) -> bool:
        """Compare every committed article with BM25 and repair the difference; True when
        something had to change."""
        with self._lock:
            try:
                self.archive.store.reread()
                changed = self.archive.reconcile()
            except AssistantError:
                raise
            except Exception as exc:
                raise self._error(exc) from None
            self.full_checked = time.monotonic()
            return changed


def _collection_gone(exc: BaseException) -> bool:
    from chromadb.errors import NotFoundError

    return isinstance(exc, NotFoundError)


def apply_changes(archive: Followed, doc_ids: list[str], refetch: Iterable[str] = ()) -> None:
    """Make the registry and BM25 hold these articles as Chroma holds them now: each one's
    committed version (its chunks read from Chroma), or nothing when it was removed."""
    store, lexical = archive.store, archive.lexical
    now = store.articles_now(doc_ids)
    store.set_articles(now)
    held = lexical.staged_hashes()
    again = set(refetch)
    drop = [d for d in doc_ids if d in held and held[d] != _hash(now[d])]
    fetch = {
        d: info.content_hash
        for d, info in now.items()
        if info is not None and (held.get(d) != info.content_hash or d in again)
    }
    if not drop and not fetch:
        return  # (this process's own writes: BM25 has them already)
    records = store.chunk_records(list(fetch)) if fetch else None
    lexical.update(remove=drop, add=group_records(records, fetch) if records else None)
    log.info("caught up: %d articles added or updated, %d removed", len(fetch), len(drop))


def _hash(info: ArticleInfo | None) -> str | None:
    return None if info is None else info.content_hash
