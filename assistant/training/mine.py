"""Negatives for the reader as serving meets them.

The reader answers from the candidate sentences the extractive engine hands it: the
sentences of the top passages that search brings for the question, those sharing most of
its words first (:meth:`ExtractiveEngine.candidates`). Its first training groups held other
negatives (sentences most like the question by the bi-encoder, from its own article and
from others), so the sentences it met at serving were partly new to it. This runs serving's
search and candidate choice over an archive of the TRAINING half only and keeps, for each
training question, the candidates that neither hold its answer nor overlap its answering
sentence::

    python -m assistant.training.mine --store DIR --out mined.jsonl

``DIR`` is filled with the training half of ``--corpus`` when it holds no articles; an
archive holding any held-out article is refused. ``train --mined mined.jsonl`` puts them in
the groups. Questions about dev articles are left out (they are the dev split).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from ..evaluate.datasets import held_out
from .data import dev_article, squash


def negatives(item: dict, candidates: list[tuple[str, str, str, str]], keep: int) -> list[list[str]]:
    """The candidates (text, title, source, url) that are no answer to ``item``: none holding
    its answer, none overlapping its answering sentence; at most ``keep``, in serving's
    order."""
    answer, sentence = squash(item.get("answer", "")), squash(item.get("sentence", ""))
    out: list[list[str]] = []
    for text, title, source, url in candidates:
        t = squash(text)
        if (answer and answer in t) or (sentence and (t in sentence or sentence in t)):
            continue
        out.append([text, title, source, url])
    return out[:keep]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m assistant.training.mine", description=__doc__.split("\n\n")[0])
    p.add_argument("--corpus", type=Path, default=Path("../shared/benchmarks/multihop-rag/corpus.json"))
    p.add_argument("--data", type=Path, default=Path(__file__).parent / "data")
    p.add_argument("--store", type=Path, required=True, help="an archive of the training half (filled when empty)")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--keep", type=int, default=10, help="negatives kept per question")
    args = p.parse_args(argv)

    from ..answering.engines.extractive import ExtractiveEngine
    from ..config import Settings
    from ..ingestion.pipeline import ingest
    from ..retrieval.checks import check_question
    from ..retrieval.retrieve import search
    from ..store.archive import open_archive

    settings = Settings(data_dir=args.store)
    archive = open_archive(settings).ready()
    if not archive.store.registry():
        if not args.corpus.is_file():
            raise SystemExit(f"{args.store} holds no articles and there is no corpus at {args.corpus} to fill it")
        with tempfile.TemporaryDirectory() as tmp:
            corpus = json.loads(args.corpus.read_text(encoding="utf-8"))
            half = Path(tmp) / "training_half.json"
            half.write_text(json.dumps([a for a in corpus if not held_out(a["url"])]), encoding="utf-8")
            ingest(half, settings=settings, progress=True)
    if any(held_out(a.url) for a in archive.store.registry().values()):
        raise SystemExit(f"{args.store} holds held-out articles: mine over the training half only")
    engine = ExtractiveEngine(archive.embedder)
    started, n = time.time(), 0
    with args.out.open("w", encoding="utf-8") as out:
        for path in sorted(args.data.glob("*.jsonl")):
            for line in path.read_text(encoding="utf-8").splitlines():
                item = json.loads(line)
                if item.get("type") not in ("qa", "unanswerable") or dev_article(item["url"]):
                    continue
                question = check_question(item["question"], settings)
                passages = search(archive, question, k=settings.top_k)
                found = [
                    (text, passages[i].title, passages[i].source, passages[i].url)
                    for i, text in engine.candidates(question, passages)
                ]
                row = {"question": item["question"], "url": item["url"],
                       "negatives": negatives(item, found, args.keep)}
                out.write(json.dumps(row) + "\n")
                n += 1
                if n % 1000 == 0:
                    print(f"{n} questions, {time.time() - started:.0f} s", file=sys.stderr, flush=True)
    print(f"wrote {args.out}: {n} questions in {time.time() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
