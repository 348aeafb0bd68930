"""The ``extractive`` engine: offline and deterministic; it quotes the best sentences of the
passages, as the trained reader (:mod:`assistant.judge`) scores them."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

from ...embed.embedder import Embedder
from ...judge import Judge, get_judge
from ...records import Passage
from ...text.dates import without_dates
from ...text.match import content_terms, key_terms, name_words, term_in, tokens
from ...text.places import as_asked, as_countries, with_capitals
from ...text.publishers import Mention, find_mentions, segments
from ...text.sentences import sentence_spans
from ..citations import neutralise_markers
from ..decline import named_publishers
from ..descriptions import asked_name, description
from ..followups import Turn, with_context
from ..overview import LEAD_ID, is_overview, lead_sentences
from ..question_parts import asks_yes_or_no, question_parts
from ..refusal import REFUSAL


@dataclass(frozen=True)
class ScoredSentence:
    """A passage sentence and the reader's verdict on it."""

    passage: int
    text: str
    score: float  # probability that it answers the question (the reader's answer head)
    answer: str = ""  # the short answer inside it, as the reader's span heads read it
    source: str = ""  # the publisher it speaks for, when the question named several


@dataclass(frozen=True)
class Assessment:
    """What the extractive engine measures before answering (also what calibration reads)."""

    best: ScoredSentence | None
    name_coverage: float  # share of the question's names found in the passages


