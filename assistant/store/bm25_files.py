"""The BM25 index's saved form. An index is saved in generations (``gen-N``) with a
``CURRENT`` pointer replaced atomically, so a crash leaves either the old or the new index,
never half of one. Each holds the retriever's files, its chunk rows (``chunks.npz``: what a
search needs of every chunk, its id and the fields filters test), each chunk's term counts
(``terms.npz``), its manifest and its change-log position.

Opening an index reads little: the score arrays are memory-mapped, and the chunk records
(``corpus.jsonl``, about 3 KB each) stay on disk, read one at a time when a search returns
them (:class:`StoredCorpus`). :class:`assistant.store.bm25.LexicalIndex` holds the index
in memory.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import weakref
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, overload

import numpy as np

from ..errors import StoreError
from ..records import Filters
from ..text.analyse import analyser_id
from .layout import UNKNOWN_MAX, UNKNOWN_MIN, matches

TERMS_FILE = "terms.npz"
ROWS_FILE = "chunks.npz"  # each chunk's id and the fields filters test, in corpus order
CORPUS_FILE = "corpus.jsonl"  # bm25s's names: a record per line,
OFFSETS_FILE = "corpus.mmindex.json"  # and where each line starts
POSITION_FILE = "position.json"  # the change log generation the index was saved at
ANALYSER_FILE = "analyser.txt"  # how its words were read (``text.analyse.analyser_id``)

# One chunk as BM25 holds it: llama-index's record of the node, and its bag of words
# (sorted term ids in the index's vocabulary, and how often each occurs).
Entry = tuple[dict[str, Any], np.ndarray, np.ndarray]


def chunk_rows(records: Sequence[dict[str, Any]]) -> dict[str, np.ndarray]:
    """What a search needs of every chunk, in corpus order: its id (to find a chunk the
    dense side returned) and the fields :func:`~assistant.store.layout.matches` tests."""
    return {
        "ids": np.array([r["node_id"] for r in records], dtype=str),
        "sources": np.array([r.get("source") or "" for r in records], dtype=str),
        "date_min": np.array([int(r.get("date_min", UNKNOWN_MIN)) for r in records], np.int64),
        "date_max": np.array([int(r.get("date_max", UNKNOWN_MAX)) for r in records], np.int64),
    }


def rows_mask(rows: dict[str, np.ndarray], filters: Filters) -> np.ndarray:
    """1 for each chunk of these :func:`chunk_rows` that ``filters`` admit, else 0 (the
    test of :func:`~assistant.store.layout.matches`)."""
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


def open_saved(gen: Path):
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


def current_generation(folder: Path) -> Path | None:
    """The generation ``CURRENT`` points at, when it is whole (its manifest written)."""
    pointer = folder / "CURRENT"
    if not pointer.exists():
        return None
    gen = folder / pointer.read_text(encoding="utf-8").strip()
    return gen if (gen / "manifest.json").exists() else None


def same_analyser(gen: Path) -> bool:
    """Whether generation ``gen`` was built with this version's analyser (an index of other
    terms cannot answer this analyser's queries: it is built again from the store)."""
    try:
        return (gen / ANALYSER_FILE).read_text(encoding="utf-8") == analyser_id()
    except (OSError, ValueError):
        return False


def write_generation(
    folder: Path,
    retriever: Any,
    rows_of: Callable[[], dict[str, np.ndarray]] | None,
    manifest: dict[str, str],
    position: dict[str, Any],
    groups: dict[str, int],
    terms: list[np.ndarray],
    counts: list[np.ndarray],
) -> None:
    """Save an index as the next generation and point ``CURRENT`` at it: the retriever
    (None: an empty index), its chunk rows, each article's chunk count and each chunk's
    term counts, the manifest and the change-log position. Older generations go."""
    folder.mkdir(parents=True, exist_ok=True)
    old = current_generation(folder)
    number = int(old.name.split("-")[1]) + 1 if old else 1
    gen = folder / f"gen-{number}"
    if gen.exists():
        shutil.rmtree(gen)
    gen.mkdir()
    if retriever is not None and rows_of is not None:
        retriever.persist(str(gen), show_progress=False)
        rows = rows_of()
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
    (gen / ANALYSER_FILE).write_text(analyser_id(), encoding="utf-8")
    (gen / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    (gen / POSITION_FILE).write_text(json.dumps(position), encoding="utf-8")
    tmp = folder / "CURRENT.tmp"
    tmp.write_text(gen.name, encoding="utf-8")
    os.replace(tmp, folder / "CURRENT")
    for other in folder.glob("gen-*"):
        if other != gen:
            shutil.rmtree(other, ignore_errors=True)


def read_term_counts(
    gen: Path | None,
    corpus: Sequence[dict[str, Any]],
    vocab_dict: dict[str, int],
    index_terms: list[str],
) -> dict[str, list[Entry]]:
    """Each article's entries from the term counts saved in generation ``gen``; an error
    when they are missing or do not match the index (its corpus, its term ids)."""
    if gen is None:
        raise FileNotFoundError(TERMS_FILE)
    with np.load(gen / TERMS_FILE, allow_pickle=False) as saved:
        doc_ids, chunks = saved["docs"].tolist(), saved["chunks"]
        sizes, terms, counts = saved["sizes"], saved["terms"], saved["counts"]
    rows = [doc_id for doc_id, n in zip(doc_ids, chunks.tolist(), strict=True) for _ in range(n)]
    if len(rows) != len(corpus) or not int(sizes.sum()) == len(terms) == len(counts):
        raise ValueError(f"{TERMS_FILE} does not match the index")
    vocab = vocab_dict
    if any(vocab[term] != i for i, term in enumerate(index_terms)):
        raise ValueError("the index's term ids are not those of its term counts")
    if len(terms) and int(terms.max()) >= len(index_terms):
        raise ValueError(f"{TERMS_FILE} names terms the index does not have")
    cuts = np.cumsum(sizes)[:-1]
    docs: dict[str, list[Entry]] = {}
    for doc_id, record, t, c in zip(
        rows, corpus, np.split(terms, cuts), np.split(counts, cuts), strict=True
    ):
        docs.setdefault(doc_id, []).append((record, t, c))
    return docs
