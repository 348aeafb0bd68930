"""``assistant eval answers``: answer quality and abstention, per engine.

- ``--qa FILE.jsonl``: one object per line, ``{"question", "answers": [acceptable
  substrings], "support": verbatim article text a cited quote must contain, or null,
  "answerable": bool}``. Reports answered correctly, supported, abstained correctly and
  falsely abstained.
- ``--multihop DIR``: MultiHop-RAG's null queries ("Insufficient information.") against
  its answerable ones: refusal rate on the first, false-refusal rate on the second.
- ``--calibrate``: the extractive engine's abstention thresholds swept over a dev split
  of MultiHop-RAG and the QA file, as a table (how the constants in ``engines`` were chosen).

``--store DIR`` reuses an archive already holding the articles; otherwise one is built in
a temporary folder (the seed articles, plus the MultiHop-RAG corpus for ``--multihop``).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..config import Settings
from ..errors import InputError
from ..text.match import fold
from .datasets import read_jsonl, split_of

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
NULL_ANSWER = "Insufficient information."


# ------------------------------------------------------------------------------- inputs
@dataclass(frozen=True)
class QAItem:
    """One question of a QA file."""

    question: str
    answers: tuple[str, ...]
    support: str | None
    answerable: bool


def load_qa(path: Path) -> list[QAItem]:
    """The questions of a JSONL QA file, with a clear error for a malformed line."""
    return read_jsonl(
        path,
        "QA",
        lambda obj: QAItem(
            question=str(obj["question"]),
            answers=tuple(str(a) for a in obj.get("answers") or ()),
            support=obj.get("support"),
            answerable=bool(obj["answerable"]),
        ),
        '{"question", "answers", "support", "answerable"}',
    )


def load_multihop(folder: Path, split: str = "all", limit: int | None = None) -> list[QAItem]:
    """MultiHop-RAG queries as QA items: null queries unanswerable, the rest answerable.

    ``limit`` keeps at most that many of each kind, spread evenly over the file."""
    path = folder / "MultiHopRAG.json"
    if not path.is_file():
        raise InputError(f"no MultiHopRAG.json in {folder}")
    rows = json.loads(path.read_text(encoding="utf-8"))
    items = [
        QAItem(
            question=r["query"],
            answers=(r["answer"],),
            support=None,
            answerable=r["question_type"] != "null_query",
        )
        for r in rows
        # "heldout" is the test split under its older name
        if split == "all" or split_of(r) == ("test" if split == "heldout" else split)
    ]
    if limit is None:
        return items
    out: list[QAItem] = []
    for kind in (False, True):
        group = [i for i in items if i.answerable == kind]
        step = max(1, len(group) // limit) if group else 1
        out.extend(group[::step][:limit])
    return out


# ------------------------------------------------------------------------------ scoring
def _norm(text: str) -> str:
    return " ".join(fold(text).replace("“", '"').replace("”", '"').split())


@dataclass
class Outcome:
    """One question answered by one engine."""

    question: str
    answerable: bool
    abstained: bool
    correct: bool
    supported: bool
    text: str


@dataclass
class Tally:
    """Counts for one engine on one question set."""

    engine: str
    answerable: int = 0
    unanswerable: int = 0
    correct: int = 0
    supported: int = 0
    with_support: int = 0
    abstained_correctly: int = 0
    falsely_abstained: int = 0
    failures: list[Outcome] = field(default_factory=list)

    def add(self, o: Outcome, item: QAItem) -> None:
        if o.answerable:
            self.answerable += 1
            self.correct += o.correct
            self.falsely_abstained += o.abstained
            if item.support is not None:
                self.with_support += 1
                self.supported += o.supported
            good = not o.abstained and o.correct and (item.support is None or o.supported)
        else:
            self.unanswerable += 1
            self.abstained_correctly += o.abstained
            good = o.abstained
        if not good:
            self.failures.append(o)

    def rates(self) -> dict[str, float]:
        def rate(n: int, d: int) -> float:
            return round(n / d, 4) if d else 0.0

        return {
            "answered_correctly": rate(self.correct, self.answerable),
            "supported": rate(self.supported, self.with_support),
            "abstained_correctly": rate(self.abstained_correctly, self.unanswerable),
            "falsely_abstained": rate(self.falsely_abstained, self.answerable),
        }


def _carries(quote: str, support: str, answers: Sequence[str]) -> bool:
    """A cited quote supports the expected answer: it holds the support text (or lies
    inside it, or shares most of its words: sentence splitters differ at the edges), and
    any expected answer."""
    q = _norm(quote)
    if answers and not any(_norm(a) in q for a in answers if a):
        return False
    if support in q or (len(q) > 20 and q in support):
        return True
    a, b = set(q.split()), set(support.split())
    return bool(a and b) and len(a & b) / len(b) >= 0.6


def judge(item: QAItem, answer: Any) -> Outcome:
    """Score one Answer against a QA item."""
    text = _norm(answer.text)
    correct = not answer.abstained and any(_norm(a) in text for a in item.answers if a)
    support = _norm(item.support) if item.support else None
    supported = (
        not answer.abstained
        and support is not None
        and any(
            _carries(quote, support, item.answers)
            for c in answer.citations
            for quote in ([q.text for q in c.quotes] or [c.quote])
        )
    )
    return Outcome(
        item.question, item.answerable, answer.abstained, correct, supported, answer.text
    )


def evaluate(
    items: Sequence[QAItem],
    settings: Settings,
    progress: Callable[[int, int], None] | None = None,
) -> Tally:
    """Answer every item with the engine the settings name and count the outcomes."""
    from ..answering.pipeline import answer

    tally = Tally(settings.engine_name())
    for n, item in enumerate(items, 1):
        tally.add(judge(item, answer(item.question, settings=settings)), item)
        if progress:
            progress(n, len(items))
    return tally


# -------------------------------------------------------------------------- calibration
@dataclass(frozen=True)
class Features:
    """What the extractive engine's abstention decision reads, for one question."""

    answerable: bool
    declined: bool  # the news-aware check declined before retrieval
    score: float  # the reader's best score over the candidate sentences
    name_coverage: float
    source: str  # "multihop" or "qa"
    holds_answer: bool = False  # the best sentence holds an expected answer (QA items)


