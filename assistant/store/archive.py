"""The opened archive: store, BM25 index and embedder, kept consistent with each other."""

from __future__ import annotations

import threading
from pathlib import Path

from ..config import Settings
from ..embed.embedder import MINILM_NAME, Embedder, embedder_kind, get_embedder
from ..errors import StoreError
from .bm25 import LexicalIndex
from .chroma import Store
from .client import damaged, is_chroma_error
from .nodes import group_records
from .open_stores import close_stores, forget_store, open_store
from .sync import Follower


def embedder_identity(settings: Settings) -> str:
    """The name the store records for the configured embedder, without loading it."""
    kind = embedder_kind(settings)
    return f"openai:{settings.embedding_model}" if kind == "openai" else MINILM_NAME


class Archive:
    """Everything retrieval and ingest need, opened once per process and settings.

    ``embedder`` replaces the configured one (tests use a deterministic fake); the store
    then records and checks that embedder's name instead.
    """

    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        self.settings = settings
        self._embedder = embedder
        self._loaded: Embedder | None = None
        identity = embedder.name if embedder is not None else embedder_identity(settings)
        self.store: Store = open_store(settings, identity)
        # BM25 lives beside the local store; with a Chroma server, beside this machine's data.
        self.lexical = LexicalIndex(settings.data_dir / "bm25" / local_name(settings))
        self._lock = threading.RLock()
        self._ready = False
        self.follower = Follower(self)
        # Held by each ingest and removal in this process: a journal left by one that
        # failed is cleaned up by the next, never while another one writes.
        self.writing = threading.Lock()

    @property
    def embedder(self) -> Embedder:
        if self._embedder is not None:
            return self._embedder
        if self._loaded is None:  # resolved once: choosing it looks at files on disk
            self._loaded = get_embedder(self.settings)
        return self._loaded

    def ready(self) -> Archive:
        """Recover from an interrupted ingest and load (or repair) BM25; idempotent."""
        with self._lock:
            if not self._ready:
                if rebuild_marker(self.settings).exists():
                    raise StoreError(
                        "an `assistant rebuild` of this store was interrupted: run "
                        "`assistant rebuild` again to finish it"
                    )
                try:
                    self.store.recover()
                    self.lexical.load()
                    self.follower.start()  # the log's head, read before the registry
                    self.store.refresh()
                    self.reconcile()
                    self.follower.save_position()
                    self._check_vectors()
                except BaseException as exc:
                    if not is_chroma_error(exc):
                        raise
                    raise damaged(self.settings.chroma_url or self.settings.data_dir, exc) from None
                self._ready = True
        return self

    def _check_vectors(self) -> None:
        """Fewer vectors than the committed articles' chunks means some were lost (a deleted
        collection or segment): answering would silently miss those articles."""
        for _ in range(3):  # another process may remove an article between the two reads
            expected = sum(info.chunks for info in self.store.registry().values())
            found = self.store.count_chunks()
            if found >= expected:
                return
            self.store.reread()
        if found < expected:  # more is normal while another client writes to a server
            raise StoreError(
                f"the store holds {len(self.store.registry())} articles in {expected} chunks "
                f"but only {found} vectors: run `assistant rebuild` to re-create them from "
                f"the stored articles"
            )

    def keep_up(self) -> None:
        """Take in what other processes changed in the store, if the last look is older
        than ``sync_interval`` seconds (see :mod:`assistant.store.sync`)."""
        self.follower.keep_up()

    def reconcile(self) -> bool:
        """Make BM25 hold exactly the committed articles; True when it had to change."""
        committed = {d: a.content_hash for d, a in self.store.registry().items()}
        manifest = self.lexical.manifest
        if committed == manifest:
            return False
        stale = [d for d, h in manifest.items() if committed.get(d) != h]
        missing = [d for d, h in committed.items() if manifest.get(d) != h]
        records = self.store.chunk_records(missing)
        self.lexical.update(remove=stale, add=group_records(records, committed))
        self.lexical.flush()
        return True


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)[:120]


def local_name(settings: Settings) -> str:
    """This store's name among the local files (BM25, markers) of the data folder."""
    key = settings.collection + ("@" + settings.chroma_url if settings.chroma_url else "")
    return _safe(key)


def rebuild_marker(settings: Settings) -> Path:
    """A file present while ``assistant rebuild`` runs: a store with half of its vectors
    must not answer as if it were whole."""
    return settings.data_dir / f"rebuild-{local_name(settings)}.incomplete"


_archives: dict[str, Archive] = {}
_archives_lock = threading.Lock()


def _key(settings: Settings) -> str:
    return settings.model_dump_json(
        include={"data_dir", "chroma_url", "collection", "embeddings", "embedding_model"}
    )


def open_archive(settings: Settings, embedder: Embedder | None = None) -> Archive:
    """The archive for these settings, opened and made consistent once per process.

    The first call for a store may hand in an ``embedder`` to use instead of the configured
    one; later calls without one get the same archive (so ``ingest``, ``retrieve`` and
    ``answer`` all use it).
    """
    key = _key(settings)
    with _archives_lock:
        archive = _archives.get(key)
        if archive is not None and embedder is not None and archive.embedder is not embedder:
            archive = None  # another embedder asked for explicitly: reopen (and re-check)
        if archive is None:
            archive = _archives[key] = Archive(settings, embedder)
    return archive.ready()


def install_archive(archive: Archive) -> Archive:
    """Make an archive built outside :func:`open_archive` the one it returns."""
    with _archives_lock:
        _archives[_key(archive.settings)] = archive
    return archive.ready()


def forget_archive(settings: Settings) -> None:
    """Drop the cached archive of these settings (after its store was rebuilt)."""
    with _archives_lock:
        _archives.pop(_key(settings), None)
    forget_store(settings)


def close_archives() -> None:
    """Forget every opened archive and store (tests use fresh folders)."""
    with _archives_lock:
        _archives.clear()
    close_stores()
