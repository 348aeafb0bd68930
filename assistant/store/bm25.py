"""BM25 over the chunks (llama-index's ``BM25Retriever``), kept on disk beside the store
(its files: :mod:`assistant.store.bm25_files`).

Each saved index carries a manifest ``{doc_id: content_hash}``; when it disagrees with the
store's committed articles the index is repaired from the stored chunks, so BM25 and the
vectors always describe the same articles. Updates are incremental: each chunk is
tokenized once, when it is added, and its term counts are kept; a flush re-scores the
whole index from those counts (:mod:`assistant.store.bm25_scoring`, the scores ``bm25s``
gives) instead of re-tokenizing every chunk.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections import Counter, OrderedDict
from collections.abc import Iterable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from ..records import Filters
from ..text.analyse import search_stopwords, stem_words
from ..text.match import fold
from .bm25_files import (
    POSITION_FILE,
    Entry,
    StoredCorpus,
    chunk_rows,
    current_generation,
    open_saved,
    read_term_counts,
    rows_mask,
    same_analyser,
    write_generation,
)
from .bm25_scoring import Vocabulary, idf_weights, retriever_over
from .nodes import group_records

# llama-index warns whenever an archive holds fewer chunks than the default top k.
logging.getLogger("llama_index.retrievers.bm25.base").setLevel(logging.ERROR)

_WORD = re.compile(r"(?u)\b\w\w+\b")  # BM25Retriever's token pattern
NODE_CACHE = 8192  # nodes kept per index, about 6 KB each: 48 MB at most


class LexicalIndex:
    """A persisted BM25 index with a manifest of the articles it holds."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._lock = threading.RLock()
        self._retriever: Any = None
        self.manifest: dict[str, str] = {}
        # What the next flush indexes: each article's chunks, and the vocabulary their term
        # ids refer to (made from the saved index when first needed).
        self._docs: dict[str, list[Entry]] | None = None
        self._terms: list[str] = []
        self._vocab: dict[str, int] = {}
        self._staged_manifest: dict[str, str] = {}
        self._dirty = False
        self.loaded = False
        # Where in the store's change log this index stands (see assistant.store.sync): saved
        # with it, so the files are a cache of the store at a known generation.
        self.position: dict[str, Any] = {}
        self._word_ids: dict[str, int] = {}  # word -> the id of its stem
        self._masks: dict[Filters, np.ndarray] = {}  # per filter, for the current index
        self._idf: dict[str, float] | None = None  # of the current index, made when asked
        # Per index: its chunk rows, each chunk's place in its corpus by id, and the nodes
        # made so far.
        self._rows: tuple[Any, dict[str, np.ndarray]] | None = None
        self._by_id: tuple[Any, dict[str, int]] | None = None
        self._nodes: tuple[Any, OrderedDict[int, Any]] | None = None
        self._respelt: tuple[Any, dict[str, str]] | None = None  # per index: see respelling

    # --------------------------------------------------------------------- persistence
    def load(self) -> bool:
        """Load the saved index; False when there is none (or it is unreadable)."""
        with self._lock:
            gen = current_generation(self.folder)
            self.loaded = True
            if gen is None:
                return False
            if not same_analyser(gen):  # terms of another analyser: built again from the store
                self.manifest, self._staged_manifest, self.position = {}, {}, {}
                self._retriever, self._docs, self._masks, self._idf = None, None, {}, None
                return False
            try:
                self.manifest = json.loads((gen / "manifest.json").read_text(encoding="utf-8"))
                at = gen / POSITION_FILE
                self.position = json.loads(at.read_text(encoding="utf-8")) if at.exists() else {}
                if self.manifest:
                    self._retriever = open_saved(gen)
                else:
                    self._retriever = None
            except Exception:
                # A damaged index is rebuilt from the store: it holds nothing else.
                self.manifest, self._retriever = {}, None
                return False
            self._docs = None
            self._masks, self._idf = {}, None
            self._staged_manifest = dict(self.manifest)
            return True

    def _save(
        self, groups: dict[str, int], terms: list[np.ndarray], counts: list[np.ndarray]
    ) -> None:
        retriever = self._retriever
        write_generation(
            self.folder,
            retriever,
            (lambda: self.rows(retriever)) if retriever is not None else None,
            self.manifest,
            self.position,
            groups,
            terms,
            counts,
        )

    # ------------------------------------------------------------------------- updates
    def _bags(self, texts: list[str]) -> list[tuple[np.ndarray, np.ndarray]]:
        """Each text's term ids (the vocabulary grows as needed) and their counts.

        The terms are those of ``bm25s.tokenize`` with the project's analyser
        (:mod:`assistant.text.analyse`): lower-cased words of two or more word characters,
        its search stop words out, Snowball-stemmed. Each distinct word is stemmed once per index.
        """
        word_ids, vocab = self._word_ids, self._vocab
        stop = frozenset(search_stopwords())
        bags = []
        for text in texts:
            words = Counter(_WORD.findall(text.lower()))
            for word in stop.intersection(words):
                del words[word]
            new = [word for word in words if word not in word_ids]
            for word, stem in zip(new, stem_words(new), strict=True):
                if stem not in vocab:
                    vocab[stem] = len(self._terms)
                    self._terms.append(stem)
                word_ids[word] = vocab[stem]
            ids = np.fromiter(map(word_ids.__getitem__, words), np.int32, len(words))
            counts = np.fromiter(words.values(), np.int32, len(words))
            # Words with the same stem are one term.
            terms, where = np.unique(ids, return_inverse=True)
            bags.append((terms, np.bincount(where, weights=counts).astype(np.int32)))
        return bags

    def _entries(self, nodes: list[Any]) -> list[Entry]:
        from llama_index.core.schema import MetadataMode
        from llama_index.core.vector_stores.utils import node_to_metadata_dict

        texts = [node.get_content(metadata_mode=MetadataMode.EMBED) for node in nodes]
        return [
            (node_to_metadata_dict(node) | {"node_id": node.node_id}, terms, counts)
            for node, (terms, counts) in zip(nodes, self._bags(texts), strict=True)
        ]

    def _staged(self) -> dict[str, list[Entry]]:
        """The indexed articles' entries, from the saved term counts when they are there,
        else (an index saved before they were, or a damaged file) by tokenizing again."""
        if self._docs is not None:
            return self._docs
        # The index's own vocabulary ("" is bm25s's empty token: it has no postings).
        self._terms, self._vocab, self._word_ids = [], {}, {}
        self._docs = {}
        if self._retriever is None:
            return self._docs
        corpus = self._retriever.corpus
        for term, _ in sorted(self._retriever.bm25.vocab_dict.items(), key=lambda kv: kv[1]):
            if term and term not in self._vocab:
                self._vocab[term] = len(self._terms)
                self._terms.append(term)
        try:
            self._docs = self._saved_entries(corpus)
        except Exception:
            from llama_index.core.vector_stores.utils import metadata_dict_to_node

            nodes = [metadata_dict_to_node(record) for record in corpus]
            by_doc: dict[str, list[Any]] = {}
            for node in nodes:
                by_doc.setdefault(node.metadata.get("doc_id", ""), []).append(node)
            self._docs = {doc_id: self._entries(group) for doc_id, group in by_doc.items()}
        return self._docs

    def _saved_entries(self, corpus: list[dict[str, Any]]) -> dict[str, list[Entry]]:
        return read_term_counts(
            current_generation(self.folder), corpus, self._retriever.bm25.vocab_dict, self._terms
        )

    def update(
        self,
        remove: Iterable[str] = (),
        add: dict[str, tuple[str, list[Any]]] | None = None,
    ) -> None:
        """Stage changes: drop some articles, add others (``{doc_id: (hash, nodes)}``).

        Nothing is searchable or saved until :meth:`flush`, so a long ingest re-scores once.
        The added chunks are tokenized here, once.
        """
        with self._lock:
            docs = self._staged()
            for doc_id in remove:
                docs.pop(doc_id, None)
                self._staged_manifest.pop(doc_id, None)
            for doc_id, (content_hash, nodes) in (add or {}).items():
                docs[doc_id] = self._entries(nodes)
                self._staged_manifest[doc_id] = content_hash
            self._dirty = True

    def staged_hashes(self) -> dict[str, str]:
        """``{doc_id: content_hash}`` of the articles held, with the changes staged."""
        with self._lock:
            return dict(self._staged_manifest)

    def flush(self) -> None:
        """Re-score BM25 over the staged articles and save it, if anything changed."""
        with self._lock:
            if not self._dirty:
                return
            docs = self._staged()
            self._compact()
            groups = {doc_id: len(group) for doc_id, group in docs.items()}
            entries = [entry for group in docs.values() for entry in group]
            terms = [t for _, t, _ in entries]
            counts = [c for _, _, c in entries]
            self._retriever = self._index([r for r, _, _ in entries], terms, counts)
            self.manifest = dict(self._staged_manifest)
            self._save(groups, terms, counts)
            self._dirty = False
            self._masks, self._idf = {}, None

    def _compact(self) -> None:
        """Drop the terms no staged chunk uses any more (those of removed articles)."""
        docs = self._staged()
        entries = [entry for group in docs.values() for entry in group]
        used = np.zeros(len(self._terms), dtype=bool)
        for _, terms, _ in entries:
            used[terms] = True
        if used.all():
            return
        remap = np.cumsum(used, dtype=np.int64) - 1
        self._terms = [t for t, keep in zip(self._terms, used, strict=True) if keep]
        self._vocab = {t: i for i, t in enumerate(self._terms)}
        self._word_ids = {w: int(remap[i]) for w, i in self._word_ids.items() if used[i]}
        for doc_id, group in docs.items():
            docs[doc_id] = [(r, remap[t].astype(np.int32), c) for r, t, c in group]

    def _index(
        self, records: list[dict[str, Any]], terms: list[np.ndarray], counts: list[np.ndarray]
    ):
        """A BM25Retriever over these chunks, scored from their term counts."""
        return retriever_over(records, terms, counts, self._vocab, len(self._terms))

    def rebuild(self, records: dict[str, Any], manifest: dict[str, str]) -> None:
        """Build from scratch from the store's chunk records."""
        with self._lock:
            self._retriever, self.manifest = None, {}
            self._docs, self._terms, self._vocab, self._word_ids = {}, [], {}, {}
            self._staged_manifest = {}
            self.update(add=group_records(records, manifest))
            self.flush()

    @property
    def retriever(self) -> Any:
        """llama-index's ``BM25Retriever`` holding the current index (None when it is empty):
        what searches score with. Read it, never change it; a flush replaces it whole."""
        with self._lock:
            return self._retriever

    def chunk_ids(self) -> list[str]:
        """The ids of the indexed chunks, in the index's order."""
        retriever = self.retriever
        return [] if retriever is None else [str(i) for i in self.rows(retriever)["ids"]]

    def cached_nodes(self) -> int:
        """How many chunk nodes the index keeps made (at most :data:`NODE_CACHE`)."""
        with self._lock:
            return 0 if self._nodes is None else len(self._nodes[1])

    def rows(self, retriever: Any) -> dict[str, np.ndarray]:
        """The :func:`chunk_rows` of ``retriever``'s corpus: saved with a loaded index,
        made from the records of one built in this process."""
        with self._lock:
            rows = self._rows
            if rows is None or rows[0] is not retriever:
                corpus = retriever.corpus
                made = corpus.rows if isinstance(corpus, StoredCorpus) else chunk_rows(corpus)
                rows = self._rows = (retriever, made)
        return rows[1]

    def _positions(self, retriever: Any) -> dict[str, int]:
        """Each indexed chunk's place in this index's corpus, by chunk id."""
        with self._lock:
            positions = self._by_id
            if positions is None or positions[0] is not retriever:
                ids = self.rows(retriever)["ids"].tolist()
                positions = self._by_id = (retriever, {cid: i for i, cid in enumerate(ids)})
        return positions[1]

    def node(self, chunk_id: str) -> Any | None:
        """The node of an indexed chunk (None when the index does not hold it)."""
        retriever = self._retriever
        if retriever is None:
            return None
        at = self._positions(retriever).get(chunk_id)
        return None if at is None else self.node_at(retriever, at)

    def node_at(self, retriever: Any, position: int) -> Any:
        """The node of the chunk at ``position`` in ``retriever``'s corpus, made from its
        record once (the most recently used :data:`NODE_CACHE` are kept). Callers read
        nodes and never change them: the next search returns the same object."""
        from llama_index.core.vector_stores.utils import metadata_dict_to_node

        with self._lock:
            cache = self._nodes
            if cache is None or cache[0] is not retriever:
                cache = self._nodes = (retriever, OrderedDict())
            made = cache[1]
            node = made.get(position)
            if node is not None:
                made.move_to_end(position)
                return node
        node = metadata_dict_to_node(retriever.corpus[position])
        with self._lock:
            made[position] = node
            while len(made) > NODE_CACHE:
                made.popitem(last=False)
        return node

    # ------------------------------------------------------------------- term statistics
    def respelling(self, retriever: Any) -> dict[str, str]:
        """A term the index lacks -> the index's term it is written without accents: people
        type "Beyonce", "Pokemon" and "Mbappe" for what the articles write "Beyoncé",
        "Pokémon" and "Mbappé". Only terms the index lacks are read otherwise, so every
        search of words the articles write is what it was. Made once per index."""
        with self._lock:
            if self._respelt is not None and self._respelt[0] is retriever:
                return self._respelt[1]
        vocab = retriever.bm25.vocab_dict
        respelt: dict[str, str] = {}
        for term in vocab:
            if term and not term.isascii():
                plain = fold(term)  # without its accents
                for key in (plain, *stem_words([plain])):
                    if key not in vocab:
                        respelt.setdefault(key, term)
        with self._lock:
            self._respelt = (retriever, respelt)
        return respelt

    def analyse(self, texts: list[str]) -> list[list[str]]:
        """Texts as this index sees them: lower-cased words, English stop words out, stemmed
        (a word the index lacks as typed read as the index writes it with accents)."""
        import bm25s

        with self._lock:
            retriever = self._retriever
        if retriever is None or not texts:
            return [[] for _ in texts]
        analysed = bm25s.tokenize(
            texts,
            stopwords=search_stopwords(),
            stemmer=stem_words,
            token_pattern=retriever.token_pattern,
            return_ids=False,
            show_progress=False,
        )
        respelt = self.respelling(retriever)
        return [[respelt.get(t, t) for t in terms] for terms in analysed]

    def vocabulary(self) -> Vocabulary:
        """The index's terms and how it reads words into terms."""
        return Vocabulary(self.analyse, self.idf())

    def idf(self) -> dict[str, float]:
        """Inverse document frequency of each indexed term (BM25's), made once per index
        from the index's own postings."""
        with self._lock:
            if self._idf is None:
                self._idf = {} if self._retriever is None else idf_weights(self._retriever.bm25)
            return self._idf

    # ------------------------------------------------------------------------- search
    def mask(self, filters: Filters, retriever: Any = None) -> np.ndarray:
        """1 for each chunk of ``retriever``'s corpus (the current index's by default) that
        ``filters`` admit, else 0."""
        retriever = self.retriever if retriever is None else retriever
        if retriever is None:
            return np.zeros(0, dtype=np.int8)
        return rows_mask(self.rows(retriever), filters)

    def search(self, query: str, k: int, filters: Filters | None = None) -> list[tuple[Any, float]]:
        """Top ``k`` (node, score) pairs with a positive score."""
        from llama_index.core.schema import QueryBundle

        from .bm25_view import BM25View

        with self._lock:
            retriever = self._retriever
        if retriever is None:
            return []
        total = len(retriever.corpus)
        mask = None
        if filters is not None and not filters.is_empty():
            with self._lock:
                # Building a mask walks every chunk; questions repeat filters (a publisher
                # the question names), so keep the masks of the current index.
                mask = self._masks.get(filters)
                if mask is None or len(mask) != total:
                    if len(self._masks) > 256:
                        self._masks.clear()
                    mask = self.mask(filters, retriever)
                    self._masks[filters] = mask
            if not mask.any():
                return []
        # A per-call view of the same index: the mask and k are per question.
        view = BM25View(
            retriever, min(k, total), partial(self.node_at, retriever), mask, self.respelling(retriever)
        )
        hits = view.retrieve(QueryBundle(query_str=query))
        return [(h.node, float(h.score)) for h in hits if h.score and h.score > 0]
