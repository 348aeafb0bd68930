"""Training examples for the reader/verifier, built from the team's questions and claims.

Every question and claim names its article by URL (MultiHop-RAG's ``corpus.json``). Only
articles of the training half are used: an article is held out when
``int(sha256(url), 16) % 2 == 1``, and an item about a held-out article is an error here.

Reader groups: a question, the sentence of its article that holds the answer (as the
project's own sentence splitter cuts it, so training sees what serving sees), and negatives
of two kinds: sentences of the same article most like the question (hard) and sentences of
other training articles most like it (what retrieval brings). An unanswerable question gets
negatives only.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..text.sentences import sentence_spans


def squash(text: str) -> str:
    """Text compared as the reader's inputs are: whitespace runs as one space, lower case."""
    return " ".join(text.split()).lower()


def dev_article(url: str) -> bool:
    """The dev split of the training half: about one article in six, by a hash of its URL
    other than the held-out one."""
    return int(hashlib.md5(url.encode()).hexdigest(), 16) % 6 == 0


@dataclass
class Article:
    url: str
    title: str
    source: str
    body: str
    sentences: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class Group:
    """One question with its candidate sentences (label 1: answers it)."""

    question: str
    url: str
    candidates: list[tuple[str, str, str]]  # (sentence, title, source)
    labels: list[int]
    answer_spans: list[tuple[int, int] | None]  # char offsets of the answer in the sentence
    answerable: bool
    wh: str = ""


@dataclass
class ClaimPair:
    claim: str
    url: str
    passage: str
    title: str
    source: str
    label: int
    kind: str


def load_articles(corpus: Path) -> dict[str, Article]:
    raw = json.loads(corpus.read_text(encoding="utf-8"))
    out = {}
    for a in raw:
        art = Article(a["url"], a.get("title") or "", a.get("source") or "", a["body"])
        art.sentences = [
            (s, e) for s, e in sentence_spans(art.body) if len(art.body[s:e].split()) >= 4
        ]
        out[art.url] = art
    return out


def read_items(paths: Iterable[Path]) -> list[dict]:
    items = []
    for path in paths:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                obj = json.loads(line)
                obj["_where"] = f"{path.name}:{n}"
                items.append(obj)
    return items


def _covering(art: Article, start: int, end: int) -> tuple[int, int] | None:
    """The splitter's sentence (or run of sentences) holding ``body[start:end]``."""
    spans = sentence_spans(art.body)
    first = next((i for i, (s, e) in enumerate(spans) if s <= start < e), None)
    if first is None:
        return None
    last = first
    while spans[last][1] < end and last + 1 < len(spans):
        last += 1
    return spans[first][0], spans[last][1]


def locate_answer(art: Article, sentence: str, answer: str) -> tuple[int, int] | None:
    """The answer's offsets in the article, inside the given sentence."""
    at = art.body.find(sentence)
    if at < 0:
        return None
    inner = sentence.find(answer)
    if inner < 0:
        return None
    return at + inner, at + inner + len(answer)


class Miner:
    """Finds negatives by the packaged bi-encoder's similarity."""

    def __init__(self, articles: dict[str, Article], embed) -> None:
        self.articles = articles
        self.keys: list[tuple[str, int, int]] = []
        texts: list[str] = []
        for url, art in articles.items():
            for s, e in art.sentences:
                self.keys.append((url, s, e))
                texts.append(art.body[s:e])
        self.vectors = np.asarray(embed(texts), dtype=np.float32)
        self.owner = np.array([k[0] for k in self.keys])
        self.embed = embed

    def ranked(self, question_vec: np.ndarray, url: str, same: bool, top: int) -> list[int]:
        sims = self.vectors @ question_vec
        mask = (self.owner == url) if same else (self.owner != url)
        idx = np.nonzero(mask)[0]
        order = idx[np.argsort(-sims[idx])]
        return [int(i) for i in order[:top]]


