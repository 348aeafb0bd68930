"""Retrieval: dense and BM25 search over the archive, fused and re-ranked (``retrieve``)."""
