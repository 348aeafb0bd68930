"""The bench's stages, each against its baseline: the encoders taking turns, ingest (whole
and incremental) against plain llama-index, retrieval and answers, a cold start, and the
same archive at a larger scale."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from ..config import Settings
from ..store.client import collection as chroma_collection
from .bench_measure import (
    ANSWERS,
    BLOCK,
    QUERIES,
    SCALE_NOISE,
    disk_mb,
    metered,
    percentiles,
    say,
    timed,
    write_json_files,
)


# -------------------------------------------------------------------------- encoders
def take_turns(encoders: dict[str, Any], texts: list[str]) -> dict[str, tuple[float, np.ndarray]]:
    """Each encoder on the same texts, block by block in turn, so a change in the machine's
    load falls on all of them alike. Returns (seconds, vectors) per encoder."""
    seconds = dict.fromkeys(encoders, 0.0)
    parts: dict[str, list[np.ndarray]] = {name: [] for name in encoders}
    for start in range(0, len(texts), BLOCK):
        block = texts[start : start + BLOCK]
        for name, encoder in encoders.items():
            took, vectors = timed(partial(encoder.embed_documents, block))
            seconds[name] += took
            parts[name].append(vectors)
        say(f"encoders: {min(start + BLOCK, len(texts))}/{len(texts)} chunks")
    return {n: (seconds[n], np.concatenate(parts[n])) for n in encoders}


def dense_hits(vectors: np.ndarray, texts: list[str], queries, embedder) -> float:
    """MultiHop-RAG Hits@10 of brute-force cosine search over the chunks (upstream rule)."""
    from .retrieval import query_scores

    if not queries:
        return 0.0
    q = embedder.embed_documents([x.text for x in queries])
    top = np.argsort(-(q @ vectors.T), axis=1)[:, :10]
    scores = [
        query_scores([texts[i] for i in row], x.facts)["Hits@10"]
        for row, x in zip(top, queries, strict=True)
    ]
    return float(np.mean(scores))


def plain_llama_index(records_file: Path, work: Path, settings: Settings, embedder) -> dict:
    """The path most tutorials show: Documents -> SentenceSplitter -> VectorStoreIndex over a
    ChromaVectorStore, with the same encoder, chunk size and batch size."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from llama_index.core import Document, StorageContext, VectorStoreIndex
    from llama_index.core.embeddings import BaseEmbedding
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.vector_stores.chroma import ChromaVectorStore
    from pydantic import PrivateAttr

    class Adapter(BaseEmbedding):
        _inner: Any = PrivateAttr()

        def __init__(self, inner: Any, **kw: Any) -> None:
            super().__init__(**kw)
            self._inner = inner

        def _get_query_embedding(self, query: str) -> list[float]:
            return self._inner.embed_query(query).tolist()

        async def _aget_query_embedding(self, query: str) -> list[float]:
            return self._get_query_embedding(query)

        def _get_text_embedding(self, text: str) -> list[float]:
            return self._inner.embed_documents([text])[0].tolist()

        def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            return self._inner.embed_documents(texts).tolist()

    start = time.perf_counter()
    records = json.loads(records_file.read_text(encoding="utf-8"))
    docs = [
        Document(
            text=r["body"],
            metadata={k: r.get(k) or "" for k in ("title", "source", "published_at", "url")},
        )
        for r in records
    ]
    client = chromadb.PersistentClient(
        path=str(work / "plain-chroma"), settings=ChromaSettings(anonymized_telemetry=False)
    )
    collection = chroma_collection(client, "plain", configuration={"hnsw": {"space": "cosine"}})
    storage = StorageContext.from_defaults(
        vector_store=ChromaVectorStore(chroma_collection=collection)
    )
    with metered(embedder) as meter:
        VectorStoreIndex.from_documents(
            docs,
            storage_context=storage,
            embed_model=Adapter(embedder, embed_batch_size=settings.embed_batch_size),
            transformations=[
                SentenceSplitter(
                    chunk_size=settings.chunk_tokens, chunk_overlap=settings.chunk_overlap
                )
            ],
        )
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "chunks": meter.texts,
        "encoder_seconds": meter.seconds,
        "chunks_per_s": meter.texts / seconds if seconds else 0.0,
    }


