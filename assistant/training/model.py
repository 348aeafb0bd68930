"""The reader/verifier network in torch: all-MiniLM-L6-v2's encoder with three heads.

- ``answer``: does this sentence answer this question (a logit, from [CLS] and the mean of
  the tokens);
- ``support``: does this span support this claim (a logit, the same features);
- ``start``/``end``: where the short answer starts and ends (a logit per token).
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from ..embed.onnx_export import mean_pool


class JudgeNet(nn.Module):
    def __init__(self, encoder_dir: Path) -> None:
        super().__init__()
        from transformers import AutoModel

        # Eager attention exports to plain MatMul/Softmax nodes, which the quantiser handles.
        self.encoder = AutoModel.from_pretrained(str(encoder_dir), attn_implementation="eager")
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