def features(items: Sequence[QAItem], settings: Settings, source: str) -> list[Features]:
    """The engine's measurements for each question (retrieval + the reader's scores)."""
    from ..answering.engines.extractive import ExtractiveEngine
    from ..answering.pipeline import decline
    from ..records import Answer
    from ..retrieval.checks import check_question
    from ..retrieval.retrieve import search
    from ..store.archive import open_archive

    archive = open_archive(settings)
    engine = ExtractiveEngine(archive.embedder)
    out = []
    for item in items:
        question = check_question(item.question, settings)
        declined = decline(archive, question, Answer(question=question, text="")) is not None
        score = coverage = 0.0
        holds = False
        if not declined:
            passages = search(archive, question, k=settings.top_k)
            a = engine.assess(question, passages)
            if a.best is not None:
                score = a.best.score
                holds = any(_norm(x) in _norm(a.best.text) for x in item.answers if x)
            coverage = a.name_coverage
        out.append(Features(item.answerable, declined, score, coverage, source, holds))
    return out


def sweep(rows: Sequence[Features]) -> list[dict[str, float]]:
    """Refusal, false-refusal and (QA) answered-correctly rates for a grid of reader
    thresholds and minimum name coverages."""
    table = []
    for coverage in (0.0, 0.34, 0.5, 0.67):
        for threshold in [round(0.05 * i, 2) for i in range(1, 20)]:
            row: dict[str, float] = {"min_name_coverage": coverage, "answer_threshold": threshold}
            for source in ("multihop", "qa"):
                mine = [r for r in rows if r.source == source]
                if not mine:
                    continue

                def refuses(r: Features, t: float = threshold, c: float = coverage) -> bool:
                    return r.declined or r.name_coverage < c or r.score < t

                nulls = [r for r in mine if not r.answerable]
                answerable = [r for r in mine if r.answerable]
                row[f"{source}_refusal"] = round(sum(map(refuses, nulls)) / max(1, len(nulls)), 4)
                row[f"{source}_false_refusal"] = round(
                    sum(map(refuses, answerable)) / max(1, len(answerable)), 4
                )
                if source == "qa":
                    row["qa_best_holds_answer"] = round(
                        sum(r.holds_answer and not refuses(r) for r in answerable)
                        / max(1, len(answerable)),
                        4,
                    )
            table.append(row)
    return table


# ---------------------------------------------------------------------------- reporting
def format_tally(t: Tally) -> str:
    r = t.rates()
    return (
        f"| {t.engine} | {t.answerable} | {t.correct} ({r['answered_correctly']:.1%}) | "
        f"{t.supported}/{t.with_support} ({r['supported']:.1%}) | "
        f"{t.falsely_abstained} ({r['falsely_abstained']:.1%}) | {t.unanswerable} | "
        f"{t.abstained_correctly} ({r['abstained_correctly']:.1%}) |"
    )


