"""Kept at this path for :mod:`assistant.training` (``python -m assistant.training.train``),
which imports it from here; the code is :mod:`assistant.embed.onnx_embedder`."""

from .embed.onnx_embedder import OnnxMiniLM

__all__ = ["OnnxMiniLM"]
