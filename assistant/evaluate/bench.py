"""``assistant bench``: what each stage costs, against its limit, measured in one process.

Every number is a ratio against a baseline run in the same process on the same data (a
shared machine is too noisy for absolute targets): the ingest pipeline against the bare
encoder on exactly its chunk texts and against the plain llama-index path, ``retrieve()``
against the bare Chroma query on the same query vectors, a cold start against importing
the package. The store is built in a temporary folder; the user's archive is not touched.
The stages are :mod:`assistant.evaluate.bench_stages`, the table
:mod:`assistant.evaluate.bench_report`.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from ..config import Settings
from ..embed.embedder import embedder_kind, get_embedder
from ..embed.minilm import torch_installed
from .bench_measure import (
    ANSWERS,
    QUERIES,
    chunk_texts,
    corpus_records,
    disk_mb,
    peak_rss_mb,
    say,
    timed,
    write_json_files,
)
from .bench_report import render
from .bench_stages import (
    cold_start,
    dense_hits,
    incremental_stage,
    ingest_stage,
    load_query_texts,
    plain_llama_index,
    retrieval_stage,
    scale_stage,
    take_turns,
)


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