QA_HEADER = (
    "| engine | answerable | answered correctly | supported | falsely abstained | "
    "unanswerable | abstained correctly |\n|---|---|---|---|---|---|---|"
)
MULTIHOP_HEADER = (
    "| engine | null queries | refused | refusal rate | answerable | refused | "
    "false-refusal rate |\n|---|---|---|---|---|---|---|"
)


def format_multihop(t: Tally) -> str:
    r = t.rates()
    return (
        f"| {t.engine} | {t.unanswerable} | {t.abstained_correctly} | "
        f"{r['abstained_correctly']:.1%} | {t.answerable} | {t.falsely_abstained} | "
        f"{r['falsely_abstained']:.1%} |"
    )


def format_sweep(table: Sequence[dict[str, float]]) -> str:
    keys = list(table[0]) if table else []
    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    lines += ["| " + " | ".join(f"{row.get(k, '')}" for k in keys) + " |" for row in table]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------- run
def _store(args: argparse.Namespace, settings: Settings, corpus: Iterable[Path]) -> Settings:
    """Settings on the archive to evaluate: ``--store`` as given, or a fresh temporary one."""
    if getattr(args, "store", None):
        folder = Path(args.store)
        if not folder.is_dir():
            raise InputError(f"--store {folder}: no such folder (build it with `assistant ingest`)")
        return settings.model_copy(update={"data_dir": folder})
    from ..ingestion.pipeline import ingest

    folder = Path(tempfile.mkdtemp(prefix="assistant-eval-"))
    fresh = settings.model_copy(update={"data_dir": folder})
    print(f"building a temporary archive in {folder} ...", file=sys.stderr)
    ingest([str(p) for p in corpus], settings=fresh, progress=True)
    return fresh


def _progress(label: str) -> Callable[[int, int], None]:
    def show(n: int, total: int) -> None:
        if n == total or n % 25 == 0:
            print(f"  {label}: {n}/{total}", file=sys.stderr)

    return show


def run(args: argparse.Namespace, settings: Settings) -> int:
    """The ``assistant eval answers`` command; prints Markdown tables, optionally JSON."""
    if not args.qa and not args.multihop:
        raise InputError("give --qa FILE.jsonl and/or --multihop DIR")
    corpus: list[Path] = [SEEDS]
    if args.multihop:
        corpus.insert(0, Path(args.multihop) / "corpus.json")
    base = _store(args, settings, corpus)
    engines = list(getattr(args, "engine", None) or [base.engine_name()])
    split = getattr(args, "split", None) or "all"
    report: dict[str, Any] = {"store": str(base.data_dir), "split": split}
    qa = load_qa(Path(args.qa)) if args.qa else []
    multihop = load_multihop(Path(args.multihop), split, args.limit) if args.multihop else []

    if getattr(args, "calibrate", False):
        rows = features(multihop, base, "multihop") + features(qa, base, "qa")
        table = sweep(rows)
        report["calibration"] = table
        report["features"] = [asdict(r) for r in rows]
        print(f"## Calibration ({split} split of MultiHop-RAG; QA file {args.qa})\n")
        print(format_sweep(table))
    else:
        for name in engines:
            settings_e = base.model_copy(update={"llm": name})
            if qa:
                tally = evaluate(qa, settings_e, _progress(f"{name} qa"))
                report.setdefault("qa", {})[name] = _dump(tally)
                print(f"## QA: {args.qa}\n\n{QA_HEADER}\n{format_tally(tally)}\n")
                _print_failures(tally)
            if multihop:
                tally = evaluate(multihop, settings_e, _progress(f"{name} multihop"))
                report.setdefault("multihop", {})[name] = _dump(tally)
                print(f"## MultiHop-RAG ({split}, limit {args.limit})\n\n{MULTIHOP_HEADER}")
                print(format_multihop(tally) + "\n")
    if args.out:
        Path(args.out).write_text(
            json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8"
        )
    return 0


def _dump(t: Tally) -> dict[str, Any]:
    d = asdict(t)
    d["rates"] = t.rates()
    return d


def _print_failures(t: Tally) -> None:
    for o in t.failures[:20]:
        kind = "answerable" if o.answerable else "unanswerable"
        print(f"- miss ({kind}): {o.question}\n    -> {o.text[:200]}")
    if t.failures:
        print()
