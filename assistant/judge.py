"""The learned judgement: one small cross-encoder the project trains (see ``assistant/training``)
with two jobs.

- **Reader**: given a question and a candidate sentence of a retrieved passage, how likely the
  sentence answers it (the ``answer`` head) and where the short answer lies in it (the span
  heads). The extractive engine answers with the best sentence and abstains when no
  candidate scores above the threshold chosen on the dev split.
- **Verifier**: given a claim and the span (one or two sentences) it cites, how likely the
  span supports it (the ``support`` head). Claim checking keeps its exact checks (every name,
  number and date of the claim present, negation) and asks the verifier for the rest.

The model is all-MiniLM-L6-v2's encoder (the packaged weights) with three small heads,
fine-tuned on questions and claims the team wrote from the training half of MultiHop-RAG,
exported to ONNX with int8 weights and shipped inside the package
(``assistant/weights/judge-int8.onnx``, with ``judge.json`` recording how it was trained).
Both sides of a pair are built by :func:`pair_text`, the one place that decides what the
model reads, so training and serving see the same input.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import ConfigError
from .packaged import WEIGHTS_DIR

MODEL_DIR = WEIGHTS_DIR
MODEL_FILE = MODEL_DIR / "judge-int8.onnx"
CARD_FILE = MODEL_DIR / "judge.json"
TOKENIZER_FILE = MODEL_DIR / "judge-tokenizer.json"
MAX_TOKENS = 160  # question + sentence + its article's title and publisher
MAX_FIRST_TOKENS = 48  # a question or claim longer than this is cut (its start carries it)
META_SEPARATOR = " | "
MAX_ANSWER_TOKENS = 24  # the longest short answer the span heads may pick
CACHE_SIZE = 4096  # readings kept (question/claim, sentence) -> outputs


def pair_text(sentence: str, title: str = "", source: str = "") -> str:
    """The second text of a pair: the sentence, then what a reader knows of its article
    (the title resolves "the company" and "he"; the publisher answers "according to X")."""
    meta = [m.strip() for m in (title, source) if m and m.strip()]
    text = " ".join(sentence.split())
    return META_SEPARATOR.join([text, *meta]) if meta else text


def sigmoid(x: np.ndarray | float) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=np.float64)))


@dataclass(frozen=True)
class Reading:
    """What the reader makes of one (question, sentence) pair."""

    score: float  # probability that the sentence answers the question
    answer: str  # the short answer inside the sentence ("" when none was found)
    start: int  # character offsets of ``answer`` in the sentence (-1 when none)
    end: int


class Judge:
    """The shipped model on ONNX Runtime. Safe to share between threads."""

    def __init__(self, path: Path = MODEL_FILE, tokenizer: Path = TOKENIZER_FILE) -> None:
        if not path.is_file() or not tokenizer.is_file():
            raise ConfigError(
                f"the reader/verifier model is missing ({path}); reinstall the package or "
                "train it: python -m assistant.training.train"
            )
        import onnxruntime as ort
        from tokenizers import Tokenizer

        from .embed.onnx_embedder import exact_int8

        options = ort.SessionOptions()
        options.intra_op_num_threads = 2
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        exact_int8(options)  # the same scores on every x86 CPU
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        try:
            self._session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        except Exception as exc:
            raise ConfigError(f"cannot load the reader/verifier model {path}: {exc}") from exc
        self._tok = Tokenizer.from_file(str(tokenizer))
        self._tok.no_padding()
        self._tok.no_truncation()
        card_file = path.with_name(CARD_FILE.name)
        card = json.loads(card_file.read_text(encoding="utf-8")) if card_file.is_file() else {}
        self.answer_threshold = float(card.get("answer_threshold", 0.5))
        # for a question that names one publisher the retrieved passages come from (see
        # ExtractiveEngine.threshold): chosen on the dev splits like the other
        self.answer_threshold_sourced = float(
            card.get("answer_threshold_sourced", self.answer_threshold)
        )
        self.support_threshold = float(card.get("support_threshold", 0.5))
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, str, str], tuple[float, float, np.ndarray, np.ndarray]] = {}

    # ------------------------------------------------------------------ encoding
    def encode(self, first: str, second: str) -> tuple[list[int], list[int], list[tuple[int, int]], list[int]]:
        """Token ids, segment ids, character offsets and the segment of each token."""
        return encode_pair(self._tok, first, second)

    def _run(self, pairs: Sequence[tuple[str, str]]) -> list[tuple[float, float, np.ndarray, np.ndarray]]:
        """The outputs for each pair, each read in an ONNX run of its own. The int8 graph
        quantises its activations with one range per run, so in a batch of 16 a pair's scores
        depended on the pairs beside it (support logit 0.18 apart on average, up to 0.73, on
        64 dev claim pairs): a claim's verdict on which claims were checked with it, and
        through the cache on what was asked before. Alone took no longer (160 dev claim
        pairs: 2.9-3.1 s against 3.2-3.3 s batched)."""
        out: list[tuple[float, float, np.ndarray, np.ndarray]] = []
        for a, b in pairs:
            ids, types, _, _ = self.encode(a, b)
            row = np.asarray([ids], dtype=np.int64)
            answer, support, start, end = self._session.run(
                None,
                {
                    "input_ids": row,
                    "attention_mask": np.ones_like(row),
                    "token_type_ids": np.asarray([types], dtype=np.int64),
                },
            )
            out.append((float(answer[0]), float(support[0]), start[0], end[0]))
        return out

    def _outputs(self, kind: str, pairs: Sequence[tuple[str, str]]) -> list[tuple[float, float, np.ndarray, np.ndarray]]:
        keys = [(kind, a, b) for a, b in pairs]
        with self._lock:
            found = {i: self._cache[k] for i, k in enumerate(keys) if k in self._cache}
        missing = [i for i in range(len(keys)) if i not in found]
        if missing:
            fresh = self._run([pairs[i] for i in missing])
            with self._lock:
                if len(self._cache) + len(missing) > CACHE_SIZE:
                    self._cache.clear()  # bounded; what this call needs is held in `found`
                for i, value in zip(missing, fresh, strict=True):
                    self._cache[keys[i]] = value
                    found[i] = value
        return [found[i] for i in range(len(keys))]

    # ------------------------------------------------------------------ the two jobs
    def read(self, question: str, sentences: Sequence[tuple[str, str, str]], spans: int = 3) -> list[Reading]:
        """For each (sentence, title, source): how likely it answers the question, and (for
        the ``spans`` best) the short answer inside it."""
        pairs = [(question, pair_text(s, t, src)) for s, t, src in sentences]
        outputs = self._outputs("read", pairs)
        scores = [float(sigmoid(o[0])) for o in outputs]
        best = set(sorted(range(len(scores)), key=lambda i: -scores[i])[:spans])
        readings = []
        for i, ((sentence, _, _), (a, b), (_, _, start, end)) in enumerate(zip(sentences, pairs, outputs, strict=True)):
            if i in best:
                readings.append(self._reading(sentence, a, b, scores[i], start, end))
            else:
                readings.append(Reading(scores[i], "", -1, -1))
        return readings

    def _reading(self, sentence: str, first: str, second: str, score: float,
                 start: np.ndarray, end: np.ndarray) -> Reading:
        _, _, offsets, segments = self.encode(first, second)
        limit = len(" ".join(sentence.split()))
        allowed = np.array([seg == 1 and e <= limit and e > s for seg, (s, e) in zip(segments, offsets, strict=True)])
        if not allowed.any():
            return Reading(score, "", -1, -1)
        # The best (start, end) pair with start <= end < start + MAX_ANSWER_TOKENS, both in
        # the sentence: a masked sum over the upper band of the start x end grid.
        n = len(allowed)
        grid = start[:n, None].astype(np.float64) + end[None, :n].astype(np.float64)
        i, j = np.indices((n, n))
        valid = (j >= i) & (j - i < MAX_ANSWER_TOKENS) & allowed[:, None] & allowed[None, :]
        grid = np.where(valid, grid, -np.inf)
        a, b = np.unravel_index(int(np.argmax(grid)), grid.shape)
        squashed = " ".join(sentence.split())
        text = squashed[offsets[a][0] : offsets[b][1]]
        located = locate(sentence, text)
        if located is None:
            return Reading(score, text, -1, -1)
        return Reading(score, text, located[0], located[1])

    def supports(self, claim: str, spans: Sequence[tuple[str, str, str]]) -> list[float]:
        """For each (span text, title, source): the probability that it supports the claim."""
        pairs = [(claim, pair_text(s, t, src)) for s, t, src in spans]
        return [float(sigmoid(o[1])) for o in self._outputs("support", pairs)]


def encode_pair(tok, first: str, second: str) -> tuple[list[int], list[int], list[tuple[int, int]], list[int]]:
    """Encode a pair as the model reads it: the first text cut to ``MAX_FIRST_TOKENS``, the
    whole cut to ``MAX_TOKENS``. Offsets of the second text are into ``second`` itself."""
    a = tok.encode(" ".join(first.split()), add_special_tokens=False)
    b = tok.encode(second, add_special_tokens=False)
    a_ids, a_off = a.ids[:MAX_FIRST_TOKENS], a.offsets[:MAX_FIRST_TOKENS]
    room = MAX_TOKENS - 3 - len(a_ids)
    b_ids, b_off = b.ids[:room], b.offsets[:room]
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    ids = [cls, *a_ids, sep, *b_ids, sep]
    types = [0] * (len(a_ids) + 2) + [1] * (len(b_ids) + 1)
    offsets = [(0, 0), *a_off, (0, 0), *b_off, (0, 0)]
    segments = [-1] + [0] * len(a_ids) + [-1] + [1] * len(b_ids) + [-1]
    return ids, types, offsets, segments


def locate(sentence: str, squashed_part: str) -> tuple[int, int] | None:
    """Offsets in ``sentence`` of a part given with its whitespace squashed."""
    words = squashed_part.split()
    if not words:
        return None
    import re

    pattern = r"\s+".join(re.escape(w) for w in words)
    m = re.search(pattern, sentence)
    return (m.start(), m.end()) if m else None


_shared: Judge | None = None
_shared_lock = threading.Lock()


def get_judge() -> Judge:
    """The process's one loaded model (``ASSISTANT_JUDGE_MODEL``: another ONNX file of the
    same network, e.g. the fp32 export, for comparison)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            other = os.environ.get("ASSISTANT_JUDGE_MODEL")
            _shared = Judge(Path(other)) if other else Judge()
        return _shared
