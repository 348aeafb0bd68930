"""``assistant eval claims``: the claim checker on claims paired with the passage they cite.

A claims file holds one object per line: ``{"claim", "passage" (the cited text, verbatim),
"label" (true: the passage supports the claim), "kind", "url"}`` (``tests/data/judgement/
heldout_claims.jsonl`` is the frozen test). Each claim is checked as an answer sentence
citing that passage, through the same :class:`~assistant.answering.claims.ClaimChecker` answers use
(exact checks, then the verifier). Reports the share of true claims flagged and, per kind,
the share of false claims caught.

A ``wrong_passage`` claim may give the passage that does state it (``"true_passage"``, of the
same article: ``"true_url"``). Where the text the claim is checked against (the chunk, or the
passage alone) holds that passage too, the citation is right at the grain answers cite (an
answer's ``[n]`` is a whole chunk): such a claim is no false claim there. It is left out of
the false claims and counted apart (``wrong_passage_cited_text_holds_it``).
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..answering.checking import claim_text
from ..answering.claims import ClaimChecker
from ..config import Settings
from ..records import Passage
from .datasets import read_jsonl


@dataclass(frozen=True)
class ClaimItem:
    claim: str
    passage: str
    label: bool
    kind: str
    title: str = ""
    source: str = ""
    chunk: str = ""  # the retrieved chunk of the article holding the passage ("" if unknown)
    article: str = ""  # the whole article ("" if unknown)
    published: str = ""  # its publication date
    chunk_start: int = 0  # where the chunk starts in the article
    true_passage: str = ""  # wrong_passage claims: the passage that does state the claim
    true_url: str = ""  # its article ("" if not given)
    url: str = ""  # the article of the cited passage


def load_claims(path: Path, corpus: Path | None = None) -> list[ClaimItem]:
    """The claims of a JSONL file; titles and publishers come from ``corpus`` when given."""
    meta: dict[str, tuple[str, str, str]] = {}
    bodies: dict[str, str] = {}
    if corpus is not None and corpus.is_file():
        for a in json.loads(corpus.read_text(encoding="utf-8")):
            meta[a["url"]] = (a.get("title") or "", a.get("source") or "", a.get("published_at") or "")
            bodies[a["url"]] = a.get("body") or ""

    def build(obj: dict[str, Any]) -> ClaimItem:
        url = obj.get("url", "")
        title, source, published = meta.get(url, ("", "", ""))
        passage = str(obj["passage"])
        body = bodies.get(url, "")
        chunk, at = _chunk_holding(body, passage)
        return ClaimItem(str(obj["claim"]), passage, bool(obj["label"]), str(obj.get("kind", "")),
                         title, source, chunk, body, published, at,
                         str(obj.get("true_passage") or ""), str(obj.get("true_url") or ""), url)

    return read_jsonl(path, "claims", build, '{"claim", "passage", "label"}')


def _chunk_holding(body: str, passage: str) -> tuple[str, int]:
    """The chunk of an article (as ingest cuts it) that holds the passage, if one does, and
    where it starts in the article."""
    if not body or passage not in body:
        return "", 0
    from ..ingestion.chunking import chunk_article
    from ..records import Article

    at = body.find(passage)
    for chunk in chunk_article(Article(doc_id="d", text=body)):
        if chunk.start <= at and at + len(passage) <= chunk.end:
            return chunk.text, chunk.start
    return "", 0


CONTEXTS = ("article", "chunk", "passage")


def checked_text(item: ClaimItem, context: str) -> str:
    """The text a claim is checked against in ``context``: the chunk holding its passage
    (``"article"``, ``"chunk"``; the passage when no chunk holds it) or the passage alone."""
    return item.chunk if context != "passage" and item.chunk else item.passage


def cites_its_evidence(item: ClaimItem, context: str) -> bool:
    """A wrong-passage claim whose checked text also holds the passage that states it (the
    same article, the same chunk): cited right at that grain."""
    if item.kind != "wrong_passage" or not item.true_passage.strip():
        return False
    if item.true_url and item.url and item.true_url != item.url:
        return False
    return " ".join(item.true_passage.split()) in " ".join(checked_text(item, context).split())


def check(item: ClaimItem, context: str = "article", checker_for=ClaimChecker) -> bool:
    """Whether the checker accepts the claim as supported by the passage it cites: the
    retrieved chunk holding the passage with what an answer's checker also has, the whole
    article (where a name the chunk shortens is written in full) and its publication date
    (``context="article"``, as answers are checked); the chunk alone (``"chunk"``); or the
    passage's one or two sentences alone (``"passage"``)."""
    if context not in CONTEXTS:
        raise ValueError(f"unknown context {context!r}: one of {', '.join(CONTEXTS)}")
    text = checked_text(item, context)
    whole = context == "article" and bool(item.article)
    start = item.chunk_start if text == item.chunk else max(0, item.article.find(text))
    passage = Passage(doc_id="d", title=item.title, source=item.source,
                      published=item.published if whole else "", url="",
                      text=text, start=start, end=start + len(text), score=1.0)
    if whole:
        checker = checker_for([passage], article_text=lambda _doc: item.article)
    else:
        checker = checker_for([passage])
    return checker.check(claim_text(item.claim), [0]).supported


def evaluate(items: list[ClaimItem], context: str = "article") -> dict[str, Any]:
    flagged = [not check(i, context) for i in items if i.label]
    caught: dict[str, list[bool]] = defaultdict(list)
    cited_right: list[bool] = []  # wrong-passage claims whose checked text holds their evidence
    for i in items:
        if not i.label and cites_its_evidence(i, context):
            cited_right.append(check(i, context))
        elif not i.label:
            caught[i.kind].append(not check(i, context))
    false_all = [c for v in caught.values() for c in v]
    return {
        "context": context,
        "true_claims": len(flagged),
        "true_flagged": round(sum(flagged) / max(1, len(flagged)), 4),
        "false_claims": len(false_all),
        "false_caught": round(sum(false_all) / max(1, len(false_all)), 4),
        "false_caught_by_kind": {k: round(sum(v) / len(v), 4) for k, v in sorted(caught.items())},
        "wrong_passage_cited_text_holds_it": len(cited_right),
        "wrong_passage_cited_text_holds_it_accepted": sum(cited_right),
    }


def run(args: argparse.Namespace, settings: Settings) -> int:
    items = load_claims(Path(args.claims), Path(args.corpus) if args.corpus else None)
    report = evaluate(items, args.context)
    print(f"## Claims: {args.claims} (cited: the {args.context})\n")
    print("| true claims flagged | false claims caught |\n| --- | --- |")
    print(f"| {report['true_flagged']:.1%} of {report['true_claims']} | {report['false_caught']:.1%} of {report['false_claims']} |\n")
    print("| kind | caught |\n| --- | --- |")
    for kind, rate in report["false_caught_by_kind"].items():
        print(f"| {kind} | {rate:.1%} |")
    if report["wrong_passage_cited_text_holds_it"]:
        print(
            f"\n{report['wrong_passage_cited_text_holds_it']} wrong-passage claims left out: the "
            f"{'passage' if args.context == 'passage' else 'chunk'} they are checked against also "
            f"holds the passage stating them (a right citation there); the checker accepts "
            f"{report['wrong_passage_cited_text_holds_it_accepted']} of them."
        )
    if args.out:
        Path(args.out).write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 0
