"""The BM25 index updated in place ranks exactly as llama-index's BM25Retriever built anew."""

from __future__ import annotations

import json
import random
import re

import bm25s
import numpy as np
import pytest
from llama_index.core.schema import QueryBundle
from llama_index.retrievers.bm25 import BM25Retriever

from assistant import lexical
from assistant.lexical import TERMS_FILE, LexicalIndex, bm25_scores, make_node

from .conftest import MULTIHOP, SEED_FILE, needs_multihop

QUESTIONS = [
    "Who is Russia's ambassador to North Korea?",
    "What did the ambassador say about the talks?",
    "Pyongyang Moscow relations embassy",
    "running runner runs",
    "Reuters 2023",
    "the of and",  # stop words only
]


def _articles(count: int = 12) -> dict[str, list]:
    """Small articles cut from the seed article's paragraphs, two or three chunks each."""
    paragraphs = [p for p in SEED_FILE.read_text(encoding="utf-8").split("\n") if len(p) > 40]
    rng = random.Random(7)
    articles = {}
    for a in range(count):
        doc_id = f"doc-{a}.txt"
        meta = {
            "doc_id": doc_id,
            "title": f"Story {a}",
            "source": rng.choice(["Reuters", "AP"]),
            "published": f"2023-0{1 + a % 9}-1{a % 10}",
            "content_hash": f"h{a}",
        }
        texts = [rng.choice(paragraphs) + f" runner{a} running{a % 3}" for _ in range(2 + a % 2)]
        articles[doc_id] = [
            make_node(f"{doc_id}#{i}", text, {**meta, "start": 0, "end": len(text)})
            for i, text in enumerate(texts)
        ]
    return articles


def _rebuilt(articles: dict[str, list]) -> BM25Retriever:
    nodes = [n for group in articles.values() for n in group]
    return BM25Retriever.from_defaults(nodes=nodes, language="en", similarity_top_k=10)


def _same_ranking(index: LexicalIndex, reference: BM25Retriever, questions: list[str]) -> None:
    """The same scores for the same chunks, to the bit (the order of equal scores follows
    the order the chunks were added in, which differs)."""
    for question in questions:
        ours = [(score, node.node_id) for node, score in index.search(question, 10)]
        theirs = [
            (float(hit.score), hit.node.node_id)
            for hit in reference.retrieve(QueryBundle(query_str=question))
            if hit.score and hit.score > 0
        ]
        assert [s for s, _ in ours] == [s for s, _ in theirs], question
        last = ours[-1][0] if len(ours) == 10 else -1.0  # ties at the cut may differ
        assert sorted(x for x in ours if x[0] > last) == sorted(x for x in theirs if x[0] > last)


def _stage(index: LexicalIndex, articles: dict[str, list], doc_ids) -> None:
    index.update(add={d: (f"hash-{d}", articles[d]) for d in doc_ids})


def test_scores_are_those_bm25s_computes():
    rng = random.Random(3)
    words = [f"w{i}" for i in range(60)]
    docs = [
        [rng.choice(words[: rng.randint(5, 60)]) for _ in range(rng.randint(1, 40))]
        for _ in range(80)
    ]
    reference = bm25s.BM25()
    reference.index(docs, show_progress=False)
    vocab = {w: i for i, w in enumerate(words)}
    bags = [np.unique([vocab[w] for w in doc], return_counts=True) for doc in docs]
    ours = bm25_scores([t for t, _ in bags], [c for _, c in bags], len(words))

    def dense(scores, ids):  # doc x word matrix, whatever the term ids are
        matrix = np.zeros((len(docs), len(words)), dtype=np.float32)
        for word, column in ids.items():
            if word:
                start, end = scores["indptr"][column], scores["indptr"][column + 1]
                matrix[scores["indices"][start:end], vocab[word]] = scores["data"][start:end]
        return matrix

    assert ours["num_docs"] == reference.scores["num_docs"] == len(docs)
    assert np.array_equal(dense(ours, vocab), dense(reference.scores, reference.vocab_dict))


