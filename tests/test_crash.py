"""kill -9 during a real ``assistant ingest``: every article is whole or absent afterwards.

The CLI (``assistant.cli.main``) and the real embedder run in separate processes over 40
generated articles. The test polls the data folder for the ingest journal (written just
before the first article of a batch is stored), waits a random moment and kills the
process with SIGKILL, three times. After each kill the store is opened (which recovers
it) and checked; a final run must complete without duplicating anything.

Loading sentence-transformers costs a process some 15 s of CPU, so one worker process
loads the model once (without running it) and forks a fresh process per CLI run.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from assistant.store.archive import close_archives, open_archive
from assistant.store.chroma import JOURNAL

from .conftest import ROOT, clean_env, make_settings

pytestmark = [pytest.mark.slow, pytest.mark.integration]

TOPICS = ["harbour", "railway", "orchard", "library", "bridge", "council", "festival", "mine"]

# Reads one JSON argv per line; forks a process that runs the CLI with it and exits with
# its code; answers "<pid>" at once and "exit <pid> <status>" when that process is gone.
WORKER = r"""
import json, os, sys
from assistant.cli import main
from assistant.config import Settings
from assistant.embed.embedder import get_embedder

get_embedder(Settings())  # weights loaded before any fork; no inference runs here
print("ready", flush=True)
for line in sys.stdin:
    argv = json.loads(line)
    pid = os.fork()
    if pid == 0:
        os.dup2(2, 1)  # the CLI's own output goes to the log, not to the test
        code = 70
        try:
            code = main(argv)
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    print(pid, flush=True)
    _, status = os.waitpid(pid, 0)
    print("exit", pid, status, flush=True)
"""


class CliForker:
    """The worker process; ``start(argv)`` runs ``assistant <argv>`` in a fresh process."""

    def __init__(self, data_dir: Path, log: Path) -> None:
        self.log = log.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-c", WORKER],
            cwd=ROOT,
            env=clean_env(ASSISTANT_DATA_DIR=str(data_dir)),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
        )
        assert self.proc.stdout.readline().strip() == "ready", log.read_text()[-3000:]

    def start(self, *argv: str) -> int:
        self.proc.stdin.write(json.dumps(list(argv)) + "\n")
        self.proc.stdin.flush()
        return int(self.proc.stdout.readline())

    def wait(self, pid: int) -> int:
        """The exit status of a run (a SIGKILLed one reports signal 9)."""
        line = self.proc.stdout.readline().split()
        assert line[:2] == ["exit", str(pid)], line
        return int(line[2])

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=60)
        self.log.close()


def write_articles(folder: Path, n: int = 40) -> None:
    folder.mkdir()
    for i in range(n):
        topic = TOPICS[i % len(TOPICS)]
        sentences = [
            f"Story {i} reports on the {topic} in district {i % 7}.",
            f"Officials said the {topic} project number {i} would cost {i * 3 + 1} million.",
            f"Residents of district {i % 7} met on day {i % 28 + 1} to discuss it.",
        ] * (1 + i % 3)
        text = f"The {topic} story {i}\n\n" + " ".join(sentences)
        (folder / f"article-{i:02d}.txt").write_text(text)


def check_whole_or_absent(settings) -> dict[str, int]:
    """Open the store as a new process would, and check it article by article."""
    close_archives()
    archive = open_archive(settings)  # recovers; needs the embedder's name, not the model
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
    bm25_ids = Counter(archive.lexical.chunk_ids())
    assert sorted(bm25_ids) == sorted(records["ids"]) and set(bm25_ids.values()) <= {1}
    assert not (settings.data_dir / JOURNAL).exists()
    close_archives()  # the next CLI process opens the store alone
    return {d: i.chunks for d, i in registry.items()}


def kill_while_writing(pid: int, data_dir: Path, delay: float) -> bool:
    """Wait until the process writes to the store, SIGKILL it ``delay`` seconds later;
    False when it was gone first."""
    journal = data_dir / JOURNAL
    deadline = time.monotonic() + 600
    while not journal.exists():
        if not _running(pid):
            return False
        assert time.monotonic() < deadline, "the ingest never started writing"
        time.sleep(0.005)
    time.sleep(delay)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return False
    return True


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


def test_kill_9_leaves_every_article_whole_or_absent(tmp_path):
    folder = tmp_path / "articles"
    write_articles(folder)
    settings = make_settings(tmp_path / "data")
    seed = int(os.environ.get("ASSISTANT_TEST_SEED", time.time_ns() % 10_000))
    rng = random.Random(seed)
    forker = CliForker(settings.data_dir, tmp_path / "cli.log")
    try:
        killed = 0
        for delay in (0.0, rng.uniform(0.0, 0.5), rng.uniform(0.2, 1.2)):
            pid = forker.start("ingest", "-q", str(folder))
            was_killed = kill_while_writing(pid, settings.data_dir, delay)
            status = forker.wait(pid)
            assert os.WIFSIGNALED(status) if was_killed else status == 0
            killed += was_killed
            stored = check_whole_or_absent(settings)
            print(f"seed {seed}: kill after {delay:.2f}s, {len(stored)} articles committed")
        assert killed >= 1, f"no ingest was killed while it wrote (seed {seed})"

        pid = forker.start("ingest", "-q", str(folder))
        assert forker.wait(pid) == 0
    finally:
        forker.close()
    stored = check_whole_or_absent(settings)
    assert len(stored) == 40 and all(stored.values())
    assert "Traceback" not in (tmp_path / "cli.log").read_text()
