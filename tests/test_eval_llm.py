"""Record the openai engine's prompts and replay recorded replies through the pipeline."""

from __future__ import annotations

import json
from pathlib import Path

import openai

from assistant.evaluate.llm import ReplayServer, prompt_sha, record, replay

QUESTION = "Who is Russia's ambassador to North Korea?"
SEED = Path(__file__).resolve().parents[1] / "seeds" / "000_bfd5cbc101d0c76f.txt"


def test_the_replay_server_serves_the_reply_recorded_for_the_messages_streamed_or_whole():
    messages = [{"role": "user", "content": "hello"}]
    with ReplayServer({prompt_sha(messages): "Hi there [1]."}) as server:
        client = openai.OpenAI(api_key="x", base_url=server.url)
        whole = client.chat.completions.create(model="m", messages=messages, stream=False)
        assert whole.choices[0].message.content == "Hi there [1]."
        pieces = client.chat.completions.create(model="m", messages=messages, stream=True)
        assert "".join(e.choices[0].delta.content or "" for e in pieces if e.choices) == "Hi there [1]."
        other = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}])
        assert "do not answer" in other.choices[0].message.content
        assert len(server.unmatched) == 1 and len(server.requests) == 3


def test_record_then_replay_scores_a_correct_reply_and_its_planted_twin(seeded):
    (recorded,) = record([{"question": QUESTION, "answers": ["Matsegora"]}], seeded)
    assert recorded["prompt_sha"] and recorded["messages"][0]["role"] == "system"
    assert QUESTION in recorded["messages"][-1]["content"]
    sha = recorded["prompt_sha"]
    replies = [
        {"question": QUESTION, "prompt_sha": sha, "planted": None,
         "reply": "Russia's ambassador to North Korea is Alexander Matsegora [1]."},
        {"question": QUESTION, "prompt_sha": sha, "planted": {"kind": "wrong_name"},
         "reply": "Russia's ambassador to North Korea is Igor Morgulov [1]."},
    ]
    for stream in (True, False):
        report = replay(replies, seeded, stream=stream)
        summary = report.summary()
        assert summary["correct_replies"] == 1 and summary["kept"] == 1.0
        assert summary["planted_reported_by_kind"] == {"wrong_name": 1.0}
        assert summary["unmatched_prompts"] == 0
        assert report.outcomes[0].unsupported == []
    # the report names each claim it flagged and the span it was checked against
    two = [{"question": QUESTION, "prompt_sha": sha, "planted": {"kind": "wrong_number"},
            "reply": "Russia's ambassador to North Korea is Alexander Matsegora [1]. "
                     "Kim Jong Un has overseen over 300 missile launches since the beginning of 2022 [1]."}]
    (outcome,) = replay(two, seeded).outcomes
    assert not outcome.abstained
    (flagged,) = outcome.unsupported
    assert "300 missile launches" in flagged["claim"]
    assert flagged["quote"] and flagged["quote"] in SEED.read_text(encoding="utf-8")


def test_a_prompt_that_changed_since_recording_is_reported_not_scored(seeded):
    replies = [{"question": QUESTION, "prompt_sha": "0" * 20, "planted": None, "reply": "x [1]."}]
    summary = replay(replies, seeded).summary()
    assert summary["unmatched_prompts"] == 1 and summary["correct_replies"] == 0
    json.dumps(summary)


def test_bad_arguments_and_malformed_files_are_clear_errors(seeded, tmp_path):
    import argparse

    import pytest

    from assistant.errors import InputError
    from assistant.evaluate.llm import run

    def args(**kw):
        base = {"action": "replay", "qa": None, "replies": None, "store": str(seeded.data_dir),
                "out": None, "no_stream": False, "plans": None, "multihop": None}
        return argparse.Namespace(**{**base, **kw})

    with pytest.raises(InputError, match="--replies"):
        run(args(), seeded)
    with pytest.raises(InputError, match="--qa"):
        run(args(action="record"), seeded)
    bad = tmp_path / "replies.jsonl"
    bad.write_text('{"question": "Q?", "reply": "x"}\n{"reply": "no question"}\n')
    with pytest.raises(InputError, match=r"replies.jsonl:2"):
        run(args(replies=str(bad)), seeded)
