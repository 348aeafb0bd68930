"""BM25 scores as ``bm25s`` computes them (its "lucene" method), from each chunk's term
counts with numpy, so a flush re-scores the index without tokenizing again."""

from __future__ import annotations

from collections.abc import Callable, Container
from dataclasses import dataclass
from typing import Any

import numpy as np


def bm25_scores(
    terms: list[np.ndarray],
    counts: list[np.ndarray],
    n_vocab: int,
    k1: float = 1.5,
    b: float = 0.75,
) -> dict[str, Any]:
    """The term-by-document score matrix ``bm25s`` builds (its "lucene" method), in its
    layout (CSC over terms), from each document's term ids and counts.

    The arithmetic follows ``bm25s.scoring`` step by step, so the scores are the same to
    the last bit; only the loop over documents is replaced by array operations.
    """
    n_docs = len(terms)
    sizes = np.fromiter(map(len, terms), np.int64, n_docs)
    term = np.concatenate(terms).astype(np.int64) if n_docs else np.zeros(0, np.int64)
    tf = np.concatenate(counts).astype(np.float32) if n_docs else np.zeros(0, np.float32)
    doc = np.repeat(np.arange(n_docs, dtype=np.int64), sizes)
    lengths = np.bincount(doc, weights=tf, minlength=n_docs)  # tokens per document
    avg = lengths.mean() if n_docs else 0.0
    df = np.bincount(term, minlength=n_vocab)
    idf = np.zeros(n_vocab, dtype=np.float32)
    seen = df > 0
    idf[seen] = np.log(1 + (n_docs - df[seen] + 0.5) / (df[seen] + 0.5))
    norm = k1 * ((1 - b) + b * lengths / avg) if n_docs else lengths
    scores = (idf[term].astype(np.float64) * (tf / (norm[doc] + tf))).astype(np.float32)
    order = np.argsort(term * max(n_docs, 1) + doc, kind="stable")
    indptr = np.zeros(n_vocab + 1, dtype=np.int64)
    np.cumsum(df, out=indptr[1:])
    return {
        "data": scores[order],
        "indices": doc[order].astype(np.int32),
        "indptr": indptr,
        "num_docs": n_docs,
    }


def retriever_over(
    records: list[dict[str, Any]],
    terms: list[np.ndarray],
    counts: list[np.ndarray],
    vocab: dict[str, int],
    n_terms: int,
):
    """A BM25Retriever over these chunk records, scored from their term counts (term ids
    of ``vocab``, ``n_terms`` of them); None for no records."""
    import bm25s
    from llama_index.retrievers.bm25 import BM25Retriever

    if not records:
        return None
    bm25 = bm25s.BM25()  # k1 1.5, b 0.75, "lucene": what BM25Retriever builds
    bm25.scores = bm25_scores(terms, counts, n_terms, k1=bm25.k1, b=bm25.b)
    bm25.vocab_dict = {**vocab, "": n_terms}
    bm25.unique_token_ids_set = set(bm25.vocab_dict.values())
    bm25.nonoccurrence_array = None  # (used by the BM25L and BM25+ methods only)
    bm25.corpus = records
    return BM25Retriever(existing_bm25=bm25, similarity_top_k=10)


def idf_weights(bm25: Any) -> dict[str, float]:
    """Inverse document frequency of each term of a ``bm25s.BM25`` (BM25's), from its
    postings."""
    indptr = np.asarray(bm25.scores["indptr"])
    n = float(bm25.scores["num_docs"])
    bounds = np.append(indptr, len(bm25.scores["indices"]))
    df = np.diff(bounds)[: len(bm25.vocab_dict)]
    weights = np.log1p((n - df + 0.5) / (df + 0.5))
    return {t: float(weights[i]) for t, i in bm25.vocab_dict.items() if t}


@dataclass(frozen=True)
class Vocabulary:
    """The terms an index holds (``terms``) and how it reads words into terms (``analyse``:
    lower-cased, stop words out, stemmed), for asking whether the archive mentions a word."""

    analyse: Callable[[list[str]], list[list[str]]]
    terms: Container[str]

    def unmentioned(self, name: str) -> bool:
        """True when ``name`` has terms and no article holds any of them."""
        found = [t for terms in self.analyse([name]) for t in terms]
        return bool(found) and not any(t in self.terms for t in found)
