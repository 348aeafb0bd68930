"""BM25 over the chunks (llama-index's ``BM25Retriever``), kept on disk beside the store.

The index is saved in generations (``bm25/gen-N``) with a ``CURRENT`` pointer replaced
atomically, so a crash leaves either the old or the new index, never half of one. Each
generation carries a manifest ``{doc_id: content_hash}``; when it disagrees with the
store's committed articles the index is repaired from the stored chunks, so BM25 and the
vectors always describe the same articles.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .models import Filters
from .store import matches

# llama-index warns whenever an archive holds fewer chunks than the default top k.
logging.getLogger("llama_index.retrievers.bm25.base").setLevel(logging.ERROR)

# Metadata that BM25 indexes beside the chunk text: news questions name headlines,
# publishers and dates.
INDEXED_METADATA = ("title", "source", "published")


def make_node(chunk_id: str, text: str, meta: dict[str, Any]):
    from llama_index.core.schema import TextNode

    node = TextNode(id_=chunk_id, text=text, metadata=dict(meta))
    node.excluded_embed_metadata_keys = [k for k in node.metadata if k not in INDEXED_METADATA]
    node.excluded_llm_metadata_keys = list(node.excluded_embed_metadata_keys)
    return node


class LexicalIndex:
    """A persisted BM25 index with a manifest of the articles it holds."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._lock = threading.RLock()
        self._retriever: Any = None
        self.manifest: dict[str, str] = {}
        self._nodes_by_doc: dict[str, list[Any]] | None = None
        self._staged_manifest: dict[str, str] = {}
        self._dirty = False
        self.loaded = False
        self._masks: dict[Filters, list[int]] = {}  # per filter, for the current index
        self._idf: dict[str, float] | None = None  # of the current index, made when asked

    # --------------------------------------------------------------------- persistence
    def _current(self) -> Path | None:
        pointer = self.folder / "CURRENT"
        if not pointer.exists():
            return None
        gen = self.folder / pointer.read_text(encoding="utf-8").strip()
        return gen if (gen / "manifest.json").exists() else None

    def load(self) -> bool:
        """Load the saved index; False when there is none (or it is unreadable)."""
        from llama_index.retrievers.bm25 import BM25Retriever

        with self._lock:
            gen = self._current()
            self.loaded = True
            if gen is None:
                return False
            try:
                self.manifest = json.loads((gen / "manifest.json").read_text(encoding="utf-8"))
                if self.manifest:
                    self._retriever = BM25Retriever.from_persist_dir(str(gen), show_progress=False)
                else:
                    self._retriever = None
            except Exception:
                # A damaged index is rebuilt from the store: it holds nothing else.
                self.manifest, self._retriever = {}, None
                return False
            self._nodes_by_doc = None
            self._masks, self._idf = {}, None
            self._staged_manifest = dict(self.manifest)
            return True

    def _save(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        old = self._current()
        number = int(old.name.split("-")[1]) + 1 if old else 1
        gen = self.folder / f"gen-{number}"
        if gen.exists():
            shutil.rmtree(gen)
        gen.mkdir()
        if self._retriever is not None:
            self._retriever.persist(str(gen), show_progress=False)
        (gen / "manifest.json").write_text(json.dumps(self.manifest), encoding="utf-8")
        tmp = self.folder / "CURRENT.tmp"
        tmp.write_text(gen.name, encoding="utf-8")
        os.replace(tmp, self.folder / "CURRENT")
        for other in self.folder.glob("gen-*"):
            if other != gen:
                shutil.rmtree(other, ignore_errors=True)

    # ------------------------------------------------------------------------- updates
    def _all_nodes(self) -> dict[str, list[Any]]:
        if self._nodes_by_doc is None:
            from llama_index.core.vector_stores.utils import metadata_dict_to_node

            by_doc: dict[str, list[Any]] = {}
            if self._retriever is not None:
                for record in self._retriever.corpus:
                    node = metadata_dict_to_node(record)
                    by_doc.setdefault(node.metadata.get("doc_id", ""), []).append(node)
            self._nodes_by_doc = by_doc
        return self._nodes_by_doc

    def update(
        self,
        remove: Iterable[str] = (),
        add: dict[str, tuple[str, list[Any]]] | None = None,
    ) -> None:
        """Stage changes: drop some articles, add others (``{doc_id: (hash, nodes)}``).

        Nothing is searchable or saved until :meth:`flush`, so a long ingest rebuilds once.
        """
        with self._lock:
            by_doc = self._all_nodes()
            for doc_id in remove:
                by_doc.pop(doc_id, None)
                self._staged_manifest.pop(doc_id, None)
            for doc_id, (content_hash, nodes) in (add or {}).items():
                by_doc[doc_id] = nodes
                self._staged_manifest[doc_id] = content_hash
            self._dirty = True

    def flush(self) -> None:
        """Rebuild BM25 from the staged articles and save it, if anything changed."""
        from llama_index.retrievers.bm25 import BM25Retriever

        with self._lock:
            if not self._dirty:
                return
            nodes = [n for group in self._all_nodes().values() for n in group]
            self._retriever = (
                BM25Retriever.from_defaults(nodes=nodes, language="en", similarity_top_k=10)
                if nodes
                else None
            )
            self.manifest = dict(self._staged_manifest)
            self._save()
            self._dirty = False
            self._masks, self._idf = {}, None

    def rebuild(self, records: dict[str, Any], manifest: dict[str, str]) -> None:
        """Build from scratch from the store's chunk records."""
        with self._lock:
            self._retriever, self._nodes_by_doc, self.manifest = None, {}, {}
            self._staged_manifest = {}
            self.update(add=_group(records, manifest))
            self.flush()

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
    def search(self, query: str, k: int, filters: Filters | None = None) -> list[tuple[Any, float]]:
        """Top ``k`` (node, score) pairs with a positive score."""
        from llama_index.core.schema import QueryBundle
        from llama_index.retrievers.bm25 import BM25Retriever

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
                    mask = [int(matches(record, filters)) for record in retriever.corpus]
                    self._masks[filters] = mask
            if not any(mask):
                return []
        # A per-call retriever over the same index: the mask and k are per question.
        view = BM25Retriever(
            existing_bm25=retriever.bm25,
            similarity_top_k=min(k, total),
            corpus_weight_mask=mask,
            skip_stemming=retriever.skip_stemming,
        )
        view.stemmer = retriever.stemmer
        view.corpus = retriever.corpus  # bm25s keeps no corpus for an index built in-process
        hits = view.retrieve(QueryBundle(query_str=query))
        return [(h.node, float(h.score)) for h in hits if h.score and h.score > 0]


def _group(records: dict[str, Any], manifest: dict[str, str]) -> dict[str, tuple[str, list[Any]]]:
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