# ---------------------------------------------------------------------------- stages
def ingest_stage(target: Path, bench: Settings, embedder) -> dict:
    from ..ingestion.pipeline import ingest

    with metered(embedder) as meter:
        seconds, report = timed(lambda: ingest([target], settings=bench))
    return {
        "seconds": seconds,
        "chunks": report.chunks,
        "articles": len(report.added),
        "encoder_seconds": meter.seconds,
        "chunks_per_s": report.chunks / seconds,
    }


def incremental_stage(target: Path, new_file: Path, bench: Settings, embedder) -> dict:
    from ..ingestion.pipeline import ingest

    with metered(embedder) as meter:
        again, report = timed(lambda: ingest([target], settings=bench))
    unchanged = {"seconds": again, "embedded": meter.texts, "unchanged": len(report.unchanged)}
    with metered(embedder) as meter:
        seconds, report = timed(lambda: ingest([new_file], settings=bench))
    added = {"seconds": seconds, "chunks": report.chunks, "encoder_seconds": meter.seconds}
    return {"reingest_unchanged": unchanged, "add_one": added}


def retrieval_stage(bench: Settings, queries: list[str], answers: int) -> dict:
    from ..answering.pipeline import answer
    from ..retrieval.retrieve import dense_search, lexical_search, retrieve
    from ..store.archive import open_archive

    archive = open_archive(bench)
    embedder = archive.embedder
    for q in queries[:3]:  # warm-up: first calls load caches and allocate
        retrieve(q, settings=bench)
    phases: dict[str, list[float]] = {
        k: [] for k in ("retrieve", "embed", "chroma", "dense", "bm25")
    }
    for q in queries:
        phases["retrieve"].append(timed(partial(retrieve, q, settings=bench))[0])
        took, vector = timed(partial(embedder.embed_query, q))
        phases["embed"].append(took)
        chroma = partial(
            archive.store.chunks.query,
            query_embeddings=[vector.tolist()],
            n_results=bench.candidates,
            include=["documents", "metadatas", "distances"],
        )
        phases["chroma"].append(timed(chroma)[0])
        phases["dense"].append(
            timed(partial(dense_search, archive, vector, bench.candidates, None))[0]
        )
        phases["bm25"].append(timed(partial(lexical_search, archive, q, bench.candidates, None))[0])
    out: dict[str, Any] = {name: percentiles(values) for name, values in phases.items()}
    answer(queries[0], settings=bench)
    answered = [timed(partial(answer, q, settings=bench)) for q in queries[:answers]]
    out["answer"] = percentiles([took for took, _ in answered])
    # Declined before retrieval (no passages) is cheap; say how many, so p50 is readable.
    out["answer"]["declined"] = sum(1 for _, a in answered if not a.passages)
    out["answer"]["abstained"] = sum(1 for _, a in answered if a.abstained)
    out["answer"]["n"] = len(answered)
    out["queries"] = len(queries)
    return out


_CHILD = """
import json, sys
import assistant
if sys.argv[1] == "libraries":
    import chromadb, llama_index.core, llama_index.retrievers.bm25, onnxruntime
    import llama_index.vector_stores.chroma
if sys.argv[1] == "answer":
    assistant.answer(sys.argv[2])
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the forking parent.
status = open("/proc/self/status").read().split("VmHWM:")[1].split()[0]
print(json.dumps({"rss_mb": int(status) / 1024}))
"""


