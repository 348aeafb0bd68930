"""``assistant eval retrieval``: retrieval quality on MultiHop-RAG (Tang & Yang, 2024).

Builds a store from the benchmark's ``corpus.json`` through the normal ingest path, runs
every answerable query through the normal :func:`assistant.retrieval.retrieve.retrieve`, and scores
the top 10 passages the way the benchmark's own ``retrieval_evaluate.py`` does: a passage is
a hit when a gold evidence fact, whitespace removed, is a substring of it, whitespace
removed. Two baselines are scored in the same run on the same chunks: dense only and BM25
only. Queries are split into a fixed development subset (every fifth answerable query, the
one tuning looked at) and the rest, so a reader can see whether tuning generalised.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..config import Settings
from ..embed.embedder import embedder_kind, get_embedder
from ..errors import InputError
from .datasets import split_of

SPLITS = ("dev", "test", "mixed")

MODES = ("hybrid", "dense", "bm25")
K = 10
PAPER_BEST = {  # Table 5 of the paper: voyage-02 embeddings + bge-reranker-large
    "name": "paper best (voyage-02 + bge-reranker-large)",
    "Hits@10": 0.7467,
    "Hits@4": 0.6625,
    "MAP@10": None,  # not carried over here: check Table 5 before quoting it
    "MRR@10": 0.5860,
}


# ------------------------------------------------------------------------ pure metrics
def squash(text: str) -> str:
    """The text with every whitespace character removed (how the benchmark compares)."""
    return "".join(text.split())


def query_scores(retrieved: Sequence[str], facts: Sequence[str]) -> dict[str, float]:
    """Hits@10, Hits@4, AP@10 and RR@10 of one ranked list, as upstream defines them.

    ``retrieved`` are passage texts best first; ``facts`` the gold evidence sentences. AP
    counts each gold fact once, at the first passage holding it, and divides by the number
    of gold facts (at most 10).
    """
    gold = [squash(f) for f in facts]
    found: list[str] = []
    hit10 = hit4 = False
    precision_sum = 0.0
    first: int | None = None
    for rank, text in enumerate((squash(t) for t in retrieved[:K]), start=1):
        inside = [g for g in gold if g in text]
        if not inside:
            continue
        hit10 = True
        hit4 = hit4 or rank <= 4
        first = first or rank
        new = 0
        for g in gold:
            if g in text and g not in found:
                new += 1
                found.append(g)
        precision_sum += new / rank
    return {
        "Hits@10": float(hit10),
        "Hits@4": float(hit4),
        "MAP@10": precision_sum / min(len(gold), K) if gold else 0.0,
        "MRR@10": 1.0 / first if first else 0.0,
    }


def covers(retrieved_docs: Sequence[str], gold_docs: Sequence[str]) -> bool:
    """Whether every gold article appears among the retrieved articles."""
    return set(gold_docs) <= set(retrieved_docs[:K])


def mean_scores(rows: Sequence[dict[str, float]]) -> dict[str, float]:
    """The mean of each metric over queries (0 for no queries)."""
    keys = ("Hits@10", "Hits@4", "MAP@10", "MRR@10", "coverage")
    n = len(rows)
    return {k: (sum(r[k] for r in rows) / n if n else 0.0) for k in keys} | {"queries": n}


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) of some values, 0 for none."""
    return float(np.percentile(values, q)) if len(values) else 0.0


# ------------------------------------------------------------------------------ data
@dataclass(frozen=True)
class Query:
    """One answerable benchmark query and its gold evidence."""

    number: int  # position among the answerable queries, from 0
    text: str
    kind: str
    facts: tuple[str, ...]
    urls: tuple[str, ...]

    @property
    def split(self) -> str:
        """``dev``, ``test`` or ``mixed``, by where its evidence lies (:func:`.datasets.split_of`)."""
        return split_of(self.urls)


