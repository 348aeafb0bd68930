"""Retrieval: the passages of the archive that best match a question.

- ``retrieve``: ``retrieve(question)``: dense and BM25 search, fused, re-ranked.
- ``checks``: the question and filter checks both ``retrieve()`` and ``answer()`` run.
- ``fusion``, ``sentence_rank``: combining and re-ordering ranked lists.
- ``dense_store``: Chroma as a llama-index vector store.
"""
