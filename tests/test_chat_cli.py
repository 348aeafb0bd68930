"""``assistant chat``: the REPL as a real subprocess with its input piped, and its parts."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date

import pytest

from assistant.cli.chat import describe, parse_filters
from assistant.cli.output import quote_in_context
from assistant.errors import InputError
from assistant.records import Article, Citation, Filters

from .conftest import ROOT, SEED_ID, clean_env
from .fakes import ScriptedLLM, source_number

AMBASSADOR = "Who is Russia's ambassador to North Korea?"
FOLLOW_UP = "What else did he tell Russian media?"
CLAIM = (  # close to the seed's own sentence: the claim checker supports it
    "Russia’s Ambassador to North Korea, Alexander Matsegora, told Russian media that including "
    "North Korea in joint military drills between Russia and China seems appropriate"
)


def chat(
    data_dir, *lines: str, args: tuple[str, ...] = (), **env: str
) -> subprocess.CompletedProcess:
    """``python -m assistant.cli chat`` with ``lines`` piped in (stdin is not a terminal)."""
    return subprocess.run(
        [sys.executable, "-m", "assistant.cli", "chat", *args],
        input="".join(line + "\n" for line in lines),
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=clean_env(
            **{"ASSISTANT_DATA_DIR": str(data_dir), "ASSISTANT_LLM": "extractive", **env}
        ),
        timeout=600,
    )


def after(out: str, command: str) -> str:
    """What the REPL printed for one input line (up to the next prompt)."""
    return out.split(f"> {command}\n", 1)[1].split("\n> ", 1)[0]


def test_a_conversation_with_sources_open_and_filters(seeded):
    done = chat(
        seeded.data_dir,
        AMBASSADOR,
        "/sources",
        "/open 1",
        "/open 7",
        FOLLOW_UP,
        "/new",
        FOLLOW_UP,
        "/filters",
        "/filters --publisher 'washington times' --since 2023-01-01",
        "/filters --since yesterday",
        "/filters --since 2024-01-01",
        AMBASSADOR,
        "/filters clear",
        "/open 1",
        "/bogus",
        "/help",
        "/quit",
        "never read",
    )
    out = done.stdout
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and "never read" not in out.split("> /quit")[1]

    answered = after(out, AMBASSADOR)
    assert "Matsegora" in answered and "[1]" in answered
    assert "Sources: [1] The Washington Times, 2023" in answered

    sources = after(out, "/sources")
    assert sources.startswith("[1] Untitled: The intelligence agency of Seoul")
    assert "The Washington Times · 2023 · id " in sources
    assert "Alexander Matsegora" in sources  # the quote

    opened = after(out, "/open 1")
    lines = opened.splitlines()
    assert lines[0].startswith("[1] Untitled: The intelligence agency of Seoul")
    assert lines[1].startswith("    The Washington Times · 2023 · id ")
    assert lines[2] == f"    {SEED_ID}"  # a file has no URL: its id says where it came from
    body = " ".join(lines[3:])
    quoted = body.split("«", 1)[1].split("»", 1)[0]
    assert "Alexander Matsegora" in quoted
    assert len(body) > len(quoted) + 40  # with the article's text around it

    # The follow-up is searched with the conversation; after /new it stands alone.
    searched = f"{FOLLOW_UP[:-1]} (Russia, North Korea)?"
    # (said as "searched with the conversation" under an answer, "searched for" under a refusal)
    assert f"searched with the conversation: {searched})" in after(out, FOLLOW_UP) or (
        f"(searched for: {searched})" in after(out, FOLLOW_UP)
    )
    alone = out.split("> /new\n", 1)[1]
    assert alone.startswith("New conversation")
    assert "(Russia, North Korea)" not in after(alone, FOLLOW_UP)

    assert after(out, "/filters") == "Filters: none (every publisher, any date)"
    set_ = "/filters --publisher 'washington times' --since 2023-01-01"
    assert after(out, set_) == "Filters: publisher: The Washington Times; since 2023-01-01"
    assert after(out, "/filters --since yesterday").startswith("error: since must be a date")
    narrowed = out.split("> /filters --since 2024-01-01\n", 1)[1]
    assert narrowed.startswith("Filters: publisher: The Washington Times; since 2024-01-01")
    assert "do not answer" in after(narrowed, AMBASSADOR)  # the filters reached retrieval
    assert after(out, "/filters clear") == "Filters: none (every publisher, any date)"

    assert after(out, "/open 7") == "Give the number of a source of the last answer (1): /open 1"
    last = out.split("> /filters clear\n", 1)[1]
    assert after(last, "/open 1") == "No sources to open: the last answer cites none."
    assert "Unknown command /bogus" in after(out, "/bogus")
    assert "/open N" in after(out, "/help")


def test_a_follow_up_sends_the_conversation_to_an_llm_engine(seeded):
    def reply(payload):
        n = source_number(payload, "Alexander Matsegora")
        return f"{CLAIM} [{n}]."

    rewritten = "What did Alexander Matsegora say about joint drills?"
    with ScriptedLLM([reply, rewritten, reply]) as llm:
        done = chat(
            seeded.data_dir,
            AMBASSADOR,
            "What did he say about drills?",
            ASSISTANT_LLM="openai",
            ASSISTANT_OPENAI_BASE_URL=llm.url,
            ASSISTANT_LLM_MODEL="scripted",
            ASSISTANT_LLM_RETRIES="0",
        )
        requests = llm.requests
    assert done.returncode == 0, done.stderr
    first = after(done.stdout, AMBASSADOR)
    assert first.startswith(f"{CLAIM} [1].\n") and "After checking" not in first
    assert "Sources: [1] The Washington Times, 2023" in first
    assert len(requests) == 3
    conversation = json.dumps(requests[1]["messages"], ensure_ascii=False)
    assert AMBASSADOR in conversation
    assert CLAIM in conversation  # the previous answer, as the page passes it
    follow = after(done.stdout, "What did he say about drills?")
    assert f"(searched with the conversation: {rewritten})" in follow


def test_an_empty_archive_without_seeds_says_to_ingest_and_keeps_the_prompt(tmp_path):
    done = chat(
        tmp_path / "data",
        AMBASSADOR,
        "/filters",
        ASSISTANT_SEEDS_DIR=str(tmp_path / "no-seeds"),
    )
    assert done.returncode == 0, done.stderr
    said = after(done.stdout, AMBASSADOR)
    assert said.startswith("error: the archive (") and "assistant ingest PATH" in said
    assert after(done.stdout, "/filters").startswith("Filters: none")


def test_filters_given_on_the_command_line_are_checked_like_those_of_ask(seeded):
    done = chat(seeded.data_dir, "/filters", args=("--publisher", "washington times"))
    assert done.returncode == 0, done.stderr
    assert after(done.stdout, "/filters") == "Filters: publisher: The Washington Times"
    done = chat(seeded.data_dir, AMBASSADOR, args=("--publisher", "Daily Planet"))
    assert done.returncode == 1 and AMBASSADOR not in done.stdout
    assert done.stderr.startswith("error: unknown publisher 'Daily Planet'")


# ------------------------------------------------------------------------------ parts
def test_filters_are_parsed_like_the_flags_of_ask():
    current = Filters(sources=("Gazette",), since=date(2023, 1, 1))
    assert parse_filters("--until 2023-12-31", current) == {
        "sources": ["Gazette"],
        "since": date(2023, 1, 1),
        "until": "2023-12-31",
    }
    assert parse_filters('--publisher "The Times" --publisher=Gazette --since=', current) == {
        "sources": ["The Times", "Gazette"],
        "since": None,
        "until": None,
    }
    assert parse_filters("clear", current) is None
    for bad, message in (
        ("--when 2023", "unknown filter"),
        ("--since", "needs a value"),
        ('"x', "cannot read"),
    ):
        with pytest.raises(InputError, match=message):
            parse_filters(bad, None)
    assert describe(current) == "publisher: Gazette; since 2023-01-01"
    assert describe(None) == describe(Filters()) == "none (every publisher, any date)"


def test_a_quote_is_shown_in_its_paragraph_with_its_article_details():
    text = "Title\n\nFirst paragraph.\n\nBefore it. The dam was finished early. After it.\n\nLast."
    start = text.index("The dam")
    quote = "The dam was finished early."
    cite = Citation(
        1,
        "dam.txt",
        "Dam",
        "Gazette",
        "2023-10-28",
        "https://g.example/dam",
        quote,
        start,
        start + len(quote),
    )
    shown = quote_in_context(cite, Article("dam.txt", text), width=80)
    lines = shown.splitlines()
    assert lines[0] == "[1] Dam"
    assert lines[1].startswith("    Gazette · 2023-10-28 · id ")
    assert lines[2] == "    https://g.example/dam"
    assert lines[4] == "…Before it. «The dam was finished early.» After it.…"
    colored = quote_in_context(cite, Article("dam.txt", text), color=True)
    assert "\x1b[1;4mThe dam was finished early.\x1b[0m" in colored
    gone = quote_in_context(cite, Article("dam.txt", "Rewritten since."))
    assert "«The dam was finished early.»" in gone and "no longer holds" in gone


def _on_a_terminal(data_dir, keys: list[bytes], seeds) -> tuple[int, str]:
    """Run ``assistant chat`` on a pseudo-terminal, typing ``keys`` one prompt at a time."""
    import os
    import pty
    import select
    import time

    main_fd, child_fd = pty.openpty()
    env = clean_env(ASSISTANT_DATA_DIR=str(data_dir), ASSISTANT_SEEDS_DIR=str(seeds))
    proc = subprocess.Popen(
        [sys.executable, "-m", "assistant.cli", "chat"],
        stdin=child_fd,
        stdout=child_fd,
        stderr=child_fd,
        cwd=ROOT,
        env=env,
    )
    os.close(child_fd)
    seen = b""
    deadline = time.monotonic() + 120  # generous: a loaded machine starts Python slowly
    try:
        for key in [*keys, None]:
            while not seen.rstrip().endswith(b">") and proc.poll() is None:
                assert time.monotonic() < deadline, seen.decode(errors="replace")
                if select.select([main_fd], [], [], 1)[0]:
                    try:
                        seen += os.read(main_fd, 4096)
                    except OSError:  # the terminal closed: the process has left
                        break
            if key is None or proc.poll() is not None:
                break
            seen = b""
            os.write(main_fd, key)
        return proc.wait(timeout=30), seen.decode(errors="replace")
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(main_fd)


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_on_a_terminal_the_arrow_keys_recall_earlier_input_kept_in_the_data_folder(tmp_path):
    data = tmp_path / "data"
    code, _ = _on_a_terminal(data, [b"/help\r", b"/quit\r"], tmp_path / "no-seeds")
    assert code == 0
    history = data / "chat_history"
    assert history.read_text().split() == ["/help", "/quit"]
    assert history.stat().st_mode & 0o077 == 0  # questions can be private
    # A new session: the up arrow brings back the last line, /quit, and Enter runs it.
    code, _ = _on_a_terminal(data, [b"\x1b[A\r"], tmp_path / "no-seeds")
    assert code == 0
