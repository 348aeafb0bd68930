"""Embedding: the packaged MiniLM encoder (ONNX by default, torch as an extra) and its
export."""
