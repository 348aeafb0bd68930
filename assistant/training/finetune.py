"""Go on training the shipped reader/verifier on a set of rewritten articles, with replay:
``python -m assistant.training.finetune``.

    python -m assistant.training.recover --out DIR/judge.pt
    python -m assistant.training.finetune --init DIR/judge.pt --out DIR_OUT \\
        --rewritten FOLDER [FOLDER ...]

Wire copy republished after a rewriting pass (every sentence reworded, capitals for
governments, roles for names) is what the seed article reads like, and the reader was
under-confident on it: its best sentence held the answer but scored under the threshold.
``data/rewritten*/`` (``REWRITTEN_FOLDERS``) hold training-half articles rewritten that way
by helper sessions, with questions asked in other words (see ``NOTE.md``); ``--rewritten``
names the folders to read (the first alone by default, as run T read it). This reads them
as question groups (each rewrite stands in for its original article, which is kept out of
the negatives), mixed with a random sample of the team's earlier questions and claim
pairs (replay, so the reader and the support head keep what the first pass taught them),
for a few passes at a low learning rate. The rewritten articles must be training-half, non-dev articles by their
original URL (the URL without ``#rewritten``).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import time
from pathlib import Path

from ..evaluate.datasets import held_out
from ..judge import CARD_FILE, MODEL_DIR, MODEL_FILE, TOKENIZER_FILE
from .data import Article, Miner, build_claims, build_groups, dev_article, load_articles, read_items
from .support_head import FILES as CLAIM_FILES
from .train import DATA

REWRITTEN = DATA / "rewritten"
# Every folder of rewrites the team wrote, in the order they were written (run T used the first,
# run V the first two; run X, not shipped, went on from run V with rewritten_c).
REWRITTEN_FOLDERS = (REWRITTEN, DATA / "rewritten_b", DATA / "rewritten_c")
SUFFIX = "#rewritten"
QUESTION_FILES = ("questions.jsonl", "paraphrases.jsonl")


def original_url(url: str) -> str:
    """The article a rewrite was made from."""
    return url[: -len(SUFFIX)] if url.endswith(SUFFIX) else url


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m assistant.training.finetune", description=__doc__.split("\n\n")[0])
    p.add_argument("--corpus", type=Path, default=Path("../shared/benchmarks/multihop-rag/corpus.json"))
    p.add_argument("--rewritten", type=Path, nargs="+", default=[REWRITTEN],
                   help="folders of rewrites, each with articles.json and qa.jsonl")
    p.add_argument("--data", type=Path, default=DATA, help="the earlier questions and claims, replayed")
    p.add_argument("--init", type=Path, required=True, help="the shipped weights (python -m assistant.training.recover)")
    p.add_argument("--out", type=Path, default=MODEL_DIR)
    p.add_argument("--passes", type=int, default=2, help="passes over the rewritten articles' questions")
    p.add_argument("--replay-groups", type=int, default=400, help="earlier questions mixed in")
    p.add_argument("--replay-claims", type=int, default=100, help="units of 8 earlier claim pairs mixed in")
    p.add_argument("--lr", type=float, default=2e-5)
    p.add_argument("--seed", type=int, default=28)
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args(argv)

    try:
        import torch
        import torch.nn.functional as F
    except ImportError as exc:  # pragma: no cover - depends on the [train] extra
        raise SystemExit(f"training needs the [train] extra: pip install -e '.[train]' ({exc})") from None
    from ..embed.onnx_embedder import OnnxMiniLM
    from .train import _batches, _minilm, export_onnx, load_network, train_step

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    rng = random.Random(args.seed)
    started = time.time()

    corpus = load_articles(args.corpus)
    train_articles = {u: a for u, a in corpus.items() if not held_out(u)}
    rewrites: dict[str, Article] = {}
    for folder in args.rewritten:
        written = load_articles(folder / "articles.json")
        if twice := sorted(set(written) & set(rewrites)):
            raise SystemExit(f"{folder}: {len(twice)} articles are rewritten in an earlier folder too (first: {twice[0]})")
        rewrites.update(written)
    wrong = [u for u in rewrites if not u.endswith(SUFFIX) or held_out(original_url(u)) or dev_article(original_url(u))]
    if wrong:
        raise SystemExit(f"{len(wrong)} rewritten articles are not training-half, non-dev rewrites (first: {wrong[0]})")
    originals = {original_url(u) for u in rewrites}
    articles = {**{u: a for u, a in train_articles.items() if u not in originals}, **rewrites}
    new = read_items([folder / "qa.jsonl" for folder in args.rewritten])
    if any(it["url"] not in rewrites for it in new):
        raise SystemExit("a rewritten question names an article not in articles.json")
    old = [
        it for it in read_items([args.data / f for f in QUESTION_FILES if (args.data / f).is_file()])
        if it.get("type") in ("qa", "unanswerable") and not dev_article(it["url"]) and not held_out(it["url"])
        and it["url"] not in originals
    ]
    rng.shuffle(old)
    old = old[: args.replay_groups]
    embedder = OnnxMiniLM(quantize=True)
    miner = Miner(articles, embedder.embed_documents)
    groups_new, problems = build_groups(new, articles, miner, rng)
    groups_old, more = build_groups(old, articles, miner, rng)
    claims, claim_problems = build_claims(read_items([args.data / f for f in CLAIM_FILES if (args.data / f).is_file()]), train_articles, rng)
    problems += more + claim_problems
    claims = [c for c in claims if not dev_article(c.url)]
    rng.shuffle(claims)
    claim_units = [u for i in range(0, 8 * args.replay_claims, 8) if (u := claims[i : i + 8])]
    for line in problems[:20]:
        print("skipped:", line, file=sys.stderr)
    print(f"groups: rewritten {len(groups_new)}, replayed {len(groups_old)}; claim units {len(claim_units)}; "
          f"prepared in {time.time() - started:.0f} s", flush=True)

    tok, model = load_network(args.init, torch)
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    units = (
        [("g", g) for g in groups_new] * args.passes
        + [("g", g) for g in groups_old]
        + [("c", u) for u in claim_units]
    )
    batches = _batches(units, 4, rng)
    total = len(batches)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / max(1, total // 10)) * max(0.0, 1 - s / total)
    )
    t0 = time.time()
    for step, batch in enumerate(batches, 1):
        loss = train_step(model, tok, opt, sched, batch, torch, F)
        if step % 20 == 0:
            print(f"step {step}/{total} loss {float(loss.detach()):.3f} {time.time() - t0:.0f} s", flush=True)

    args.out.mkdir(parents=True, exist_ok=True)
    target = args.out / MODEL_FILE.name
    export_onnx(model, target, torch)
    shutil.copy(_minilm() / "tokenizer.json", args.out / TOKENIZER_FILE.name)
    card = {
        "command": "python -m assistant.training.finetune " + " ".join(argv if argv is not None else sys.argv[1:]),
        "seed": args.seed, "lr": args.lr, "passes": args.passes, "replay_groups": args.replay_groups,
        "replay_claims": args.replay_claims, "steps": total, "train_seconds": round(time.time() - t0),
        "data": {"rewritten_articles": len(rewrites), "rewritten_groups": len(groups_new),
                 "replayed_groups": len(groups_old), "replayed_claim_units": len(claim_units)},
    }
    (args.out / ("finetune-" + CARD_FILE.name)).write_text(json.dumps(card, indent=1) + "\n", encoding="utf-8")
    torch.save(model.state_dict(), args.out / "judge.pt.tmp")
    print(f"wrote {target} ({target.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
