"""The bench's measuring tools (timers, percentiles, memory and disk, a metered encoder)
and its data (benchmark records written as input files, the chunk texts ingest makes)."""

from __future__ import annotations

import json
import resource
import sys
import time
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError

QUERIES = 100  # latency sample: the first N answerable benchmark queries
ANSWERS = 50  # extractive answer() sample
BLOCK = 256  # texts per turn when two encoders take turns on the same chunks
SCALE_NOISE = 0.012  # per-dimension noise of a synthetic copy's vector (cosine ~0.97)


_T0 = time.perf_counter()


def say(message: str) -> None:
    print(f"[bench {time.perf_counter() - _T0:7.1f}s] {message}", file=sys.stderr, flush=True)


def percentiles(seconds: Sequence[float]) -> dict[str, float]:
    """p50 and p95 in milliseconds."""
    if not seconds:
        return {"p50_ms": 0.0, "p95_ms": 0.0}
    ms = np.asarray(seconds) * 1000
    return {"p50_ms": float(np.percentile(ms, 50)), "p95_ms": float(np.percentile(ms, 95))}


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def disk_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20


class Meter:
    """Counts the texts an embedder embeds and the seconds it spends, while installed."""

    def __init__(self) -> None:
        self.texts = 0
        self.seconds = 0.0


@contextmanager
def metered(embedder: Any, replace: Callable[[list[str]], np.ndarray] | None = None):
    """Shadow ``embedder.embed_documents`` (instance attribute) to meter it, or replace it."""
    meter = Meter()
    inner = replace or embedder.embed_documents

    def embed_documents(texts: list[str]) -> np.ndarray:
        start = time.perf_counter()
        try:
            return inner(texts)
        finally:
            meter.seconds += time.perf_counter() - start
            meter.texts += len(texts)

    embedder.embed_documents = embed_documents
    try:
        yield meter
    finally:
        del embedder.embed_documents


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


# ------------------------------------------------------------------------------ data
def corpus_records(data: Path, limit: int | None) -> list[dict[str, Any]]:
    path = data / "corpus.json"
    if not path.is_file():
        raise InputError(f"{data} must hold corpus.json (the MultiHop-RAG folder)")
    records = json.loads(path.read_text(encoding="utf-8"))
    return records[:limit] if limit else records


def write_json_files(records: list[dict[str, Any]], folder: Path, per_file: int) -> Path:
    """The records as JSON files of ``per_file`` records (ingest caps a file's size)."""
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(0, len(records), per_file):
        (folder / f"part-{n // per_file:04d}.json").write_text(
            json.dumps(records[n : n + per_file], ensure_ascii=False), encoding="utf-8"
        )
    return folder


def chunk_texts(target: Path, archive: Any) -> list[tuple[Any, Any, str]]:
    """(article, chunk, embedded text) of every chunk ingest will make from ``target``."""
    from ..ingestion.chunking import index_text
    from ..ingestion.pipeline import chunks_for_index
    from ..ingestion.readers import read_articles
    from ..records import Article

    rows = []
    for article in read_articles(str(target), archive.settings):
        if isinstance(article, Article):
            for c in chunks_for_index(article, archive):
                rows.append((article, c, index_text(article, c.text)))
    return rows
