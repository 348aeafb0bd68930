"""The ``assistant`` command, in-process (``main([...])``) and as a real subprocess."""

from __future__ import annotations

import json
import re
import subprocess
import time

import pytest

from assistant.article_ids import article_hash, find_article, short_id, short_ids
from assistant.cli.commands import main
from assistant.cli.output import format_sources
from assistant.errors import InputError
from assistant.records import Answer, Citation, Excerpt
from assistant.store.archive import open_archive

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
    assert data["citations"][0]["id"] == short_id(SEED_ID)
    assert set(data["citations"][0]) == {
        "id",
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


def test_an_empty_store_without_seeds_says_to_ingest(settings, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("ASSISTANT_SEEDS_DIR", str(tmp_path / "no-seeds"))
    code, out, err = run(capsys, "ask", AMBASSADOR)
    assert code == 1 and out == ""
    assert err.startswith("error: the archive (") and "holds no articles" in err
    assert "assistant ingest PATH" in err


def test_list_and_remove(cli_hashed, capsys):
    code, out, err = run(capsys, "list")
    assert code == 0
    short, published, source, chunks, title, url = out.strip().split("\t")
    assert short == short_id(SEED_ID) and re.fullmatch("[0-9a-f]{8}", short)
    assert (published, source, url) == ("2023", "The Washington Times", SEED_ID)
    assert chunks.endswith(" chunks") and title.startswith("Untitled: The intelligence agency of Seoul")
    assert err.strip() == "1 article"
    code, out, _ = run(capsys, "list", "--json", "--search", "washington")
    assert [(a["id"], a["doc_id"]) for a in json.loads(out)] == [(short, SEED_ID)]
    code, out, _ = run(capsys, "list", "--search", short[:6])
    assert out.startswith(short)
    code, out, _ = run(capsys, "list", "--search", "no such paper")
    assert out == ""
    code, out, _ = run(capsys, "remove", short[:5].upper())  # any unique prefix, any case
    assert code == 0 and out.strip() == f"removed {short} {SEED_ID}"
    code, out, err = run(capsys, "list")
    assert out == "" and "0 articles" in err


def shared_prefix_names(length: int = 4) -> tuple[str, str]:
    """Two file names whose short ids share their first ``length`` digits."""
    seen: dict[str, str] = {}
    for i in range(2_000_000):  # a first 8-digit match comes after about 80,000
        name = f"story-{i}.txt"
        head = short_id(name)[:length]
        if head in seen:
            return seen[head], name
        seen[head] = name
    raise AssertionError("no two names share a prefix")


def test_remove_by_full_id_and_an_ambiguous_prefix_names_the_matches(cli_hashed, tmp_path, capsys):
    first, second = shared_prefix_names()
    folder = tmp_path / "in"
    folder.mkdir()
    for name in (first, second):
        (folder / name).write_text(f"Story {name}\n\nThe dam was finished ahead of time.")
    assert run(capsys, "ingest", "-q", str(folder))[0] == 0
    code, out, err = run(capsys, "remove", short_id(first)[:4])
    assert code == 1 and out == ""
    assert err.startswith(f"error: the id '{short_id(first)[:4]}' matches 2 articles; give more")
    assert f"  {short_id(first)}  Story {first} ({first})" in err and short_id(second) in err
    assert article_count(cli_hashed) == 3  # nothing removed
    code, out, _ = run(capsys, "remove", second, SEED_ID)  # full ids still work
    assert code == 0 and out.splitlines() == [
        f"removed {short_id(second)} {second}",
        f"removed {short_id(SEED_ID)} {SEED_ID}",
    ]
    code, out, err = run(capsys, "remove", "0" * 40)
    assert code == 1 and "no article with id" in err


def test_the_page_lists_the_short_id_with_the_full_id_on_hover():
    from assistant.records import ArticleInfo
    from assistant.ui.render import render_articles

    url = "https://example.com/news/2023/10/28/dam"
    html = render_articles([ArticleInfo(url, "Dam", "Gazette", "2023", url, "", "h", 2)], 1)
    assert f'<td class="nx-id" title="{url}">{short_id(url)}</td>' in html


def test_short_ids_grow_only_where_two_articles_share_them():
    first, second = shared_prefix_names(8)
    ids = short_ids([first, second, SEED_ID])
    assert ids[SEED_ID] == short_id(SEED_ID) and len(ids[SEED_ID]) == 8
    assert ids[first] != ids[second] and len(ids[first]) == len(ids[second]) > 8
    assert article_hash(first).startswith(ids[first])
    assert find_article(ids[first], {first: None, second: None}) == first
    with pytest.raises(InputError, match="matches 2 articles"):
        find_article(short_id(first), {first: None, second: None})
    with pytest.raises(InputError, match="no article with id 'abc'"):
        find_article("abc", {first: None})  # too short to be taken for a prefix


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


@pytest.mark.integration
def test_serve_prints_one_line_with_the_url_the_archive_size_and_the_engine(seeded, tmp_path):
    from .browser import Server

    port = free_port()
    srv = Server(port, seeded.data_dir, tmp_path / "serve.log", {})
    try:
        srv.wait_ready()
        deadline = time.monotonic() + 30  # the line follows the server's first answer
        while "Serving" not in srv.log() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert srv.log().strip().splitlines() == [
            f"Serving http://127.0.0.1:{port} (this machine only): 1 article, "
            "extractive engine (verbatim quotes). Ctrl+C stops it."
        ]
    finally:
        srv.stop()


def test_subprocess_list_exits_0(seeded):
    done = subprocess_run("list", data_dir=seeded.data_dir)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"{short_id(SEED_ID)}\t2023\tThe Washington Times\t")
    assert done.stdout.rstrip().endswith(f"\t{SEED_ID}")
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
