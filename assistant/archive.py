"""The opened archive: store, BM25 index and embedder, kept consistent with each other."""

from __future__ import annotations

import threading

from .config import Settings
from .embeddings import MINILM_NAME, Embedder, get_embedder
from .lexical import LexicalIndex
from .store import Store, open_store


def embedder_identity(settings: Settings) -> str:
    """The name the store records for the configured embedder, without loading it."""
    kind = settings.embedder_name()
    return f"openai:{settings.embedding_model}" if kind == "openai" else MINILM_NAME


class Archive:
    """Everything retrieval and ingest need, opened once per process and settings."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.store: Store = open_store(settings, embedder_identity(settings))
        # BM25 lives beside the local store; with a Chroma server, beside this machine's data.
        key = settings.collection + ("@" + settings.chroma_url if settings.chroma_url else "")
        self.lexical = LexicalIndex(settings.data_dir / "bm25" / _safe(key))
        self._lock = threading.RLock()
        self._ready = False

    @property
    def embedder(self) -> Embedder:
        return get_embedder(self.settings)

    def ready(self) -> Archive:
        """Recover from an interrupted ingest and load (or repair) BM25; idempotent."""
        with self._lock:
            if not self._ready:
                self.store.recover()
                self.lexical.load()
                self.reconcile()
                self._ready = True
        return self

    def reconcile(self) -> bool:
        """Make BM25 hold exactly the committed articles; True when it had to change."""
        committed = {d: a.content_hash for d, a in self.store.registry().items()}
        manifest = self.lexical.manifest
        if committed == manifest:
            return False
        stale = [d for d, h in manifest.items() if committed.get(d) != h]
        missing = [d for d, h in committed.items() if manifest.get(d) != h]
        from .lexical import _group

        records = self.store.chunk_records(missing)
        self.lexical.update(remove=stale, add=_group(records, committed))
        self.lexical.flush()
        return True


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)[:120]


_archives: dict[str, Archive] = {}
_archives_lock = threading.Lock()


def open_archive(settings: Settings) -> Archive:
    """The archive for these settings, opened and made consistent once per process."""
    key = settings.model_dump_json(
        include={"data_dir", "chroma_url", "collection", "embeddings", "embedding_model"}
    )
    with _archives_lock:
        if key not in _archives:
            _archives[key] = Archive(settings)
        archive = _archives[key]
    return archive.ready()


def close_archives() -> None:
    """Forget every opened archive and store (tests use fresh folders)."""
    from .store import close_stores

    with _archives_lock:
        _archives.clear()
    close_stores()
