"""Verifier training pairs from a capable model's replies to the openai engine's prompts.

``python -m assistant.training.reply_claims --prompts P.jsonl --replies R.jsonl --corpus
corpus.json --out assistant/training/data/reply_claims.jsonl``

``P`` is what ``assistant eval llm record`` wrote for questions of the training half; ``R``
holds, per prompt, a careful model's correct reply and a twin with one planted error (see
``assistant/training/NOTE.md``). Each cited sentence of a correct reply gives a supported
pair: the claim and the span of its cited source that shares most of its words (one sentence
or two neighbouring ones). Each sentence a twin changed gives an unsupported pair against
its cited source, kind = the planted error's kind. Only sentences citing one source are used
(a sentence citing two may be carried by either), and only sources from articles of the
training half (held-out articles never give a pair).
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

from ..answering.checking import claim_text, is_checkable
from ..answering.citations import split_answer
from ..answering.refusal import is_refusal, states_a_gap
from ..answering.spans import passage_spans
from ..evaluate.datasets import held_out
from ..records import Passage
from ..text.match import overlap

_SOURCE = re.compile(r"\[(\d+)\][^\n]*\n<<<SOURCE \1\n(.*?)\nSOURCE \1>>>", re.DOTALL)


def sources(messages: list[dict[str, str]]) -> list[str]:
    """The numbered sources' texts of a prompt, in order."""
    user = next(m["content"] for m in messages if m["role"] == "user")
    found = {int(n): text for n, text in _SOURCE.findall(user)}
    return [found[n] for n in sorted(found)]


def _article_of(text: str, bodies: dict[str, str]) -> str | None:
    head = text[:160]
    for url, body in bodies.items():
        if head in body and text in body:
            return url
    return None


def _best_span(claim: str, text: str) -> str:
    p = Passage("d", "", "", "", "", text, 0, len(text), 1.0)
    return max(passage_spans(p, 0), key=lambda s: (overlap(claim, s.text), -s.size)).text


def _claims(reply: str, n: int) -> list[tuple[str, int]]:
    """(claim, cited source index) for each checkable sentence citing one source."""
    out = []
    for s in split_answer(reply, n):
        text = claim_text(s.text)
        if text and not states_a_gap(text) and is_checkable(text) and len(set(s.cited)) == 1:
            out.append((text, s.cited[0]))
    return out


def pairs(prompts: list[dict], replies: list[dict], bodies: dict[str, str]) -> list[dict]:
    by_sha = {p["prompt_sha"]: p for p in prompts if p.get("prompt_sha")}
    correct = {r["prompt_sha"]: r["reply"] for r in replies if not r.get("planted")}
    rows: list[dict] = []
    for r in replies:
        prompt = by_sha.get(r["prompt_sha"])
        if prompt is None or is_refusal(r["reply"]):
            continue
        texts = sources(prompt["messages"])
        planted = r.get("planted")
        found = _claims(r["reply"], len(texts))
        if planted:
            # the changed sentence(s); a wrong-passage twin changes only the marker
            before = set(_claims(correct.get(r["prompt_sha"], ""), len(texts)))
            found = [c for c in found if c not in before]
        for claim, index in found:
            url = _article_of(texts[index], bodies)
            if url is None or held_out(url):
                continue
            span = _best_span(claim, texts[index])
            if span not in bodies[url]:
                continue
            rows.append({
                "type": "claim", "claim": claim, "passage": span, "label": not planted,
                "kind": planted["kind"] if planted else "llm_reply", "url": url,
                "question": r["question"],
            })
    return rows


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m assistant.training.reply_claims", description=__doc__.split("\n\n")[0])
    p.add_argument("--prompts", type=Path, required=True)
    p.add_argument("--replies", type=Path, nargs="+", required=True)
    p.add_argument("--corpus", type=Path, default=Path("../shared/benchmarks/multihop-rag/corpus.json"))
    p.add_argument("--out", type=Path, required=True)
    args = p.parse_args(argv)
    prompts = [json.loads(line) for line in args.prompts.read_text(encoding="utf-8").splitlines() if line.strip()]
    replies = [json.loads(line) for f in args.replies for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]
    bodies = {a["url"]: a.get("body") or "" for a in json.loads(args.corpus.read_text(encoding="utf-8"))}
    rows = pairs(prompts, replies, bodies)
    args.out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    true = sum(r["label"] for r in rows)
    print(f"{len(rows)} pairs ({true} supported, {len(rows) - true} not) -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
