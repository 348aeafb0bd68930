"""Ingest pipeline: read articles, skip unchanged ones, chunk, embed in batches, commit."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..article_ids import find_article
from ..config import Settings
from ..embed.embedder import prefetch_embedder
from ..errors import InputError
from ..records import Article, Chunk, IngestReport
from ..store.archive import Archive, open_archive
from ..store.nodes import chunk_nodes
from ..store.sync import reaching
from .chunking import chunk_article, index_text
from .guard import UrlOwners, over_ingest_limit, url_taken
from .readers import Skipped, read_articles

ProgressFn = Callable[[int, str], None]  # (articles done, current article) -> None

# Articles encoded and committed together: one encoder call (sorted by length, so larger
# groups pad less: 4% over the real tokens at 16 articles, 1.6% at 64 on MultiHop-RAG) and
# one Chroma transaction per step.
BATCH_ARTICLES = 64
# The first batch is chunked while the encoder waits, and the last written (and BM25
# re-scored) after it is done: the batches start at FIRST_BATCH articles and double up to
# BATCH_ARTICLES, and the last is embedded and written in parts of at most LAST_PART, so
# the encoder waits for a few articles at either end instead of a whole batch.
FIRST_BATCH = 8
LAST_PART = 16


def _targets(paths_or_urls: str | Path | Iterable[str | Path]) -> list[str]:
    if isinstance(paths_or_urls, str | Path):
        paths_or_urls = [paths_or_urls]
    targets = [str(t) for t in paths_or_urls]
    if not targets:
        raise InputError("nothing to ingest: give one or more files, folders or http(s) URLs")
    for target in targets:
        if "://" not in target and not Path(target).exists():  # URLs are checked by fetch
            raise InputError(f"no such file or folder: {target}")
    return targets


def _read_all(targets: list[str], settings: Settings, report: IngestReport) -> Iterator[Article]:
    for target in targets:
        try:
            for item in read_articles(target, settings):
                if isinstance(item, Skipped):
                    report.skipped.append((item.what, item.why))
                else:
                    yield item
        except InputError as exc:
            if len(targets) == 1:
                raise
            report.skipped.append((target, str(exc)))


def ingest(
    paths_or_urls: str | Path | Iterable[str | Path],
    *,
    settings: Settings | None = None,
    progress: bool | ProgressFn = False,
) -> IngestReport:
    """Add or update the articles found in files, folders, JSON exports or URLs.

    Unchanged articles are not re-embedded; changed ones replace their old chunks.
    ``progress=True`` shows a progress bar on stderr; a callable is told of each article.
    """
    settings = settings or Settings()
    targets = _targets(paths_or_urls)
    prefetch_embedder(settings)  # loads while the store opens
    archive = open_archive(settings)
    with archive.writing, reaching(settings):
        archive.store.recover()  # a journal left by a write that failed (Chroma down)
        archive.keep_up()
        return _ingest(archive, targets, settings, progress)


def _ingest(
    archive: Archive, targets: list[str], settings: Settings, progress: bool | ProgressFn
) -> IngestReport:
    report = IngestReport()
    bar = None
    if progress is True:
        from tqdm import tqdm

        bar = tqdm(unit=" articles", desc="ingest", file=sys.stderr, disable=None)
    done = 0
    seen: set[str] = set()
    batch: list[Article] = []
    kinds: dict[str, str] = {}
    registry = archive.store.registry()
    urls = UrlOwners(registry)

    def written(article: Article, chunks: int) -> None:
        report.chunks += chunks
        kind = kinds[article.doc_id]
        (report.added if kind == "added" else report.updated).append(article.doc_id)

    pipeline = Pipeline(archive, written)
    size = min(FIRST_BATCH, BATCH_ARTICLES)
    try:
        for article in _read_all(targets, settings, report):
            done += 1
            if bar is not None:
                bar.update(1)
            elif callable(progress):
                progress(done, article.title or article.doc_id)
            if article.doc_id in seen:
                report.skipped.append(
                    (article.doc_id, "the same article appears twice in this ingest")
                )
                continue
            known = registry.get(article.doc_id)
            if known is None:
                owner = urls.owner(article)
                if owner is not None:
                    if owner.content_hash == article.content_hash:  # the same article
                        report.unchanged.append(owner.doc_id)
                    else:
                        report.skipped.append((article.doc_id, url_taken(article, owner.doc_id)))
                    continue
            seen.add(article.doc_id)
            urls.add(article)
            if known is not None and known.content_hash == article.content_hash:
                report.unchanged.append(article.doc_id)
                continue
            if len(kinds) >= settings.max_articles_per_ingest:
                report.skipped.append((article.doc_id, over_ingest_limit(settings)))
                break
            kinds[article.doc_id] = "updated" if known else "added"
            batch.append(article)
            if len(batch) >= size:
                pipeline.submit(batch)
                batch = []
                size = min(2 * size, BATCH_ARTICLES)
        if batch:
            pipeline.submit(batch)
        pipeline.finish()
    except BaseException:
        # Roll back a half-written article now rather than at the next open, so this
        # process goes on serving a consistent archive. If the store itself is failing,
        # the journal stays and the next open recovers.
        pipeline.close()
        with contextlib.suppress(Exception):
            archive.store.recover()
        raise
    finally:
        pipeline.close()
        if bar is not None:
            bar.close()
        archive.lexical.flush()  # one BM25 rebuild for the whole ingest
    return report


def chunks_for_index(article: Article, archive: Archive) -> list[Chunk]:
    """The article's chunks, sized so that what is embedded (the header of
    :func:`index_text`, the chunk and the encoder's two special tokens) fits the
    ``chunk_tokens`` window: the encoder silently drops whatever is beyond it."""
    settings = archive.settings
    count = archive.embedder.count_tokens
    header = count(index_text(article, "")) + 2
    budget = max(settings.chunk_tokens - header, min(64, settings.chunk_tokens))
    return chunk_article(article, budget, settings.chunk_overlap, count)


Chunked = list[tuple[Article, list[Chunk]]]


@dataclass
class Encoded:
    """A batch of articles chunked and embedded, ready to be written."""

    chunked: Chunked
    vectors: np.ndarray


def chunk_batch(archive: Archive, articles: list[Article]) -> Chunked:
    """Each article with its chunks."""
    return [(a, chunks_for_index(a, archive)) for a in articles]


def embed(archive: Archive, chunked: Chunked) -> Encoded:
    """Embed the chunks of a chunked batch in one encoder call."""
    texts = [index_text(a, c.text) for a, chunks in chunked for c in chunks]
    dim = archive.embedder.dim
    vectors = archive.embedder.embed_documents(texts) if texts else np.zeros((0, dim))
    return Encoded(chunked, vectors)


def write(archive: Archive, encoded: Encoded) -> Iterator[tuple[Article, int]]:
    """Write an encoded batch to the store in one Chroma transaction per step, and stage
    its articles for BM25 (the caller flushes it). Yields each article with its chunk
    count once it is committed."""
    chunked = encoded.chunked
    archive.store.begin(a.doc_id for a, _ in chunked)
    items, offset = [], 0
    for article, chunks in chunked:
        nodes = chunk_nodes(article, chunks)  # one node per chunk, for Chroma and BM25 alike
        items.append((article, nodes, encoded.vectors[offset : offset + len(chunks)]))
        offset += len(chunks)
    archive.store.write_many(items)
    for article, nodes, _ in items:
        # Staged article by article: an error later in the batch keeps BM25 in step.
        archive.lexical.update(add={article.doc_id: (article.content_hash, nodes)})
        yield article, len(nodes)
    archive.store.end()


class Writer:
    """Writes encoded batches on one background thread, in order and one at a time, so the
    next batch is chunked and embedded while this one goes to Chroma and BM25.

    The encoder spends its time in ONNX Runtime or torch with the GIL released, so the
    writer's Python and Chroma work fills the gaps instead of waiting for its turn. Only one
    batch is ever in flight: a failure surfaces at the next :meth:`submit` or :meth:`wait`,
    before anything else is written, and the store's journal covers that batch alone.
    """

    def __init__(self, archive: Archive, written: Callable[[Article, int], None]) -> None:
        self._archive = archive
        self._written = written
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="assistant-writer")
        self._pending: Future[None] | None = None

    def _run(self, encoded: Encoded) -> None:
        for article, count in write(self._archive, encoded):
            self._written(article, count)

    def submit(self, encoded: Encoded) -> None:
        """Write this batch once the previous one is written (raising its error, if any)."""
        self.wait()
        self._pending = self._pool.submit(self._run, encoded)

    def wait(self) -> None:
        """Block until the batch in flight is written; re-raise what it raised."""
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def close(self) -> None:
        """Wait for the batch in flight, whatever happened to it, and stop the thread."""
        with contextlib.suppress(BaseException):
            self.wait()
        self._pool.shutdown(wait=True)


class Pipeline:
    """Batches of articles through three stages at once: batch k+1 is chunked on one
    thread and batch k-1 written on another (:class:`Writer`) while batch k is embedded on
    the caller's thread.

    Chunking is Python and the tokenizer, writing is Python and Chroma; both fill the
    gaps the encoder leaves (it runs with the GIL released). Errors surface at the next
    :meth:`submit` or at :meth:`finish`, in batch order.
    """

    def __init__(self, archive: Archive, written: Callable[[Article, int], None]) -> None:
        self._archive = archive
        self._writer = Writer(archive, written)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="assistant-chunker")
        self._chunked: Future[Chunked] | None = None

    def submit(self, articles: list[Article]) -> None:
        """Start chunking this batch; embed the one before it and hand it to the writer."""
        chunking = self._pool.submit(chunk_batch, self._archive, list(articles))
        self._embed_previous()
        self._chunked = chunking

    def _embed_previous(self, part: int | None = None) -> None:
        """Embed the batch chunked last and hand it to the writer, in parts of ``part``
        articles when given."""
        chunked, self._chunked = self._chunked, None
        if chunked is not None:
            rows = chunked.result()
            step = part or max(1, len(rows))
            for start in range(0, len(rows), step):
                self._writer.submit(embed(self._archive, rows[start : start + step]))

    def finish(self) -> None:
        """Embed and write what is left, in parts (see ``LAST_PART``); re-raise the first
        error."""
        self._embed_previous(LAST_PART)
        self._writer.wait()

    def close(self) -> None:
        """Stop both threads, waiting for the batch being written, whatever happened."""
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._chunked = None
        self._writer.close()


def remove(doc_id: str, *, settings: Settings | None = None) -> str:
    """Remove one article and its chunks; returns the id of the article removed.

    ``doc_id`` is the article's id (its URL or path) or any unique prefix of the short id
    ``assistant list`` shows; a prefix several articles share is an error naming them."""
    settings = settings or Settings()
    archive = open_archive(settings)
    with archive.writing, reaching(settings):
        archive.store.recover()  # a journal left by a write that failed (Chroma down)
        archive.keep_up()
        doc_id = find_article(doc_id, archive.store.registry())
        if not archive.store.remove(doc_id):  # removed meanwhile by another writer
            raise InputError(f"no article with id {doc_id!r}: `assistant list` shows the ids")
        archive.lexical.update(remove=[doc_id])
        archive.lexical.flush()
    return doc_id


def seeds_dir(settings: Settings) -> Path:
    """The seed articles shipped with the project."""
    if settings.seeds_dir is not None:
        return settings.seeds_dir
    return Path(__file__).resolve().parents[2] / "seeds"


def ensure_seeded(settings: Settings, say: Callable[[str], None] = print) -> IngestReport | None:
    """With an empty archive, ingest the seed articles first, saying so once."""
    archive = open_archive(settings)
    if archive.store.registry():
        return None
    folder = seeds_dir(settings)
    if not folder.is_dir():
        return None
    say(f"The archive is empty: ingesting the seed articles from {folder} first.")
    return ingest([folder], settings=settings)
