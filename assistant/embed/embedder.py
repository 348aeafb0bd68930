"""Embedders: all-MiniLM-L6-v2 on CPU (ONNX Runtime, or torch), or an OpenAI-compatible API.

Each embedder has a ``name`` that the store records, so a store is never queried with
vectors from another model. The torch and ONNX paths run the same model and share a name.
The ONNX path (the default) runs the graph shipped in ``assistant/weights``; the torch path
needs the ``[torch]`` extra (torch, sentence-transformers and the packaged weights).
"""

from __future__ import annotations

import contextlib
import re
import threading
import weakref
from collections import OrderedDict
from collections.abc import Sequence
from functools import lru_cache
from typing import Protocol

import numpy as np

from ..config import Settings
from ..errors import ConfigError, EngineError, describe_error
from ..text.redact import display_url
from .minilm import (
    MINILM_NAME,
    TORCH_EXTRA,
    WordPieceCounter,
    minilm_path,
    onnx_available,
    torch_installed,
)
from .onnx_embedder import OnnxMiniLM

_WORD = re.compile(r"\w+|[^\w\s]", re.UNICODE)


def approximate_tokens(text: str) -> int:
    """A tokenizer-free estimate: words and punctuation, a little inflated for word pieces."""
    return int(len(_WORD.findall(text)) * 1.2) + 1


def embedder_kind(settings: Settings) -> str:
    """The embedder ``local`` resolves to: the ONNX path when it is available."""
    if settings.embeddings != "local":
        return settings.embeddings
    return "onnx" if onnx_available() else "torch"