def build_groups(
    items: Sequence[dict],
    articles: dict[str, Article],
    miner: Miner,
    rng: random.Random,
    same_hard: int = 3,
    same_random: int = 0,
    other: int = 2,
    mined: dict[str, list[tuple[str, str, str]]] | None = None,
    mined_n: int = 0,
) -> tuple[list[Group], list[str]]:
    """``mined`` maps a question to the negatives serving hands the reader for it (see
    :mod:`assistant.training.mine`); ``mined_n`` of them join its group, before the
    bi-encoder's."""
    problems: list[str] = []
    questions = [it for it in items if it.get("type") in ("qa", "unanswerable")]
    qvecs = np.asarray(miner.embed([it["question"] for it in questions]), dtype=np.float32)
    groups: list[Group] = []
    for it, qv in zip(questions, qvecs, strict=True):
        url = it["url"]
        art = articles.get(url)
        if art is None:
            problems.append(f"{it['_where']}: unknown article {url}")
            continue
        cands: list[tuple[str, str, str]] = []
        labels: list[int] = []
        spans: list[tuple[int, int] | None] = []
        exclude: set[tuple[int, int]] = set()
        answer_text = ""
        if it["type"] == "qa":
            where = locate_answer(art, it["sentence"], it["answer"])
            if where is None:
                problems.append(f"{it['_where']}: sentence or answer not verbatim")
                continue
            cover = _covering(art, *where)
            if cover is None:
                problems.append(f"{it['_where']}: answer outside any sentence")
                continue
            s, e = cover
            cands.append((art.body[s:e], art.title, art.source))
            labels.append(1)
            spans.append((where[0] - s, where[1] - s))
            exclude.add(cover)
            answer_text = it["answer"].lower()
        same = miner.ranked(qv, url, True, 40)
        same = [
            i for i in same
            if (miner.keys[i][1], miner.keys[i][2]) not in exclude
            and not (it["type"] == "qa" and any(
                miner.keys[i][1] < e2 and s2 < miner.keys[i][2] for s2, e2 in exclude))
            and not (answer_text and answer_text in art.body[miner.keys[i][1]:miner.keys[i][2]].lower())
        ]
        picked = same[:same_hard]
        rest = same[same_hard:]
        if rest and same_random:
            picked += rng.sample(rest, min(same_random, len(rest)))
        extra = 1 if it["type"] == "unanswerable" else 0
        picked += miner.ranked(qv, url, False, other + extra)
        seen = {squash(c[0]) for c in cands}
        for text, title, source in (mined or {}).get(it["question"], [])[:mined_n]:
            key = squash(text)
            if key in seen or (answer_text and answer_text in key):
                continue
            seen.add(key)
            cands.append((text, title, source))
            labels.append(0)
            spans.append(None)
        for i in picked:
            u, s, e = miner.keys[i]
            a = articles[u]
            text = a.body[s:e]
            if answer_text and answer_text in text.lower() and u == url:
                continue
            if squash(text) in seen:
                continue
            cands.append((text, a.title, a.source))
            labels.append(0)
            spans.append(None)
        groups.append(Group(it["question"], url, cands, labels, spans, it["type"] == "qa", it.get("wh", "")))
    return groups, problems


_CAPITALISED = re.compile(r"(?<![\w'’-])[A-Z][\w&.'’-]*(?:\s+[A-Z][\w&.'’-]*)*")


# what one is, not who
_ROLE_ACRONYMS = frozenset(["CEO", "CFO", "COO", "CTO", "CIO", "GM", "PM", "MP", "QB", "MVP"])


def _question_names(question: str) -> list[str]:
    """Capitalised runs of a question after its first word, without a possessive: "Apple"
    and "Tim Cook" of "Who is Apple's CEO, Tim Cook?"."""
    out = []
    for m in _CAPITALISED.finditer(question):
        if m.start() == 0:
            continue
        for part in re.split(r"(?:'s|’s)(?:\s+|$)", m.group(0)):  # "Apple's CEO": two names
            name = part.strip(" .")
            if len(name) > 1 and name not in _ROLE_ACRONYMS:
                out.append(name)
    return out


def swap_negatives(groups: list[Group], rng: random.Random) -> int:
    """Add to each answerable group its answering sentence with the question's name swapped
    for another question's name of as many words ("Masimo CEO Tim Cook" for "Who is
    Apple's CEO?"), as a negative: the answer is still there, the question's subject is
    not, so the reader must bind the answer to what the question names and not to the
    kind of phrase it asks for. Returns the number added."""
    pool: dict[int, list[str]] = {}
    for g in groups:
        for name in _question_names(g.question):
            pool.setdefault(len(name.split()), []).append(name)
    added = 0
    for g in groups:
        if not g.answerable or not g.labels or g.labels[0] != 1:
            continue
        sentence, title, source = g.candidates[0]
        names = [n for n in _question_names(g.question) if re.search(rf"(?<!\w){re.escape(n)}(?!\w)", sentence)]
        if not names:
            continue
        name = max(names, key=len)
        choices = [o for o in pool.get(len(name.split()), []) if o.lower() != name.lower() and o not in sentence]
        if not choices:
            continue
        other = rng.choice(choices)
        swapped = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", other, sentence)
        if swapped == sentence:
            continue
        g.candidates.append((swapped, title, source))
        g.labels.append(0)
        g.answer_spans.append(None)
        added += 1
    return added


def build_claims(items: Sequence[dict], articles: dict[str, Article], rng: random.Random) -> tuple[list[ClaimPair], list[str]]:
    problems: list[str] = []
    pairs: list[ClaimPair] = []
    urls = list(articles)
    for it in items:
        if it.get("type") != "claim":
            continue
        art = articles.get(it["url"])
        if art is None or it["passage"] not in art.body:
            problems.append(f"{it['_where']}: passage not verbatim")
            continue
        label = 1 if it["label"] else 0
        pairs.append(ClaimPair(it["claim"], it["url"], it["passage"], art.title, art.source, label, it.get("kind", "")))
        if label:
            # The same claim against a sentence of another article: the easy "wrong
            # passage" every retrieval brings.
            other = articles[rng.choice(urls)]
            if other.url != art.url and other.sentences:
                s, e = rng.choice(other.sentences)
                pairs.append(ClaimPair(it["claim"], other.url, other.body[s:e], other.title, other.source, 0, "other_article"))
    return pairs, problems
