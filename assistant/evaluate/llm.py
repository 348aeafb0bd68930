"""``assistant eval llm``: the generative path measured with recorded replies, offline.

Two steps, both through the real openai engine talking to an OpenAI-compatible server on
loopback (:class:`ReplayServer`, started here):

- ``record --qa FILE --out PROMPTS.jsonl``: asks every question of a QA file and keeps the
  exact chat messages the engine sends (one line per question, with a hash of the messages).
  Someone (a person, or a capable model) then writes the reply for each prompt: a correct
  one and, as a twin, the same reply with one planted error.
- ``replay --replies REPLIES.jsonl``: serves each recorded reply to the request whose
  messages hash to its prompt (streamed, or not with ``--no-stream``) and scores what the
  answer pipeline makes of it, per reply: kept correct, claims flagged, replaced by the
  refusal, citation re-pointed; for a planted error: reported (flagged, dropped, refused or
  re-pointed with a note) or missed.

A replies file holds ``{"question", "prompt_sha", "reply", "planted": null | {"kind": ...},
"answers": [...]}`` per line. A prompt that no longer matches (retrieval changed since the
recording) is reported as such, never silently scored.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..answering.engines.openai_chat import planned_question
from ..answering.refusal import REFUSAL, is_refusal
from ..config import Settings
from ..errors import InputError
from .chat_server import ChatServer
from .datasets import read_jsonl


def prompt_sha(messages: list[dict[str, Any]]) -> str:
    """A stable key for a chat request's messages."""
    canonical = json.dumps(
        [{"role": m.get("role"), "content": m.get("content")} for m in messages],
        ensure_ascii=False,
        sort_keys=True,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()[:20]


class ReplayServer(ChatServer):
    """A :class:`ChatServer` that answers each request with the reply recorded for its
    messages (``replies``: prompt sha -> text), streamed or whole. A request with no
    recorded reply gets the refusal sentence, and its sha is noted in ``unmatched``.

    A planning request (how to search a question) gets the plan recorded for it in
    ``plans`` (prompt sha -> text); with none recorded, the question itself (the question
    is searched as asked), and its sha is noted in ``unplanned``."""

    def __init__(
        self, replies: dict[str, str] | None = None, plans: dict[str, str] | None = None
    ) -> None:
        self.replies = dict(replies or {})
        self.plans = dict(plans or {})
        self.unmatched: list[str] = []
        self.unplanned: list[str] = []
        super().__init__(self._reply, piece=24, model="replay")

    def _reply(self, payload: dict[str, Any]) -> str:
        messages = payload.get("messages") or []
        key = prompt_sha(messages)
        asked = planned_question(messages)
        if asked is not None:
            if key not in self.plans:
                self.unplanned.append(key)
            return self.plans.get(key, asked)
        text = self.replies.get(key)
        if text is None:
            self.unmatched.append(key)
            return REFUSAL
        return text


def _engine_settings(settings: Settings, url: str) -> Settings:
    return settings.model_copy(update={"llm": "openai", "openai_base_url": url})


# ------------------------------------------------------------------------------ record
def answer_request(requests: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
    """The messages of the last answer request among a server's requests (not a plan)."""
    for payload in reversed(requests):
        messages = payload.get("messages") or []
        if planned_question(messages) is None:
            return messages
    return None


def evidence_shown(messages: list[dict[str, Any]] | None, facts: list[str]) -> bool | None:
    """Whether every gold evidence fact (whitespace aside) is in the prompt's sources; None
    when the question has no known evidence."""
    if not facts:
        return None
    if not messages:
        return False
    prompt = "".join("".join(str(m.get("content") or "") for m in messages).split())
    return all("".join(f.split()) in prompt for f in facts)


def record(
    questions: list[dict[str, Any]], settings: Settings, plans: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    """The exact messages the openai engine sends for each question (planning requests
    answered from ``plans``, else with the question: searched as asked)."""
    from ..answering.pipeline import answer

    out = []
    with ReplayServer(plans=plans) as server:
        llm = _engine_settings(settings, server.url)
        for item in questions:
            before = len(server.requests)
            result = answer(item["question"], settings=llm)
            messages = answer_request(server.requests[before:])
            if messages is None:  # declined before the model was asked (a publisher or period not held)
                out.append({**item, "prompt_sha": None, "messages": None})
                continue
            row = {**item, "prompt_sha": prompt_sha(messages), "messages": messages}
            if result.searches:
                row["searches"] = result.searches
            out.append(row)
    return out


# ------------------------------------------------------------------------------ replay
def strictly_correct(text: str, answers: list[str]) -> bool:
    """The expected answer is in the text; a yes/no answer must lead it (MultiHop-RAG's
    strict reading: "Yes, ..." counts for "Yes", a "yes" buried later does not)."""
    from ..text.match import fold

    folded = " ".join(fold(text).split())
    for a in answers:
        want = " ".join(fold(a).split()).rstrip(".")
        if not want:
            continue
        if want in ("yes", "no"):
            if re.match(rf"^\W*{want}\b", folded):
                return True
        elif want in folded:
            return True
    return False


@dataclass
class ReplyOutcome:
    question: str
    planted: str  # "" for a correct reply, else the planted error's kind
    abstained: bool
    flagged: int  # claims marked unsupported (or dropped)
    repointed: int  # claims whose citation was moved, with a note
    matched: bool
    text: str
    reply_refused: bool = False  # the reply itself was the refusal
    reply_correct: bool | None = None  # the reply holds the expected answer (None: no answer given)
    answer_correct: bool | None = None  # the final answer does
    prompt_tokens: int = 0  # the LLM calls' cost (reported by the server, else estimated)
    completion_tokens: int = 0
    evidence_shown: bool | None = None  # every gold evidence fact in the prompt (None: unknown)
    searches: int = 1  # searches run: the question, and the search questions of a plan
    unplanned: bool = False  # plans were given, but none was recorded for this question
    # each claim marked unsupported, with the span it was checked against ("" when none)
    unsupported: list[dict[str, str]] = field(default_factory=list)

    @property
    def reported(self) -> bool:
        """A planted error shows: the answer refused, flagged, dropped or re-pointed a claim."""
        return self.abstained or self.flagged > 0 or self.repointed > 0


@dataclass
class ReplayReport:
    correct: int = 0
    kept: int = 0  # correct replies with no claim flagged and not refused
    with_flag: int = 0
    refused: int = 0
    repointed: int = 0
    planted: Counter = field(default_factory=Counter)
    planted_reported: Counter = field(default_factory=Counter)
    unmatched: int = 0
    model_refused: int = 0  # correct replies that are the refusal (answerable questions)
    unanswerable: int = 0  # correct replies (or declines) to questions nothing answers
    unanswerable_refused: int = 0
    scored: int = 0  # correct replies to answerable questions with an expected answer
    strict: int = 0  # ... whose final answer holds it
    lost_in_reply: int = 0  # the reply lacked it (or refused): retrieval or the model
    lost_in_retrieval: int = 0  # ... of which the prompt lacked some gold evidence
    lost_in_checking: int = 0  # the reply had it, the checked answer did not
    outcomes: list[ReplyOutcome] = field(default_factory=list)

    def add(self, o: ReplyOutcome, answerable: bool = True) -> None:
        self.outcomes.append(o)
        if not o.matched:
            self.unmatched += 1
            return
        if not answerable and not o.planted:
            self.unanswerable += 1
            self.unanswerable_refused += o.abstained
            return
        if o.reply_refused and not o.planted:
            self.model_refused += 1  # nothing of the model's to keep or lose
            self.scored += o.answer_correct is not None
            self.lost_in_reply += o.answer_correct is not None
            self.lost_in_retrieval += o.answer_correct is not None and o.evidence_shown is False
            return
        if not o.planted:
            self.correct += 1
            self.refused += o.abstained
            self.with_flag += (not o.abstained) and o.flagged > 0
            self.repointed += o.repointed > 0
            self.kept += (not o.abstained) and o.flagged == 0
            if o.answer_correct is not None:
                self.scored += 1
                self.strict += o.answer_correct
                self.lost_in_reply += not o.reply_correct
                self.lost_in_retrieval += not o.reply_correct and o.evidence_shown is False
                self.lost_in_checking += bool(o.reply_correct and not o.answer_correct)
        else:
            self.planted[o.planted] += 1
            self.planted_reported[o.planted] += o.reported

    def summary(self) -> dict[str, Any]:
        def rate(n: int, d: int) -> float:
            return round(n / d, 4) if d else 0.0

        planted_total = sum(self.planted.values())
        return {
            "correct_replies": self.correct,
            "replies_refusing": self.model_refused,
            "kept": rate(self.kept, self.correct),
            "with_a_claim_flagged": rate(self.with_flag, self.correct),
            "replaced_by_refusal": rate(self.refused, self.correct),
            "repointed": rate(self.repointed, self.correct),
            "planted_errors": planted_total,
            "planted_reported": rate(sum(self.planted_reported.values()), planted_total),
            "planted_reported_by_kind": {
                k: rate(self.planted_reported[k], n) for k, n in sorted(self.planted.items())
            },
            "unmatched_prompts": self.unmatched,
            "answerable_scored": self.scored,
            "strict_accuracy": rate(self.strict, self.scored),
            "lost_in_reply": self.lost_in_reply,
            "lost_in_reply_evidence_not_shown": self.lost_in_retrieval,
            "lost_in_checking": self.lost_in_checking,
            **self.evidence(),
            "planned": sum(o.searches > 1 for o in self.outcomes if o.matched),
            "unplanned": sum(o.unplanned for o in self.outcomes),
            "unanswerable": self.unanswerable,
            "unanswerable_refused": rate(self.unanswerable_refused, self.unanswerable),
            **self.tokens(),
        }

    def evidence(self) -> dict[str, Any]:
        """How many answerable questions' prompts held all their gold evidence (questions
        with evidence known, each counted once)."""
        known: dict[str, bool] = {}
        for o in self.outcomes:
            if o.matched and o.evidence_shown is not None and not o.planted:
                known[o.question] = o.evidence_shown
        if not known:
            return {}
        return {"evidence_shown": round(sum(known.values()) / len(known), 4), "with_evidence": len(known)}

    def tokens(self) -> dict[str, float]:
        """Mean prompt and completion tokens per answer that reached the model."""
        asked = [o for o in self.outcomes if o.prompt_tokens]
        if not asked:
            return {"prompt_tokens_per_answer": 0.0, "completion_tokens_per_answer": 0.0}
        return {
            "prompt_tokens_per_answer": round(sum(o.prompt_tokens for o in asked) / len(asked), 1),
            "completion_tokens_per_answer": round(
                sum(o.completion_tokens for o in asked) / len(asked), 1
            ),
        }


def replay(
    replies: list[dict[str, Any]],
    settings: Settings,
    stream: bool = True,
    plans: dict[str, str] | None = None,
    evidence: dict[str, list[str]] | None = None,
) -> ReplayReport:
    """Every recorded reply through the answer pipeline, with its outcome (planning requests
    answered from ``plans``; ``evidence``: gold facts by question)."""
    from ..answering.pipeline import answer

    report = ReplayReport()
    by_question: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in replies:
        by_question[r["question"]].append(r)
    for question, group in by_question.items():
        for r in group:
            recorded = {r["prompt_sha"]: r["reply"]} if r.get("prompt_sha") else {}
            with ReplayServer(recorded, plans) as server:
                llm = _engine_settings(settings, server.url)
                result = answer(
                    question, settings=llm, engine=None if stream else _whole_engine(llm)
                )
                # A question recorded as declined before the model must still not reach it.
                matched = not server.unmatched if recorded else not server.requests
                shown = evidence_shown(
                    answer_request(server.requests), (evidence or {}).get(question, [])
                )
            planted = (r.get("planted") or {}).get("kind", "") if r.get("planted") else ""
            answers = [a for a in r.get("answers") or [] if a] if r.get("answerable", True) else []
            report.add(
                ReplyOutcome(
                    question=question,
                    planted=planted,
                    abstained=result.abstained,
                    flagged=sum(not c.supported for c in result.claims),
                    repointed=sum(c.repointed for c in result.claims),
                    matched=matched,
                    text=result.text,
                    reply_refused=is_refusal(r.get("reply") or REFUSAL),
                    reply_correct=strictly_correct(r.get("reply") or "", answers)
                    if answers
                    else None,
                    answer_correct=(not result.abstained and strictly_correct(result.text, answers))
                    if answers
                    else None,
                    prompt_tokens=result.usage.prompt_tokens if result.usage else 0,
                    completion_tokens=result.usage.completion_tokens if result.usage else 0,
                    evidence_shown=shown,
                    searches=1 + len(result.searches),
                    unplanned=plans is not None and bool(server.unplanned),
                    unsupported=[
                        {"claim": c.text, "quote": c.quote} for c in result.claims if not c.supported
                    ],
                ),
                answerable=bool(r.get("answerable", True)),
            )
    return report


def _whole_engine(settings: Settings):
    """The openai engine asking for whole (not streamed) completions."""
    from ..answering.engines.openai_chat import OpenAIEngine, prompt_usage
    from ..records import Usage

    class WholeReplies(OpenAIEngine):
        def _complete(self, messages, max_tokens):  # type: ignore[override]
            reply = self.client.chat.completions.create(
                model=self.model,
                messages=messages,
                temperature=0,
                max_tokens=max_tokens,
                stream=False,
            )
            text = reply.choices[0].message.content or ""
            yield text
            if reply.usage and (reply.usage.prompt_tokens or reply.usage.completion_tokens):
                yield Usage(reply.usage.prompt_tokens, reply.usage.completion_tokens)
            else:
                yield prompt_usage(messages, text)

    return WholeReplies(settings)


# ---------------------------------------------------------------------------------- run
def _read_jsonl(path: Path, expected: str, key: str) -> list[dict[str, Any]]:
    def build(obj: dict[str, Any]) -> dict[str, Any]:
        str(obj[key])  # a line without it is malformed (KeyError: a clear error)
        return obj

    return read_jsonl(path, "JSONL", build, expected)


def read_plans(path: Path) -> dict[str, str]:
    """A plans file: the recorded replies to planning requests, by prompt sha."""
    rows = _read_jsonl(path, '{"question", "prompt_sha", "reply"}', "prompt_sha")
    return {str(r["prompt_sha"]): str(r.get("reply") or "") for r in rows}


def multihop_evidence(folder: Path) -> dict[str, list[str]]:
    """The gold evidence facts of MultiHop-RAG's answerable queries, by query text."""
    from .retrieval import load_queries

    return {q.text: list(q.facts) for q in load_queries(folder)}


def run(args: argparse.Namespace, settings: Settings) -> int:
    base = settings.model_copy(update={"data_dir": Path(args.store)}) if args.store else settings
    plans = read_plans(Path(args.plans)) if args.plans else None
    evidence = multihop_evidence(Path(args.multihop)) if args.multihop else {}
    if args.action == "record":
        if not args.qa or not args.out:
            raise InputError("eval llm record needs --qa QUESTIONS.jsonl and --out PROMPTS.jsonl")
        items = _read_jsonl(Path(args.qa), '{"question", ...}', "question")
        rows = record(items, base, plans)
        Path(args.out).write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
        )
        print(
            f"recorded {sum(r['prompt_sha'] is not None for r in rows)} prompts "
            f"({sum(r['prompt_sha'] is None for r in rows)} questions declined before the model; "
            f"{sum('searches' in r for r in rows)} planned into several searches)"
        )
        shown = [evidence_shown(r["messages"], evidence.get(r["question"], [])) for r in rows]
        known = [s for s in shown if s is not None]
        if known:
            print(f"prompts holding all their gold evidence: {sum(known)} of {len(known)}")
        return 0
    if not args.replies:
        raise InputError("eval llm replay needs --replies REPLIES.jsonl")
    replies = _read_jsonl(
        Path(args.replies), '{"question", "prompt_sha", "reply", ...}', "question"
    )
    report = replay(replies, base, stream=not args.no_stream, plans=plans, evidence=evidence)
    summary = report.summary()
    print(json.dumps(summary, indent=2))
    if args.out:
        Path(args.out).write_text(
            json.dumps(
                {"summary": summary, "outcomes": [asdict(o) for o in report.outcomes]},
                indent=2,
                ensure_ascii=False,
            ),
            encoding="utf-8",
        )
    if summary["unmatched_prompts"]:
        print(
            f"{summary['unmatched_prompts']} replies met a prompt that changed since recording",
            file=sys.stderr,
        )
    return 0
