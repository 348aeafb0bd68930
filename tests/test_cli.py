"""The ``assistant`` command, in-process (``main([...])``) and as a real subprocess."""

from __future__ import annotations

import json
import subprocess

import pytest

from assistant.archive import open_archive
from assistant.cli import format_sources, main
from assistant.models import Answer, Citation, Excerpt

from .conftest import BIN, ROOT, SEED_ID, article_count, clean_env, free_port

AMBASSADOR = "Who is Russia's ambassador to North Korea?"
ANSWER_FIELDS = set(Answer(question="q", text="t").to_dict())


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def cli_seeded(seeded, monkeypatch):
    """The CLI pointed at a copy of the seeded store (real embedder)."""
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(seeded.data_dir))
    return seeded


@pytest.fixture
def cli_hashed(hashed_seeded, monkeypatch):
    """The CLI pointed at a seeded store opened with the fake embedder (the CLI's own
    Settings find the archive already open)."""
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(hashed_seeded.data_dir))
    return hashed_seeded


def test_ask_prints_the_answer_and_its_sources(cli_seeded, capsys):
    code, out, err = run(capsys, "ask", AMBASSADOR)
    assert code == 0, err
    text, _, sources = out.partition("\n\n[1] ")
    sources = "[1] " + sources
    assert "Matsegora" in text and "[1]" in text
    assert sources.startswith("[1] The Washington Times, 2023: ")
    assert "Alexander Matsegora" in sources
    assert "ingesting the seed" not in err


def test_ask_json_has_exactly_the_answer_fields(cli_seeded, capsys):
    code, out, _ = run(capsys, "ask", "--json", "-k", "3", AMBASSADOR)
    assert code == 0
    data = json.loads(out)
    assert set(data) == ANSWER_FIELDS
    assert data["question"] == AMBASSADOR and not data["abstained"]
    assert data["citations"][0]["doc_id"] == SEED_ID
    assert set(data["citations"][0]) == {
        "number",
        "doc_id",
        "title",
        "source",
        "published",
        "url",
        "quote",
        "start",
        "end",
        "quotes",
    }
    (quote,) = data["citations"][0]["quotes"]  # one passage cited: its quote
    assert quote["text"] == data["citations"][0]["quote"]


def test_ask_with_filters(cli_seeded, capsys):
    code, out, _ = run(
        capsys,
        "ask",
        "--json",
        "--publisher",
        "washington times",
        "--since",
        "2023-01-01",
        "--until",
        "2023-12-31",
        AMBASSADOR,
    )
    assert code == 0 and json.loads(out)["citations"]
    code, out, _ = run(capsys, "ask", "--json", "--since", "2024-01-01", AMBASSADOR)
    assert code == 0 and json.loads(out)["abstained"]


def test_empty_store_is_seeded_once_before_the_first_question(settings, monkeypatch, capsys):
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(settings.data_dir))
    code, out, err = run(capsys, "ask", AMBASSADOR)
    assert code == 0 and "Matsegora" in out
    assert err.count("The archive is empty: ingesting the seed articles") == 1
    code, out, err = run(capsys, "ask", AMBASSADOR)
    assert code == 0 and "ingesting the seed" not in err


def test_list_and_remove(cli_hashed, capsys):
    code, out, err = run(capsys, "list")
    assert code == 0
    doc_id, published, source, chunks, title = out.strip().split("\t")
    assert (doc_id, published, source) == (SEED_ID, "2023", "The Washington Times")
    assert chunks.endswith(" chunks")
    assert title.startswith("Untitled: The intelligence agency of Seoul")
    assert err.strip().splitlines()[-1] == "1 article"
    code, out, _ = run(capsys, "list", "--json", "--search", "washington")
    assert [a["doc_id"] for a in json.loads(out)] == [SEED_ID]
    code, out, _ = run(capsys, "list", "--search", "no such paper")
    assert out == ""
    code, out, _ = run(capsys, "remove", SEED_ID)
    assert code == 0 and out.strip() == f"removed {SEED_ID}"
    code, out, err = run(capsys, "list")
    assert out == "" and "0 articles" in err


