"""The ONNX Runtime encoder: the same vectors as the torch encoder, under the same name.

The int8 graph ships with the package; the fp32 graph and the torch encoder need the
``[torch]`` extra, and the tests that use them skip without it."""

from __future__ import annotations

import importlib.util
import random
import threading

import numpy as np
import pytest

from assistant.config import Settings
from assistant.embed.embedder import TorchMiniLM, embedder_kind, get_embedder
from assistant.embed.minilm import (
    MINILM_NAME,
    SHIPPED_FILE,
    minilm_path,
    onnx_available,
    torch_installed,
)
from assistant.embed.onnx_embedder import BATCH_TOKENS, PAD_RATIO, OnnxMiniLM, model_file
from assistant.errors import ConfigError

from .conftest import SEED_FILE

pytestmark = pytest.mark.skipif(not onnx_available(), reason="onnxruntime is missing")
TORCH = torch_installed() and importlib.util.find_spec("onnx") is not None
needs_torch = pytest.mark.skipif(not TORCH, reason="needs the [torch] extra")


@pytest.fixture(scope="module")
def onnx() -> OnnxMiniLM:
    if not TORCH:
        pytest.skip("the fp32 graph is exported from the packaged weights: the [torch] extra")
    return OnnxMiniLM()  # exports once into the per-user cache, then loads it


@pytest.fixture(scope="module")
def torch_encoder() -> TorchMiniLM:
    if not TORCH:
        pytest.skip("the torch encoder needs the [torch] extra")
    return TorchMiniLM()


@pytest.fixture(scope="module")
def chunks() -> list[str]:
    """Real chunks of the seed article, plus a short and an over-long text."""
    from assistant.ingestion.chunking import chunk_article
    from assistant.records import Article

    text = SEED_FILE.read_text(encoding="utf-8")
    pieces = [c.text for c in chunk_article(Article(doc_id="seed", text=text), 120, 16)]
    return [*pieces[:8], "Who is Russia's ambassador?", " ".join([text] * 3)]


def test_same_vectors_as_torch(onnx, torch_encoder, chunks) -> None:
    ours = onnx.embed_documents(chunks)
    theirs = torch_encoder.embed_documents(chunks)
    assert ours.shape == (len(chunks), 384) and ours.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-4)
    cosine = np.sum(ours * theirs, axis=1)
    assert cosine.min() >= 0.99, cosine  # includes the text beyond 256 tokens: truncated alike


def test_same_identity_as_torch(onnx, torch_encoder) -> None:
    assert onnx.name == torch_encoder.name == MINILM_NAME
    assert onnx.dim == torch_encoder.dim
    assert onnx.count_tokens("The ambassador arrived.") == torch_encoder.count_tokens(
        "The ambassador arrived."
    )


def test_order_is_kept_whatever_the_lengths(onnx, chunks) -> None:
    shuffled = list(chunks)
    random.Random(3).shuffle(shuffled)
    by_text = dict(zip(chunks, onnx.embed_documents(chunks), strict=True))
    again = onnx.embed_documents(shuffled)
    for text, vector in zip(shuffled, again, strict=True):
        np.testing.assert_allclose(vector, by_text[text], atol=1e-5)


def test_query_and_empty_input(onnx) -> None:
    q = "Who is Russia's ambassador to North Korea?"
    np.testing.assert_allclose(onnx.embed_query(q), onnx.embed_documents([q])[0], atol=1e-6)
    assert onnx.embed_documents([]).shape == (0, 384)


def test_threads_get_their_own_answers(onnx, chunks) -> None:
    expected = onnx.embed_documents(chunks)
    results: dict[int, np.ndarray] = {}

    def work(n: int) -> None:
        results[n] = onnx.embed_documents(chunks[n:] + chunks[:n])

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for n, got in results.items():
        np.testing.assert_allclose(got, np.roll(expected, -n, axis=0), atol=1e-5)


def test_local_resolves_to_onnx_with_the_torch_name(settings: Settings) -> None:
    assert settings.embeddings == "local"
    assert embedder_kind(settings) == "onnx"
    embedder = get_embedder(settings)
    assert isinstance(embedder, OnnxMiniLM) and embedder.name == MINILM_NAME


