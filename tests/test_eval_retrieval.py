"""``assistant eval retrieval``: the metric functions on hand-computed cases, the report, and
the command end to end on a small slice."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.cli.commands import main
from assistant.evaluate.retrieval import (
    Query,
    covers,
    load_queries,
    mean_scores,
    query_scores,
    squash,
)

from .conftest import MULTIHOP

FACTS = ["fact one", "fact two"]


def test_squash_removes_every_kind_of_whitespace():
    assert squash(" a\tb\n c\u00a0d ") == "abcd"


def test_scores_of_a_list_with_hits_at_ranks_two_and_four():
    retrieved = ["nothing here", "x fact  one y", "still nothing", "fact two and fact one"]
    s = query_scores(retrieved, FACTS)
    assert s["Hits@10"] == 1.0 and s["Hits@4"] == 1.0
    assert s["MRR@10"] == pytest.approx(1 / 2)
    # fact one first found at rank 2 (1/2), fact two at rank 4 (1/4); two gold facts
    assert s["MAP@10"] == pytest.approx((1 / 2 + 1 / 4) / 2)


def test_a_fact_counts_once_and_whitespace_is_ignored():
    retrieved = ["fact\none", "fact one again", "fa ct o ne"]
    s = query_scores(retrieved, FACTS)
    # ranks 1, 2 and 3 all hold fact one; only its first appearance adds precision
    assert s["MAP@10"] == pytest.approx((1 / 1) / 2)
    assert s["MRR@10"] == 1.0


def test_a_hit_below_four_and_one_below_ten():
    five = ["-"] * 4 + ["fact two"]
    s = query_scores(five, FACTS)
    assert (s["Hits@4"], s["Hits@10"], s["MRR@10"]) == (0.0, 1.0, pytest.approx(0.2))
    eleven = ["-"] * 10 + ["fact one"]
    assert query_scores(eleven, FACTS) == {
        "Hits@10": 0.0,
        "Hits@4": 0.0,
        "MAP@10": 0.0,
        "MRR@10": 0.0,
    }


def test_a_chunk_holding_two_facts_counts_both():
    s = query_scores(["fact one. fact two."], FACTS + ["fact three"])
    assert s["MAP@10"] == pytest.approx(2 / 3)


def test_coverage_needs_every_gold_article_in_the_top_ten():
    assert covers(["a", "b", "a", "c"], ["a", "c"])
    assert not covers(["a", "b"], ["a", "c"])
    assert not covers(["x"] * 10 + ["a"], ["a"])


def test_mean_scores():
    rows = [
        {"Hits@10": 1.0, "Hits@4": 0.0, "MAP@10": 0.5, "MRR@10": 0.2, "coverage": 1.0},
        {"Hits@10": 0.0, "Hits@4": 0.0, "MAP@10": 0.0, "MRR@10": 0.0, "coverage": 0.0},
    ]
    m = mean_scores(rows)
    assert m["Hits@10"] == 0.5 and m["MAP@10"] == 0.25 and m["queries"] == 2
    assert mean_scores([])["Hits@10"] == 0.0


def test_a_query_is_split_by_where_its_evidence_lies():
    from assistant.evaluate.datasets import held_out

    urls = [f"https://example.org/{n}" for n in range(40)]
    kept = [u for u in urls if not held_out(u)]
    out = [u for u in urls if held_out(u)]
    assert kept and out  # both halves occur
    assert Query(0, "q", "t", ("f",), (kept[0], kept[1])).split == "dev"
    assert Query(1, "q", "t", ("f",), (out[0],)).split == "test"
    assert Query(2, "q", "t", ("f",), (kept[0], out[0])).split == "mixed"


# ------------------------------------------------------------------------- end to end
SYNTHETIC = [
    (
        "Harbor Gazette",
        "2023-10-13",
        "Port strike halts shipping",
        "Dock workers at the eastern port went on strike on Friday. The union demands higher "
        "pay for night shifts. Container ships queued outside the harbour for three days.",
    ),
    (
        "Coastal Times",
        "2023-11-02",
        "Strike talks resume at the port",
        "Talks to end the dock strike resumed on Monday. The port authority offered a pay rise "
        "of three percent. Union leaders said the offer was too small.",
    ),
    (
        "Farm Weekly",
        "2023-10-05",
        "Orchard harvest sets a record",
        "Apple growers in the valley reported a record harvest this autumn. Cider makers "
        "bought most of the crop at higher prices than last year.",
    ),
    (
        "Tech Ledger",
        "2023-12-01",
        "Chipmaker opens a new plant",
        "The chipmaker opened a plant in the northern province. It will employ two thousand "
        "people and make processors for cars.",
    ),
]
SYNTHETIC_QUERIES = [
    (
        "Did the Harbor Gazette and the Coastal Times both report on pay for dock workers?",
        "comparison_query",
        [
            (0, "The union demands higher pay for night shifts."),
            (1, "The port authority offered a pay rise of three percent."),
        ],
    ),
    (
        "Which fruit growers reported a record harvest according to Farm Weekly?",
        "inference_query",
        [(2, "Apple growers in the valley reported a record harvest this autumn.")],
    ),
    (
        "How many people will the new chip plant employ?",
        "inference_query",
        [(3, "It will employ two thousand people and make processors for cars.")],
    ),
    ("Who sells space holidays to the Moon?", "null_query", []),
]


def synthetic_benchmark(folder: Path) -> Path:
    """A tiny corpus and query file in MultiHop-RAG's schema."""
    folder.mkdir(parents=True, exist_ok=True)
    corpus = [
        {
            "title": title,
            "source": source,
            "published_at": f"{day} 10:00:00.000000000Z",
            "url": f"https://example.org/{n}",
            "body": body,
            "author": None,
            "category": "news",
        }
        for n, (source, day, title, body) in enumerate(SYNTHETIC)
    ]
    queries = [
        {
            "query": text,
            "question_type": kind,
            "answer": "x",
            "evidence_list": [{"fact": fact, "url": f"https://example.org/{n}"} for n, fact in ev],
        }
        for text, kind, ev in SYNTHETIC_QUERIES
    ]
    (folder / "corpus.json").write_text(json.dumps(corpus))
    (folder / "MultiHopRAG.json").write_text(json.dumps(queries))
    return folder