def test_ingest_prints_a_summary(cli_hashed, tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.txt").write_text("Good news\n\nThe dam was finished ahead of time.")
    (folder / "bad.json").write_text("[1, 2")
    code, out, _ = run(capsys, "ingest", "-q", str(folder))
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "added 1, updated 0, unchanged 0, skipped 1"
    assert lines[1].startswith("  skipped bad.json: invalid JSON")
    assert lines[2] == "chunks written: 1"
    code, out, _ = run(capsys, "ingest", "-q", str(folder))
    assert code == 0 and out.startswith("added 0, updated 0, unchanged 1, skipped 1")
    assert article_count(cli_hashed) == 2


def test_rebuild_command(cli_hashed, capsys):
    code, out, _ = run(capsys, "rebuild")
    # The CLI's own Settings name the real embedder: the store is re-embedded with it.
    assert code == 0 and out.startswith("rebuilt 1 articles into")
    assert "all-MiniLM-L6-v2" in out
    assert open_archive(cli_hashed).store.count_chunks() > 0


# ------------------------------------------------------------------------- bad inputs


def bad_inputs(tmp_path) -> dict[str, list[str]]:
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "binary.txt").write_bytes(bytes(range(256)) * 8)
    (tmp_path / "nobody.jsonl").write_text(json.dumps({"title": "Only a title"}) + "\n")
    return {
        "empty question": ["ask", ""],
        "blank question": ["ask", " \n\t "],
        "long question": ["ask", "why " * 1001],
        "unknown publisher": ["ask", "--publisher", "Daily Planet", AMBASSADOR],
        "bad date": ["ask", "--since", "yesterday", AMBASSADOR],
        "missing path": ["ingest", "-q", str(tmp_path / "nowhere.txt")],
        "empty file": ["ingest", "-q", str(tmp_path / "empty.txt")],
        "undecodable file": ["ingest", "-q", str(tmp_path / "binary.txt")],
        "record without body": ["ingest", "-q", str(tmp_path / "nobody.jsonl")],
        "unreachable url": ["ingest", "-q", f"http://127.0.0.1:{free_port()}/story"],
        "unknown id": ["remove", "no-such-id"],
    }


MESSAGES = {
    "empty question": "error: the question is empty",
    "blank question": "error: the question is empty",
    "long question": "error: the question is 4003 characters long; the limit is 4000",
    "unknown publisher": "error: unknown publisher 'Daily Planet'",
    "bad date": "error: --since must be a date like",
    "missing path": "error: no such file or folder:",
    "empty file": "skipped empty.txt: empty article",
    "undecodable file": "skipped binary.txt: binary file",
    "record without body": "skipped nobody.jsonl#1: record has no body",
    "unreachable url": "error: cannot connect to http://127.0.0.1:",
    "unknown id": "error: no article with id 'no-such-id'",
}


@pytest.mark.parametrize("case", sorted(MESSAGES))
def test_bad_input_fails_clearly_and_loses_nothing(cli_hashed, tmp_path, monkeypatch, capsys, case):
    monkeypatch.setenv("ASSISTANT_ALLOW_PRIVATE_URLS", "1")
    monkeypatch.setenv("ASSISTANT_URL_TIMEOUT", "5")
    argv = bad_inputs(tmp_path)[case]
    code, out, err = run(capsys, *argv)
    assert code != 0
    assert MESSAGES[case] in out + err
    assert "Traceback" not in err
    assert article_count(cli_hashed) == 1


def subprocess_run(*argv: str, data_dir, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "assistant"), *argv],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=clean_env(ASSISTANT_DATA_DIR=str(data_dir), **env),
        timeout=600,
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["ask", "   "], "error: the question is empty"),
        (["ingest", "/no/such/folder"], "error: no such file or folder: /no/such/folder"),
        (["remove", "nothing"], "error: no article with id 'nothing'"),
    ],
)
def test_subprocess_exit_codes_of_bad_input(tmp_path, argv, message):
    done = subprocess_run(*argv, data_dir=tmp_path / "data")
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1].startswith(message)
    assert "Traceback" not in done.stderr
    assert "ingesting the seed" not in done.stderr  # a bad question costs no seed ingest


def test_subprocess_list_exits_0(seeded):
    done = subprocess_run("list", data_dir=seeded.data_dir)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"{SEED_ID}\t2023\tThe Washington Times\t")
    assert done.stderr.strip() == "1 article"


def test_sources_of_one_article_list_each_quote_under_one_number():
    quotes = [Excerpt("Quintela was named pilot.", 0, 25), Excerpt("The budget is 41m.", 900, 918)]
    cite = Citation(
        1, "a.md", "Harbour", "Coast Ledger", "2024-02-01", "", quotes[0].text, 0, 25, quotes
    )
    answer = Answer(question="q", text="t [1]", citations=[cite])
    assert format_sources(answer) == (
        "[1] Coast Ledger, 2024: Quintela was named pilot. … The budget is 41m."
    )
