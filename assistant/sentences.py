"""Kept at this path for :mod:`assistant.training` (``python -m assistant.training.train``),
which imports it from here; the code is :mod:`assistant.text.sentences`."""

from .text.sentences import sentence_spans, split_sentences

__all__ = ["sentence_spans", "split_sentences"]
