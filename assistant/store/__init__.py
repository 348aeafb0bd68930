"""The store: articles and chunk vectors in Chroma, the BM25 index beside them, and the
opened archive that keeps them consistent.

- ``archive``: ``open_archive(settings)``: store, BM25 and embedder together.
- ``chroma`` (the ``Store``), ``layout`` (its records and filters), ``client`` (the Chroma
  client and its errors), ``open_stores`` (opened stores; reading articles back).
- ``bm25`` (``LexicalIndex``), ``bm25_files``, ``bm25_scoring``, ``bm25_view``, ``nodes``.
- ``changelog``, ``sync``, ``follow``: several processes sharing one Chroma server.
"""
