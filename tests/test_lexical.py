"""The BM25 index updated in place ranks exactly as llama-index's BM25Retriever built anew."""

from __future__ import annotations

import json
import random
import re
from datetime import date

import bm25s
import numpy as np
import pytest
from llama_index.core.schema import QueryBundle
from llama_index.retrievers.bm25 import BM25Retriever

from assistant.records import Filters
from assistant.store import bm25 as lexical
from assistant.store.bm25 import LexicalIndex
from assistant.store.bm25_files import TERMS_FILE
from assistant.store.bm25_scoring import bm25_scores
from assistant.store.layout import date_bounds
from assistant.store.nodes import make_node

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
        meta["date_min"], meta["date_max"] = date_bounds(meta["published"])
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


def _indexed(tmp_path, articles: dict[str, list], doc_ids) -> LexicalIndex:
    """A new index in ``tmp_path / "bm25"`` holding these articles, flushed to disk."""
    index = LexicalIndex(tmp_path / "bm25")
    index.load()
    _stage(index, articles, doc_ids)
    index.flush()
    return index


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
    index = _indexed(tmp_path, articles, first)
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
    _indexed(tmp_path, articles, list(articles)[:-1])

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
    _indexed(tmp_path, articles, list(articles)[:6])
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
    index = _indexed(tmp_path, articles, articles)
    assert "runner0" in index.retriever.bm25.vocab_dict
    index.update(remove=["doc-0.txt"])
    index.flush()
    vocab = index.retriever.bm25.vocab_dict
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
    _indexed(tmp_path, articles, list(articles)[:30])
    again = LexicalIndex(tmp_path / "bm25")
    again.load()
    _stage(again, articles, list(articles)[30:])
    again.update(remove=list(articles)[:5])
    again.flush()
    _same_ranking(again, _rebuilt({d: articles[d] for d in list(articles)[5:]}), questions)


def _plain_hits(index: LexicalIndex, question: str, k: int, mask: list[int] | None):
    """What llama-index's own BM25Retriever returns over the same index and mask."""
    shared = index.retriever
    plain = BM25Retriever(existing_bm25=shared.bm25, similarity_top_k=k, corpus_weight_mask=mask)
    plain.stemmer, plain.corpus = shared.stemmer, shared.corpus
    return [
        (hit.node.node_id, hit.node.get_content(), hit.node.metadata, float(hit.score))
        for hit in plain.retrieve(QueryBundle(query_str=question))
        if hit.score and hit.score > 0
    ]


def _hits(index: LexicalIndex, question: str, k: int, filters=None):
    return [
        (node.node_id, node.get_content(), node.metadata, score)
        for node, score in index.search(question, k, filters)
    ]


def test_searches_return_what_bm25retriever_returns_with_and_without_a_filter(tmp_path):
    articles = _articles()
    index = _indexed(tmp_path, articles, articles)
    records = index.retriever.corpus
    reuters = Filters(sources=("Reuters",))
    in_reuters = [int(r["source"] == "Reuters") for r in records]
    assert 0 < sum(in_reuters) < len(records)
    for question in QUESTIONS:
        for k in (3, 10):
            assert _hits(index, question, k) == _plain_hits(index, question, k, None)
            found = _hits(index, question, k, reuters)
            assert found == _plain_hits(index, question, k, in_reuters)
            assert all(meta["source"] == "Reuters" for _, _, meta, _ in found)


def test_a_chunk_becomes_a_node_once_per_index(tmp_path, monkeypatch):
    from llama_index.core.vector_stores import utils

    articles = _articles()
    index = _indexed(tmp_path, articles, articles)
    made: list[str] = []
    real = utils.metadata_dict_to_node

    def noting(record, *args, **kwargs):
        made.append(record["node_id"])
        return real(record, *args, **kwargs)

    monkeypatch.setattr(utils, "metadata_dict_to_node", noting)
    first = index.search(QUESTIONS[0], 10)
    assert sorted(made) == sorted(node.node_id for node, _ in first)
    again = index.search(QUESTIONS[0], 10)
    assert [n for n, _ in again] == [n for n, _ in first]  # the same objects, made once
    assert len(made) == len(first)
    chunk = first[0][0].node_id
    assert index.node(chunk) is first[0][0]  # dense hits share them
    assert index.node("no such chunk") is None

    # The cache keeps the most recent nodes only; nodes made again are the same.
    monkeypatch.setattr(lexical, "NODE_CACHE", 2)
    small = LexicalIndex(tmp_path / "bm25")
    small.load()
    for question in QUESTIONS:
        expected = _plain_hits(small, question, 10, None)
        assert _hits(small, question, 10) == expected
        assert _hits(small, question, 10) == expected
        assert small.cached_nodes() <= 2


def test_a_replaced_article_is_found_with_its_new_text(tmp_path):
    articles = _articles(4)
    index = _indexed(tmp_path, articles, articles)
    old = index.search("runner2", 10)
    assert old and all(node.node_id.startswith("doc-2.txt#") for node, _ in old)
    meta = {"doc_id": "doc-2.txt", "title": "Story 2", "source": "AP", "published": "2023-03-12"}
    text = "The ferry sailed at dawn; runner2 waved from the quay."
    index.update(add={"doc-2.txt": ("hash-new", [make_node("doc-2.txt#0", text, meta)])})
    index.flush()
    found = index.search("runner2", 10)
    assert [(node.node_id, node.get_content()) for node, _ in found] == [("doc-2.txt#0", text)]
    assert index.node("doc-2.txt#0").get_content() == text
    assert index.node("doc-2.txt#1") is None