class Embedder(Protocol):
    """Turns texts into unit-length vectors."""

    name: str
    dim: int

    def embed_documents(self, texts: list[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...

    def count_tokens(self, text: str) -> int: ...


class TorchMiniLM:
    """all-MiniLM-L6-v2 through sentence-transformers on the CPU (the ``[torch]`` extra)."""

    name = MINILM_NAME
    dim = 384

    def __init__(self, batch_size: int = 32) -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise ConfigError(f"the torch encoder needs {TORCH_EXTRA} ({exc})") from exc

        path = minilm_path()
        self._model = SentenceTransformer(str(path), device="cpu")
        self._batch = batch_size
        self._lock = threading.Lock()  # torch modules are not safe to call concurrently
        self.count_tokens = WordPieceCounter(path / "tokenizer.json")

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            vectors = self._model.encode(
                texts, batch_size=self._batch, normalize_embeddings=True, show_progress_bar=False
            )
        return np.asarray(vectors, dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_documents([text])[0]


class OpenAIEmbedder:
    """Embeddings from an OpenAI-compatible ``/v1/embeddings`` endpoint."""

    dim = 0

    def __init__(self, settings: Settings) -> None:
        from openai import OpenAI

        key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else "none"
        self._client = OpenAI(
            api_key=key,
            base_url=settings.openai_base_url,
            timeout=settings.llm_timeout,
            max_retries=settings.llm_retries,
        )
        self._model = settings.embedding_model
        self._batch = settings.embed_batch_size
        self.name = f"openai:{settings.embedding_model}"
        self.count_tokens = approximate_tokens

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        import openai

        out: list[list[float]] = []
        for i in range(0, len(texts), self._batch):
            try:
                resp = self._client.embeddings.create(
                    model=self._model, input=texts[i : i + self._batch]
                )
            except openai.OpenAIError as exc:
                # Never the server's own message: some echo the API key they were sent.
                message = describe_error(exc, display_url(str(self._client.base_url)))
                raise EngineError(message.replace("language model", "embedding server")) from None
            out.extend(_pooled(d.embedding) for d in sorted(resp.data, key=lambda d: d.index))
        vectors = np.asarray(out, dtype=np.float32)
        if len(vectors):
            norms = np.linalg.norm(vectors, axis=1, keepdims=True)
            vectors = vectors / np.maximum(norms, 1e-12)
            self.dim = vectors.shape[1]
        return vectors

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_documents([text])[0]


def _pooled(embedding: list) -> list[float]:
    """One vector per text. llama.cpp's server returns one vector per token for models
    without a pooling type (chat models such as SmolLM2): average them."""
    if embedding and isinstance(embedding[0], list):
        return np.asarray(embedding, dtype=np.float32).mean(axis=0).tolist()
    return embedding


@lru_cache(maxsize=2)
def load_minilm(kind: str, batch: int, int8: bool) -> Embedder:
    if kind == "onnx":
        return OnnxMiniLM(batch_size=batch, quantize=int8)
    return TorchMiniLM(batch_size=batch)


_minilm_lock = threading.Lock()
_prefetched: set[tuple[str, int, bool]] = set()


def _minilm(kind: str, batch: int, int8: bool) -> Embedder:
    # One load at a time: a caller arriving while the background load runs waits for it
    # and gets the same encoder instead of loading a second one.
    with _minilm_lock:
        return load_minilm(kind, batch, int8)


def prefetch_embedder(settings: Settings) -> None:
    """Start loading the configured local encoder on a background thread, so that loading
    it (an ONNX Runtime session: ~0.4 s) overlaps opening the store and importing
    llama-index. :func:`get_embedder` then returns it, or waits for it; a failure is
    left for that call to raise."""
    key = (settings.embeddings, settings.embed_batch_size, settings.onnx_int8)
    with _minilm_lock:
        if key in _prefetched:
            return  # loaded (or loading) already: nothing to start
        _prefetched.add(key)
    if embedder_kind(settings) not in ("onnx", "torch"):
        return

    def load() -> None:
        with contextlib.suppress(Exception):
            get_embedder(settings)

    threading.Thread(target=load, name="assistant-embedder", daemon=True).start()


_openai_cache: dict[tuple, OpenAIEmbedder] = {}


def get_embedder(settings: Settings) -> Embedder:
    """The configured embedder, loaded once per process and configuration."""
    kind = embedder_kind(settings)
    match kind:
        case "torch" | "onnx":
            try:
                return _minilm(kind, settings.embed_batch_size, settings.onnx_int8)
            except ConfigError as exc:
                if kind != "onnx" or settings.embeddings != "local" or not torch_installed():
                    raise
                # ``local`` chose ONNX but it cannot run here: the torch path gives the
                # same vectors under the same name, only slower.
                import warnings

                warnings.warn(f"{exc}; using the torch encoder", stacklevel=2)
                return _minilm("torch", settings.embed_batch_size, False)
        case "openai":
            key = (settings.openai_base_url, settings.embedding_model, settings.openai_api_key)
            if key not in _openai_cache:
                _openai_cache[key] = OpenAIEmbedder(settings)
            return _openai_cache[key]
    raise ConfigError(f"unknown embedder {kind!r}: use local, torch, onnx or openai")


# ------------------------------------------------------------------------ vector cache
_CACHE_SIZE = 4096
_caches: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_cache_lock = threading.Lock()


def cached_vectors(embedder: Embedder, texts: Sequence[str]) -> np.ndarray:
    """Unit vectors for ``texts``, embedding only those this embedder has not seen lately.

    Retrieval and the extractive engine embed the same question, and the engine and the
    claim checker the same passage sentences; sharing this cache keeps checking an answer
    nearly free."""
    with _cache_lock:
        cache = _caches.setdefault(embedder, OrderedDict())
        missing = list(dict.fromkeys(t for t in texts if t not in cache))
    if missing:
        fresh = embedder.embed_documents(missing)
        with _cache_lock:
            for text, vector in zip(missing, fresh, strict=True):
                cache[text] = vector
            while len(cache) > _CACHE_SIZE:
                cache.popitem(last=False)
    with _cache_lock:
        out = []
        for t in texts:
            vector = cache.get(t)
            if vector is None:  # evicted meanwhile by another thread: embed again
                vector = embedder.embed_documents([t])[0]
            else:
                cache.move_to_end(t)
            out.append(vector)
    return np.asarray(out, dtype=np.float32).reshape(len(texts), -1)
