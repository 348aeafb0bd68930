"""The store across restarts and after damage.

A store reopened by a new process answers as before. Damage gives one clear CLI line that
says what to do: lost or outdated vectors name ``assistant rebuild`` (which then restores
the answers from the stored article texts); a database that cannot be read at all says so,
since the article texts live in it too. A damaged BM25 folder is rebuilt on open.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from assistant import answer
from assistant.config import Settings
from assistant.errors import StoreError
from assistant.store.archive import close_archives, open_archive
from assistant.store.client import chroma_client

from .conftest import SEED_ID, clean_env

QUESTION = "Who is Russia's ambassador to North Korea?"


def _cli_in_process(capsys, monkeypatch, settings: Settings, *args: str) -> tuple[int, str, str]:
    from assistant.cli.commands import main

    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("ASSISTANT_LLM", "extractive")
    close_archives()  # as a new process would: nothing cached
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def _error_line(err: str) -> str:
    assert "Traceback" not in err, err
    (line,) = [x for x in err.splitlines() if x.startswith("error: ")]
    return line


def _chunks_collection(settings: Settings):
    close_archives()
    return chroma_client(settings).get_collection(f"{settings.collection}_chunks")


@pytest.mark.slow
def test_a_new_process_opens_the_store_and_answers_the_same(seeded):
    before = answer(QUESTION, settings=seeded)
    close_archives()
    env = clean_env(ASSISTANT_DATA_DIR=str(seeded.data_dir), ASSISTANT_LLM="extractive")
    done = subprocess.run(
        [sys.executable, "-m", "assistant.cli", "ask", QUESTION, "--json"],
        env=env, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr
    after = json.loads(done.stdout)
    assert after["text"] == before.text and "Matsegora" in after["text"]
    assert [c["doc_id"] for c in after["citations"]] == [c.doc_id for c in before.citations]
    assert [c["quote"] for c in after["citations"]] == [c.quote for c in before.citations]


def test_an_other_layout_version_names_rebuild_and_rebuild_fixes_it(seeded, capsys, monkeypatch):
    chunks = _chunks_collection(seeded)
    chunks.modify(metadata={**(chunks.metadata or {}), "schema": 99})
    code, _, err = _cli_in_process(capsys, monkeypatch, seeded, "ask", QUESTION)
    assert code == 1
    line = _error_line(err)
    assert "layout version 99" in line and "`assistant rebuild`" in line
    _rebuild_and_answer(capsys, monkeypatch, seeded)


def test_lost_vectors_name_rebuild_and_rebuild_fixes_it(seeded, capsys, monkeypatch):
    _chunks_collection(seeded)  # opened once so its client is the one cached
    chroma_client(seeded).delete_collection(f"{seeded.collection}_chunks")
    code, _, err = _cli_in_process(capsys, monkeypatch, seeded, "ask", QUESTION)
    assert code == 1
    line = _error_line(err)
    assert "only 0 vectors" in line and "`assistant rebuild`" in line
    _rebuild_and_answer(capsys, monkeypatch, seeded)


def _rebuild_and_answer(capsys, monkeypatch, settings: Settings) -> None:
    code, out, err = _cli_in_process(capsys, monkeypatch, settings, "rebuild")
    assert code == 0, err
    assert "rebuilt 1 articles" in out
    code, out, err = _cli_in_process(capsys, monkeypatch, settings, "ask", QUESTION, "--json")
    assert code == 0, err
    result = json.loads(out)
    assert "Matsegora" in result["text"] and result["citations"][0]["doc_id"] == SEED_ID
    archive = open_archive(settings)
    assert archive.lexical.manifest == {
        d: a.content_hash for d, a in archive.store.registry().items()
    }


def test_garbage_over_the_database_gives_one_clear_line(seeded):
    """Checked in a real process: chromadb's Rust core may panic, which Python code sees as
    a BaseException; the CLI must still end with its one error line and exit code 1."""
    close_archives()
    database = seeded.data_dir / "chroma" / "chroma.sqlite3"
    database.write_bytes(os.urandom(database.stat().st_size))
    env = clean_env(ASSISTANT_DATA_DIR=str(seeded.data_dir), ASSISTANT_LLM="extractive")
    for command in (["ask", QUESTION], ["rebuild"]):
        done = subprocess.run(
            [sys.executable, "-m", "assistant.cli", *command],
            env=env, capture_output=True, text=True, timeout=600,
        )
        assert done.returncode == 1, done.stderr
        line = _error_line(done.stderr)
        assert str(seeded.data_dir) in line and "backup" in line, line


def test_a_damaged_database_page_is_a_store_error_not_a_crash(hashed_seeded, fake):
    """Random pages overwritten: whatever chromadb makes of it, the caller gets a StoreError
    (or, when the damage missed everything that is read, a working store)."""
    import random

    close_archives()
    database = hashed_seeded.data_dir / "chroma" / "chroma.sqlite3"
    clean = database.read_bytes()
    page = 4096
    for seed in range(4):
        data = bytearray(clean)
        rnd = random.Random(seed)
        for _ in range(3):
            at = rnd.randrange(1, len(data) // page)
            data[at * page : (at + 1) * page] = rnd.randbytes(page)
        database.write_bytes(bytes(data))
        try:
            archive = open_archive(hashed_seeded, fake)
            archive.store.get_article(SEED_ID)
        except StoreError as error:
            assert "backup" in str(error) or "`assistant rebuild`" in str(error)
        finally:
            close_archives()


def _damage_current(folder):
    (folder / "CURRENT").write_text("gen-999")


def _damage_files(folder):
    for path in folder.rglob("*"):
        if path.is_file() and path.name != "CURRENT":
            path.write_bytes(b"\x00garbage\xff" * 10)


def _damage_truncate(folder):
    for path in folder.rglob("*"):
        if path.is_file() and path.name != "CURRENT":
            path.write_bytes(b"")


def _damage_remove(folder):
    shutil.rmtree(folder)


def _damage_stale_manifest(folder):
    current = folder / (folder / "CURRENT").read_text().strip()
    (current / "manifest.json").write_text(json.dumps({"gone.txt": "0" * 64}))


@pytest.mark.parametrize(
    "damage",
    [_damage_current, _damage_files, _damage_truncate, _damage_remove, _damage_stale_manifest],
)
def test_a_damaged_bm25_folder_is_repaired_on_open(hashed_seeded, fake, damage):
    from assistant.retrieval.retrieve import search

    folder = open_archive(hashed_seeded).lexical.folder
    close_archives()
    damage(folder)
    archive = open_archive(hashed_seeded, fake)
    committed = {d: a.content_hash for d, a in archive.store.registry().items()}
    assert archive.lexical.manifest == committed and SEED_ID in committed
    hits = search(archive, "Matsegora ambassador", k=3, mode="bm25")
    assert hits and hits[0].doc_id == SEED_ID
    close_archives()
    # The repair was saved: the next open finds a good index without rebuilding it.
    archive = open_archive(hashed_seeded, fake)
    assert archive.lexical.manifest == committed and not archive.reconcile()