@needs_torch
def test_a_damaged_cache_file_is_removed_with_a_clear_error(tmp_path) -> None:
    target = model_file(minilm_path(), tmp_path)
    target.write_bytes(b"not an onnx graph")
    with pytest.raises(ConfigError, match="cannot load the ONNX embedder"):
        OnnxMiniLM(folder=tmp_path)
    assert not target.exists()  # the next start exports afresh


@pytest.mark.slow
def test_export_into_an_empty_folder(tmp_path, onnx) -> None:
    fresh = OnnxMiniLM(folder=tmp_path / "models")
    assert fresh.path.parent == tmp_path / "models"
    assert [p.name for p in fresh.path.parent.iterdir()] == [fresh.path.name]  # no temp left
    q = ["The ambassador presented his credentials in Pyongyang."]
    np.testing.assert_allclose(fresh.embed_documents(q), onnx.embed_documents(q), atol=1e-5)


@pytest.fixture(scope="module")
def int8() -> OnnxMiniLM:
    return OnnxMiniLM(quantize=True)


def test_int8_vectors_stay_close_to_torch(int8, torch_encoder, chunks) -> None:
    ours = int8.embed_documents(chunks)
    theirs = torch_encoder.embed_documents(chunks)
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-4)
    cosine = np.sum(ours * theirs, axis=1)
    assert cosine.min() >= 0.97 and cosine.mean() >= 0.985, cosine
    assert int8.path.name.endswith("-int8.onnx") and int8.name == MINILM_NAME


def test_int8_ranks_passages_as_torch_does(int8, torch_encoder, chunks) -> None:
    questions = [
        "Who is Russia's ambassador to North Korea?",
        "What did South Korea's spy agency say?",
        "Which countries held joint naval drills?",
        "What did the lawmaker say about the briefing?",
    ]
    passages = chunks[:8]

    def scores(encoder) -> np.ndarray:  # (passages, questions)
        queries = np.stack([encoder.embed_query(q) for q in questions])
        return encoder.embed_documents(passages) @ queries.T

    theirs, ours = scores(torch_encoder), scores(int8)
    for q in range(len(questions)):
        # int8 weights move scores by up to ~0.04, and how they round depends on the CPU's
        # int8 kernels (AVX2 without VNNI differs): int8's first passage is among torch's
        # first three of eight. Retrieval quality is measured on MultiHop-RAG by the bench
        # (dense Hits@10 within 0.01 of torch).
        assert ours[:, q].argmax() in np.argsort(-theirs[:, q])[:3], questions[q]


def test_a_damaged_shipped_file_is_kept_with_a_clear_error(tmp_path) -> None:
    bad = tmp_path / "encoder-int8.onnx"
    bad.write_bytes(b"not an onnx graph")
    with pytest.raises(ConfigError, match="reinstall assistant"):
        OnnxMiniLM(quantize=True, path=bad)
    assert bad.exists()  # never removed: nothing would bring it back
    with pytest.raises(ConfigError, match="is missing: reinstall"):
        OnnxMiniLM(quantize=True, path=tmp_path / "absent.onnx")


def test_the_default_encoder_is_the_shipped_int8_graph(tmp_path) -> None:
    default = get_embedder(Settings(data_dir=tmp_path))
    assert isinstance(default, OnnxMiniLM) and default.path == SHIPPED_FILE


@needs_torch
def test_fp32_is_a_setting(tmp_path) -> None:
    fp32 = get_embedder(Settings(data_dir=tmp_path, onnx_int8=False))
    assert isinstance(fp32, OnnxMiniLM) and fp32.path.name.endswith("-fp32.onnx")


def _embed_noting_widths(onnx, texts: list[str]) -> tuple[np.ndarray, list[list[int]]]:
    """The texts' vectors, and the token widths of each batch the encoder ran."""
    widths: list[list[int]] = []
    run = onnx.run_batch

    def spy(encodings):
        widths.append([len(e.ids) for e in encodings])
        return run(encodings)

    onnx.run_batch = spy
    try:
        return onnx.embed_documents(texts), widths
    finally:
        del onnx.run_batch


