"""all-MiniLM-L6-v2 through ONNX Runtime: the same model as ``TorchMiniLM``, faster on a CPU.

The default graph ships inside the package: ``assistant/weights/encoder-int8.onnx`` (23 MB),
exported once from the packaged weights by ``python -m assistant.export_encoder``, with the
mean pooling and L2 normalisation sentence-transformers applies, int8 weights and int8
embedding tables. ``encoder.json`` beside it records its source, recipe and cosine check.
Running it needs onnxruntime and tokenizers only: no torch.

The fp32 graph (``ASSISTANT_ONNX_INT8=false``) is not shipped: it is exported from the
packaged weights on first use (the ``[torch]`` extra) into a per-user cache
(``ASSISTANT_MODEL_CACHE``, else ``$XDG_CACHE_HOME/assistant/models`` or
``~/.cache/assistant/models``) under a name that changes whenever the weights or the export
recipe do, and written atomically, so processes racing to export both end with a whole file.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ConfigError
from .minilm import (
    MAX_TOKENS,
    MINILM_NAME,
    SHIPPED_FILE,
    TOKENIZER_FILE,
    TORCH_EXTRA,
    WordPieceCounter,
    minilm_path,
)
from .onnx_export import export_fp32

THREADS = 2  # batches encoded at once, one thread each: this machine has two cores
PAD_RATIO = 1.5  # longest text of a batch over its shortest
BATCH_TOKENS = 512  # a batch's texts times its width, at most (unless one text is wider)
RECIPE = "mean-l2-opset17-v1"  # bump when the exported fp32 graph would change
_export_lock = threading.Lock()
_failed: dict[Path, ConfigError] = {}  # an export that failed is not retried in this process


def cache_dir() -> Path:
    """Where exported fp32 graphs are kept (one export serves every store of the user)."""
    if os.environ.get("ASSISTANT_MODEL_CACHE"):
        return Path(os.environ["ASSISTANT_MODEL_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "assistant" / "models"


@lru_cache(maxsize=4)
def _weights_key(model_dir: Path) -> str:
    """Changes when the packaged weights or the export recipe change."""
    h = hashlib.sha256(RECIPE.encode())
    for name in ("config.json", "tokenizer.json"):
        h.update((model_dir / name).read_bytes())
    weights = model_dir / "model.safetensors"
    h.update(str(weights.stat().st_size).encode())
    return h.hexdigest()[:16]


def model_file(model_dir: Path, folder: Path) -> Path:
    """The cached fp32 graph for these weights (it may not exist yet)."""
    return folder / f"all-MiniLM-L6-v2-{_weights_key(model_dir)}-fp32.onnx"


def _export(model_dir: Path, target: Path) -> Path:
    """The fp32 graph, exported from the packaged weights (needs the ``[torch]`` extra)."""
    try:
        return export_fp32(model_dir, target)
    except ImportError as exc:
        raise ConfigError(
            f"the fp32 ONNX encoder is exported from the packaged weights, which needs "
            f"{TORCH_EXTRA} ({exc}); or keep ASSISTANT_ONNX_INT8=true (the shipped graph)"
        ) from exc
    except OSError:
        raise
    except Exception as exc:
        raise ConfigError(
            f"exporting the ONNX embedder failed ({type(exc).__name__}: {exc}); "
            f"set ASSISTANT_ONNX_INT8=true to use the shipped graph"
        ) from exc


def _model_dir() -> Path:
    return minilm_path()


def _ensure_exported(target: Path) -> Path:
    if target.exists():
        return target
    model_dir = _model_dir()
    try:
        return _export(model_dir, target)
    except OSError:
        # A read-only home: export beside the system's temporary files instead.
        fallback = Path(tempfile.gettempdir()) / f"assistant-models-{os.getuid()}"
        target = model_file(model_dir, fallback)
        return target if target.exists() else _export(model_dir, target)


def exact_int8(options: Any) -> None:
    """Make ONNX Runtime's int8 matrix products exact on every x86 CPU. Without VNNI (AVX2
    alone, as on the AMD EPYC machines here) its kernels add pairs of int8 products in 16
    bits, which saturate: the shipped int8 encoder and reader/verifier then give other
    vectors and scores than on a CPU with VNNI, so the same archive and question retrieved
    other passages (the prompts of 87 of 265 dev replies recorded on one machine changed on
    another; 25 with this) and the verifier's scores moved by 0.2 (logit, mean). Widening
    to 16 bits first costs about 13% of the verifier's time on such a CPU."""
    options.add_session_config_entry("session.x64quantprecision", "1")


