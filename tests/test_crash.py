"""kill -9 during a real ``assistant ingest``: every article is whole or absent afterwards.

The real CLI and the real embedder run in a subprocess over 40 generated articles. The
test polls the data folder for the ingest journal (written just before the first article
of a batch is stored), waits a random moment and kills the process with SIGKILL, three
times. After each kill the store is opened (which recovers it) and checked; a final run
must complete without duplicating anything.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from collections import Counter

import pytest

from assistant.archive import close_archives, open_archive
from assistant.ingest import ingest
from assistant.store import JOURNAL

from .conftest import BIN, ROOT, clean_env, make_settings

pytestmark = [pytest.mark.slow, pytest.mark.integration]

TOPICS = ["harbour", "railway", "orchard", "library", "bridge", "council", "festival", "mine"]


def write_articles(folder, n: int = 40) -> None:
    folder.mkdir()
    for i in range(n):
        topic = TOPICS[i % len(TOPICS)]
        sentences = [
            f"Story {i} reports on the {topic} in district {i % 7}.",
            f"Officials said the {topic} project number {i} would cost {i * 3 + 1} million.",
            f"Residents of district {i % 7} met on day {i % 28 + 1} to discuss it.",
        ] * (1 + i % 3)
        (folder / f"article-{i:02d}.txt").write_text(
            f"The {topic} story {i}\n\n" + " ".join(sentences)
        )


def check_whole_or_absent(settings) -> dict[str, int]:
    """Open the store as a new process would, and check it article by article."""
    close_archives()
    archive = open_archive(settings)
    registry = archive.store.registry()
    records = archive.store.chunk_records()
    assert len(records["ids"]) == len(set(records["ids"]))
    per_doc: dict[str, list[int]] = {}
    for meta in records["metadatas"]:
        info = registry.get(meta["doc_id"])
        assert info is not None, f"chunk of an uncommitted article {meta['doc_id']}"
        assert meta["content_hash"] == info.content_hash, "chunk of an older version"
        per_doc.setdefault(meta["doc_id"], []).append(int(meta["chunk"]))
    for doc_id, info in registry.items():
        assert sorted(per_doc.get(doc_id, [])) == list(range(info.chunks)), doc_id
    assert archive.lexical.manifest == {d: i.content_hash for d, i in registry.items()}
    bm25_ids = Counter(
        r["node_id"] for r in (archive.lexical._retriever.corpus if registry else [])
    )
    assert sorted(bm25_ids) == sorted(records["ids"]) and set(bm25_ids.values()) <= {1}
    assert not (settings.data_dir / JOURNAL).exists()
    close_archives()
    return {d: i.chunks for d, i in registry.items()}


def start_ingest(folder, data_dir) -> subprocess.Popen:
    return subprocess.Popen(
        [str(BIN / "assistant"), "ingest", "-q", str(folder)],
        cwd=ROOT,
        env=clean_env(ASSISTANT_DATA_DIR=str(data_dir)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def kill_while_writing(proc: subprocess.Popen, data_dir, delay: float) -> bool:
    """Wait until the process writes to the store, then SIGKILL it after ``delay``
    seconds; False when it finished first."""
    journal = data_dir / JOURNAL
    deadline = time.monotonic() + 600
    while not journal.exists():
        if proc.poll() is not None:
            return False
        assert time.monotonic() < deadline, "the ingest never started writing"
        time.sleep(0.01)
    time.sleep(delay)
    if proc.poll() is not None:
        return False
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    return True


def test_kill_9_leaves_every_article_whole_or_absent(tmp_path):
    folder = tmp_path / "articles"
    write_articles(folder)
    settings = make_settings(tmp_path / "data")
    seed = int(os.environ.get("ASSISTANT_TEST_SEED", time.time_ns() % 10_000))
    rng = random.Random(seed)
    killed = 0
    for delay in (0.0, rng.uniform(0.0, 0.6), rng.uniform(0.2, 1.5)):
        proc = start_ingest(folder, settings.data_dir)
        try:
            killed += kill_while_writing(proc, settings.data_dir, delay)
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait(timeout=60)
        assert b"Traceback" not in (proc.stderr.read() if proc.stderr else b"")
        stored = check_whole_or_absent(settings)
        print(f"seed {seed}: delay {delay:.2f}s, {len(stored)} articles committed")
    assert killed >= 1, f"no ingest was killed while writing (seed {seed})"

    report = ingest([folder], settings=settings)  # the same pipeline the CLI runs
    assert not report.skipped
    stored = check_whole_or_absent(settings)
    assert len(stored) == 40
    assert len(report.unchanged) + len(report.added) == 40 and not report.updated
