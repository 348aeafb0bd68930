"""Kept at this path for :mod:`assistant.training` (``python -m assistant.training.train``),
which imports it from here; the code is :mod:`assistant.embed.embedder`."""

from .embed.embedder import MINILM_NAME, minilm_path

__all__ = ["MINILM_NAME", "minilm_path"]
