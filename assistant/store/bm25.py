"""BM25 over the chunks (llama-index's ``BM25Retriever``), kept on disk beside the store.

The index is saved in generations (``bm25/gen-N``) with a ``CURRENT`` pointer replaced
atomically, so a crash leaves either the old or the new index, never half of one. Each
generation carries a manifest ``{doc_id: content_hash}``; when it disagrees with the
store's committed articles the index is repaired from the stored chunks, so BM25 and the
vectors always describe the same articles.

Updates are incremental: each chunk is tokenized once, when it is added, and its term
counts are kept (and saved beside the index as ``terms.npz``). A flush re-scores the whole
index from those counts with numpy (:func:`bm25_scores`, the same scores ``bm25s`` gives)
instead of re-tokenizing every chunk, so adding one article to a large archive costs that
article's tokenizing plus a vectorised pass over the counts.

Opening an index reads little: the score arrays are memory-mapped, and the chunk records
(``corpus.jsonl``, about 3 KB each) stay on disk, read one at a time when a search returns
them (:class:`StoredCorpus`). What a search needs of every chunk, its id and the fields
filters test, is saved beside them (``chunks.npz``).
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import threading
import weakref
from collections import Counter, OrderedDict
from collections.abc import Iterable, Sequence
from functools import partial
from pathlib import Path
from typing import Any, overload

import numpy as np

from ..errors import StoreError
from ..records import Filters
from .layout import UNKNOWN_MAX, UNKNOWN_MIN, matches

# llama-index warns whenever an archive holds fewer chunks than the default top k.
logging.getLogger("llama_index.retrievers.bm25.base").setLevel(logging.ERROR)

# Metadata that BM25 indexes beside the chunk text: news questions name headlines,
# publishers and dates.
INDEXED_METADATA = ("title", "source", "published")
_WORD = re.compile(r"(?u)\b\w\w+\b")  # BM25Retriever's token pattern
TERMS_FILE = "terms.npz"
ROWS_FILE = "chunks.npz"  # each chunk's id and the fields filters test, in corpus order
CORPUS_FILE = "corpus.jsonl"  # bm25s's names: a record per line,
OFFSETS_FILE = "corpus.mmindex.json"  # and where each line starts
POSITION_FILE = "position.json"  # the change log generation the index was saved at
NODE_CACHE = 8192  # nodes kept per index, about 6 KB each: 48 MB at most

# One chunk as BM25 holds it: llama-index's record of the node, and its bag of words
# (sorted term ids in the index's vocabulary, and how often each occurs).
Entry = tuple[dict[str, Any], np.ndarray, np.ndarray]


def make_node(chunk_id: str, text: str, meta: dict[str, Any]):
    from llama_index.core.schema import TextNode

    node = TextNode(id_=chunk_id, text=text, metadata=dict(meta))
    node.excluded_embed_metadata_keys = [k for k in node.metadata if k not in INDEXED_METADATA]
    node.excluded_llm_metadata_keys = list(node.excluded_embed_metadata_keys)
    return node


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


def chunk_rows(records: Sequence[dict[str, Any]]) -> dict[str, np.ndarray]:
    """What a search needs of every chunk, in corpus order: its id (to find a chunk the
    dense side returned) and the fields :func:`~assistant.store.layout.matches` tests."""
    return {
        "ids": np.array([r["node_id"] for r in records], dtype=str),
        "sources": np.array([r.get("source") or "" for r in records], dtype=str),
        "date_min": np.array([int(r.get("date_min", UNKNOWN_MIN)) for r in records], np.int64),
        "date_max": np.array([int(r.get("date_max", UNKNOWN_MAX)) for r in records], np.int64),
    }


class StoredCorpus(Sequence[dict[str, Any]]):
    """A saved index's chunk records, read from its ``corpus.jsonl`` one at a time.

    Like bm25s's ``JsonlCorpus`` (the same file and line index), but safe to read from
    several threads at once: ``JsonlCorpus`` seeks one shared file position. ``rows`` is
    the index's :func:`chunk_rows`.
    """

    def __init__(self, path: Path, starts: np.ndarray, rows: dict[str, np.ndarray]) -> None:
        self.path = path
        self.rows = rows
        self._file = open(path, "rb")  # noqa: SIM115 (closed with the corpus)
        weakref.finalize(self, self._file.close)
        self._read_lock = threading.Lock()
        size = os.fstat(self._file.fileno()).st_size
        self._starts = starts
        self._ends = np.append(starts[1:], size)
        n = len(rows["ids"])
        if (
            len(starts) != n
            or (n and (starts[0] != 0 or starts[-1] >= size))
            or not bool(np.all(self._ends > starts))
        ):
            self._file.close()
            raise ValueError(f"{path.name} does not match its line index")

    def __len__(self) -> int:
        return len(self._starts)

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...
    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...
    def __getitem__(self, index: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        start, end = int(self._starts[index]), int(self._ends[index])
        with self._read_lock:
            self._file.seek(start)
            line = self._file.read(end - start)
        return self._parse(line, index)

    def __iter__(self):
        with open(self.path, "rb") as lines:
            for index, line in enumerate(lines):
                yield self._parse(line, index)

    def _parse(self, line: bytes, index: int) -> dict[str, Any]:
        try:
            return json.loads(line)
        except ValueError:
            raise StoreError(
                f"the BM25 index at {self.path.parent} is damaged (chunk {index} of "
                f"{self.path.name} is unreadable): run `assistant rebuild`"
            ) from None


def _open_saved(gen: Path):
    """A saved index as a ``BM25Retriever``: with its chunk records left on disk when it
    has the rows to search them by, else (saved by an earlier version) read whole."""
    import bm25s
    from llama_index.retrievers.bm25 import BM25Retriever

    try:
        with np.load(gen / ROWS_FILE, allow_pickle=False) as saved:
            rows = {name: saved[name] for name in ("ids", "sources", "date_min", "date_max")}
        starts = np.array(json.loads((gen / OFFSETS_FILE).read_bytes()), dtype=np.int64)
        corpus = StoredCorpus(gen / CORPUS_FILE, starts, rows)
    except Exception:  # no rows, or not this index's: read the records whole
        return BM25Retriever.from_persist_dir(str(gen), show_progress=False)
    bm25 = bm25s.BM25.load(gen, mmap=True, show_progress=False)
    if bm25.scores["num_docs"] != len(corpus):
        raise ValueError(f"{gen} holds {len(corpus)} chunks but scores for another number")
    bm25.corpus = corpus
    settings = json.loads((gen / "retriever.json").read_text(encoding="utf-8"))
    return BM25Retriever(existing_bm25=bm25, **settings)


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
        self._stemmer: Any = None
        self._stop: frozenset[str] = frozenset()
        self._word_ids: dict[str, int] = {}  # word -> the id of its stem
        self._masks: dict[Filters, np.ndarray] = {}  # per filter, for the current index
        self._idf: dict[str, float] | None = None  # of the current index, made when asked
        # Per index: its chunk rows, each chunk's place in its corpus by id, and the nodes
        # made so far.
        self._rows: tuple[Any, dict[str, np.ndarray]] | None = None
        self._by_id: tuple[Any, dict[str, int]] | None = None
        self._nodes: tuple[Any, OrderedDict[int, Any]] | None = None

    # --------------------------------------------------------------------- persistence
    def _current(self) -> Path | None:
        pointer = self.folder / "CURRENT"
        if not pointer.exists():
            return None
        gen = self.folder / pointer.read_text(encoding="utf-8").strip()
        return gen if (gen / "manifest.json").exists() else None

    def load(self) -> bool:
        """Load the saved index; False when there is none (or it is unreadable)."""
        with self._lock:
            gen = self._current()
            self.loaded = True
            if gen is None:
                return False
            try:
                self.manifest = json.loads((gen / "manifest.json").read_text(encoding="utf-8"))
                at = gen / POSITION_FILE
                self.position = json.loads(at.read_text(encoding="utf-8")) if at.exists() else {}
                if self.manifest:
                    self._retriever = _open_saved(gen)
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
        self.folder.mkdir(parents=True, exist_ok=True)
        old = self._current()
        number = int(old.name.split("-")[1]) + 1 if old else 1
        gen = self.folder / f"gen-{number}"
        if gen.exists():
            shutil.rmtree(gen)
        gen.mkdir()
        if self._retriever is not None:
            self._retriever.persist(str(gen), show_progress=False)
            rows = self.rows(self._retriever)
            with open(gen / ROWS_FILE, "wb") as out:
                np.savez(
                    out,
                    ids=rows["ids"],
                    sources=rows["sources"],
                    date_min=rows["date_min"],
                    date_max=rows["date_max"],
                )
            sizes = np.array([len(t) for t in terms], dtype=np.int64)
            with open(gen / TERMS_FILE, "wb") as out:
                np.savez(
                    out,
                    docs=np.array(list(groups), dtype=str),  # each article's id
                    chunks=np.array(list(groups.values()), dtype=np.int64),  # and chunk count
                    sizes=sizes,  # each chunk's number of distinct terms
                    terms=np.concatenate(terms).astype(np.int32),
                    counts=np.concatenate(counts).astype(np.int32),
                )
        (gen / "manifest.json").write_text(json.dumps(self.manifest), encoding="utf-8")
        (gen / POSITION_FILE).write_text(json.dumps(self.position), encoding="utf-8")
        tmp = self.folder / "CURRENT.tmp"
        tmp.write_text(gen.name, encoding="utf-8")
        os.replace(tmp, self.folder / "CURRENT")
        for other in self.folder.glob("gen-*"):
            if other != gen:
                shutil.rmtree(other, ignore_errors=True)

    # ------------------------------------------------------------------------- updates
    def _bags(self, texts: list[str]) -> list[tuple[np.ndarray, np.ndarray]]:
        """Each text's term ids (the vocabulary grows as needed) and their counts.

        The terms are BM25Retriever's (``bm25s.tokenize`` with its defaults): lower-cased
        words of two or more word characters, English stop words out, Snowball-stemmed.
        Each distinct word is stemmed once per index.
        """
        import Stemmer
        from bm25s.stopwords import STOPWORDS_EN

        if self._stemmer is None:
            self._stemmer = Stemmer.Stemmer("english")
            self._stop = frozenset(STOPWORDS_EN)
        word_ids, vocab = self._word_ids, self._vocab
        bags = []
        for text in texts:
            words = Counter(_WORD.findall(text.lower()))
            for word in self._stop.intersection(words):
                del words[word]
            new = [word for word in words if word not in word_ids]
            for word, stem in zip(new, self._stemmer.stemWords(new), strict=True):
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
        gen = self._current()
        if gen is None:
            raise FileNotFoundError(TERMS_FILE)
        with np.load(gen / TERMS_FILE, allow_pickle=False) as saved:
            doc_ids, chunks = saved["docs"].tolist(), saved["chunks"]
            sizes, terms, counts = saved["sizes"], saved["terms"], saved["counts"]
        rows = [
            doc_id for doc_id, n in zip(doc_ids, chunks.tolist(), strict=True) for _ in range(n)
        ]
        if len(rows) != len(corpus) or not int(sizes.sum()) == len(terms) == len(counts):
            raise ValueError(f"{TERMS_FILE} does not match the index")
        vocab = self._retriever.bm25.vocab_dict
        if any(vocab[term] != i for i, term in enumerate(self._terms)):
            raise ValueError("the index's term ids are not those of its term counts")
        if len(terms) and int(terms.max()) >= len(self._terms):
            raise ValueError(f"{TERMS_FILE} names terms the index does not have")
        cuts = np.cumsum(sizes)[:-1]
        docs: dict[str, list[Entry]] = {}
        for doc_id, record, t, c in zip(
            rows, corpus, np.split(terms, cuts), np.split(counts, cuts), strict=True
        ):
            docs.setdefault(doc_id, []).append((record, t, c))
        return docs

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
        import bm25s
        from llama_index.retrievers.bm25 import BM25Retriever

        if not records:
            return None
        bm25 = bm25s.BM25()  # k1 1.5, b 0.75, "lucene": what BM25Retriever builds
        bm25.scores = bm25_scores(terms, counts, len(self._terms), k1=bm25.k1, b=bm25.b)
        bm25.vocab_dict = {**self._vocab, "": len(self._terms)}
        bm25.unique_token_ids_set = set(bm25.vocab_dict.values())
        bm25.nonoccurrence_array = None  # (used by the BM25L and BM25+ methods only)
        bm25.corpus = records
        retriever = BM25Retriever(existing_bm25=bm25, similarity_top_k=10)
        if self._stemmer is not None:
            retriever.stemmer = self._stemmer
        return retriever

    def rebuild(self, records: dict[str, Any], manifest: dict[str, str]) -> None:
        """Build from scratch from the store's chunk records."""
        with self._lock:
            self._retriever, self.manifest = None, {}
            self._docs, self._terms, self._vocab, self._word_ids = {}, [], {}, {}
            self._staged_manifest = {}
            self.update(add=group_records(records, manifest))
            self.flush()

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
    def analyse(self, texts: list[str]) -> list[list[str]]:
        """Texts as this index sees them: lower-cased words, English stop words out, stemmed."""
        import bm25s

        with self._lock:
            retriever = self._retriever
        if retriever is None or not texts:
            return [[] for _ in texts]
        stemmer = None if retriever.skip_stemming else retriever.stemmer
        return bm25s.tokenize(
            texts,
            stopwords="en",
            stemmer=stemmer,
            token_pattern=retriever.token_pattern,
            return_ids=False,
            show_progress=False,
        )

    def idf(self) -> dict[str, float]:
        """Inverse document frequency of each indexed term (BM25's), made once per index
        from the index's own postings."""
        import numpy as np

        with self._lock:
            if self._idf is None:
                self._idf = {}
                if self._retriever is not None:
                    bm25 = self._retriever.bm25
                    indptr = np.asarray(bm25.scores["indptr"])
                    n = float(bm25.scores["num_docs"])
                    bounds = np.append(indptr, len(bm25.scores["indices"]))
                    df = np.diff(bounds)[: len(bm25.vocab_dict)]
                    weights = np.log1p((n - df + 0.5) / (df + 0.5))
                    self._idf = {t: float(weights[i]) for t, i in bm25.vocab_dict.items() if t}
            return self._idf

    # ------------------------------------------------------------------------- search
    def _mask(self, retriever: Any, filters: Filters) -> np.ndarray:
        """1 for each chunk of ``retriever``'s corpus that ``filters`` admit, else 0."""
        rows = self.rows(retriever)
        fields = zip(
            rows["sources"].tolist(),
            rows["date_min"].tolist(),
            rows["date_max"].tolist(),
            strict=True,
        )
        return np.fromiter(
            (
                matches({"source": source, "date_min": low, "date_max": high}, filters)
                for source, low, high in fields
            ),
            dtype=np.int64,
            count=len(rows["ids"]),
        )

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
                    mask = self._mask(retriever, filters)
                    self._masks[filters] = mask
            if not mask.any():
                return []
        # A per-call view of the same index: the mask and k are per question.
        view = BM25View(retriever, min(k, total), partial(self.node_at, retriever), mask)
        hits = view.retrieve(QueryBundle(query_str=query))
        return [(h.node, float(h.score)) for h in hits if h.score and h.score > 0]


def group_records(records: dict[str, Any], manifest: dict[str, str]) -> dict[str, tuple[str, list[Any]]]:
    """Chunk records from the store, as nodes grouped by committed article."""
    grouped: dict[str, tuple[str, list[Any]]] = {}
    for cid, text, meta in zip(
        records["ids"], records["documents"], records["metadatas"], strict=True
    ):
        doc_id = meta.get("doc_id", "")
        if manifest.get(doc_id) != meta.get("content_hash"):
            continue  # a chunk of an uncommitted or replaced version
        clean = {
            k: v
            for k, v in meta.items()
            if not k.startswith("_") and k not in ("document_id", "ref_doc_id")
        }
        grouped.setdefault(doc_id, (manifest[doc_id], []))[1].append(make_node(cid, text, clean))
    return grouped
