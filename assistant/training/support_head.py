"""Refit the verifier's support head on the trained network's own features.

The verifier read a claim that states part of its span ("Damien Fleming took five wickets for
Australia." against "Damien Fleming took five wickets for Australia as Australia won the
match by 16 runs.") as unsupported (p 0.16): its training claims mostly restate a whole
passage. This keeps the encoder, the pooled layer, the reader's answer head and the span
heads exactly as trained (the reader's scores do not change) and refits only the support
logit, a linear function of the pooled features, on:

- the training half's claim pairs (``claims.jsonl``, ``reply_claims.jsonl``,
  ``reply_claims_2.jsonl``, each true claim also against a sentence of another article),
  built as :mod:`assistant.training.train` builds them;
- clause copies: for each supported pair, one clause of its passage (at least five words,
  holding a name or number), verbatim, supported by that passage and not by the sentence of
  its article sharing most of its words.

The fit is a logistic regression pulled towards the trained head (an L2 penalty on the
difference, ``--lam``), on training-split articles; dev articles (``dev_article``) are
held for the figures. Then the network is exported as ``train`` exports it::

    python -m assistant.training.support_head --init DIR_C/judge.pt.tmp --out DIR \\
        --lam 1e-4 --seed 7

The support threshold is chosen end to end on the dev replies afterwards (see
``assistant/weights/judge.json``).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import sys
import time
from pathlib import Path

import numpy as np

from ..evaluate.datasets import held_out
from ..judge import CARD_FILE, MODEL_FILE, TOKENIZER_FILE
from ..text.match import content_terms, key_terms
from .data import Article, ClaimPair, build_claims, dev_article, load_articles, read_items

DATA = Path(__file__).parent / "data"
FILES = ("claims.jsonl", "reply_claims.jsonl", "reply_claims_2.jsonl")
_CLAUSE = re.compile(
    r"(?<=[,;:])\s+|\s+(?=(?:and|but|while|as|after|before|which|who|when|because)\s)"
)
_LEAD = re.compile(r"^(?:and|but|while|as|which|who|when|because)\s+")


def clause_copies(
    pairs: list[ClaimPair], articles: dict[str, Article], rng: random.Random
) -> list[ClaimPair]:
    """For each supported pair's passage (once), one clause of it as a claim: supported by
    the passage, not by the other sentence of its article that shares most of its words."""
    out: list[ClaimPair] = []
    seen: set[str] = set()
    for c in pairs:
        if not c.label or c.kind == "other_article" or c.passage in seen:
            continue
        seen.add(c.passage)
        parts = [p.strip(" ,;:") for p in _CLAUSE.split(c.passage) if len(p.split()) >= 5]
        parts = [p for p in parts if key_terms(p, frozenset()) and len(p) < 0.8 * len(c.passage)]
        if not parts:
            continue
        part = _LEAD.sub("", rng.choice(parts))
        claim = part[0].upper() + part[1:].rstrip(".") + "."
        out.append(ClaimPair(claim, c.url, c.passage, c.title, c.source, 1, "clause_copy"))
        article = articles[c.url]
        others = [article.body[s:e] for s, e in article.sentences if article.body[s:e] not in c.passage]
        if others:
            near = max(others, key=lambda t: len(content_terms(t) & content_terms(claim)))
            out.append(ClaimPair(claim, c.url, near, c.title, c.source, 0, "clause_other_sentence"))
    return out


def features(model, tok, pairs: list[ClaimPair], torch) -> np.ndarray:
    """The pooled features the heads read, for each pair."""
    from ..embed.onnx_export import mean_pool
    from .train import claim_batches

    model.eval()
    out = []
    with torch.no_grad():
        for ids, types, mask in claim_batches(tok, pairs, torch):
            states = model.encoder(input_ids=ids, attention_mask=mask, token_type_ids=types).last_hidden_state
            pooled = model.pooled(torch.cat([states[:, 0], mean_pool(states, mask)], dim=-1))
            out.append(pooled.numpy())
    return np.concatenate(out)


def fit(x, y, w0, b0, lam: float, torch):
    """Logistic regression on ``x`` pulled towards the head (``w0``, ``b0``)."""
    w = w0.clone().requires_grad_(True)
    b = b0.clone().reshape(1).requires_grad_(True)
    opt = torch.optim.LBFGS([w, b], max_iter=200)
    xt, yt = torch.tensor(x), torch.tensor(y, dtype=torch.float32)

    def closure():
        opt.zero_grad()
        loss = torch.nn.functional.binary_cross_entropy_with_logits(xt @ w + b, yt)
        loss = loss + lam * ((w - w0) ** 2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    return w.detach(), b.detach().reshape(())


def figures(p: np.ndarray, pairs: list[ClaimPair], threshold: float) -> dict:
    true = [q < threshold for q, c in zip(p, pairs, strict=True) if c.label]
    caught: dict[str, list[bool]] = {}
    for q, c in zip(p, pairs, strict=True):
        if not c.label:
            caught.setdefault(c.kind, []).append(q < threshold)
    return {
        "true_flagged": round(float(np.mean(true)), 4) if true else 0.0,
        "false_caught": {k: round(float(np.mean(v)), 4) for k, v in sorted(caught.items())},
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m assistant.training.support_head", description=__doc__.split("\n\n")[0])
    p.add_argument("--corpus", type=Path, default=Path("../shared/benchmarks/multihop-rag/corpus.json"))
    p.add_argument("--data", type=Path, default=DATA)
    p.add_argument("--init", type=Path, required=True, help="the trained network (train's judge.pt)")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--lam", type=float, default=1e-4)
    p.add_argument("--seed", type=int, default=7)
    args = p.parse_args(argv)

    import torch

    from .train import _minilm, export_onnx, load_network

    torch.set_num_threads(2)
    rng = random.Random(args.seed)
    started = time.time()
    articles = load_articles(args.corpus)
    train_articles = {u: a for u, a in articles.items() if not held_out(u)}
    items = read_items([args.data / name for name in FILES if (args.data / name).is_file()])
    bad = [it for it in items if it.get("url") and held_out(it["url"])]
    if bad:
        raise SystemExit(f"{len(bad)} items are about held-out articles (first: {bad[0]['_where']})")
    pairs, problems = build_claims(items, train_articles, rng)
    pairs += clause_copies(pairs, articles, rng)
    for line in problems[:20]:
        print("skipped:", line, file=sys.stderr)

    tok, model = load_network(args.init, torch)
    x = features(model, tok, pairs, torch)
    y = np.array([c.label for c in pairs], dtype=np.float32)
    train = np.array([not dev_article(c.url) for c in pairs])
    if not train.any():
        raise SystemExit("no claim pairs about articles of the training split")
    w0, b0 = model.heads.weight[1].detach().clone(), model.heads.bias[1].detach().clone()
    w, b = fit(x[train], y[train], w0, b0, args.lam, torch)
    with torch.no_grad():
        model.heads.weight[1] = w
        model.heads.bias[1] = b

    dev = [c for c, t in zip(pairs, train, strict=True) if not t and c.kind != "other_article"]
    xd = x[~train & np.array([c.kind != "other_article" for c in pairs])]
    before = 1 / (1 + np.exp(-(xd @ w0.numpy() + float(b0))))
    after = 1 / (1 + np.exp(-(xd @ w.numpy() + float(b))))
    report = {
        f"threshold {t}": {"before": figures(before, dev, t), "after": figures(after, dev, t)}
        for t in (0.25, 0.3, 0.4)
    }
    print(json.dumps(report, indent=1))

    args.out.mkdir(parents=True, exist_ok=True)
    export_onnx(model, args.out / MODEL_FILE.name, torch)
    shutil.copy(_minilm() / "tokenizer.json", args.out / TOKENIZER_FILE.name)
    card = {
        "command": "python -m assistant.training.support_head " + " ".join(argv if argv is not None else sys.argv[1:]),
        "init": str(args.init), "lam": args.lam, "seed": args.seed, "files": list(FILES),
        "pairs": len(pairs), "pairs_train": int(train.sum()), "pairs_dev": len(dev),
        "seconds": round(time.time() - started), "dev": report,
    }
    (args.out / CARD_FILE.name).write_text(json.dumps(card, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
