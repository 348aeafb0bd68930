"""Recover the reader/verifier's torch weights from the shipped int8 ONNX file.

Training goes on from an earlier run's weights (``train --init judge.pt``); the repository
ships only the int8 export, so a fresh clone rebuilds the starting point from it: every
int8 weight dequantised (``(q - zero_point) * scale``, per output column for the matrix
products, per tensor for the embeddings), the float tensors (biases, layer norms) as they
are. The network is :class:`assistant.training.model.JudgeNet`; every tensor's name and
shape is checked against it before writing. The recovered network gives the export's
outputs to within its int8 rounding (``tests/test_judge.py`` checks it).

    python -m assistant.training.recover --out DIR/judge.pt
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import numpy as np

from ..judge import MODEL_FILE


def _module_of(output: str) -> str | None:
    """The torch module a quantised matrix product belongs to, read from its output name:
    ``/encoder/encoder/layer.0/attention/self/query/MatMul_output_0_output_quantized`` is
    ``encoder.encoder.layer.0.attention.self.query``; ``/pooled/pooled.0/Gemm_...`` (a
    module inside a Sequential) is ``pooled.0``."""
    m = re.match(r"^/(.+?)/(?:MatMul|Gemm)_output_0", output)
    if m is None:
        return None
    parts = m.group(1).split("/")
    if len(parts) >= 2 and parts[-1].startswith(parts[-2] + "."):
        parts = parts[:-2] + [parts[-1]]
    return ".".join(parts)


def recover(onnx_file: Path = MODEL_FILE) -> dict[str, np.ndarray]:
    """The state dict (as numpy arrays, torch names) held in an int8 export."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(onnx_file))
    init = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    state: dict[str, np.ndarray] = {}
    for name, value in init.items():
        if value.dtype == np.float32 and not name.startswith("onnx::") and not name.endswith("_scale"):
            state[name] = value
    for name in list(init):
        if name.endswith(".weight_quantized") and name.startswith("encoder.embeddings."):
            base = name[: -len("_quantized")]
            q = init[name].astype(np.float32)
            state[base] = (q - init[base + "_zero_point"].astype(np.float32)) * init[base + "_scale"]
    for node in model.graph.node:
        if node.op_type != "MatMulInteger":
            continue
        weight = node.input[1]
        stem = weight[: -len("_quantized")]
        q = init[weight].astype(np.float32)  # [in, out]
        w = (q - init[stem + "_zero_point"].astype(np.float32)) * init[stem + "_scale"]
        module = _module_of(node.output[0])
        if module is None:
            raise ValueError(f"cannot tell which layer {node.output[0]} is")
        state[f"{module}.weight"] = np.ascontiguousarray(w.T)
    return state


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m assistant.training.recover", description=__doc__.split("\n\n")[0])
    p.add_argument("--onnx", type=Path, default=MODEL_FILE)
    p.add_argument("--out", type=Path, required=True, help="where to write the torch state dict")
    args = p.parse_args(argv)

    import torch

    from .model import JudgeNet, layers_in
    from .train import _minilm

    if not args.onnx.is_file():
        raise SystemExit(f"no int8 export at {args.onnx}")
    found = recover(args.onnx)
    net = JudgeNet(_minilm(), layers=layers_in(found))
    wanted = net.state_dict()
    # The encoder's pooler is no part of the network's outputs (the export drops it): it
    # keeps the packaged weights.
    missing = sorted(k for k in wanted if k not in found and ".pooler." not in k
                     and not k.endswith("position_ids"))
    extra = sorted(k for k in found if k not in wanted)
    if missing or extra:
        raise SystemExit(f"weights do not match the network: missing {missing[:5]}, unexpected {extra[:5]}")
    tensors = {k: torch.tensor(found[k]) if k in found else v for k, v in wanted.items()}
    for k, v in tensors.items():
        if tuple(v.shape) != tuple(wanted[k].shape):
            raise SystemExit(f"{k}: shape {tuple(v.shape)} in the export, {tuple(wanted[k].shape)} in the network")
    net.load_state_dict(tensors)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    torch.save(net.state_dict(), args.out)
    print(f"wrote {args.out} ({len(found)} tensors from {args.onnx})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
