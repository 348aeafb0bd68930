"""One question's view of the shared BM25 index: a llama-index retriever (``BaseRetriever``,
the extension point llama-index documents for custom retrievers) over the ``bm25s`` index
that llama-index's ``BM25Retriever`` built, with the question's ``k`` and mask, whose hits
come as nodes made once per index.

``BM25Retriever`` turns each hit's record into a node (a JSON parse and a pydantic model:
about 45 µs) on every search. A question runs up to four searches of 40 hits, and the same
chunks come back question after question, so the index keeps the nodes it has made
(:meth:`assistant.store.bm25.LexicalIndex.node_at`) and a view asks it for them. The mask stays
a numpy array (``BM25Retriever`` converts a list on every search). Tokenizing and scoring
are ``bm25s``'s, with the shared retriever's token pattern and the project's analyser
(:mod:`assistant.text.analyse`: its search stop words and Snowball stemmer, as the index
was built with).
"""

from __future__ import annotations

from collections.abc import Callable

import bm25s
import numpy as np
from llama_index.core.retrievers import BaseRetriever
from llama_index.core.schema import BaseNode, NodeWithScore, QueryBundle
from llama_index.retrievers.bm25 import BM25Retriever

from ..text.analyse import search_stopwords, stem_words


class BM25View(BaseRetriever):
    """A llama-index retriever over a shared BM25 index, with its own ``k`` and mask."""

    def __init__(
        self,
        shared: BM25Retriever,
        k: int,
        node_at: Callable[[int], BaseNode],
        mask: np.ndarray | None = None,
        respelt: dict[str, str] | None = None,
    ) -> None:
        super().__init__()
        self.bm25 = shared.bm25
        self.token_pattern = shared.token_pattern
        self.similarity_top_k = k
        self._size = len(shared.corpus)  # bm25s keeps no corpus for an index built in-process
        self._node_at = node_at
        self._mask = mask
        self._respelt = respelt or {}  # a term the index lacks -> its accented term

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        tokens = bm25s.tokenize(
            query_bundle.query_str,
            stopwords=search_stopwords(),
            stemmer=stem_words,
            token_pattern=self.token_pattern,
            show_progress=False,
        )
        if self._respelt:
            # as terms: a term the index lacks may be one it writes with accents
            words = {i: w for w, i in tokens.vocab.items()}
            tokens = [[self._respelt.get(words[i], words[i]) for i in ids] for ids in tokens.ids]
        # Positions in the corpus, not its records: the view makes no node it holds already.
        indexes, scores = self.bm25.retrieve(
            tokens,
            corpus=np.arange(self._size),
            k=self.similarity_top_k,
            show_progress=False,
            weight_mask=self._mask,
        )
        return [
            NodeWithScore(node=self._node_at(int(i)), score=float(s))
            for i, s in zip(indexes[0], scores[0], strict=True)
        ]
