"""What a process keeps between calls: every module-level cache, in one list, with what it
holds and what makes it go. (``tests/test_layers.py`` fails when a module-level cache is
not named here.) Objects an archive owns (its store's article registry, BM25's masks,
nodes and idf) live and go with that archive and are not listed.

Opened things, one per configuration, dropped explicitly:

- ``store.archive._archives``: the opened archive (store, BM25, embedder) per data folder,
  Chroma server and collection. Dropped by ``forget_archive(settings)`` (``assistant
  rebuild`` installs the rebuilt one with ``install_archive``) and ``close_archives()``.
- ``store.open_stores._open``: the opened Chroma store per folder, server, collection and
  embedder name. Dropped by ``forget_store(settings)`` and ``close_stores()`` (which also
  clears chromadb's own client cache).
- ``store.follow._followers``: the thread keeping an archive up to date (``assistant
  serve``), one per store; a thread that died is replaced by the next ``follow()``.
- ``retrieval.retrieve._pool``: the thread pool that embeds a question while BM25 searches;
  made on first use, kept for the process.

Models, loaded once per process (the packaged weights do not change while it runs):

- ``embed.embedder.load_minilm`` (the MiniLM encoder per backend, batch size and int8
  choice; two kept) and ``embed.embedder._prefetched`` (the configurations whose load has
  started on a background thread).
- ``embed.embedder._openai_cache``: the OpenAI-compatible embedder per base URL, model and
  key; a changed setting makes a new one.
- ``embed.onnx_embedder._failed``: an fp32 export that failed is not retried in this
  process (the error is raised again); restart to retry. ``embed.onnx_embedder._weights_key``:
  the fingerprint of the packaged weights per folder.
- ``judge._shared``: the trained reader/verifier (``get_judge()``); its per-instance cache
  of readings is bounded by ``judge.CACHE_SIZE``.
- ``answering.engines.local.load_model``: the loaded GGUF model per file, context size and
  thread count (two kept).
- ``answering.templates.load``: each prompt file, read once; restart after editing one.

Results of pure functions, which never go stale (bounded by their size, oldest first):

- ``embed.embedder._caches``: per embedder (weakly held, so it goes with the embedder), the
  vectors of the last ``_CACHE_SIZE`` texts it embedded.
- ``retrieval.sentence_rank._cache``: each passage's sentence terms by chunk id (ids are
  content-hashed, so a changed chunk has a new id); cleared whole past ``_CACHE_LIMIT``.
- ``text.analyse``: ``_snowball`` (the one Snowball stemmer, used under a lock), ``stem``,
  ``search_stopwords`` and ``analyser_id`` (constants, made when first asked).
- ``text.match``: ``_norm``, ``tokens``, ``content_terms``, ``_vocabulary``,
  ``_text_names``, ``_possessives``, ``adjacent_pairs`` (per span text), ``_demonym_rows``
  (the packaged demonym table, read once), ``_place_forms`` and ``_peoples_words`` (made from
  it once).
- ``text.dates.publication_date_terms`` (per claim and publication date),
  ``text.dates.relative_date_terms`` (per claim, span and publication date),
  ``text.opposites._words`` (the words of a claim or span) and ``text.places``:
  ``capitals`` (the packaged capital table, read once), ``_pattern``, ``_anywhere`` and
  ``_capital_tokens`` (made from it once).
- ``text.publishers``: ``publisher_index``, ``_forms`` and ``_held``: keyed by the archive's
  publisher list itself, so an ingest that changes the list looks up a new entry.
"""