def test_batches_never_pad_a_text_to_more_than_half_again_its_length(onnx) -> None:
    texts = [
        "Short one.",
        "A sentence of middling length about the ambassador and the drills.",
        "Pyongyang.",
        " ".join(["A long sentence that keeps going about naval exercises"] * 6),
        "Another short text.",
    ]
    together, widths = _embed_noting_widths(onnx, texts)
    assert len(widths) > 1 and sorted(w for batch in widths for w in batch) == sorted(
        len(e.ids) for e in onnx.tokenizer.encode_batch(texts)
    )
    assert all(max(batch) <= PAD_RATIO * min(batch) for batch in widths), widths
    alone = np.stack([onnx.embed_documents([t])[0] for t in texts])
    np.testing.assert_allclose(together, alone, atol=1e-5)  # same vectors, in the same order


def test_long_texts_go_a_few_at_a_time(onnx) -> None:
    """A batch holds at most BATCH_TOKENS tokens (texts times width), however many texts
    the batch size allows; a text wider than that goes alone."""
    texts = [
        f"Report {i}: " + " ".join(["naval drills near the coast"] * (8 + i)) for i in range(9)
    ]
    texts.append(" ".join(["a very long text about the summit"] * 60))
    together, widths = _embed_noting_widths(onnx, texts)
    assert sum(len(batch) for batch in widths) == len(texts) and len(widths) > 2
    assert all(len(b) == 1 or len(b) * max(b) <= BATCH_TOKENS for b in widths), widths
    alone = np.stack([onnx.embed_documents([t])[0] for t in texts])
    np.testing.assert_allclose(together, alone, atol=1e-5)


def test_prefetch_loads_the_encoder_once_in_the_background(tmp_path) -> None:
    from assistant.embed.embedder import load_minilm, prefetch_embedder

    settings = Settings(data_dir=tmp_path, embed_batch_size=7)  # a configuration not yet loaded
    before = load_minilm.cache_info().misses
    prefetch_embedder(settings)
    prefetch_embedder(settings)  # already started: starts nothing
    encoder = get_embedder(settings)  # waits for the background load, or does it first
    assert get_embedder(settings) is encoder and isinstance(encoder, OnnxMiniLM)
    assert load_minilm.cache_info().misses == before + 1


@needs_torch
def test_batches_run_side_by_side_with_the_same_vectors(chunks) -> None:
    # Two batches must be in the encoder at once: one after the other, each would wait for
    # the other at the barrier and time out.
    side_by_side = OnnxMiniLM(threads=2)
    both = threading.Barrier(2, timeout=20)
    run = side_by_side.run_batch
    threads: set[str] = set()

    def meet(encodings):
        name = threading.current_thread().name
        if name not in threads:  # each worker's first batch waits for the other's
            threads.add(name)
            both.wait()
        return run(encodings)

    side_by_side.run_batch = meet
    texts = chunks * 2
    ours = side_by_side.embed_documents(texts)
    del side_by_side.run_batch
    assert len(threads) == 2 and all(t.startswith("assistant-onnx") for t in threads)
    one_at_a_time = OnnxMiniLM(threads=1).embed_documents(texts)
    np.testing.assert_array_equal(ours, one_at_a_time)
    assert side_by_side.embed_documents(texts[:1]).shape == (1, 384)  # one batch: no pool


def test_an_int8_vector_does_not_depend_on_the_texts_beside_it(int8, chunks) -> None:
    # Dynamic int8 quantises a run's activations with one range: batched, a text's vector
    # would follow its neighbours, and a cached answer the questions asked before it.
    texts = [chunks[0], "Who met whom?", chunks[-1], "A short one."]
    together = int8.embed_documents(texts)
    for i, text in enumerate(texts):
        np.testing.assert_array_equal(together[i], int8.embed_documents([text])[0])
    np.testing.assert_array_equal(together[::-1], int8.embed_documents(texts[::-1]))
