"""The second ranking stage: passages re-ordered by their best single sentence."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from assistant import ingest
from assistant.retrieval.retrieve import search
from assistant.retrieval.sentence_rank import best_sentence_share, rerank
from assistant.store.archive import open_archive


def analyse(texts: list[str]) -> list[list[str]]:
    return [[w.strip(".,?").lower() for w in t.split()] for t in texts]


IDF = {"ferry": 2.0, "sank": 3.0, "harbour": 1.0, "monday": 1.0}


def test_the_share_is_that_of_the_best_single_sentence():
    question = frozenset({"ferry", "sank", "monday"})  # idf mass 6
    spread_out = (frozenset({"ferry"}), frozenset({"sank"}), frozenset({"monday"}))
    together = (frozenset({"ferry", "sank"}), frozenset({"harbour"}))
    assert best_sentence_share(question, spread_out, IDF) == pytest.approx(3 / 6)
    assert best_sentence_share(question, together, IDF) == pytest.approx(5 / 6)
    assert best_sentence_share(frozenset({"unknown"}), together, IDF) == 0.0
    assert best_sentence_share(question, (), IDF) == 0.0


_SHARE_IN_A_FRESH_PROCESS = """
from assistant.retrieval.sentence_rank import best_sentence_share
idf = {f"term{i}": 0.1 * i + 1 / 3 for i in range(40)}
question = frozenset(idf)
sentence = frozenset(list(idf)[:29])
print(repr(best_sentence_share(question, (sentence,), idf)))
"""


def test_the_share_does_not_depend_on_the_order_of_a_set():
    # A set's order follows Python's string hashing, which changes from process to process;
    # a float sum in that order changes in its last bits and could swap two tied passages.
    shares = set()
    for seed in range(8):
        done = subprocess.run(
            [sys.executable, "-c", _SHARE_IN_A_FRESH_PROCESS],
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
            capture_output=True,
            text=True,
            check=True,
        )
        shares.add(done.stdout.strip())
    assert len(shares) == 1


def test_rerank_lifts_the_passage_that_answers_in_one_sentence():
    texts = {
        "scattered": "A ferry left. Later it sank. That was on Monday.",
        "answer": "The ferry sank on Monday. The harbour was calm.",
        "tail": "Nothing here.",
    }
    ranked = [("scattered", 10.0), ("answer", 9.0), ("tail", 1.0)]
    out = rerank(ranked, texts, "Which ferry sank on Monday?", analyse, IDF, weight=1.0, depth=2)
    assert [k for k, _ in out] == ["answer", "scattered", "tail"]
    assert out[-1][1] <= min(s for _, s in out[:2])  # the tail stays below the head
    # weight 0 (or depth 0) leaves the fused order alone
    assert rerank(ranked, texts, "ferry sank", analyse, IDF, weight=0, depth=2) == ranked
    assert rerank(ranked, texts, "ferry sank", analyse, IDF, weight=1, depth=0) == ranked
    assert rerank([], texts, "ferry sank", analyse, IDF, weight=1, depth=2) == []


def test_idf_comes_from_the_bm25_index(hashed, tmp_path):
    docs = [
        {"title": f"Note {i}", "source": "Gazette", "body": f"The council met again. Item {i}."}
        for i in range(4)
    ] + [{"title": "Flood", "source": "Gazette", "body": "The levee broke near Alderton."}]
    path = tmp_path / "notes.json"
    path.write_text(json.dumps(docs))
    ingest([path], settings=hashed)
    lexical = open_archive(hashed).lexical
    idf = lexical.idf()
    (council,), (levee,) = lexical.analyse(["council", "levee"])
    assert idf[levee] > idf[council] > 0  # the rarer word weighs more
    assert lexical.analyse(["The levee broke."]) == [[levee, "broke"]]


@pytest.mark.parametrize("weight, first", [(0.0, "Council notes"), (3.0, "Bridge works")])
def test_retrieval_prefers_the_chunk_that_answers(hashed, fake, tmp_path, weight, first):
    """Both articles hold the question's words; only one holds them in one sentence, and
    BM25 alone prefers the other (it says them more often)."""
    docs = [
        {
            "title": "Council notes",
            "source": "Gazette",
            "body": "The mayor spoke on repairs. The mayor and the mayor's aides spoke of "
            "repairs, repairs and more repairs. Residents asked about the bridge. The river "
            "rose.",
        },
        {
            "title": "Bridge works",
            "source": "Gazette",
            "body": "Officials said the mayor promised repairs to the river bridge, whose "
            "deck was closed to lorries last winter after engineers found cracks in two "
            "of its spans. Work starts in May and should take most of the summer, with a "
            "ferry running in the meantime for foot passengers and cyclists.",
        },
    ]
    path = tmp_path / "docs.json"
    path.write_text(json.dumps(docs))
    update = {"sentence_weight": weight, "dense_weight": 0.0, "data_dir": tmp_path / "store"}
    settings = hashed.model_copy(update=update)
    archive = open_archive(settings, fake)
    ingest([path], settings=settings)
    passages = search(archive, "mayor repairs river bridge", k=2)
    assert passages[0].title == first