def test_a_loaded_index_reads_a_chunk_record_only_when_a_search_returns_it(tmp_path, monkeypatch):
    from concurrent.futures import ThreadPoolExecutor

    from assistant.errors import StoreError
    from assistant.store.bm25_files import CORPUS_FILE, ROWS_FILE, StoredCorpus
    from assistant.store.layout import matches

    articles = _articles()
    built = _indexed(tmp_path, articles, articles)
    records = list(built.retriever.corpus)
    some = [
        None,
        Filters(sources=("Reuters",)),
        Filters(since=date(2023, 4, 1)),
        Filters(sources=("AP",), until=date(2023, 5, 31)),
    ]
    expected = {(q, f): _hits(built, q, 10, f) for q in QUESTIONS for f in some}

    read: list[int] = []
    real = StoredCorpus.__getitem__

    def noting(self, index):
        read.append(index)
        return real(self, index)

    monkeypatch.setattr(StoredCorpus, "__getitem__", noting)
    loaded = LexicalIndex(tmp_path / "bm25")
    assert loaded.load()
    corpus = loaded.retriever.corpus
    assert isinstance(corpus, StoredCorpus) and len(corpus) == len(records)
    assert isinstance(loaded.retriever.bm25.scores["data"], np.memmap)
    assert read == []  # opening parsed no record
    for f in some[1:]:
        mask = loaded.mask(f).tolist()
        assert mask == [int(matches(r, f)) for r in records] and 0 < sum(mask) < len(mask)
    assert read == []  # nor did the filters
    found = loaded.search(QUESTIONS[0], 3)
    assert len(read) == len(found) == 3
    for (q, f), hits in expected.items():
        assert _hits(loaded, q, 10, f) == hits, (q, f)
    assert (
        loaded.node(records[5]["node_id"]).get_content()
        == built.node(records[5]["node_id"]).get_content()
    )
    assert list(corpus) == records

    # Threads reading records at once each get the record they asked for.
    positions = list(range(len(records))) * 40
    random.Random(1).shuffle(positions)
    with ThreadPoolExecutor(8) as pool:
        got = list(pool.map(lambda i: (i, real(corpus, i)["node_id"]), positions))
    assert all(cid == records[i]["node_id"] for i, cid in got)

    # An index saved before the rows were (an earlier version) is read whole, and the same.
    gen = tmp_path / "bm25" / (tmp_path / "bm25" / "CURRENT").read_text().strip()
    (gen / ROWS_FILE).unlink()
    older = LexicalIndex(tmp_path / "bm25")
    assert older.load() and isinstance(older.retriever.corpus, list)
    for (q, f), hits in expected.items():
        assert _hits(older, q, 10, f) == hits, (q, f)

    # A record damaged in place is an error that says how to repair it, not a wrong hit.
    built.update(remove=[])
    built.flush()
    gen = tmp_path / "bm25" / (tmp_path / "bm25" / "CURRENT").read_text().strip()
    data = bytearray((gen / CORPUS_FILE).read_bytes())
    data[10:20] = b"#" * 10
    (gen / CORPUS_FILE).write_bytes(bytes(data))
    damaged = LexicalIndex(tmp_path / "bm25")
    assert damaged.load()
    with pytest.raises(StoreError, match="assistant rebuild"):
        damaged.retriever.corpus[0]
    with pytest.raises(StoreError, match="assistant rebuild"):
        list(damaged.retriever.corpus)


def test_an_index_built_with_another_analyser_is_built_again(tmp_path):
    from assistant.store.bm25_files import ANALYSER_FILE, current_generation

    articles = _articles(3)
    _indexed(tmp_path, articles, articles)
    gen = current_generation(tmp_path / "bm25")
    assert gen is not None
    (gen / ANALYSER_FILE).write_text("porter/other-stopwords", encoding="utf-8")
    index = LexicalIndex(tmp_path / "bm25")
    assert not index.load()  # so the archive re-reads every article from the store
    assert index.manifest == {} and index.search("runner1", 10) == []
    _stage(index, articles, articles)
    index.flush()
    again = LexicalIndex(tmp_path / "bm25")
    assert again.load() and set(again.manifest) == set(articles)
    _same_ranking(again, _rebuilt(articles), QUESTIONS)


def test_one_analyser_reads_words_for_search_and_for_claims():
    from assistant.text.analyse import STOPWORDS, search_stopwords, stem, stem_words
    from assistant.text.match import tokens

    assert STOPWORDS.issuperset(search_stopwords())  # search drops a part of the list
    # the claim checks' tokens are the stems BM25 indexes
    assert tokens("drills invited missiles") == tuple(stem_words(["drills", "invited", "missiles"]))
    assert stem("drills") == stem("drill") and stem("Russia's".lower()) == stem("russia")
