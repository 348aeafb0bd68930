"""The Chroma client of a store (a local folder or a Chroma server) and the errors it
raises, told apart and worded for the user."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from ..config import Settings
from ..errors import StoreError


def chroma_client(settings: Settings):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise StoreError(
                f"ASSISTANT_CHROMA_URL must look like http://host:8000, not {settings.chroma_url!r}"
            )
        try:
            return chromadb.HttpClient(
                host=url.hostname,
                port=url.port or (443 if url.scheme == "https" else 8000),
                ssl=url.scheme == "https",
                settings=chroma_settings,
            )
        except Exception as exc:  # chromadb raises plain ValueError/ConnectionError here
            raise StoreError(
                f"cannot reach the Chroma server at {settings.chroma_url}: {exc}"
            ) from exc
    path = settings.data_dir / "chroma"
    path.mkdir(parents=True, exist_ok=True)
    try:
        return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
    except BaseException as exc:
        if not is_chroma_failure(exc):
            raise
        # The articles live in this database too, so `assistant rebuild` cannot help here.
        raise StoreError(
            f"cannot open the store at {path}: {error_line(exc)}. If its database is "
            f"damaged, restore the folder from a backup, or move it away and ingest your "
            f"articles again."
        ) from None


def is_chroma_failure(exc: BaseException) -> bool:
    """An error from chromadb, including the Rust core's panic on a damaged database file
    (pyo3's PanicException derives from BaseException, so ``except Exception`` misses it)."""
    return isinstance(exc, Exception) or type(exc).__name__ == "PanicException"


def is_chroma_error(exc: BaseException) -> bool:
    """An error chromadb raised reading or writing (a damaged file, a lost segment)."""
    from chromadb.errors import ChromaError

    return isinstance(exc, ChromaError) or type(exc).__name__ == "PanicException"


def error_line(exc: BaseException) -> str:
    """The first line of an error's message (or its type's name), for a one-line report."""
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def damaged(where: object, exc: BaseException) -> StoreError:
    """The error for a store that opened but cannot be read."""
    return StoreError(
        f"cannot read the store at {where}: {error_line(exc)}. Run `assistant rebuild` to "
        f"re-create its vectors from the stored articles; if that fails too, restore the "
        f"folder from a backup or ingest your articles again."
    )


def collection(client: Any, name: str, **options: Any) -> Any:
    """The collection ``name``, created when missing, with no embedding function: every
    write brings its own vectors, and Chroma's default function would download a model.
    Chroma falls back to that default for a collection created without a configuration,
    so one is always given (Chroma's default space, l2, unless the caller names one). A
    collection an earlier version created keeps the configuration it was created with."""
    options.setdefault("configuration", {"hnsw": {"space": "l2"}})
    return client.get_or_create_collection(name, embedding_function=None, **options)
