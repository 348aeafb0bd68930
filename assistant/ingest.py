"""Ingest pipeline: read articles, skip unchanged ones, chunk, embed in batches, commit."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import numpy as np

from .archive import Archive, open_archive
from .articles import Skipped, read_articles
from .chunking import chunk_article, index_text
from .config import Settings
from .errors import InputError
from .lexical import make_node
from .models import Article, Chunk, IngestReport
from .store import chunk_id, chunk_metadata

ProgressFn = Callable[[int, str], None]  # (articles done, current article) -> None

BATCH_ARTICLES = 16


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
    archive = open_archive(settings)
    report = IngestReport()
    bar = None
    if progress is True:
        from tqdm import tqdm

        bar = tqdm(unit=" articles", desc="ingest", file=sys.stderr, disable=None)
    done = 0
    seen: set[str] = set()
    batch: list[tuple[Article, str]] = []
    registry = archive.store.registry()
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
            seen.add(article.doc_id)
            known = registry.get(article.doc_id)
            if known is not None and known.content_hash == article.content_hash:
                report.unchanged.append(article.doc_id)
                continue
            batch.append((article, "updated" if known else "added"))
            if len(batch) >= BATCH_ARTICLES:
                _commit(archive, batch, report)
                batch = []
        if batch:
            _commit(archive, batch, report)
    except BaseException:
        # Roll back a half-written article now rather than at the next open, so this
        # process goes on serving a consistent archive. If the store itself is failing,
        # the journal stays and the next open recovers.
        with contextlib.suppress(Exception):
            archive.store.recover()
        raise
    finally:
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


def embed_and_write(archive: Archive, articles: list[Article]) -> Iterator[tuple[Article, int]]:
    """Chunk and embed articles in one encoder call, then write and index each one.

    Yields each article with its chunk count once it is committed (BM25 is staged too;
    the caller flushes it)."""
    chunked = [(a, chunks_for_index(a, archive)) for a in articles]
    texts = [index_text(a, c.text) for a, chunks in chunked for c in chunks]
    dim = archive.embedder.dim
    vectors = archive.embedder.embed_documents(texts) if texts else np.zeros((0, dim))
    archive.store.begin(a.doc_id for a in articles)
    items, offset = [], 0
    for article, chunks in chunked:
        items.append((article, chunks, vectors[offset : offset + len(chunks)]))
        offset += len(chunks)
    archive.store.write_many(items)  # one Chroma transaction per step for the batch
    for article, chunks in chunked:
        # Staged article by article: an error later in the batch keeps BM25 in step.
        nodes = [
            make_node(
                chunk_id(article.doc_id, article.content_hash, c.index),
                c.text,
                chunk_metadata(article, c),
            )
            for c in chunks
        ]
        archive.lexical.update(add={article.doc_id: (article.content_hash, nodes)})
        yield article, len(chunks)
    archive.store.end()


def _commit(archive: Archive, batch: list[tuple[Article, str]], report: IngestReport) -> None:
    kinds = {a.doc_id: kind for a, kind in batch}
    for article, chunks in embed_and_write(archive, [a for a, _ in batch]):
        report.chunks += chunks
        (report.added if kinds[article.doc_id] == "added" else report.updated).append(
            article.doc_id
        )


def remove(doc_id: str, *, settings: Settings | None = None) -> None:
    """Remove one article (by the id ``assistant list`` shows) and its chunks."""
    settings = settings or Settings()
    archive = open_archive(settings)
    if not archive.store.remove(doc_id):
        raise InputError(f"no article with id {doc_id!r}: `assistant list` shows the ids")
    archive.lexical.update(remove=[doc_id])
    archive.lexical.flush()


def seeds_dir(settings: Settings) -> Path:
    """The seed articles shipped with the project."""
    if settings.seeds_dir is not None:
        return settings.seeds_dir
    return Path(__file__).resolve().parents[1] / "seeds"


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
