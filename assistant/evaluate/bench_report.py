"""The bench's result as an aligned text table."""

from __future__ import annotations

from collections.abc import Iterator


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
        "target p50 <= 150 ms (with the reader)",
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
