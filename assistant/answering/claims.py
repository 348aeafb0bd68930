"""Claim checking: is each sentence of an answer carried by the passages it cites?

A claim is supported by a span of a passage (one sentence, or two neighbouring ones) when
- every name, number and date of the claim appears in the span (a wrong name or number
  fails here, even when the rest of the sentence is copied), and names written together in
  the claim ("Alexander Matsegora") are written together there,
- the claim and the span agree on negation, and the claim does not turn a word of the
  span into its opposite ("rose" for "fell", :mod:`assistant.opposites`),
- the claim is not a near copy of one sentence with a name or number changed in place
  (such a claim may not borrow the missing name from the next sentence), and does not put a
  number of the span where the span has another number (:func:`moved_number`),
- a date the claim gives is in the span, or is the span's "today", "yesterday", "this
  season" or "this month" read against the publication date, or the publication date
  written as the date of a report, and
- the trained verifier (:mod:`assistant.judge`) reads the span as supporting the claim: a
  faithful paraphrase passes, a number moved to another phrase, a swapped ordinal or a fact
  the span does not state does not.

Those exact checks are cheap and go first; only spans that pass them are read by the
verifier, the few with most of the claim's words. A verbatim quote needs no model.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Sequence
from dataclasses import replace

from ..embed.embedder import Embedder
from ..judge import Judge, get_judge
from ..records import Passage
from ..text.dates import publication_date_terms, relative_date_terms, weekday_terms
from ..text.match import (
    STOPWORDS,
    acronyms,
    adjacent_pairs,
    contains_run,
    contains_run_reordered,
    content_terms,
    fold,
    in_place_of,
    initials,
    is_number,
    is_peoples_word,
    key_terms,
    moved_number,
    name_runs,
    name_words,
    neighbours,
    overlap,
    possessive_conflict,
    restated_in_order,
    scores,
    swapped_numbers,
    term_in,
    tokens,
)
from ..text.negation import negation_conflict
from ..text.opposites import opposite_conflict, order_swapped
from ..text.publishers import find_mentions
from ..text.sentences import sentence_spans
from .asides import asides
from .spans import Span, Verdict, passage_spans

# Months and weekdays are dates, not names: a claim's "in May" must be in its span, never
# taken from elsewhere in the passage (where "may" is also a verb).
_CALENDAR = frozenset(
    t for n in (*calendar.month_name, *calendar.day_name) if n for t in tokens(n)
)

# An ordinal a span may write as a word of the same sense ("opening eight games" is "first
# eight matches"; "initial divorce settlement" is "first divorce settlement").
_WORDED = {"1st": frozenset(tokens("opening initial maiden debut inaugural"))}

# A rank written as a number: "4. Rachin Ravindra, New Zealand" heading the entry of a
# ranked list, and an ordinal of the claim ("fourth on the list") that it gives.
_ORDINAL = re.compile(r"^(\d{1,3})(?:st|nd|rd|th)$")
_LIST_ITEM = re.compile(r"^[ \t]*(?:no\.\s*|#)?(\d{1,3})[.)][ \t]+\S[^\n]*$", re.IGNORECASE | re.MULTILINE)

_PRONOUNS = tuple(dict.fromkeys(tokens("he she they him her them his its their")))

# A claim sharing this much of its content words with a span that passes every exact check
# is that span's, whatever the verifier reads: on the training half's reply-style pairs the
# verifier rejected 16 of the 642 correct claims this close to their spans and caught none
# of the 15 false ones (assistant/training/NOTE.md).
WORDS_ALL_GIVEN = 0.9
# An unsupported claim that passes every exact check against a cited span, and whose cited
# passages write this much of its content words, is one the verifier alone doubts
# (``Verdict.exact``): its reply is shown flagged, not refused. A claim of other words
# ("Pirates seized the port") is not.
GROUNDED_OVERLAP = 0.5
# A claim that passes the exact checks only when the question's names may stand in for what
# the span calls them (:meth:`ClaimChecker._named_as_asked`) needs this much of the verifier
# (chosen on the dev replies: at 0.5 and at 0.2 it keeps every planted error reported; a
# borrowing of any name of the article, not just the question's, let swapped names through
# at 0.5 and 0.8).
QUESTION_NAMES_SUPPORT = 0.5
VERIFIED_SPANS = 4  # spans per claim and passage the verifier reads (the most shared words)
MAX_GATHERED = 3  # sentences of one passage a claim may gather its facts from
GATHER_SWAP_OVERLAP = 0.4  # ... none this close to it that names someone it does not
SUBSTITUTION_OVERLAP = 0.6  # a sentence this close to a claim, with a name or number swapped
NEAR_COPY_OVERLAP = 0.85  # a sentence this close is the claim's source, names and all
# How far before a passage its article may have named whom the passage calls "he"
LEAD_IN_CHARS = 1500
SPEAKER_WORDS = 4  # the words before a verb of saying that name who said it
_SAYING = re.compile(
    r"\b(?:said|says|told|tells|added|adds|argued|argues|believes|thinks|explained|noted|notes|"
    r"wrote|writes|admitted|admits|called|calls|credits|credited|expects|warned|warns|insisted|"
    r"claimed|claims|stated|recalled|revealed|asked|suggested|remarked|acknowledged|conceded|"
    r"urged|predicted|described|criticized|criticised|wished|wants|hopes)\b"
)
_WORD_RE = re.compile(r"[\w'’.-]+")
# A lower-case number word right before a capitalised word: "ten Hag" (a name) or "two
# Britons" (a number); which, the passages tell.
_NUMBER_THEN_NAME = re.compile(r"\b([A-Za-z]+) ([A-Z][\w'’-]+)")
_NUMBER_TOKENS = frozenset(tokens("one two three four five six seven eight nine ten eleven twelve"))


def _squash(text: str) -> str:
    return " ".join(text.split())


# Two or more capitalised words in a row ("General Motors").
_CAPITALISED_RUN = re.compile(r"\b[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)+")
# Someone called by a description in place of a name: "The American", "the Argentine".
_DESCRIPTION = re.compile(r"\b[Tt]he\s+([A-Z][a-z]+|[A-Z]{2,})\b(?!['’]s\b|\s+[A-Z])")
# A claim's opening frame ("In PokéTsume, ...", "According to Zee Business, ...").
_FRAME = re.compile(
    r"^(?:in|at|for|on|during|per|from|according to|as for|with)\s+([^,;:]{1,60}),\s", re.IGNORECASE
)
# A claim opening by its source ("According to Sporting News, ...", "Per The Verge's guide,
# ...", "Sporting News also noted that ..."): group 1 or 2 names the source, group 3 is
# what the claim says it reported.
_ATTRIBUTED = re.compile(
    r"^(?:(?:according to|per|as)\s+([^,;:]{2,60}?),\s+"
    r"|([^,;:]{2,40}?)\s+(?:also\s+|further\s+)?(?:noted|notes|reported|reports|said|says|wrote|"
    r"writes|added|adds|explained|explains|stated|states|pointed out|points out)(?:\s+that)?,?\s+)"
    r"(.+)$",
    re.IGNORECASE | re.DOTALL,
)
# Where a claim's clauses meet: a participle ("..., putting Arizona State ahead"), a
# conjunction after a comma, a semicolon, or "and" before a new subject.
_CLAUSE_BREAKS = re.compile(
    r",\s+(?=\w+ing\b)|,\s+(?:and|while|whereas|but|so|after|before|as|with|which|when)\s+|;\s+"
    r"|\s+and\s+(?=(?:he|she|they|it|his|her|their|the)\s)"
)
# A bracketed aside ("(played by Khalid Abdalla)", "(R-Ohio)").
_ASIDE = re.compile(r"\([^()]{1,80}\)")


def _spelled_out(asked: frozenset[str], text: str) -> list[tuple[str, ...]]:
    """The names ``text`` writes in capitalised words in a row whose initials are one of the
    acronyms ``asked`` ("European Union", of "The European Union", for "EU"), and the words
    in a row, capitalised or not, whose initials are one of three letters or more
    ("post-traumatic stress disorder" for "PTSD")."""
    found: list[tuple[str, ...]] = []
    if asked:
        for words in _CAPITALISED_RUN.findall(text):
            run = tokens(words)
            found.extend(run[k:] for k in range(len(run) - 1) if initials(run[k:]) in asked)
        written = tokens(text)
        for acronym in asked:
            n = len(acronym)
            if n >= 3:
                found.extend(
                    written[k : k + n] for k in range(len(written) - n + 1)
                    if initials(written[k : k + n]) == acronym
                )
    return found


class ClaimChecker:
    """Checks claims against a fixed list of passages (those shown to the engine)."""

    def __init__(
        self,
        passages: Sequence[Passage],
        embedder: Embedder | None = None,
        judge: Judge | None = None,
        question: str = "",
        article_text: Callable[[str], str | None] | None = None,
        reply: str = "",
    ) -> None:
        self.passages = list(passages)
        self.question = question  # names a claim may take from it ("Who is X's wife?")
        # the whole reply the claims come from: whom its sentences name between them
        self.reply = reply
        self._question_tokens = tokens(question)
        self._asked = frozenset(self._question_tokens)
        # The whole text of a passage's article, by doc id (None: not at hand): where a
        # claim's full name may be written ("Mauricio Pochettino" for the chunk's "Pochettino").
        self.article_text = article_text
        self.embedder = embedder  # kept for callers that pass one; the verifier decides
        self._judge = judge
        self.names = name_words(p.text for p in self.passages)
        self._spans: dict[int, list[Span]] = {}
        self._named_publishers: dict[tuple[str, tuple[str, ...]], frozenset[str]] = {}
        self._doc_tokens: dict[str, frozenset[str]] = {}
        # A claim's names and numbers, read once: it is checked against every span.
        self._keys: dict[str, frozenset[str]] = {}
        self._runs: dict[str, list[tuple[str, ...]]] = {}
        self._context_tokens: dict[int, tuple[str, ...]] = {}
        self._article_tokens: dict[int, tuple[str, ...]] = {}
        self._lead_tokens: dict[int, tuple[str, ...]] = {}
        self._speakers: dict[str, frozenset[str]] = {}
        self._all_texts: list[str] | None = None
        self._meta_tokens: dict[int, tuple[str, ...]] = {}
        self._publishers: frozenset[str] | None = None
        self._question_names: frozenset[str] | None = None

    def key_terms(self, text: str) -> frozenset[str]:
        """:func:`key_terms` of a claim (or sentence) with these passages' names; a number
        word that is part of a name the passages write ("Erik ten Hag") is no number."""
        found = self._keys.get(text)
        if found is None:
            found = key_terms(text, self.names) - self._name_particles(text)
            self._keys[text] = found
        return found

    def _name_particles(self, text: str) -> frozenset[str]:
        """Number words of ``text`` that open a name as the passages (or their articles)
        write it: "ten" in "ten Hag", where a passage writes "ten Hag" too."""
        out: set[str] = set()
        for m in _NUMBER_THEN_NAME.finditer(text):
            words = set(tokens(m.group(1)))
            if not words & _NUMBER_TOKENS:
                continue
            # between a first name and a surname, lower-case: "Erik ten Hag", never "two Britons"
            between = re.compile(rf"\b[A-Z][\w'’-]+ {m.group(1).lower()} {re.escape(m.group(2))}\b")
            if any(between.search(written) for written in self._texts()):
                out |= words
        return frozenset(out)

    def _texts(self) -> list[str]:
        """The passages' texts and, when at hand, their articles'."""
        if self._all_texts is None:
            texts = [p.text for p in self.passages]
            if self.article_text is not None:
                for doc in dict.fromkeys(p.doc_id for p in self.passages):
                    texts.append(self.article_text(doc) or "")
            self._all_texts = texts
        return self._all_texts

    def name_runs(self, claim: str) -> list[tuple[str, ...]]:
        """:func:`name_runs` of a claim with these passages' names."""
        found = self._runs.get(claim)
        if found is None:
            found = self._runs[claim] = name_runs(claim, self.names)
        return found

    def spans(self, index: int) -> list[Span]:
        if index not in self._spans:
            self._spans[index] = passage_spans(self.passages[index], index)
        return self._spans[index]

    # -------------------------------------------------------------------- lexical gates
    def _context(self, index: int | tuple[int, ...] | None) -> tuple[str, ...]:
        """Tokens of what a model answering from passage ``index`` read around it: the
        passage, the other passages of its article, and the question (a model names who
        "he" is from any of them). A tuple of indices: the claim joins those passages."""
        if isinstance(index, tuple):
            return tuple(t for i in index for t in (*self._context(i), "."))
        if index is None or not 0 <= index < len(self.passages):
            return ()
        found = self._context_tokens.get(index)
        if found is None:
            doc = self.passages[index].doc_id
            texts = [self.passages[index].text]
            texts += [p.text for i, p in enumerate(self.passages) if i != index and p.doc_id == doc]
            found = self._context_tokens[index] = tokens(" . ".join([*texts, self.question]))
        return found

    def _article(self, index: int | tuple[int, ...] | None) -> tuple[str, ...]:
        """:meth:`_context` and the whole text of the passage's article, when at hand: where
        the full name of whom a passage calls by surname is written. Only a name the span
        holds part of may be completed from it; a name of the article the span does not
        hold at all is not what the span says."""
        if isinstance(index, tuple):
            return tuple(t for i in index for t in (*self._article(i), "."))
        if index is None or not 0 <= index < len(self.passages) or self.article_text is None:
            return self._context(index)
        found = self._article_tokens.get(index)
        if found is None:
            whole = self.article_text(self.passages[index].doc_id) or ""
            found = (*self._context(index), ".", *tokens(whole)) if whole else self._context(index)
            self._article_tokens[index] = found
        return found

    def _lead_in(self, index: int | tuple[int, ...] | None) -> tuple[str, ...]:
        """Tokens of the article text just before passage ``index`` (``LEAD_IN_CHARS``), when
        the article is at hand: where the person a passage calls "he" or quotes without a
        name was last named ("... said Rick Grinnell." ahead of a chunk of his quotes)."""
        if isinstance(index, tuple):
            return tuple(t for i in index for t in (*self._lead_in(i), "."))
        if index is None or not 0 <= index < len(self.passages) or self.article_text is None:
            return ()
        found = self._lead_tokens.get(index)
        if found is None:
            passage = self.passages[index]
            whole = self.article_text(passage.doc_id) or ""
            at = passage.start if whole[passage.start : passage.end] == passage.text else whole.find(passage.text)
            found = tokens(whole[max(0, at - LEAD_IN_CHARS) : at]) if at > 0 else ()
            self._lead_tokens[index] = found
        return found

    def _speaker(self, claim: str) -> frozenset[str]:
        """Tokens of the name the claim is said of or attributed to: the words just before
        its first verb of saying ("Glasswing's Rick Grinnell believes ...", "... , Sam Reich
        said"), or else the name it opens with ("Rehan Ahmed struggled ...": a reply's "Yes,"
        is gone, see ``checking.claim_text``). Only this
        name may be the one the article gave just before the passage; a name elsewhere in
        the claim ("... told TNT Sports") must be the passage's own."""
        found = self._speakers.get(claim)
        if found is None:
            said = _SAYING.search(claim)
            if said is not None:
                words = _WORD_RE.findall(claim[: said.start()])[-SPEAKER_WORDS:]
            else:
                words = _WORD_RE.findall(claim)[:SPEAKER_WORDS]
                cut = next((k for k, w in enumerate(words) if k and not w[:1].isupper()), len(words))
                words = words[:cut]
            found = frozenset(t for w in words if w[:1].isupper() for t in tokens(w))
            self._speakers[claim] = found
        return found

    def _indices(self, index: int | tuple[int, ...] | None) -> list[int]:
        """The valid passage indices of ``index``: one, a tuple of them, or none."""
        asked = index if isinstance(index, tuple) else () if index is None else (index,)
        return [i for i in asked if 0 <= i < len(self.passages)]

    def _written(self, index: int | tuple[int, ...] | None) -> frozenset[str]:
        """Tokens of the article of passage ``index`` (or of each of a tuple of them): its
        passages shown and, when at hand, its whole text; not the question."""
        found: set[str] = set()
        for i in self._indices(index):
            doc = self.passages[i].doc_id
            words = self._doc_tokens.get(doc)
            if words is None:
                whole = self.article_text(doc) if self.article_text is not None else None
                shown = (t for p in self.passages if p.doc_id == doc for t in tokens(p.text))
                words = self._doc_tokens[doc] = frozenset((*shown, *tokens(whole or "")))
            found |= words
        return frozenset(found)

    def _meta(self, index: int | tuple[int, ...] | None) -> tuple[str, ...]:
        """Tokens of the title and publisher of passage ``index`` (or of each of a tuple of
        them): a claim may name what its article is about ("Cole Palmer said ...") where the
        sentence says "he", or who published it."""
        if isinstance(index, tuple):
            return tuple(t for i in index for t in (*self._meta(i), "."))
        if index is None or not 0 <= index < len(self.passages):
            return ()
        found = self._meta_tokens.get(index)
        if found is None:
            p = self.passages[index]
            found = self._meta_tokens[index] = tokens(f"{p.title} . {p.source}")
        return found

    def _dated(self, claim: str, index: int | tuple[int, ...] | None) -> frozenset[str]:
        """:func:`publication_date_terms` of the claim for passage ``index`` (or each of a
        tuple of them)."""
        found: frozenset[str] = frozenset()
        for i in self._indices(index):
            p = self.passages[i]
            found |= publication_date_terms(claim, p.published, p.source)
        return found

    def _dated_by_span(
        self, claim: str, span_text: str, index: int | tuple[int, ...] | None
    ) -> frozenset[str]:
        """:func:`relative_date_terms` of the claim for the span, read against the
        publication date of passage ``index`` (or of each of a tuple of them)."""
        found: frozenset[str] = frozenset()
        for i in self._indices(index):
            published = self.passages[i].published
            found |= relative_date_terms(claim, span_text, published) | weekday_terms(claim, span_text, published)
        return found

    @property
    def publishers(self) -> frozenset[str]:
        """Tokens of these passages' publishers."""
        if self._publishers is None:
            self._publishers = frozenset(t for p in self.passages for t in tokens(p.source))
        return self._publishers

    def names_a_publisher(self, text: str) -> bool:
        """``text`` names a publisher of these passages ("Sporting News did not report")."""
        names = self.key_terms(text)
        return bool(names) and any(term_in(k, self.publishers) for k in names)

    def names_only_sources(self, text: str, besides: frozenset[str] = frozenset()) -> bool:
        """Every name, number and date of ``text`` is a publisher of these passages, a
        publication date written as the date of a report, or one of ``besides``."""
        dated = self._dated(text, tuple(range(len(self.passages))))
        return all(k in besides or term_in(k, self.publishers) or k in dated for k in self.key_terms(text))

    @property
    def question_names(self) -> frozenset[str]:
        """The names and numbers of the question, and the acronyms of its names of several
        words ("EU" of "the European Union")."""
        if self._question_names is None:
            runs = (tokens(run) for run in _CAPITALISED_RUN.findall(self.question))
            self._question_names = self.key_terms(self.question) | frozenset(
                initials(run) for run in runs if len(run) > 1
            )
        return self._question_names

    def named_by_passages(self, text: str, cited: Sequence[int]) -> bool:
        """Every name of ``text`` is a publisher of these passages or written in a cited
        passage (any passage when none is cited), and every number is a publication date
        written as the date of a report: what a sentence drawing on the passages may name."""
        indices = self._indices(tuple(cited)) or range(len(self.passages))
        dated = self._dated(text, tuple(range(len(self.passages))))
        written = frozenset(t for i in indices for t in (*tokens(self.passages[i].text), *self._meta(i)))
        return all(
            k in dated if is_number(k) else term_in(k, self.publishers) or term_in(k, written)
            for k in self.key_terms(text)
        )

    def ruling_out_unmentioned(self, claim: str, kept: str, cited: Sequence[int]) -> str:
        """``kept`` (the claim less the alternatives it rules out: "It was The Independent,
        not Sporting News, that reported ...", "a day before, not after") unless the cited
        passages name everything it rules out ("sold only in shops, not on Amazon" against a
        passage that names Amazon): then the passage can judge the denial, and the whole
        claim is checked."""
        if kept == claim:
            return claim
        ruled_out = self.key_terms(claim) - self.key_terms(kept)
        said = frozenset(
            t
            for i in cited
            if 0 <= i < len(self.passages)
            for t in (*tokens(self.passages[i].text), *self._meta(i))
        )
        if ruled_out and all(term_in(t, said) for t in ruled_out):
            return claim
        return kept

    def _given_elsewhere(
        self,
        claim: str,
        term: str,
        span_terms: frozenset[str],
        context: tuple[str, ...],
        span_text: str = "",
        anywhere: bool = True,
        passage: int | tuple[int, ...] | None = None,
        lead_in: bool = False,
    ) -> bool:
        """A name word of the claim missing from the span but given by the cited passage.

        In a name whose last word (the surname) the span holds ("Jane Roe was granted bail"
        against "Roe was granted bail"), it passes when the passage writes the full name, or
        when the span gives that surname no other first name ("Vladimir Matsegora" against
        "Alexander Matsegora" fails). The surname of a first name the span writes alone
        ("Dodi Fayed" against "Diana and Dodi were killed") passes when the article writes
        the full name. Any other name word passes when the passage writes it:
        a model names who "she" is from the sentences before ("Keeley said ..." against
        "... she said"; ``anywhere``); a name swapped within a copied sentence is caught by
        :meth:`misquotes` (which passes ``anywhere=False``), and whether the span says it of
        that person is the verifier's."""
        if is_number(term) or term in _CALENDAR:
            # a number or date the question gives and the passage's article holds ("What
            # was Ruby Franke's 9-year-old daughter told?"): the reply restates the question,
            # where the span writes no number the claim leaves out (none the question's
            # could stand in for: "season six" of a question about season 6, against a span
            # naming no season, not one naming season 5).
            return (
                not self._numbers_left_out(claim, span_text)
                and term_in(term, self._asked)
                and term_in(term, self._written(passage))
            )
        for run in self.name_runs(claim):
            if (
                len(run) == 2
                and term == run[1]
                and self._alone_as_written(claim, run, span_text)
                and not any(run[0] in written for written in name_runs(span_text, self.names))
                and contains_run(run, self._article(passage))
            ):
                return True  # "Dodi Fayed" for the span's lone "Dodi", as the article writes him
            if term not in run or run.index(term) == len(run) - 1 or not term_in(run[-1], span_terms):
                continue
            if not anywhere and self._renamed(run, span_text):
                return False  # a near copy calls "Ohio State" what the span calls "Penn State"
            if contains_run(run, context) or contains_run(run, self._article(passage)):
                return True  # the full name, as the passage, its article or the question writes it
            return bool(span_text) and not self._renamed(run, span_text)
        if lead_in and term in self._speaker(claim) and term_in(term, frozenset(self._lead_in(passage))):
            return True  # the article named them just before the passage ("..., he said")
        return anywhere and term_in(term, frozenset(context))

    @staticmethod
    def _alone_as_written(claim: str, run: tuple[str, ...], span_text: str) -> bool:
        """The span writes the first word of the claim's two-word name ``run`` as the claim
        does, not inflected ("Dodi", "Dodi's"; not "its Kindles" for "Kindle Unlimited")."""
        for m in re.finditer(r"(?<![\w'’-])(?=([A-Z][\w'’-]*)\s+([A-Z][\w'’-]*))", claim):
            if tokens(f"{m.group(1)} {m.group(2)}") == run:
                word = re.escape(m.group(1))
                return re.search(rf"(?<![\w-]){word}(?:['’]s)?(?![\w'’-])", span_text) is not None
        return False

    def _renamed(self, run: tuple[str, ...], span_text: str) -> bool:
        """The span writes the run's last word right after a name word the run does not
        hold ("Alexander Matsegora" for a claim's "Vladimir Matsegora"; not "at Chelsea;
        James" for "Reece James")."""
        return any(
            term_in(run[-1], frozenset([token])) and before in self.names and before not in run
            for before, token in adjacent_pairs(span_text)
        )

    def lexical_gate(
        self, claim: str, span_text: str, passage: int | tuple[int, ...] | None = None,
        as_asked: bool = False,
    ) -> float | None:
        """The claim's content-word overlap with the span, or None when the span lacks one
        of the claim's names, numbers or dates, splits a name, or disagrees on negation. A
        name written in full where the span gives part of it passes when the passage
        (``passage``, an index) writes it in full. With ``as_asked``, the question's names
        (not its numbers) pass too, even where the span names someone the claim does not."""
        span_tokens = tokens(span_text)
        terms = frozenset(span_tokens)
        context_tokens = self._context(passage)
        meta_tokens = self._meta(passage)
        meta = frozenset(meta_tokens)
        # A name may come from the context only where the span names nobody the claim
        # leaves out: "Keeley said X" against "X, she said" passes; "Cam Skattebo was
        # ejected" against "Ed Woods was ejected" does not.
        left_out = self._left_out_names(claim, span_text)
        borrow = not left_out
        # a near copy of the span may not take a name from the context in place of one the
        # span names ("Pyongyang and Tokyo" for "Pyongyang and Washington"); a name a copy
        # of it nearly word for word adds in nobody's place may come from the context ("his
        # mother, Julia, at the hands of" for "his mother at the hands of"), where a looser
        # one adds a fact with it ("Kim visited Moscow in July to meet Putin")
        near = overlap(claim, span_text)
        copy = not borrow and near >= SUBSTITUTION_OVERLAP
        dated = self._dated(claim, passage) | self._dated_by_span(claim, span_text, passage)
        short = (
            self._abbreviated(claim, span_text) | self._publisher_named(claim, passage)
            | self._framed_by_question(claim)
        )
        for term in self.key_terms(claim):
            if term_in(term, terms) or term_in(term, meta) or term in dated or term in short:
                continue  # in the span (perhaps abbreviated), or the article's title, publisher or date gives it
            if term in _WORDED and any(t in terms for t in _WORDED[term]):
                continue  # "first eight matches" for "opening eight games"
            if self._ranked(term, claim, span_text, passage):
                continue  # "the 11th match" for "Match 11"; "fourth" under the list's "4."
            if as_asked and not is_number(term) and term_in(term, self._asked):
                continue
            if not self._given_elsewhere(
                claim, term, terms, context_tokens, span_text,
                anywhere=not copy
                or (
                    (near >= NEAR_COPY_OVERLAP or is_peoples_word(term))
                    and not in_place_of(claim, span_text, term, left_out)
                ),
                passage=passage,
                lead_in=borrow,
            ):
                return None
        in_capitals = acronyms(claim)
        for run in self.name_runs(claim):
            if contains_run_reordered(run, span_tokens) or contains_run(run, meta_tokens) or set(run) <= short:
                continue
            if any(
                contains_run(run[:k], span_tokens) and contains_run(run[k:], span_tokens)
                for k in range(2, len(run) - 1)
            ):
                continue  # two names the span writes apart, run together ("New York City Turkey Trot")
            if set(run) <= in_capitals and all(term_in(w, terms) for w in run):
                continue  # acronyms side by side, each its own name: "US ZIP codes" for "ZIP code in the US"
            if as_asked and contains_run(run, self._question_tokens):
                continue
            if borrow and context_tokens and contains_run(run, context_tokens):
                continue  # the name as the passage, its article or the question writes it
            if borrow and set(run) <= self._speaker(claim) and contains_run(run, self._lead_in(passage)):
                continue  # as the article named them just before the passage
            if (
                any(term_in(w, terms) for w in run)
                and not (copy and self._renamed(run, span_text))
                and contains_run(run, self._article(passage))
            ):
                continue
            return None
        if (
            negation_conflict(claim, span_text)
            or opposite_conflict(claim, span_text)
            or order_swapped(claim, span_text)
            or possessive_conflict(claim, span_text)
            or moved_number(claim, span_text)
            or swapped_numbers(claim, span_text)
        ):
            return None
        return overlap(claim, span_text)

    def _ranked(
        self, term: str, claim: str, span_text: str, index: int | tuple[int, ...] | None
    ) -> bool:
        """An ordinal of the claim the passage writes as a number: after the noun the
        claim puts after it ("the 11th match" for "Match 11", "the 10th week" for "Week
        10"), or as the number of the ranked list's entry that holds the span ("fourth on
        its list" for a span under "4. Rachin Ravindra, New Zealand")."""
        found = _ORDINAL.match(term)
        if found is None or not isinstance(index, int) or not 0 <= index < len(self.passages):
            return False
        number = found.group(1)
        said = tokens(claim)
        text = self.passages[index].text
        written = tokens(text)
        for k, word in enumerate(said[:-1]):
            if word == term and any(
                a == said[k + 1] and b == number for a, b in zip(written, written[1:], strict=False)
            ):
                return True
        at = text.find(span_text)
        if at < 0:
            return False
        heads = list(_LIST_ITEM.finditer(text, 0, at + len(span_text)))
        return bool(heads) and heads[-1].group(1) == number

    def _framed_by_question(self, claim: str) -> frozenset[str]:
        """Name words of the claim's opening frame that the question names: "In PokéTsume,
        a relaxing bar plays ..." sets the scene the question asks about; the span need not
        name it."""
        frame = _FRAME.match(claim)
        if frame is None or not self._asked:
            return frozenset()
        return frozenset(t for t in tokens(frame.group(1)) if term_in(t, self._asked) and not is_number(t))

    def _publisher_named(self, claim: str, index: int | tuple[int, ...] | None) -> frozenset[str]:
        """Tokens of the claim that name the publisher of passage ``index`` (or of each of a
        tuple of them) as people write it: "CBS Sports" for "CBSSports.com"."""
        sources = {self.passages[i].source for i in self._indices(index)}
        key = (claim, tuple(sorted(sources)))
        found = self._named_publishers.get(key)
        if found is None:
            words: set[str] = set()
            for mention in find_mentions(claim, sorted({p.source for p in self.passages})):
                if sources & set(mention.sources):
                    words.update(tokens(claim[mention.start : mention.end]))
            found = self._named_publishers[key] = frozenset(words)
        return found

    def _abbreviated(self, claim: str, span_text: str) -> frozenset[str]:
        """Key terms of the claim the span writes as an acronym or spells out: "Rugby
        Australia" for the span's "RA", "RA" for its "Rugby Australia"."""
        given: set[str] = set()
        written = acronyms(span_text)
        if written:
            for run in self.name_runs(claim):
                if initials(run) in written:
                    given.update(run)
        asked = acronyms(claim) - frozenset(tokens(span_text))
        if asked:
            # capitalised words in a row, a sentence's first word too ("General Motors and
            # Honda said ..." spells out "GM")
            given.update(initials(run) for run in _spelled_out(asked, span_text))
        return frozenset(given)

    def _numbers_left_out(self, claim: str, span_text: str) -> bool:
        """The span writes a number or date that the claim does not."""
        said = frozenset(tokens(claim))
        return any(
            (is_number(t) or t in _CALENDAR) and not term_in(t, said) for t in self.key_terms(span_text)
        )

    def _names_left_out(self, claim: str, span_text: str) -> bool:
        """The span names someone or something (a name word, not a number or a date) that
        the claim does not, outside a bracketed aside ("Dodi Fayed (played by Khalid
        Abdalla)": the claim may leave out the actor and name who "her" is)."""
        return bool(self._left_out_names(claim, span_text))

    def _left_out_names(self, claim: str, span_text: str) -> frozenset[str]:
        """The name words of :meth:`_names_left_out`."""
        # a name the claim writes as an acronym is said ("the EU" for "The European Union")
        spelled = (w for run in _spelled_out(acronyms(claim), span_text) for w in run)
        said = frozenset([*tokens(claim), *spelled])
        return frozenset(
            t for t in self.key_terms(_ASIDE.sub(" ", span_text))
            if not is_number(t) and t not in _CALENDAR and not term_in(t, said)
        )

    def misquotes(self, claim: str, sentence: str, passage: int | None = None) -> bool:
        """The claim copies the sentence but changes a name or a number: it swaps one for
        another in the same place ("over 200 missile launches" from "over 100 missile
        launches": a word next to each is the same; not "Melbourne played Illawarra without
        X" from "Without X, Melbourne suffered a scare when Travers ..."), or it is a
        near copy with a name the sentence does not have (nor the passage, as part of a name
        the sentence holds). Such a claim must not borrow the missing name from a
        neighbouring sentence."""
        near = overlap(claim, sentence)
        if near < SUBSTITUTION_OVERLAP:
            return False
        claim_terms, source_terms = frozenset(tokens(claim)), frozenset(tokens(sentence))
        context = self._context(passage)
        meta = frozenset(self._meta(passage))
        # what the sentence gives in another form: "GM" for its "General Motors", a
        # publisher as people write it, the publication date (as the exact checks read them)
        given = (
            self._abbreviated(claim, sentence) | self._publisher_named(claim, passage)
            | self._framed_by_question(claim)
            | self._dated(claim, passage) | self._dated_by_span(claim, sentence, passage)
        )
        missing = [
            t for t in self.key_terms(claim)
            if not term_in(t, source_terms) and not term_in(t, meta) and t not in given
            and not self._given_elsewhere(
                claim, t, source_terms, context, sentence, anywhere=False, passage=passage
            )
        ]
        said, written = tokens(claim), tokens(sentence)
        described = self._descriptions(sentence)
        if near >= NEAR_COPY_OVERLAP and missing:
            # a name the context gives, added in nobody's place ("his mother, Julia, at the
            # hands of" for "his mother at the hands of"), swaps no one
            left_out, around = self._left_out_names(claim, sentence), frozenset(context)
            before = self._before(sentence, passage)
            if any(
                not self._resolves(said, written, m, described, before)
                and (is_number(m) or not term_in(m, around) or in_place_of(claim, sentence, m, left_out))
                for m in missing
            ):
                return True
        # a description standing for the question's name is no name swapped for it
        asked = all(is_number(m) or term_in(m, self._asked) for m in missing)
        extra = [
            t for t in self.key_terms(sentence)
            if not term_in(t, claim_terms) and not (asked and t in described)
        ]
        changed = frozenset([*missing, *extra])
        for e in extra:
            slot = set().union(*neighbours(written, e, changed))
            if any(
                is_number(m) == is_number(e) and set().union(*neighbours(said, m, changed)) & slot
                for m in missing
            ):
                return True
        return False

    @staticmethod
    def _descriptions(sentence: str) -> tuple[str, ...]:
        """Words a sentence calls someone by in place of a name: one capitalised word after
        "the" ("The American had been a target", "the Argentine")."""
        return tuple(t for word in _DESCRIPTION.findall(sentence) for t in tokens(word))

    def _resolves(
        self, said: tuple[str, ...], written: tuple[str, ...], name: str,
        described: tuple[str, ...] = (), before: frozenset[str] = frozenset(),
    ) -> bool:
        """The claim writes ``name`` where the sentence has a pronoun: "Rashid accidentally
        bowled" for "He accidentally bowled" names who "he" is (from the sentences around),
        it swaps no one. So does a name where the sentence has a description (``described``)
        when the name is the question's ("Pulisic had been a target" for "The American had
        been a target" of a question about Pulisic) or one its passage gives before the
        sentence (``before``: the title and the text up to it), as a reader resolves "The AI
        giant is not a signatory" after "... representatives of ChatGPT maker, OpenAI"."""
        if is_number(name):
            return False
        resolved = term_in(name, self._asked) or term_in(name, before)
        places = [p for w in _PRONOUNS for p in neighbours(written, w, frozenset())]
        if resolved:  # a description may run on a word ("The AI giant is"): either word after
            places += [
                {(-1, written[k - 1] if k else ""), *((1, w) for w in written[k + 1 : k + 3])}
                for k, token in enumerate(written) if token in described
            ]
        return any(n & p for n in neighbours(said, name, frozenset()) for p in places)

    def _before(self, sentence: str, passage: int | None) -> frozenset[str]:
        """Tokens of what a reader of ``sentence`` has read of its passage before it: the
        article's title and the passage's text up to the sentence (nothing when the sentence
        is not found in it)."""
        if passage is None or not 0 <= passage < len(self.passages):
            return frozenset()
        p = self.passages[passage]
        at = p.text.find(sentence)
        return frozenset(tokens(f"{p.title} . {p.text[:at]}")) if at > 0 else frozenset(tokens(p.title))

    @property
    def judge(self) -> Judge:
        if self._judge is None:
            self._judge = get_judge()
        return self._judge

    def support(self, claim: str, spans: Sequence[Span]) -> list[float]:
        """The verifier's probability that each span supports the claim (what the claim
        says the span's publisher reported: see :func:`unattributed`)."""
        if not spans:
            return []
        return [
            self.judge.supports(
                unattributed(claim, self.passages[s.passage].source),
                [(s.text, self.passages[s.passage].title, self.passages[s.passage].source)],
            )[0]
            for s in spans
        ]

    def _judge_spans(self, claim: str, candidates: list[tuple[Span, float]]) -> Verdict | None:
        """The best verdict among spans that passed the exact checks."""
        if not candidates:
            return None
        folded = _squash(fold(claim)).rstrip(".!?")
        for span, lex in candidates:
            if span.size == 1 and folded in _squash(fold(span.text)):
                return Verdict(True, span, lex, 1.0)  # a verbatim quote: nothing to read
        if content_terms(claim) <= self.key_terms(claim):
            # only names and numbers ("Manchester United."): the short answer, whose every
            # name the span holds; no statement for the verifier to read
            span, lex = max(candidates, key=lambda c: (c[1], -c[0].size))
            return Verdict(True, span, lex, 1.0)
        read = sorted(candidates, key=lambda c: (-c[1], c[0].size))[:VERIFIED_SPANS]
        probabilities = self.support(claim, [s for s, _ in read])
        best = max(range(len(read)), key=lambda i: probabilities[i] + 0.01 * read[i][1])
        span, lex = read[best]
        p = probabilities[best]
        if (
            p < self.judge.support_threshold
            and read[0][1] >= WORDS_ALL_GIVEN
            and (
                not self._names_left_out(claim, read[0][0].text)
                or restated_in_order(claim, read[0][0].text)
            )
        ):
            # every word of the claim is the span's, every exact check passed, and the span
            # names no one the claim's words could have been taken from ("Australia beat
            # South Africa at the Wankhede Stadium" from a span naming Wankhede for India's
            # match and Eden Gardens for Australia's): nothing is left for the verifier
            span, lex = read[0]
            return Verdict(True, span, lex, probabilities[0])
        return Verdict(p >= self.judge.support_threshold, span, lex, p)

    def _parts(self, span: Span) -> list[tuple[int, int]]:
        """The sentences of a window, as offsets into its passage's text."""
        passage = self.passages[span.passage]
        lo, hi = span.start - passage.start, span.end - passage.start
        return [(a, b) for a, b in sentence_spans(passage.text) if lo <= a and b <= hi]

    def check(self, claim: str, cited: Sequence[int]) -> Verdict:
        """Is the claim carried by one of the cited passages (0-based indices), with every
        side statement it makes in passing (see :mod:`.asides`)? A claim of several clauses
        the passages do not carry as a whole may be carried clause by clause. A claim whose main
        fact is carried and whose aside no passage shown states is unsupported, with its
        exact checks passed (shown flagged, not refused)."""
        verdict = self._check_main(claim, cited)
        if not verdict.supported:
            verdict = self._clause_by_clause(claim, cited, verdict)
        if verdict.supported and not self._asides_hold(claim, cited, verdict.span):
            return replace(verdict, supported=False, exact=True)
        return verdict

    def _clause_by_clause(self, claim: str, cited: Sequence[int], whole: Verdict) -> Verdict:
        """A claim of several clauses that the cited passages do not carry as a whole: the
        verifier doubts it ("X kicked the field goal to end the half, putting Y ahead 17-14
        at the break"), or no span or gathering of sentences passes its exact checks ("X
        forced a turnover on Y's inbounds pass, but Brisbane held on to win 90-87", from
        sentences apart). It is carried when each clause with two content words or more is
        carried by the cited passages on its own, one atomic fact at a time: each clause
        passes the exact checks and the verifier. Where the whole failed an exact check, a
        score or range it gives must also be written as one ("won 2-0" is no clause of "won
        1-0 ... 2 thousand fans")."""
        clauses = [c.strip(" ,;") for c in _CLAUSE_BREAKS.split(claim)]
        clauses = [c for c in clauses if len(content_terms(c)) >= 2]
        if len(clauses) < 2 or (not whole.exact and not self._scores_written(claim, cited)):
            return whole
        verdicts = [self._check_main(c, cited) for c in clauses]
        if not all(v.supported for v in verdicts):
            return whole
        span = whole.span if whole.span is not None else verdicts[0].span
        return replace(whole, supported=True, span=span)

    def _scores_written(self, claim: str, cited: Sequence[int]) -> bool:
        """Every score or range the claim gives ("won 2-0", "17-14 at the break") is written
        as one, in either order, in the cited passages: its two numbers apart ("1-0" and a
        "2" elsewhere) are no evidence for it."""
        texts = " ".join(self.passages[i].text for i in self._indices(tuple(cited)))
        written = {tuple(sorted(m)) for m in scores(texts)}
        return all(tuple(sorted(m)) in written for m in scores(claim))

    def _asides_hold(self, claim: str, cited: Sequence[int], span: Span | None) -> bool:
        """Every aside of the claim is carried: its words are the span's that carries the
        claim, which the verifier read with them (what it describes, and the names and
        numbers the exact checks passed, aside), or a passage it cites or another passage
        shown states it (a model names people the way another passage of its prompt does)."""
        held = content_terms(span.text) if span is not None else frozenset()
        checked = self.key_terms(claim)
        for described, aside in asides(claim):
            if content_terms(aside) - content_terms(described) - checked <= held:
                continue
            if self.check(aside, cited).supported:
                continue
            if self.find_support(aside, exclude=cited) is None:
                return False
        return True

    def _check_main(self, claim: str, cited: Sequence[int]) -> Verdict:
        """Is the claim carried by one of the cited passages (0-based indices)?

        Spans of two sentences may carry a claim that joins neighbouring sentences, but not
        one that copies a single sentence with a name or number swapped."""
        candidates: list[tuple[Span, float]] = []
        fallback: tuple[Span, float] | None = None
        swapped = False
        for index in cited:
            if not 0 <= index < len(self.passages):
                continue
            for span in self.spans(index):
                lex = self.lexical_gate(claim, span.text, index)
                if lex is not None:
                    candidates.append((span, lex))
                    continue
                if span.size == 1:
                    swapped = swapped or self.misquotes(claim, span.text, index)
                    near = overlap(claim, span.text)
                    if fallback is None or near > fallback[1]:
                        fallback = (span, near)
        if swapped:
            candidates = [c for c in candidates if c[0].size == 1]
        verdict = self._judge_spans(claim, candidates)
        if verdict is not None and verdict.supported:
            return verdict
        joint = None if swapped else self._joint(claim, cited)
        if joint is not None and joint.supported:
            return joint
        gathered = None if swapped else self._gathered(claim, cited)
        if gathered is not None:
            return gathered
        named = None if swapped else self._named_as_asked(claim, cited, [s for s, _ in candidates])
        if named is not None:
            return named
        exact = (
            verdict is not None
            and not swapped
            and overlap(claim, " ".join(self.passages[i].text for i in self._indices(tuple(cited))))
            >= GROUNDED_OVERLAP
        ) or (joint is not None and joint.exact)
        if fallback is not None and (verdict is None or fallback[1] > verdict.overlap):
            return Verdict(False, fallback[0], fallback[1], 0.0, exact)
        if verdict is None:
            return joint if joint is not None else Verdict(False, None)
        return replace(verdict, exact=exact)

    def _named_as_asked(self, claim: str, cited: Sequence[int], read: Sequence[Span]) -> Verdict | None:
        """A claim naming whom the question asks about where the span calls them otherwise
        ("Amy Grant shared the stage ..." for "the "El Shaddai" crooner shared the stage ...";
        "Dr Lindsay Browning says CBTI works ..." for a quote of hers): supported when the
        spans that pass the exact checks with the question's names, and only those, carry
        it for the verifier at the higher bar of QUESTION_NAMES_SUPPORT. Spans in ``read``
        were judged already."""
        if not self._asked:
            return None
        found = [
            (span, lex)
            for index in dict.fromkeys(cited)
            if 0 <= index < len(self.passages)
            for span in self.spans(index)
            if span not in read
            and (lex := self.lexical_gate(claim, span.text, index, as_asked=True)) is not None
        ]
        if not found:
            return None
        found = sorted(found, key=lambda c: (-c[1], c[0].size))[:VERIFIED_SPANS]
        probabilities = self.support(claim, [span for span, _ in found])
        best = max(range(len(found)), key=lambda i: probabilities[i])
        if probabilities[best] < QUESTION_NAMES_SUPPORT:
            return None
        span, lex = found[best]
        return Verdict(True, span, lex, probabilities[best])

    def _joint(self, claim: str, cited: Sequence[int]) -> Verdict | None:
        """A claim that joins facts of several cited passages ("A said X and B said Y [1][2]"):
        the passages' best sentences taken together must carry it. None when they fail an
        exact check; unsupported when only the verifier doubts them."""
        valid = [i for i in dict.fromkeys(cited) if 0 <= i < len(self.passages)]
        if len(valid) < 2:
            return None
        parts = []
        for index in valid:
            singles = [s for s in self.spans(index) if s.size == 1]
            if not singles:
                return None
            parts.append(max(singles, key=lambda s: overlap(claim, s.text)))
        joined = " ".join(p.text for p in parts)
        lex = self.lexical_gate(claim, joined, tuple(valid))
        if lex is None:
            return None
        best = max(parts, key=lambda s: overlap(claim, s.text))
        joint = Span(best.passage, joined, best.start, best.end, len(parts))
        p = self.support(claim, [joint])[0]
        if p < self.judge.support_threshold:
            # every exact check passed against the passages together: one the verifier
            # alone doubts (shown flagged, not refused)
            return Verdict(False, best, lex, p, lex >= GROUNDED_OVERLAP)
        return Verdict(True, best, lex, p)

    def _gathered(self, claim: str, cited: Sequence[int]) -> Verdict | None:
        """A claim that gathers facts from sentences of one passage that are not neighbours
        ("X, who has a .340 career average, slashed .349 in 2022"): the few sentences of a
        cited passage that between them hold most of its words, taken together, must carry
        it (the quote is the one holding most)."""
        wanted = content_terms(claim)
        named = f"{claim} {self.question} {self.reply}"
        for index in dict.fromkeys(cited):
            if not 0 <= index < len(self.passages):
                continue
            # not a sentence saying much of the claim of someone it does not name: "Cam
            # Skattebo was ejected" must not gather "Ed Woods was ejected" and a sentence
            # naming Skattebo. Whom the question or another sentence of the reply names is
            # named ("Same-Day Delivery ... through December 24th" may gather the sentence
            # on "Amazon Prime" members in "the US" of a reply that said those first).
            terms = {
                s: content_terms(s.text)
                for s in self.spans(index)
                if s.size == 1
                and not (
                    overlap(claim, s.text) >= GATHER_SWAP_OVERLAP
                    and self._names_left_out(named, s.text)
                )
            }
            chosen: list[Span] = []
            left = set(wanted)
            while left and len(chosen) < MAX_GATHERED:
                best = max(terms, key=lambda s: len(left & terms[s]), default=None)
                if best is None or not left & terms[best]:
                    break
                chosen.append(best)
                left -= terms.pop(best)
            if len(chosen) < 2:
                continue
            chosen.sort(key=lambda s: s.start)
            passage = self.passages[index]
            between = passage.text[chosen[0].end - passage.start : chosen[-1].start - passage.start]
            if len(chosen) == 2 and not between.strip():
                continue  # neighbours: a span of the two was read already
            joined = " ".join(s.text for s in chosen)
            lex = self.lexical_gate(claim, joined, index)
            if lex is None:
                continue
            quote = max(chosen, key=lambda s: overlap(claim, s.text))
            p = self.support(claim, [Span(index, joined, quote.start, quote.end, len(chosen))])[0]
            if p >= self.judge.support_threshold:
                return Verdict(True, quote, lex, p)
        return None

    def find_support(self, claim: str, exclude: Sequence[int] = ()) -> Verdict | None:
        """The best passage other than ``exclude`` that supports the claim, if any."""
        others = [i for i in range(len(self.passages)) if i not in set(exclude)]
        # Cheap pre-filter: only passages holding every key term can support the claim.
        keys = self.key_terms(claim)
        hopeful = [
            i for i in others if all(term_in(k, frozenset(tokens(self.passages[i].text))) for k in keys)
        ]
        best: Verdict | None = None
        for index in hopeful:
            verdict = self.check(claim, [index])
            if verdict.supported and (best is None or verdict.score > best.score):
                best = verdict
        return best


def unattributed(claim: str, source: str) -> str:
    """The claim without its opening attribution to ``source``, the publisher of the span it
    cites: "According to Sporting News, the Eagles will be without Slay" and "Sporting News
    also noted that the Eagles ..." say what the span says, and the verifier, which reads
    the span as it stands, is asked about that. An attribution to anyone else (a person, a
    publisher the span does not come from) stays: it is part of what the claim says."""
    m = _ATTRIBUTED.match(claim.strip())
    if m is None:
        return claim
    named = tokens(re.sub(r"['’]s\b.*$", "", m.group(1) or m.group(2)))
    rest = m.group(3).strip()
    own = frozenset(tokens(source))
    if not named or not all(t in own or t in STOPWORDS for t in named) or len(content_terms(rest)) < 3:
        return claim
    return rest[:1].upper() + rest[1:]
