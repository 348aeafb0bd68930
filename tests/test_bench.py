"""``assistant bench`` on a tiny slice of MultiHop-RAG, and its pure helpers."""

from __future__ import annotations

import argparse
import json

import numpy as np
import pytest

from assistant.config import Settings
from assistant.evaluate.bench import growth, run
from assistant.evaluate.bench_measure import metered, percentiles
from assistant.evaluate.bench_report import render
from assistant.evaluate.bench_stages import synthetic_records

from .conftest import MULTIHOP, needs_multihop


def test_percentiles_in_milliseconds() -> None:
    got = percentiles([0.001 * n for n in range(1, 101)])
    assert got["p50_ms"] == pytest.approx(50.5)
    assert got["p95_ms"] == pytest.approx(95.05)
    assert percentiles([]) == {"p50_ms": 0.0, "p95_ms": 0.0}


def test_synthetic_copies_have_new_ids_and_the_same_text() -> None:
    records = [{"url": "u1", "body": "a", "author": None}, {"url": "u2", "body": "b"}]
    copies = synthetic_records(records, chunks_per_copy=10, n=35)
    assert len(copies) == 8  # four copies of two articles make 40 >= 35 chunks
    assert len({r["url"] for r in copies}) == 8
    assert [r["body"] for r in copies[:2]] == ["a", "b"]


def test_growth_exponents() -> None:
    small = {
        "retrieval": {
            "chunks": 100,
            **{k: {"p50_ms": 10.0} for k in ("retrieve", "chroma", "bm25")},
        },
        "disk_mb": 1.0,
        "cold_start": {"first_answer_s": 2.0, "rss_mb": 100.0},
    }
    large = {
        "chunks": 10000,
        "retrieval": {
            k: {"p50_ms": v} for k, v in (("retrieve", 100.0), ("chroma", 10.0), ("bm25", 1000.0))
        },
        "disk_mb": 100.0,
        "cold_start": {"first_answer_s": 2.0, "rss_mb": 100.0},
    }
    g = growth(small, large)
    assert g["retrieve_p50"] == pytest.approx(0.5)  # 10x slower for 100x the chunks
    assert g["chroma_p50"] == pytest.approx(0.0)
    assert g["bm25_p50"] == pytest.approx(1.0) and g["disk"] == pytest.approx(1.0)


def test_metered_counts_and_restores() -> None:
    class Encoder:
        def embed_documents(self, texts):
            return np.zeros((len(texts), 2))

    enc = Encoder()
    with metered(enc) as meter:
        enc.embed_documents(["a", "b"])
        enc.embed_documents(["c"])
    assert meter.texts == 3
    assert "embed_documents" not in vars(enc)  # the class's method is back


@needs_multihop
@pytest.mark.slow
def test_bench_on_a_tiny_slice(tmp_path, capsys) -> None:
    out = tmp_path / "bench.json"
    args = argparse.Namespace(
        data=str(MULTIHOP), scale=60, out=str(out), limit_articles=2, queries=3
    )
    assert run(args, Settings(data_dir=tmp_path / "unused")) == 0
    result = json.loads(out.read_text(encoding="utf-8"))
    chunks = result["encoder_limit"]["chunks"]
    assert result["articles"] == 2 and chunks > 0
    assert result["ingest"]["chunks"] == chunks  # the encoder saw exactly ingest's chunks
    assert result["incremental"]["reingest_unchanged"]["embedded"] == 0
    assert result["incremental"]["add_one"]["chunks"] > 0
    assert result["retrieval"]["queries"] == 3
    assert result["cold_start"]["bm25_reloaded_not_rebuilt"] is True
    assert result["cold_start"]["ratio_vs_libraries"] > 0
    if "onnx_vs_torch" in result:  # int8 weights move vectors a little (see test_onnx_embedder)
        floor = 0.97 if result["encoder"].endswith("int8") else 0.99
        assert result["onnx_vs_torch"]["cos_min"] >= floor
    assert result["scale"]["chunks"] >= 60
    assert not (tmp_path / "unused").exists()  # the user's archive is never touched
    table = capsys.readouterr().out
    assert table == render(result) + "\n"
    for label in ("ingest", "retrieve()", "cold start", "scale N="):
        assert label in table