class OnnxMiniLM:
    """all-MiniLM-L6-v2 on ONNX Runtime; same vectors (cosine >= 0.99) and name as torch.

    Texts are tokenised once, sorted by length and batched, so a batch pads only to its
    own longest text (int8 runs each text alone: see ``__init__``). Batches run
    ``threads`` at a time, each on one ONNX Runtime thread: one batch split over two threads
    waits at every operator for the slower half, and for any other thread of the process
    that took a core meanwhile (480 news chunks, the same batches and vectors: 8.1 s against
    11.0 s here). A single batch (a question) runs on the caller's thread. Safe to call
    from several threads (``InferenceSession.run`` is).
    """

    dim = 384

    def __init__(
        self,
        batch_size: int = 32,
        *,
        quantize: bool = False,
        folder: Path | None = None,
        threads: int = THREADS,
        path: Path | None = None,
    ) -> None:
        """``quantize``: the shipped int8 graph (or ``path``); else the fp32 graph, exported
        into ``folder`` (default: the per-user cache) on first use."""
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.name = MINILM_NAME
        # int8 runs one text at a time. Its activations are quantised with one range per
        # run, so in a batch a text's vector would depend on the texts beside it, and an
        # answer on which questions came before (through the vector cache). With runs side
        # by side, one text per run costs about what batches cost (480 chunks: 7.7-9.0 s
        # against 8.2-8.5 s; 12 sentences: 19-22 ms either way).
        self._batch = 1 if quantize else max(1, batch_size)
        self._batch_tokens = BATCH_TOKENS
        if quantize:
            target = path or SHIPPED_FILE
            if not target.is_file():
                raise ConfigError(f"the ONNX encoder {target} is missing: reinstall assistant")
        else:
            with _export_lock:
                target = path or model_file(_model_dir(), folder or cache_dir())
                if target in _failed:
                    raise _failed[target]
                try:
                    target = _ensure_exported(target)
                except ConfigError as exc:
                    _failed[target] = exc
                    raise
        self.path = target
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1  # batches run side by side instead (see above)
        options.inter_op_num_threads = 1
        self._workers = max(1, threads)
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()
        # Idle threads sleep instead of spinning: on a shared two-core machine spinning
        # threads starve the other process (a query took 78 ms spinning, 36 ms not).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        exact_int8(options)
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        try:
            self._session = ort.InferenceSession(
                str(target), options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:
            if quantize:  # the shipped file is never removed
                raise ConfigError(
                    f"cannot load the ONNX encoder {target}: {exc}; reinstall assistant"
                ) from exc
            # A damaged cache file: remove it so the next start re-exports.
            target.unlink(missing_ok=True)
            raise ConfigError(f"cannot load the ONNX embedder {target}: {exc}; try again") from exc
        self._wants_types = "token_type_ids" in {i.name for i in self._session.get_inputs()}
        self.tokenizer = Tokenizer.from_file(str(TOKENIZER_FILE))
        # The packaged tokenizer.json pads and truncates to 128; the model reads 256.
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.no_padding()
        self.count_tokens = WordPieceCounter()

    def run_batch(self, encodings: Sequence) -> np.ndarray:
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), width), dtype=np.int64)  # [PAD] is id 0
        mask = np.zeros_like(ids)
        for row, enc in enumerate(encodings):
            ids[row, : len(enc.ids)] = enc.ids
            mask[row, : len(enc.ids)] = 1
        feed = {"input_ids": ids, "attention_mask": mask}
        if self._wants_types:
            feed["token_type_ids"] = np.zeros_like(ids)
        return self._session.run(None, feed)[0]

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        """Unit vectors of ``texts``, in their order."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        encodings = self.tokenizer.encode_batch(list(texts))
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        batches: list[list[int]] = []
        rows: list[int] = []
        for i in order:
            # A batch pads to its longest text: start another rather than pad a text to
            # more than PAD_RATIO times its length (a question's dozen candidate sentences
            # of 20 to 70 tokens take a third less time in three runs than in one). Long
            # texts go a few at a time: their activations then stay in the CPU's caches.
            width = len(encodings[i].ids)
            if rows and (
                len(rows) >= self._batch
                or width > PAD_RATIO * len(encodings[rows[0]].ids)
                or (len(rows) + 1) * width > self._batch_tokens
            ):
                batches.append(rows)
                rows = []
            rows.append(i)
        batches.append(rows)

        def run(rows: list[int]) -> np.ndarray:
            return self.run_batch([encodings[j] for j in rows])

        done: Iterator[np.ndarray]
        if len(batches) == 1 or self._workers == 1:
            done = map(run, batches)
        else:
            done = self._workers_pool().map(run, batches)
        for rows, vectors in zip(batches, done, strict=True):
            out[rows] = vectors
        return out

    def _workers_pool(self) -> ThreadPoolExecutor:
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self._workers, thread_name_prefix="assistant-onnx")
            return self._pool

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_documents([text])[0]
