"""``assistant rebuild``: re-create the vectors and BM25 from the stored article texts.

The ``<collection>_docs`` records hold every article's full text and metadata, so the
chunks collection and the BM25 index can always be rebuilt from them. This is the way to
recover a store whose chunks are damaged, missing, from an older layout, or built with
another embedder (re-embedding with the configured one).
"""

from __future__ import annotations

from collections.abc import Callable

from ..config import Settings
from ..embed.embedder import Embedder
from ..records import Article
from ..store.archive import Archive, forget_archive, install_archive, rebuild_marker
from ..store.open_stores import drop_chunks, read_stored_articles
from .pipeline import BATCH_ARTICLES, Pipeline

REPAIR_RECORD = 500  # article ids per change record after a rebuild


def rebuild(
    settings: Settings,
    *,
    embedder: Embedder | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> str:
    """Drop the chunks collection, re-chunk and re-embed every stored article, rebuild
    BM25; returns a one-line summary. ``progress(done, total)`` is told of each article.

    Safe to run again after an interruption: the article records are only read, and the
    store refuses to open until a rebuild has finished (a half-rebuilt store would answer
    from some of its articles only).
    """
    articles = read_stored_articles(settings)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    marker = rebuild_marker(settings)
    marker.write_text("an `assistant rebuild` started here and has not finished\n")
    forget_archive(settings)
    drop_chunks(settings)
    archive = Archive(settings, embedder)  # creates the chunks collection for this embedder
    archive.store.end()  # an interrupted ingest's journal names chunks that are gone now
    archive.lexical.rebuild({"ids": [], "documents": [], "metadatas": []}, {})
    chunks = done = 0

    def written(_article: Article, count: int) -> None:
        nonlocal chunks, done
        chunks += count
        done += 1
        if progress is not None:
            progress(done, len(articles))

    pipeline = Pipeline(archive, written)
    try:
        for i in range(0, len(articles), BATCH_ARTICLES):
            pipeline.submit(articles[i : i + BATCH_ARTICLES])
        pipeline.finish()
    finally:
        pipeline.close()
    archive.lexical.flush()
    archive.store.refresh()
    if archive.store.shared and articles:
        # Re-chunked (maybe by another embedder's tokenizer): other app servers read every
        # article's chunks again, not only those whose version changed.
        for i in range(0, len(articles), REPAIR_RECORD):
            part = articles[i : i + REPAIR_RECORD]
            archive.store.changes.append("repair", [a.doc_id for a in part])
    marker.unlink()
    install_archive(archive)
    if not articles:
        return "nothing to rebuild: the store holds no articles (use `assistant ingest`)"
    return (
        f"rebuilt {len(articles)} articles into {chunks} chunks "
        f"with the embedder {archive.store.embedder_name}"
    )
