"""Shared fixtures: isolated settings, stores built once and copied per test, shared paths.

Two kinds of store: ``seeded`` uses the real packaged embedder (for answers whose quality
matters); ``hashed`` / ``hashed_seeded`` use the deterministic :class:`HashEmbedder` (for
plumbing: ingest, filters, citations), which needs no model and keeps the suite fast.
"""

from __future__ import annotations

import os
import shutil
import socket
import sys
from pathlib import Path

import pytest

from assistant.config import set_offline_env

set_offline_env()

from assistant.config import Settings  # noqa: E402
from assistant.store.archive import close_archives, open_archive  # noqa: E402

from .fakes import HashEmbedder  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
SEED_FILE = SEEDS / "000_bfd5cbc101d0c76f.txt"
SEED_ID = SEED_FILE.name
MULTIHOP = ROOT.parent / "shared" / "benchmarks" / "multihop-rag"
BIN = Path(sys.executable).parent  # the virtualenv's scripts: assistant, chroma

needs_multihop = pytest.mark.skipif(
    not (MULTIHOP / "corpus.json").exists(), reason="../shared/benchmarks/multihop-rag is absent"
)


def free_port() -> int:
    """A TCP port nothing listens on (closed again before it is returned)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_settings(data_dir: Path, **overrides) -> Settings:
    """Settings for a test store; every field that matters is explicit, not from the env."""
    values = {
        "data_dir": data_dir,
        "llm": "extractive",
        "embeddings": "local",
        "chroma_url": None,
        "collection": "articles",
        "openai_api_key": None,
        "openai_base_url": None,
    }
    values.update(overrides)
    return Settings(**values)


def clean_env(**extra: str) -> dict[str, str]:
    """The environment for a subprocess: no user keys, servers or data folder."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ASSISTANT_", "OPENAI_")) or k.startswith("ASSISTANT_TEST_")
    }
    env.update(extra)
    return env


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch, tmp_path):
    """No test sees the user's keys, servers, data folder or a stray .env file."""
    for key in list(os.environ):
        if key.startswith("ASSISTANT_") and not key.startswith("ASSISTANT_TEST_"):
            monkeypatch.delenv(key, raising=False)
    for key in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "default-data"))
    monkeypatch.chdir(tmp_path)  # Settings also reads ./.env
    close_archives()
    yield
    close_archives()


@pytest.fixture
def settings(tmp_path) -> Settings:
    """An empty local store with the real embedder."""
    return make_settings(tmp_path / "data")


@pytest.fixture
def fake() -> HashEmbedder:
    return HashEmbedder()


@pytest.fixture
def hashed(settings, fake) -> Settings:
    """An empty local store opened with the fake embedder (ingest/answer then use it)."""
    open_archive(settings, fake)
    return settings


def _template(tmp_path_factory, name: str, embedder=None) -> Path:
    from assistant.ingestion.pipeline import ingest

    folder = tmp_path_factory.mktemp(name) / "data"
    s = make_settings(folder)
    close_archives()
    open_archive(s, embedder)
    ingest([SEEDS], settings=s)
    close_archives()
    return folder


@pytest.fixture(scope="session")
def _seeded_template(tmp_path_factory) -> Path:
    """One store with the seed article and the real embedder, built once per session."""
    return _template(tmp_path_factory, "seeded")


@pytest.fixture(scope="session")
def _hashed_template(tmp_path_factory) -> Path:
    return _template(tmp_path_factory, "hashed", HashEmbedder())


@pytest.fixture
def seeded(tmp_path, _seeded_template) -> Settings:
    """A fresh copy of a store holding the seed article (real embedder)."""
    target = tmp_path / "seeded-data"
    shutil.copytree(_seeded_template, target)
    return make_settings(target)


@pytest.fixture
def hashed_seeded(tmp_path, _hashed_template, fake) -> Settings:
    """A fresh copy of a store holding the seed article, opened with the fake embedder."""
    target = tmp_path / "hashed-data"
    shutil.copytree(_hashed_template, target)
    s = make_settings(target)
    open_archive(s, fake)
    return s


def article_count(settings: Settings) -> int:
    """Committed articles, as the store records them now (not a cached view)."""
    store = open_archive(settings).store
    store.refresh()
    return len(store.registry())


def assert_consistent(settings: Settings) -> None:
    """Chroma chunks, article records, article texts and BM25 describe exactly the same
    articles."""
    archive = open_archive(settings)
    registry = archive.store.registry()
    records = archive.store.chunk_records()
    by_doc: dict[str, int] = {}
    for meta in records["metadatas"]:
        info = registry.get(meta["doc_id"])
        assert info is not None, f"a chunk of the uncommitted article {meta['doc_id']}"
        assert info.content_hash == meta["content_hash"], f"a stale chunk of {meta['doc_id']}"
        by_doc[meta["doc_id"]] = by_doc.get(meta["doc_id"], 0) + 1
    assert by_doc == {d: info.chunks for d, info in registry.items() if info.chunks}
    assert archive.lexical.manifest == {d: a.content_hash for d, a in registry.items()}
    texts = archive.store.texts.get(include=["metadatas"])["metadatas"] or []
    versions = sorted((m["doc_id"], m["content_hash"]) for m in texts)
    assert versions == sorted((d, a.content_hash) for d, a in registry.items())
    assert sorted(archive.lexical.chunk_ids()) == sorted(records["ids"])
