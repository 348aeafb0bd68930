"""``assistant bench``: what each stage costs, against its limit, measured in one process.

Every number is a ratio against a baseline run in the same process on the same data (a
shared machine is too noisy for absolute targets): the ingest pipeline against the bare
encoder on exactly its chunk texts and against the plain llama-index path, ``retrieve()``
against the bare Chroma query on the same query vectors, a cold start against importing
the package. The store is built in a temporary folder; the user's archive is not touched.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from ..config import Settings
from ..embed.embedder import embedder_kind, get_embedder
from ..embed.minilm import torch_installed
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
    collection = client.get_or_create_collection(
        "plain", configuration={"hnsw": {"space": "cosine"}}
    )
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


# ------------------------------------------------------------------------------- run
def run(args: argparse.Namespace, settings: Settings) -> int:
    """Run every stage, print the table, write JSON to ``--out``."""
    work = Path(tempfile.mkdtemp(prefix="assistant-bench-"))
    try:
        result = measure(args, settings, work)
    finally:
        from ..store.archive import close_archives

        close_archives()
        shutil.rmtree(work, ignore_errors=True)
    print(render(result))
    if getattr(args, "out", None):
        Path(args.out).write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


def measure(args: argparse.Namespace, settings: Settings, work: Path) -> dict:
    from ..store.archive import close_archives, open_archive
    from .retrieval import load_queries

    data = Path(args.data)
    limit = getattr(args, "limit_articles", None)
    records = corpus_records(data, limit)
    target = write_json_files(records, work / "input", per_file=len(records)) / "part-0000.json"
    bench = settings.model_copy(
        update={"data_dir": work / "store", "collection": "bench", "llm": "extractive"}
    )
    close_archives()
    embedder = open_archive(bench).embedder
    kind = embedder_kind(bench)
    result: dict[str, Any] = {
        "command": "assistant bench " + " ".join(sys.argv[2:]),
        "articles": len(records),
        "encoder": kind + (" int8" if kind == "onnx" and bench.onnx_int8 else ""),
    }

    say("chunking")
    chunk_s, rows = timed(lambda: chunk_texts(target, open_archive(bench)))
    texts = [t for _, _, t in rows]
    encoders = {kind: embedder}
    if kind == "onnx" and torch_installed():  # the comparison needs the [torch] extra
        encoders["torch"] = get_embedder(bench.model_copy(update={"embeddings": "torch"}))
    say(f"encoders on {len(texts)} chunks: {', '.join(encoders)}")
    runs = take_turns(encoders, texts)
    raw_s, vectors = runs[kind]
    result["encoder_limit"] = {
        "chunks": len(texts),
        "seconds": raw_s,
        "chunks_per_s": len(texts) / raw_s,
        "chunking_s": chunk_s,
    }
    gold = {r["url"] for r in records}
    queries = [q for q in load_queries(data) if set(q.urls) & gold]
    passages = [c.text for _, c, _ in rows]
    result["hits10_dense"] = {
        name: dense_hits(v, passages, queries, encoders[name]) for name, (_, v) in runs.items()
    }
    if "torch" in runs and kind != "torch":
        torch_s, torch_v = runs["torch"]
        cos = np.sum(torch_v * vectors, axis=1)
        result["onnx_vs_torch"] = {
            "speedup": torch_s / raw_s,
            "torch_s": torch_s,
            "onnx_s": raw_s,
            "cos_min": float(cos.min()),
            "cos_mean": float(cos.mean()),
        }

    say("ingest (normal path)")
    result["ingest"] = ingest_stage(target, bench, embedder)
    result["ingest"]["vs_encoder"] = result["ingest"]["seconds"] / raw_s
    say("ingest (plain llama-index path)")
    plain = plain_llama_index(target, work, bench, embedder)
    result["plain_llama_index"] = plain
    result["ingest"]["vs_plain"] = result["ingest"]["seconds"] / plain["seconds"]

    say("incremental")
    new = dict(
        records[-1], url=records[-1]["url"] + "#bench-new", title="New: " + records[-1]["title"]
    )
    new_file = work / "new.json"
    new_file.write_text(json.dumps([new]), encoding="utf-8")
    inc = incremental_stage(target, new_file, bench, embedder)
    inc["reingest_unchanged"]["vs_first"] = (
        inc["reingest_unchanged"]["seconds"] / result["ingest"]["seconds"]
    )
    result["incremental"] = inc

    say("retrieval")
    texts_q = load_query_texts(data, getattr(args, "queries", None) or QUERIES)
    result["retrieval"] = retrieval_stage(bench, texts_q, ANSWERS)
    result["retrieval"]["chunks"] = open_archive(bench).store.count_chunks()
    result["retrieval"]["vs_chroma_p50"] = (
        result["retrieval"]["retrieve"]["p50_ms"] / result["retrieval"]["chroma"]["p50_ms"]
    )
    result["disk_mb"] = disk_mb(bench.data_dir)
    close_archives()
    say("cold start")
    result["cold_start"] = cold_start(bench, texts_q[0])
    result["peak_rss_mb"] = peak_rss_mb()
    if args.scale:
        result["scale"] = scale_stage(args, bench, records, rows, vectors, work)
        result["scale"]["growth"] = growth(result, result["scale"])
    return result


def growth(small: dict, large: dict) -> dict[str, float]:
    """Exponent b of cost ~ N^b between the corpus and the synthetic archive."""
    n0, n1 = small["retrieval"]["chunks"], large["chunks"]
    if n1 <= n0:
        return {}
    pairs = {
        "retrieve_p50": (
            small["retrieval"]["retrieve"]["p50_ms"],
            large["retrieval"]["retrieve"]["p50_ms"],
        ),
        "chroma_p50": (
            small["retrieval"]["chroma"]["p50_ms"],
            large["retrieval"]["chroma"]["p50_ms"],
        ),
        "bm25_p50": (small["retrieval"]["bm25"]["p50_ms"], large["retrieval"]["bm25"]["p50_ms"]),
        "disk": (small["disk_mb"], large["disk_mb"]),
        "cold_start": (
            small["cold_start"]["first_answer_s"],
            large["cold_start"]["first_answer_s"],
        ),
        "cold_rss": (small["cold_start"]["rss_mb"], large["cold_start"]["rss_mb"]),
    }
    return {
        k: math.log(b / a) / math.log(n1 / n0) for k, (a, b) in pairs.items() if a > 0 and b > 0
    }


# ---------------------------------------------------------------------------- table
def rows_of(r: dict) -> Iterator[tuple[str, str, str, str]]:
    """(stage, measured, baseline, ratio / target) lines of the table."""
    ing, lim, plain = r["ingest"], r["encoder_limit"], r["plain_llama_index"]
    yield (
        "ingest",
        f"{ing['seconds']:.1f} s, {ing['chunks_per_s']:.1f} chunks/s",
        f"encoder alone {lim['seconds']:.1f} s",
        f"{ing['vs_encoder']:.2f}x (target <= 1.1x)",
    )
    yield (
        "",
        f"(encoder inside ingest {ing['encoder_seconds']:.1f} s, chunking {lim['chunking_s']:.1f} s)",
        f"plain llama-index {plain['seconds']:.1f} s, {plain['chunks_per_s']:.1f} chunks/s",
        f"{ing['vs_plain']:.2f}x (target < 1x)",
    )
    if "onnx_vs_torch" in r:
        o = r["onnx_vs_torch"]
        yield (
            "encoder",
            f"onnx {lim['chunks'] / o['onnx_s']:.1f} chunks/s",
            f"torch {lim['chunks'] / o['torch_s']:.1f} chunks/s",
            f"{o['speedup']:.2f}x (target >= 2x); cos min {o['cos_min']:.4f}",
        )
    hits = r["hits10_dense"]
    yield ("hits@10 dense", ", ".join(f"{k} {v:.4f}" for k, v in hits.items()), "", "within 0.01")
    inc = r["incremental"]
    yield (
        "re-ingest unchanged",
        f"{inc['reingest_unchanged']['seconds']:.2f} s, "
        f"{inc['reingest_unchanged']['embedded']} embedded",
        f"first ingest {ing['seconds']:.1f} s",
        f"{inc['reingest_unchanged']['vs_first']:.1%} (target < 5%)",
    )
    yield (
        "add one article",
        f"{inc['add_one']['seconds']:.2f} s ({inc['add_one']['chunks']} chunks)",
        "",
        "target < 2 s",
    )
    yield from _retrieval_rows(r["retrieval"], "")
    cs = r["cold_start"]
    yield (
        "cold start",
        f"first answer {cs['first_answer_s']:.2f} s, RSS {cs['rss_mb']:.0f} MB",
        f"import {cs['import_s']:.2f} s; with its libraries {cs['import_libraries_s']:.2f} s",
        f"{cs['ratio']:.2f}x (target <= 2x); {cs['ratio_vs_libraries']:.2f}x the imports with "
        f"libraries; BM25 loaded: {cs['bm25_reloaded_not_rebuilt']}",
    )
    yield (
        "store / memory",
        f"{r['disk_mb']:.0f} MB on disk",
        f"bench peak RSS {r['peak_rss_mb']:.0f} MB",
        "",
    )
    if "scale" in r:
        s = r["scale"]
        yield (
            f"scale N={s['chunks']}",
            f"ingest {s['ingest_s']:.0f} s, {s['pipeline_chunks_per_s']:.0f} chunks/s w/o encoder",
            f"{s['disk_mb']:.0f} MB on disk",
            "",
        )
        yield from _retrieval_rows(s["retrieval"], f"N={s['chunks']} ")
        cs = s["cold_start"]
        yield (
            f"N={s['chunks']} cold start",
            f"{cs['first_answer_s']:.2f} s, RSS {cs['rss_mb']:.0f} MB",
            f"import {cs['import_s']:.2f} s; with its libraries {cs['import_libraries_s']:.2f} s",
            f"{cs['ratio']:.2f}x; {cs['ratio_vs_libraries']:.2f}x with libraries",
        )
        yield (
            "growth N^b",
            ", ".join(f"{k} {v:.2f}" for k, v in s.get("growth", {}).items()),
            "",
            "",
        )


def _retrieval_rows(ret: dict, prefix: str) -> Iterator[tuple[str, str, str, str]]:
    p = ret
    yield (
        f"{prefix}retrieve()",
        f"p50 {p['retrieve']['p50_ms']:.1f} ms, p95 {p['retrieve']['p95_ms']:.1f} ms",
        f"raw chroma p50 {p['chroma']['p50_ms']:.1f} ms, p95 {p['chroma']['p95_ms']:.1f} ms",
        f"{p['retrieve']['p50_ms'] / max(p['chroma']['p50_ms'], 1e-9):.1f}x",
    )
    yield (
        "",
        f"(embed {p['embed']['p50_ms']:.1f}, dense {p['dense']['p50_ms']:.1f}, "
        f"bm25 {p['bm25']['p50_ms']:.1f} ms p50)",
        "",
        "",
    )
    yield (
        f"{prefix}answer() extractive",
        f"p50 {p['answer']['p50_ms']:.1f} ms, p95 {p['answer']['p95_ms']:.1f} ms",
        f"{p['answer'].get('declined', 0)} of {p['answer'].get('n', 0)} declined before "
        f"retrieval, {p['answer'].get('abstained', 0)} abstained",
        "target p50 <= 100 ms",
    )


def render(result: dict) -> str:
    """The result as an aligned text table."""
    lines = list(rows_of(result))
    widths = [max(len(row[i]) for row in lines) for i in range(4)]
    head = f"{result['command']}  ({result['articles']} articles, encoder {result['encoder']})"
    body = [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in lines
    ]
    return "\n".join([head, *body])