def load_queries(folder: Path, limit: int | None = None) -> list[Query]:
    """The answerable queries of ``MultiHopRAG.json`` (the first ``limit`` of them)."""
    path = folder / "MultiHopRAG.json"
    if not path.is_file() or not (folder / "corpus.json").is_file():
        raise InputError(f"{folder} must hold corpus.json and MultiHopRAG.json (MultiHop-RAG)")
    try:
        records = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(f"{path} is not valid JSON: {exc}") from None
    queries: list[Query] = []
    for record in records:
        evidence = record.get("evidence_list") or []
        if record.get("question_type") == "null_query" or not evidence:
            continue
        queries.append(
            Query(
                number=len(queries),
                text=record["query"],
                kind=record.get("question_type", "unknown"),
                facts=tuple(e["fact"] for e in evidence),
                urls=tuple(dict.fromkeys(e["url"] for e in evidence)),
            )
        )
        if limit is not None and len(queries) >= limit:
            break
    return queries


# ------------------------------------------------------------------------------- run
class TimedEmbedder:
    """Wraps an embedder: remembers each query's vector and how long embedding took, so the
    eval reports retrieval time without the embedding and embeds each query once."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name, self.dim, self.count_tokens = inner.name, inner.dim, inner.count_tokens
        self.vectors: dict[str, np.ndarray] = {}
        self.seconds: dict[str, float] = {}

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> np.ndarray:
        if text not in self.vectors:
            started = time.perf_counter()
            self.vectors[text] = self.inner.embed_query(text)
            self.seconds[text] = time.perf_counter() - started
        return self.vectors[text]


@dataclass
class ModeResult:
    rows: list[dict[str, float]] = field(default_factory=list)
    latency: list[float] = field(default_factory=list)  # seconds, query embedding excluded


def eval_settings(settings: Settings, store: Path) -> Settings:
    """The user's settings with the eval's store and the paper's 256-token chunks."""
    return settings.model_copy(update={"data_dir": store, "chunk_tokens": 256})


def build_store(corpus: Path, settings: Settings, progress: bool) -> dict[str, Any]:
    """Ingest the corpus (a no-op for articles a reused store already holds)."""
    from ..ingestion.pipeline import ingest

    started = time.perf_counter()
    report = ingest([corpus], settings=settings, progress=progress)
    return {
        "seconds": round(time.perf_counter() - started, 1),
        "articles_added": len(report.added) + len(report.updated),
        "articles_reused": len(report.unchanged),
        "chunks_written": report.chunks,
    }


def run_queries(
    settings: Settings,
    queries: Sequence[Query],
    modes: Sequence[str] = MODES,
    tick: Callable[[], None] | None = None,
) -> dict[str, ModeResult]:
    """Every query through ``retrieve()`` (hybrid) and the baselines, scored."""
    from ..retrieval.retrieve import retrieve, search
    from ..store.archive import open_archive

    timed = TimedEmbedder(get_embedder(settings))
    archive = open_archive(settings, embedder=timed)
    results = {m: ModeResult() for m in modes}
    for query in queries:
        for mode in modes:
            started = time.perf_counter()
            if mode == "hybrid":
                passages = retrieve(query.text, k=K, settings=settings)
            else:
                vector = timed.embed_query(query.text) if mode == "dense" else None
                started = time.perf_counter()
                passages = search(archive, query.text, k=K, mode=mode, query_vector=vector)  # type: ignore[arg-type]
            took = time.perf_counter() - started
            if mode == "hybrid":
                took -= timed.seconds.get(query.text, 0.0)
            row = query_scores([p.text for p in passages], query.facts)
            row["coverage"] = float(covers([p.url or p.doc_id for p in passages], query.urls))
            results[mode].rows.append(row)
            results[mode].latency.append(took)
        if tick is not None:
            tick()
    return results


def summarise(queries: Sequence[Query], results: dict[str, ModeResult]) -> dict[str, Any]:
    """Metrics per mode for all queries, the dev subset, the rest, and each question type."""
    out: dict[str, Any] = {}
    kinds = sorted({q.kind for q in queries})
    for mode, result in results.items():
        pairs = list(zip(queries, result.rows, strict=True))
        out[mode] = {
            "all": mean_scores(result.rows),
            **{part: mean_scores([r for q, r in pairs if q.split == part]) for part in SPLITS},
            "by_type": {k: mean_scores([r for q, r in pairs if q.kind == k]) for k in kinds},
            "latency_ms": {
                "p50": round(percentile(result.latency, 50) * 1000, 2),
                "p95": round(percentile(result.latency, 95) * 1000, 2),
            },
        }
    return out


