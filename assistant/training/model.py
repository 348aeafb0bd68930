"""The reader/verifier network in torch: a small BERT encoder (all-MiniLM-L6-v2's, or the
first layers of the MS MARCO cross-encoder of :mod:`assistant.training.msmarco`; both 384
wide with BERT's vocabulary) with three heads.

- ``answer``: does this sentence answer this question (a logit, from [CLS] and the mean of
  the tokens);
- ``support``: does this span support this claim (a logit, the same features);
- ``start``/``end``: where the short answer starts and ends (a logit per token).
"""

from __future__ import annotations

import re
from pathlib import Path

import torch
from torch import nn

from ..embed.onnx_export import mean_pool


def layers_in(state) -> int:
    """How many encoder layers a JudgeNet state dict (or a recovered one) holds."""
    found = {int(m.group(1)) for k in state if (m := _LAYER.match(k))}
    return max(found) + 1 if found else 0


_LAYER = re.compile(r"^encoder\.encoder\.layer\.(\d+)\.")


class JudgeNet(nn.Module):
    def __init__(self, encoder_dir: Path, layers: int | None = None) -> None:
        """The encoder of ``encoder_dir``; with ``layers``, that many layers (the weights of
        a saved network are loaded over it: its width and vocabulary are the folder's)."""
        super().__init__()
        from transformers import AutoConfig, AutoModel

        config = AutoConfig.from_pretrained(str(encoder_dir))
        if layers:
            config.num_hidden_layers = layers
        # Eager attention exports to plain MatMul/Softmax nodes, which the quantiser handles.
        self.encoder = AutoModel.from_pretrained(
            str(encoder_dir), config=config, attn_implementation="eager"
        )
        hidden = self.encoder.config.hidden_size
        self.pooled = nn.Sequential(nn.Linear(2 * hidden, hidden), nn.GELU(), nn.Dropout(0.1))
        self.heads = nn.Linear(hidden, 2)  # answer, support
        self.span = nn.Linear(hidden, 2)  # start, end

    def forward(self, input_ids, attention_mask, token_type_ids):
        states = self.encoder(
            input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
        ).last_hidden_state
        mean = mean_pool(states, attention_mask)
        features = self.pooled(torch.cat([states[:, 0], mean], dim=-1))
        logits = self.heads(features)
        span = self.span(states)
        return logits[:, 0], logits[:, 1], span[..., 0], span[..., 1]
