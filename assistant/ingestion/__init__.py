"""Ingestion: files, folders and URLs into articles, chunks and the store.

- ``pipeline``: ``ingest(paths)``, ``remove(doc_id)``, the seed articles.
- ``readers`` (formats), ``decoding`` (bytes to text), ``metadata`` (dates, titles),
  ``fetch`` and ``fetch_transport`` (URLs, safely).
- ``chunking``: sentence-aware chunks; ``guard``: what one ingest may not do.
- ``rebuild``: ``assistant rebuild`` from the stored article texts.
"""