def multihop_slice(folder: Path, queries: int = 4) -> Path:
    """The first answerable MultiHop-RAG queries whose articles are short, with just the
    articles they cite (a real slice, small enough to embed in seconds)."""
    corpus = json.loads((MULTIHOP / "corpus.json").read_text())
    records = json.loads((MULTIHOP / "MultiHopRAG.json").read_text())
    length = {a["url"]: len(a["body"]) for a in corpus}
    chosen = [
        r
        for r in records
        if r["evidence_list"] and all(length[e["url"]] < 5500 for e in r["evidence_list"])
    ][:queries]
    urls = {e["url"] for r in chosen for e in r["evidence_list"]}
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "corpus.json").write_text(json.dumps([a for a in corpus if a["url"] in urls]))
    (folder / "MultiHopRAG.json").write_text(json.dumps(chosen))
    return folder


def test_load_queries_skips_null_queries_and_honours_the_limit(tmp_path):
    folder = synthetic_benchmark(tmp_path / "bench")
    queries = load_queries(folder)
    assert [q.kind for q in queries] == ["comparison_query", "inference_query", "inference_query"]
    assert queries[0].urls == ("https://example.org/0", "https://example.org/1")
    assert len(load_queries(folder, limit=2)) == 2


def test_the_command_runs_end_to_end_and_writes_its_report(tmp_path, capsys):
    folder = synthetic_benchmark(tmp_path / "bench")
    out = tmp_path / "report.json"
    assert (
        main(["eval", "retrieval", "--data", str(folder), "--limit", "3", "--out", str(out)]) == 0
    )
    report = json.loads(out.read_text())
    assert report["queries"] == 3 and report["chunk_tokens"] == 256
    assert set(report["modes"]) == {"hybrid", "dense", "bm25"}
    for block in report["modes"].values():
        assert set(block) == {"all", "dev", "test", "mixed", "by_type", "latency_ms"}
        parts = [block[p]["queries"] for p in ("dev", "test", "mixed")]
        assert block["all"]["queries"] == 3 and sum(parts) == 3
        assert set(block["by_type"]) == {"comparison_query", "inference_query"}
        assert block["latency_ms"]["p95"] >= block["latency_ms"]["p50"] >= 0
    hybrid = report["modes"]["hybrid"]["all"]
    # four short articles, one chunk each: every query finds its facts and articles
    assert hybrid["Hits@10"] == 1.0 and hybrid["coverage"] == 1.0
    assert report["ingest"]["articles_added"] == 4
    printed = capsys.readouterr().out
    assert "hybrid / all" in printed and "paper best" in printed


def test_a_reused_store_is_not_embedded_again(tmp_path):
    folder = synthetic_benchmark(tmp_path / "bench")
    store, out = tmp_path / "store", tmp_path / "r.json"
    args = ["eval", "retrieval", "--data", str(folder), "--store", str(store), "--out", str(out)]
    assert main(args) == 0
    assert main(args) == 0
    report = json.loads(out.read_text())
    assert report["ingest"]["articles_added"] == 0 and report["ingest"]["articles_reused"] == 4


def test_a_folder_without_the_benchmark_is_a_clear_error(tmp_path, capsys):
    assert main(["eval", "retrieval", "--data", str(tmp_path)]) == 1
    assert "corpus.json and MultiHopRAG.json" in capsys.readouterr().err


@pytest.mark.skipif(not (MULTIHOP / "corpus.json").exists(), reason="shared benchmark absent")
def test_a_real_slice_of_multihop_rag(tmp_path):
    folder = multihop_slice(tmp_path / "slice")
    out = tmp_path / "report.json"
    assert (
        main(["eval", "retrieval", "--data", str(folder), "--limit", "4", "--out", str(out)]) == 0
    )
    modes = json.loads(out.read_text())["modes"]
    # with only the cited articles in the store, every retriever finds some evidence
    for mode in ("hybrid", "bm25"):
        assert modes[mode]["all"]["Hits@10"] >= 0.75, mode
    assert modes["hybrid"]["all"]["coverage"] >= modes["dense"]["all"]["coverage"]