def cold_start(bench: Settings, question: str, rounds: int = 2) -> dict:
    """A fresh process to the first answer, against a fresh process that imports the package,
    and one that imports it with the libraries an answer needs (Chroma, llama-index, ONNX
    Runtime): what start-up costs beyond loading code (best of ``rounds`` each, taken in
    turn). BM25 must be loaded, not rebuilt."""
    env = {
        **os.environ,
        "ASSISTANT_DATA_DIR": str(bench.data_dir),
        "ASSISTANT_LLM": "extractive",
        "ASSISTANT_COLLECTION": bench.collection,
        "ASSISTANT_EMBEDDINGS": bench.embeddings,
    }
    bm25 = next((bench.data_dir / "bm25").glob("*/CURRENT"), None)
    generation = bm25.read_text() if bm25 else None
    best: dict[str, tuple[float, float]] = {}
    for _ in range(rounds):
        for kind in ("import", "libraries", "answer"):
            start = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-c", _CHILD, kind, question],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            took = time.perf_counter() - start
            if done.returncode != 0:
                raise RuntimeError(f"cold-start child failed: {done.stderr[-2000:]}")
            rss = json.loads(done.stdout.strip().splitlines()[-1])["rss_mb"]
            if kind not in best or took < best[kind][0]:
                best[kind] = (took, rss)
    return {
        "import_s": best["import"][0],
        "first_answer_s": best["answer"][0],
        "ratio": best["answer"][0] / best["import"][0],
        "import_libraries_s": best["libraries"][0],
        "ratio_vs_libraries": best["answer"][0] / best["libraries"][0],
        "rss_mb": best["answer"][1],
        "bm25_reloaded_not_rebuilt": bm25 is not None and bm25.read_text() == generation,
    }


# ----------------------------------------------------------------------------- scale
def synthetic_records(records: list[dict[str, Any]], chunks_per_copy: int, n: int) -> list[dict]:
    """Copies of the corpus (new urls, same text) until they make about ``n`` chunks."""
    copies = max(1, math.ceil(n / max(1, chunks_per_copy)))
    out = []
    for c in range(copies):
        for r in records:
            out.append(
                {
                    **r,
                    "url": f"{r['url']}#copy-{c}",
                    "author": f"{r.get('author') or ''} (copy {c})",
                }
            )
    return out


def scale_stage(args, settings: Settings, records, rows, vectors, work: Path) -> dict:
    """A synthetic archive of about N chunks: perturbed copies of the corpus. Their vectors
    are the corpus vectors plus noise (a real encoder would take hours here), so ingest
    throughput below is the pipeline's own, without the encoder."""
    from ..store.archive import close_archives, open_archive

    table = {text: vectors[i] for i, (_, _, text) in enumerate(rows)}
    rng = np.random.default_rng(7)

    def lookup(texts: list[str]) -> np.ndarray:
        missing = [t for t in texts if t not in table]
        if missing:  # not expected: copies chunk like their originals
            table.update(zip(missing, real(missing), strict=True))
        base = np.stack([table[t] for t in texts])
        noisy = base + rng.normal(0, SCALE_NOISE, base.shape).astype(np.float32)
        return noisy / np.linalg.norm(noisy, axis=1, keepdims=True)

    synth = synthetic_records(records, len(rows), args.scale)
    folder = write_json_files(synth, work / "scale-input", per_file=max(1, len(records)))
    scale = settings.model_copy(update={"data_dir": work / "scale-store", "collection": "bench"})
    close_archives()
    embedder = open_archive(scale).embedder
    real = embedder.embed_documents
    say(f"scale: ingesting {len(synth)} synthetic articles")
    with metered(embedder, replace=lookup) as meter:
        seconds, _ = timed(lambda: ingest_quiet(folder, scale))
    out = {
        "chunks": meter.texts,
        "ingest_s": seconds,
        "pipeline_chunks_per_s": meter.texts / seconds if seconds else 0.0,
        "disk_mb": disk_mb(scale.data_dir),
    }
    queries = load_query_texts(Path(args.data), args.queries or QUERIES)
    say("scale: retrieval")
    out["retrieval"] = retrieval_stage(scale, queries, ANSWERS)
    close_archives()
    say("scale: cold start")
    out["cold_start"] = cold_start(scale, queries[0])
    return out


def ingest_quiet(target: Path, settings: Settings):
    from ..ingestion.pipeline import ingest

    return ingest([target], settings=settings)


def load_query_texts(data: Path, n: int) -> list[str]:
    from .retrieval import load_queries

    return [q.text for q in load_queries(data, limit=n)]