class ExtractiveEngine:
    """Answers with the sentence of the retrieved passages that the trained reader judges
    to answer the question (see :mod:`assistant.judge`): the short answer first, then the
    sentence holding it, cited, and the runner-up when the reader judges it to answer too
    (at most ``max_sentences``). It abstains when no sentence scores above the reader's
    threshold (chosen on the dev split), or when the passages lack most of the names the
    question asks about. A question in several parts ("Who is X, and what did he say?")
    gets the best sentence for each part."""

    name = "extractive"
    model = "extractive"

    min_name_coverage = 0.5
    passages_read = 5
    max_read = 20  # candidate sentences the reader reads per question (the most word overlap)
    # A question naming several publishers: its parts share ``source_read`` sentences, at
    # least ``min_source_read`` each (see ``by_source``)
    source_read = 4
    min_source_read = 2
    max_answer_chars = 120  # a longer span is no short answer: the sentence speaks alone
    max_sentences = 2  # sentences quoted for a one-part question (each judged to answer it)

    def __init__(self, embedder: Embedder | None = None, judge: Judge | None = None) -> None:
        self.embedder = embedder
        self._judge = judge

    @property
    def judge(self) -> Judge:
        if self._judge is None:
            self._judge = get_judge()
        return self._judge

    def asked_names(self, question: str, passages: Sequence[Passage]) -> frozenset[str]:
        """The names and numbers of the question, publishers and publication dates aside."""
        names = name_words(p.text for p in passages)
        publishers = named_publishers(question, [p.source for p in passages])
        return key_terms(without_dates(question), names) - frozenset(
            t for n in publishers for t in tokens(n)
        )

    def about_the_question(self, question: str, passages: Sequence[Passage]) -> list[int]:
        """The passages worth reading, best first, at most ``passages_read``: when some of
        the retrieved passages name what the question names ("the council of Ashbrook"),
        only those; an article about another town does not answer for this one."""
        everything = list(range(len(passages)))
        asked = self.asked_names(question, passages)
        if not asked:
            return everything[: self.passages_read]
        held = []
        for p in passages:
            found = with_capitals(frozenset(tokens(f"{p.title} {p.source} {p.text}")), question)
            held.append(sum(term_in(t, found) for t in asked))
        if max(held, default=0) == 0:
            return everything[: self.passages_read]
        return [i for i in everything if held[i] > 0][: self.passages_read]

    def candidates(
        self, question: str, passages: Sequence[Passage], limit: int | None = None
    ) -> list[tuple[int, str]]:
        """Distinct sentences of the top passages about the question, those sharing most of
        its content words first, at most ``max_read`` (the reader's time is an answer's
        time)."""
        wanted = content_terms(question)
        seen: set[str] = set()
        items: list[tuple[int, str, float]] = []
        for i in self.about_the_question(question, passages):
            passage = passages[i]
            for s, e in sentence_spans(passage.text):
                text = passage.text[s:e]
                key = " ".join(text.split()).lower()
                terms = content_terms(text)
                if key in seen or len(terms) < 3:
                    continue  # overlapping chunks repeat sentences; fragments answer nothing
                seen.add(key)
                shared = len(terms & wanted) / max(1, len(wanted))
                items.append((i, text, shared - 0.01 * i))
        items.sort(key=lambda t: -t[2])
        return [(i, text) for i, text, _ in items[: limit or self.max_read]]

    def score(
        self, question: str, passages: Sequence[Passage], limit: int | None = None
    ) -> list[ScoredSentence]:
        """Every candidate sentence with the reader's score, best first."""
        items = self.candidates(question, passages, limit)
        if not items:
            return []
        # Each sentence is read with the question's capitals put as their countries where
        # it does not name the city ("Moscow's envoy" against "Russia's Ambassador").
        asked: dict[str, list[int]] = {}
        for k, (i, text) in enumerate(items):
            context = f"{passages[i].title} {text}"
            asked.setdefault(as_countries(question, context), []).append(k)
        scored: list[ScoredSentence] = []
        for phrasing, members in asked.items():
            # ... and with its capitals put as the countries the question names
            # ("relations between Pyongyang and Washington" for a question on North Korea
            # and the United States); the short answer is kept only as the sentence writes it
            readings = self.judge.read(
                phrasing,
                [
                    (as_asked(items[k][1], question), passages[items[k][0]].title,
                     passages[items[k][0]].source)
                    for k in members
                ],
            )
            scored += [
                ScoredSentence(
                    items[k][0], items[k][1], r.score,
                    r.answer if " ".join(r.answer.split()) in " ".join(items[k][1].split()) else "",
                )
                for k, r in zip(members, readings, strict=True)
            ]
        return sorted(scored, key=lambda s: -s.score)

    rank = score

    def name_coverage(self, question: str, passages: Sequence[Passage]) -> float:
        """Share of the names and numbers of the question (publishers and publication dates
        aside: dates a question names are publication dates, checked against the archive's
        dates in :mod:`assistant.answering.decline`) that appear in the passages, their titles or
        publishers."""
        asked = self.asked_names(question, passages)
        if not asked:
            return 1.0
        found: set[str] = set()
        for p in passages:
            found.update(tokens(f"{p.title} {p.source} {p.text}"))
        held = with_capitals(frozenset(found), question)
        return sum(term_in(t, held) for t in asked) / len(asked)

    def assess(self, question: str, passages: Sequence[Passage]) -> Assessment:
        scored = self.score(question, passages)
        return Assessment(scored[0] if scored else None, self.name_coverage(question, passages))

    def by_source(
        self, question: str, mentions: Sequence[Mention], passages: Sequence[Passage]
    ) -> list[ScoredSentence]:
        """A question that names several publishers ("Did the Fortune article say X, while
        TechCrunch reported Y?") is read part by part: each part of the question against
        the passages of the publisher it names, when those passages hold most of the part's
        names; its best sentence is that publisher's evidence. The question is refused when
        fewer than half of its parts find any (the parts left out are named by the answer
        pipeline)."""
        chosen: list[ScoredSentence] = []
        found = 0
        named = [question[m.start : m.end] for m in mentions]
        for mention, part in zip(mentions, segments(question, mentions), strict=True):
            for name in named:  # a publisher's name is no evidence of what it reported
                part = part.replace(name, " ")
            own = [i for i, p in enumerate(passages) if p.source in mention.sources]
            theirs = [passages[i] for i in own]
            if not theirs or self.name_coverage(part, theirs) < self.min_name_coverage:
                continue
            # The parts share a far smaller budget than a one-part question: the sentences
            # sharing most of a part's words are that publisher's likeliest evidence, and
            # the reader, trained on fact questions, picks worse among many ("Does the X
            # article suggest ..."). On MultiHop-RAG's dev queries, evidence facts quoted
            # (of 757) and answer() p50: 20 sentences, at least 8 a part: 201, 157 ms;
            # 12 / 5: 216, 121 ms; 4 / 2: 228, 74 ms; 2 / 1 (no choice left): 229, 48 ms.
            budget = max(self.min_source_read, self.source_read // len(mentions))
            scored = self.score(part, theirs, budget)
            if not scored:
                continue
            found += 1
            best = scored[0]
            best = ScoredSentence(
                own[best.passage], best.text, best.score, best.answer, theirs[best.passage].source
            )
            if all(c.text != best.text for c in chosen):
                chosen.append(best)
        return chosen if 2 * found >= len(mentions) else []

    def threshold(self, mentions: Sequence[Mention]) -> float:
        """The reader's score a best sentence must reach. A question that names a publisher
        the retrieved passages come from ("Does the Sporting News article suggest ...",
        "according to TechCrunch") is about that source's reporting, and its names are in
        the passages (or it would not get this far): on the dev splits nearly every such
        question is answerable, and the ones that ask how a source reported something (not
        one fact) score near zero with a reader trained on fact questions. They get their
        own threshold, chosen on the dev splits and low enough that the source's best
        sentence is nearly always quoted (``answer_threshold_sourced`` in ``judge.json``);
        a publisher the archive does not hold is declined before this."""
        if mentions:
            return self.judge.answer_threshold_sourced
        return self.judge.answer_threshold

    def answerable(self, best: ScoredSentence, mentions: Sequence[Mention] = ()) -> bool:
        return best.score >= self.threshold(mentions)

    def choose(self, question: str, passages: Sequence[Passage]) -> list[ScoredSentence]:
        """The sentences that answer the question (none: abstain). A question about an
        article as a whole ("What is this article about?") is answered by its lead, which
        the pipeline puts first (see :mod:`assistant.answering.overview`)."""
        if is_overview(question):
            if not passages or passages[0].chunk_id != LEAD_ID:
                return []
            return [ScoredSentence(0, s, 1.0) for s in lead_sentences(passages[0])]
        if self.name_coverage(question, passages) < self.min_name_coverage:
            return []
        mentions = find_mentions(question, [p.source for p in passages])
        if len(mentions) >= 2:
            return self.by_source(question, mentions, passages)
        parts = question_parts(question)
        if len(parts) < 2:
            scored = self.score(question, passages)
            described = self.described(question, scored)
            if described is not None:
                return [described]
            if not scored or not self.answerable(scored[0], mentions):
                return []
            # A runner-up the reader also judges to answer the question (at the general
            # threshold, whatever the question names) is quoted after the best: two
            # reports of one fact, or the fact where the best sentence only frames it.
            return scored[:1] + [
                s for s in scored[1 : self.max_sentences] if self.answerable(s)
            ]
        chosen: list[ScoredSentence] = []
        for part in parts:  # one sentence per part; a part nothing answers stays unanswered
            scored = self.score(part, passages)
            if scored and self.answerable(scored[0], mentions) and scored[0] not in chosen:
                chosen.append(scored[0])
        return chosen

    @staticmethod
    def described(question: str, scored: Sequence[ScoredSentence]) -> ScoredSentence | None:
        """For "Who is X?", the best-scored sentence describing X beside its name, its
        description as the short answer (the reader scores such a question low against any
        sentence; see :mod:`assistant.answering.descriptions`)."""
        name = asked_name(question)
        if name is None:
            return None
        for s in scored:
            said = description(name, s.text)
            if said is not None:
                return replace(s, answer=said)
        return None

    def direct_answer(self, chosen: ScoredSentence) -> str | None:
        """The short answer to put first, when the reader found one shorter than its
        sentence."""
        sentence = " ".join(chosen.text.split())
        answer = balanced(" ".join(chosen.answer.split()).strip(" ,;:"), sentence, self.max_answer_chars)
        if not answer or len(answer) > self.max_answer_chars or len(answer) >= 0.8 * len(sentence):
            return None
        if not content_terms(answer) and not any(ch.isdigit() for ch in answer):
            return None
        return neutralise_markers(answer)

    def stream(self, question: str, passages: Sequence[Passage]) -> Iterator[str]:
        chosen = self.choose(question, passages)
        if not chosen:
            yield REFUSAL
            return
        texts: list[str] = []
        one_part = not any(s.source for s in chosen) and len(question_parts(question)) < 2
        # the best sentence's short answer leads; a question asking yes or no gets none (the
        # reader's span would read as the answer: "Larry Summers" for "Was Altman reinstated
        # as CEO?"), the sentence speaks for itself
        if (len(chosen) == 1 or one_part) and not asks_yes_or_no(question):
            short = self.direct_answer(chosen[0])
            if short:
                texts.append(f"**{short}** [{chosen[0].passage + 1}]\n\n")
        if any(s.source for s in chosen):  # evidence publisher by publisher, one line each
            texts.append(
                "\n\n".join(
                    f"{_one_line(s.source)}: {neutralise_markers(s.text)} [{s.passage + 1}]"
                    for s in chosen
                )
            )
        else:
            texts.append(
                " ".join(f"{neutralise_markers(s.text)} [{s.passage + 1}]" for s in chosen)
            )
        yield "".join(texts)

    def shown(self, passages: list[Passage], several: bool = False) -> list[Passage]:
        """Every retrieved passage: the reader chooses among them."""
        return passages

    def plan(self, question: str) -> tuple[list[str], None]:
        """The question is searched as asked (the reader weighs every passage)."""
        return [question], None

    def rewrite(self, question: str, history: Sequence[Turn]) -> str:
        """A self-contained question is searched as itself; one that leans on the
        conversation ("he", "that deal", "and in 2022?") borrows the names of the last
        question and answer that named any."""
        return with_context(question, history)


def _one_line(text: str) -> str:
    return neutralise_markers(text).replace(":", " -")


# Marks that come in pairs: a short answer holding one of a pair without the other
# ("K.J. Osborn (concussion", "a “lack of capacity") reads as cut off.
PAIRED_MARKS = (("(", ")"), ("[", "]"), ("“", "”"))


def _unmatched(text: str, opening: str, closing: str) -> tuple[list[int], list[int]]:
    """Positions in ``text`` of the opening marks never closed and the closing marks never
    opened (for straight quotes, the last one when their number is odd, as opening)."""
    if opening == closing:
        return ([text.rindex(opening)] if text.count(opening) % 2 else []), []
    opened: list[int] = []
    stray: list[int] = []
    for i, ch in enumerate(text):
        if ch == opening:
            opened.append(i)
        elif ch == closing:
            if opened:
                opened.pop()
            else:
                stray.append(i)
    return opened, stray


def balanced(answer: str, sentence: str, limit: int) -> str:
    """The short answer with its paired marks (brackets, quotation marks) whole: reaching to
    the sentence's mark that closes (or opens) one it holds alone, when the answer stays
    within ``limit`` characters, or else cut where the lone mark stands. Whitespace is
    squashed in both texts."""
    at = sentence.find(answer)
    if at < 0 or not answer:
        return answer
    start, end = at, at + len(answer)
    for opening, closing in (*PAIRED_MARKS, ('"', '"')):
        text = sentence[start:end]
        if opening != closing:
            opened, stray = _unmatched(text, opening, closing)
        elif text.count(opening) % 2 == 0:
            continue
        elif sentence[:start].count(opening) % 2 == 0:  # its last straight quote opens one
            opened, stray = [text.rindex(opening)], []
        else:  # its first closes one opened before it
            opened, stray = [], [text.index(opening)]
        if opened:
            close = sentence.find(closing, start + opened[-1] + 1)
            if close >= 0 and close + 1 - start <= limit and not _unmatched(sentence[start : close + 1], opening, closing)[0]:
                end = close + 1
            elif 2 * opened[0] < len(text):  # a lone mark near the start: the answer follows it
                start += opened[-1] + 1
            else:
                end = start + opened[0]
        if stray:
            begin = sentence.rfind(opening, 0, start)
            if begin >= 0 and end - begin <= limit and not _unmatched(sentence[begin:end], opening, closing)[1]:
                start = begin
            elif 2 * stray[-1] >= len(text):  # a lone mark near the end: the answer precedes it
                end = start + stray[0]
            else:
                start += stray[-1] + 1
    return sentence[start:end].strip(" ,;:")
