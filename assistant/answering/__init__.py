"""Answering: the pipeline (``answer``, ``stream_answer``), declining before retrieval,
the answer engines, citations, claim checks and the prompts."""
