"""Embedding: the packaged all-MiniLM-L6-v2 (ONNX by default, torch as an extra) or an
OpenAI-compatible API.

- ``embedder``: ``get_embedder(settings)``, ``embedder_kind``, the vector cache.
- ``minilm``: the packaged model's files, name and tokenizer.
- ``onnx_embedder``: the model on ONNX Runtime; ``onnx_export``: the fp32 graph from torch.
- ``export_encoder``: ``python -m assistant.export_encoder`` (the shipped int8 graph).
"""