def test_an_index_updated_in_place_ranks_as_one_built_anew(tmp_path):
    articles = _articles()
    first, later = list(articles)[:8], list(articles)[8:]
    index = LexicalIndex(tmp_path / "bm25")
    index.load()
    _stage(index, articles, first)
    index.flush()
    _same_ranking(index, _rebuilt({d: articles[d] for d in first}), QUESTIONS)

    # From disk, as another process finds it: add some articles, replace one, drop two.
    again = LexicalIndex(tmp_path / "bm25")
    assert again.load()
    _stage(again, articles, later + [first[0]])
    again.update(remove=first[1:3])
    again.flush()
    kept = {d: articles[d] for d in first[3:] + later + [first[0]]}
    _same_ranking(again, _rebuilt(kept), QUESTIONS)
    assert again.manifest == {d: f"hash-{d}" for d in kept}

    third = LexicalIndex(tmp_path / "bm25")
    assert third.load()
    _same_ranking(third, _rebuilt(kept), QUESTIONS)


def test_adding_an_article_tokenizes_that_article_alone(tmp_path, monkeypatch):
    articles = _articles()
    index = LexicalIndex(tmp_path / "bm25")
    index.load()
    _stage(index, articles, list(articles)[:-1])
    index.flush()

    seen: list[str] = []

    class Counting:  # the word pattern, noting each text it splits
        pattern = lexical._WORD.pattern

        def findall(self, text):
            seen.append(text)
            return re.findall(self.pattern, text)

    monkeypatch.setattr(lexical, "_WORD", Counting())
    again = LexicalIndex(tmp_path / "bm25")
    again.load()
    last = list(articles)[-1]
    _stage(again, articles, [last])
    again.flush()
    assert len(seen) == len(articles[last])
    _same_ranking(again, _rebuilt(articles), QUESTIONS)


@pytest.mark.parametrize("damage", ["missing", "garbage", "other index"])
def test_an_index_without_good_term_counts_is_tokenized_again(tmp_path, damage):
    articles = _articles()
    index = LexicalIndex(tmp_path / "bm25")
    index.load()
    _stage(index, articles, list(articles)[:6])
    index.flush()
    gen = tmp_path / "bm25" / (tmp_path / "bm25" / "CURRENT").read_text().strip()
    if damage == "missing":  # as an index saved before the counts were kept
        (gen / TERMS_FILE).unlink()
    elif damage == "garbage":
        (gen / TERMS_FILE).write_bytes(b"\x00not numpy" * 20)
    else:
        with np.load(gen / TERMS_FILE) as saved:
            arrays = dict(saved)
        arrays["docs"] = arrays["docs"][:-1]
        with open(gen / TERMS_FILE, "wb") as out:
            np.savez(out, **arrays)

    again = LexicalIndex(tmp_path / "bm25")
    assert again.load()
    _stage(again, articles, list(articles)[6:])
    again.update(remove=[list(articles)[0]])
    again.flush()
    _same_ranking(again, _rebuilt({d: articles[d] for d in list(articles)[1:]}), QUESTIONS)


def test_the_terms_of_removed_articles_leave_the_vocabulary(tmp_path):
    articles = _articles(4)
    index = LexicalIndex(tmp_path / "bm25")
    index.load()
    _stage(index, articles, articles)
    index.flush()
    assert "runner0" in index._retriever.bm25.vocab_dict
    index.update(remove=["doc-0.txt"])
    index.flush()
    vocab = index._retriever.bm25.vocab_dict
    assert "runner0" not in vocab and "runner1" in vocab
    assert sorted(vocab.values()) == list(range(len(vocab)))
    _same_ranking(index, _rebuilt({d: articles[d] for d in list(articles)[1:]}), QUESTIONS)


@needs_multihop
def test_news_articles_rank_as_a_rebuild_does(tmp_path):
    corpus = json.loads((MULTIHOP / "corpus.json").read_text(encoding="utf-8"))[:40]
    articles = {}
    for a, item in enumerate(corpus):
        doc_id = f"mh-{a}"
        body = item["body"]
        meta = {
            "doc_id": doc_id,
            "title": item["title"],
            "source": item["source"],
            "published": item["published_at"][:10],
        }
        pieces = [body[i : i + 1500] for i in range(0, len(body), 1500)]
        articles[doc_id] = [make_node(f"{doc_id}#{i}", p, meta) for i, p in enumerate(pieces)]
    questions = [item["title"] for item in corpus[::4]] + QUESTIONS
    index = LexicalIndex(tmp_path / "bm25")
    index.load()
    _stage(index, articles, list(articles)[:30])
    index.flush()
    again = LexicalIndex(tmp_path / "bm25")
    again.load()
    _stage(again, articles, list(articles)[30:])
    again.update(remove=list(articles)[:5])
    again.flush()
    _same_ranking(again, _rebuilt({d: articles[d] for d in list(articles)[5:]}), questions)