def format_table(summary: dict[str, Any]) -> str:
    """A plain-text table: one line per mode and subset, then the paper's best."""
    head = f"{'retriever':<44}{'Hits@10':>8}{'Hits@4':>8}{'MAP@10':>8}{'MRR@10':>8}{'cover':>8}{'n':>6}"
    lines = [head, "-" * len(head)]
    for mode, block in summary.items():
        for part in ("all", *SPLITS):
            m = block[part]
            lines.append(
                f"{mode + ' / ' + part:<44}{m['Hits@10']:>8.4f}{m['Hits@4']:>8.4f}"
                f"{m['MAP@10']:>8.4f}{m['MRR@10']:>8.4f}{m['coverage']:>8.4f}{m['queries']:>6}"
            )
        for kind, m in block["by_type"].items():
            lines.append(
                f"{'  ' + mode + ' / ' + kind:<44}{m['Hits@10']:>8.4f}{m['Hits@4']:>8.4f}"
                f"{m['MAP@10']:>8.4f}{m['MRR@10']:>8.4f}{m['coverage']:>8.4f}{m['queries']:>6}"
            )
        lat = block["latency_ms"]
        lines.append(f"  latency without query embedding: p50 {lat['p50']} ms, p95 {lat['p95']} ms")
    p = PAPER_BEST
    lines.append(
        f"{p['name']:<44}{p['Hits@10']:>8.4f}{p['Hits@4']:>8.4f}{'-':>8}"
        f"{p['MRR@10']:>8.4f}{'-':>8}{2255:>6}"
    )
    return "\n".join(lines)


def run(args: argparse.Namespace, settings: Settings) -> int:
    """The CLI command: build (or reuse) a store, run the queries, print and save a report."""
    from tqdm import tqdm

    folder = Path(args.data)
    queries = load_queries(folder, args.limit)
    if not queries:
        raise InputError(f"{folder / 'MultiHopRAG.json'} holds no answerable queries")
    store_arg = getattr(args, "store", None)
    temp = None if store_arg else tempfile.TemporaryDirectory(prefix="assistant-eval-")
    store = Path(store_arg) if store_arg else Path(temp.name)  # type: ignore[union-attr]
    try:
        cfg = eval_settings(settings, store)
        print(f"building the store in {store} ...", file=sys.stderr)
        built = build_store(folder / "corpus.json", cfg, progress=True)
        bar = tqdm(total=len(queries), unit=" queries", desc="retrieval", file=sys.stderr)
        started = time.perf_counter()
        try:
            results = run_queries(cfg, queries, tick=lambda: bar.update(1))
        finally:
            bar.close()
        query_seconds = time.perf_counter() - started
        from ..store.archive import open_archive

        chunks = open_archive(cfg).store.count_chunks()
    finally:
        from ..store.archive import close_archives

        close_archives()
        if temp is not None:
            temp.cleanup()
    summary = summarise(queries, results)
    report = {
        "benchmark": str(folder),
        "queries": len(queries),
        "splits": "dev: evidence in training-half articles only; test: in held-out ones only",
        "chunk_tokens": cfg.chunk_tokens,
        "chunk_overlap": cfg.chunk_overlap,
        "chunks": chunks,
        "embedder": embedder_kind(cfg),
        "ingest": built,
        "query_seconds": round(query_seconds, 1),
        "modes": summary,
        "paper_best": PAPER_BEST,
    }
    print(format_table(summary))
    print(
        f"ingest {built['seconds']} s ({built['articles_added']} articles embedded, "
        f"{built['articles_reused']} reused, {chunks} chunks); "
        f"queries {report['query_seconds']} s for {len(queries)} x {len(MODES)} retrievers"
    )
    if args.out:
        Path(args.out).write_text(json.dumps(report, indent=2), encoding="utf-8")
        print(f"report written to {args.out}")
    return 0
