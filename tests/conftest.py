"""Shared fixtures: a fresh store per test, the real packaged embedder, paths to shared data."""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

import pytest

from assistant.config import set_offline_env

set_offline_env()
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from assistant.archive import close_archives  # noqa: E402
from assistant.config import Settings  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
SEED_FILE = SEEDS / "000_bfd5cbc101d0c76f.txt"
MULTIHOP = ROOT.parent / "shared" / "benchmarks" / "multihop-rag"

needs_multihop = pytest.mark.skipif(
    not (MULTIHOP / "corpus.json").exists(), reason="../shared/benchmarks/multihop-rag is absent"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch, tmp_path):
    """No test sees the user's keys, servers or data folder."""
    for key in list(os.environ):
        if key.startswith("ASSISTANT_") and not key.startswith("ASSISTANT_TEST_"):
            monkeypatch.delenv(key, raising=False)
    for key in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "default-data"))
    yield
    close_archives()


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path / "data", llm="extractive")


@pytest.fixture(scope="session")
def _seeded_template(tmp_path_factory) -> Path:
    """One store with the seed article, built once and copied per test."""
    from assistant.ingest import ingest

    folder = tmp_path_factory.mktemp("seeded")
    ingest([SEEDS], settings=Settings(data_dir=folder / "data", llm="extractive"))
    close_archives()
    return folder / "data"


@pytest.fixture
def seeded(tmp_path, _seeded_template) -> Settings:
    """Settings of a fresh copy of a store holding the seed article."""
    target = tmp_path / "seeded-data"
    shutil.copytree(_seeded_template, target)
    return Settings(data_dir=target, llm="extractive")
