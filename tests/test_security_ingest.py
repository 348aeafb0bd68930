"""Issue 21, the ingest side: what a hostile upload, URL or conversation must not do.

Every attack is real: loopback HTTP servers (one that drips its headers, one that a
rebinding resolver points at), real files and real ingests into a store.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.answer import answer
from assistant.errors import InputError
from assistant.ui_actions import chat, run_ingest
from assistant.ui_render import Turn

from .conftest import free_port
from .fakes import ScriptedLLM

SEED_QUESTION = "Who is Russia's ambassador to North Korea?"


# ------------------------------------------------------------- 12: upload with no article
def test_an_upload_with_no_article_says_why_instead_of_failing(hashed, tmp_path: Path) -> None:
    folder = tmp_path / "staged"
    folder.mkdir()
    (folder / "upload-empty.txt").write_text("   \n")
    (folder / "upload-records.json").write_text("[]")
    lines = list(run_ingest([str(folder)], hashed))
    assert lines[-1].startswith("Nothing added: added 0")
    assert "upload-empty.txt: empty article" in lines[-1]
    assert "upload-records.json: JSON holds no article objects" in lines[-1]


# ------------------------------------------------------------- 3: the conversation's size
def test_a_history_over_the_limits_is_refused_before_any_work(hashed_seeded) -> None:
    many = [("Who is he?", "Someone.")] * 21
    with pytest.raises(InputError, match=r"has 21 turns; the limit is 20 \(ASSISTANT_MAX_HISTORY_TURNS\)"):
        answer(SEED_QUESTION, history=many, settings=hashed_seeded)
    huge = [("Who is he?", "x" * 1_000_000)]  # the 4,000-character question limit, bypassed
    with pytest.raises(InputError, match=r"turn 1 .* 1000010 characters.*ASSISTANT_MAX_HISTORY_TURN_CHARS"):
        answer(SEED_QUESTION, history=huge, settings=hashed_seeded)
    for bad in (["just text"], [("one part",)], [("q", 42)], "not a list"):
        with pytest.raises(InputError, match="history"):
            answer(SEED_QUESTION, history=bad, settings=hashed_seeded)  # type: ignore[arg-type]
    # within the limits a follow-up still borrows from the conversation
    fine = [(SEED_QUESTION, "Alexander Matsegora [1].")] * 20
    assert "Russia" in answer("What did he say?", history=fine, settings=hashed_seeded).searched


def test_the_openai_engine_never_receives_an_oversized_conversation(hashed_seeded) -> None:
    with ScriptedLLM(["Matsegora", "Alexander Matsegora is the ambassador [1]."]) as llm:
        settings = hashed_seeded.model_copy(
            update={"llm": "openai", "openai_base_url": llm.url, "llm_retries": 0}
        )
        too_big = [("Who is he?", "y" * 5_000_000)]
        with pytest.raises(InputError, match="ASSISTANT_MAX_HISTORY_TURN_CHARS"):
            answer("What did he say?", history=too_big, settings=settings)
        assert llm.requests == []  # refused before the language model was asked anything
        limit = settings.max_history_turn_chars
        full = [("Who is Alexander Matsegora?", "z" * (limit - 30))] * settings.max_history_turns
        answer("What did he say?", history=full, settings=settings)
        sizes = [len(json.dumps(r)) for r in llm.requests]
        assert sizes and max(sizes) < 4 * limit  # the rewrite sends the last 3 turns at most


def test_the_chat_page_keeps_a_long_conversation_within_the_limits(hashed_seeded) -> None:
    settings = hashed_seeded.model_copy(update={"max_history_turns": 3})
    turns = [Turn(SEED_QUESTION, "<p>block</p>", text="Alexander Matsegora [1].")] * 30
    *_, (html, after, _box) = chat("What did he say?", turns, None, "", "", settings)
    assert len(after) == 31 and after[-1].ok, html  # answered, not an error message


@pytest.mark.integration
def test_the_ask_api_refuses_a_huge_history(seeded, monkeypatch) -> None:
    from gradio_client import Client

    from assistant.ui import build_app, launch_options

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    app = build_app(seeded)
    port = free_port()
    app.queue()
    app.launch(
        server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True,
        **launch_options(),
    )
    try:
        url = f"http://127.0.0.1:{port}/"
        history = [["Who is he?", "w" * 1_000_000]]
        with pytest.raises(Exception, match="ASSISTANT_MAX_HISTORY_TURN_CHARS"):
            Client(url, verbose=False).predict(
                SEED_QUESTION, None, "", "", history, api_name="/ask"
            )
        result = Client(url, verbose=False).predict(SEED_QUESTION, api_name="/ask")
        assert "Matsegora" in result["text"]  # and the server goes on answering
    finally:
        app.close()
