"""Tracing the packaged weights into an fp32 ONNX graph (the ``[torch]`` extra): the first
step of ``python -m assistant.export_encoder``, and what the fp32 encoder runs on first use."""

from __future__ import annotations

import os
import tempfile
import warnings
from pathlib import Path

from .minilm import INPUTS, OPSET


def mean_pool(hidden, attention_mask):
    """sentence-transformers' mean pooling of torch token states: the average of the tokens
    the attention mask keeps (also the reader/verifier's, :mod:`assistant.training.model`)."""
    mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)


def export_fp32(model_dir: Path, target: Path) -> Path:
    """Trace the packaged weights into ``target`` (pooling and normalisation included),
    written atomically. Needs torch and transformers (the ``[torch]`` extra) and onnx."""
    import torch
    from transformers import AutoModel

    class Pooled(torch.nn.Module):
        """The encoder followed by sentence-transformers' mean pooling and L2 norm."""

        def __init__(self, encoder: torch.nn.Module) -> None:
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids, attention_mask, token_type_ids):
            hidden = self.encoder(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            return torch.nn.functional.normalize(mean_pool(hidden, attention_mask), p=2.0, dim=1)

    # Eager attention exports to plain MatMul/Softmax nodes, which the quantiser handles.
    encoder = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager").eval()
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=".export-", suffix=".onnx")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        dummy = torch.ones((2, 8), dtype=torch.long)
        axes = {name: {0: "batch", 1: "tokens"} for name in INPUTS}
        with torch.no_grad(), warnings.catch_warnings():
            # The tracer's notes on constants and opsets are for exporter authors, not users.
            warnings.simplefilter("ignore")
            torch.onnx.export(
                Pooled(encoder),
                (dummy, dummy, torch.zeros_like(dummy)),
                str(tmp),
                input_names=list(INPUTS),
                output_names=["embedding"],
                dynamic_axes={**axes, "embedding": {0: "batch"}},
                opset_version=OPSET,
                dynamo=False,  # the TorchScript exporter: no onnxscript needed, and mature
            )
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target
