"""Marking an answer's sentences: which state a fact (claims), whether the passages they
cite carry them (:class:`~assistant.answering.claims.ClaimChecker`), and markers moved to
the passage that does."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..text.match import contains_run, content_terms, term_in, tokens
from .citations import LIST_ITEM, MARKER, Quote, Sentence
from .claims import ClaimChecker
from .refusal import states_a_gap
from .spans import Span, Verdict


def is_checkable(sentence: str) -> bool:
    """A sentence with something to check: at least one content word ("Yes." has none),
    and not a lead-in to what follows ("For example:", "The reasons given were:")."""
    bare = MARKER.sub("", sentence).strip()
    if bare.endswith(":") or re.fullmatch(r"(?:yes|no)\W*", bare, re.IGNORECASE):
        return False
    return bool(content_terms(bare))


def leads_in_with_a_fact(sentence: str, checker: ClaimChecker) -> bool:
    """A lead-in to a list that names what neither the question nor a source's publisher or
    date names ("Pochettino made James, who came through the Cobham academy, captain for
    these reasons:"): it states a fact of its own, checked; "The options are:" does not."""
    bare = MARKER.sub("", sentence).strip()
    return (
        bare.endswith(":")
        and bool(content_terms(bare))
        and not checker.names_only_sources(bare, besides=checker.question_names)
    )


# "Yes, ..." / "No: ..." / "No it did not": the reply word, not the determiner of "No team
# has scored more" (after a bare "No" only words that cannot be its noun follow the reply).
_REPLY_WORD = re.compile(
    r"^(?:yes|no)\b(?:[,.;:!]|\s*[\u2013\u2014-]|(?=\s+(?:it|its|they|he|she|we|the|this|that|these|those|"
    r"there|not|on|in|to|for|but|and|both|neither|only|according)\b))\s*(?=\S)",
    re.IGNORECASE,
)
_EMPHASIS = re.compile(r"(\*\*|__|`)")


def plain_text(sentence: str) -> str:
    """An answer sentence without a list bullet or markdown emphasis."""
    return LIST_ITEM.sub("", _EMPHASIS.sub("", sentence)).strip()


# An alternative the sentence rules out: "It was The Independent, not Sporting News, that
# reported ...", "... a ranking rather than a study", "..., not that they won". What a claim
# denies is no fact of its passage; the rest of the sentence is what it asserts.
_ALTERNATIVES = (
    re.compile(r",\s*not\s+(?!only\b|just\b|yet\b|least\b)[^,;:.?!]+?\s*,\s*", re.IGNORECASE),
    re.compile(r",?\s*\b(?:rather than|instead of)\s+[^,;:.?!]+", re.IGNORECASE),
    re.compile(r",\s*not\s+(?!only\b|just\b|yet\b|least\b)[^,;:?!]+?(?=[.?!]?$)", re.IGNORECASE),
)


def without_alternatives(text: str) -> str:
    """The sentence without the alternatives it rules out ("X, not Y, did Z" -> "X did Z")."""
    out = _ALTERNATIVES[0].sub(" ", text)
    for pattern in _ALTERNATIVES[1:]:
        out = pattern.sub("", out)
    out = re.sub(r"\s+([,.;:?!])", r"\1", " ".join(out.split())).lstrip(" ,;:")
    return out if content_terms(out) else text


_CLAUSES = re.compile(
    r";\s+|,\s+(?:but|while|whereas|though|although)\s+|\s+but\s+(?=(?:does|did|do)\s+not\b|(?:does|did|do)n[\'’]t\b)"
    r"|,?\s+(?=without\s+(?:\w+ly\s+)?\w+ing\b)",
    re.IGNORECASE,
)
# "did not report" is a gap only when a source is its subject: "Sporting News did not report
# X" says what a source lacks; "the company did not report a profit" is a fact.
_NOT = r"(?:(?:does|did|do)\s+not|(?:does|did|do)n[\'’]t)\s+(?:\w+ly\s+)?(?:itself\s+)?"
_SOURCE_SILENT = re.compile(
    rf"\b{_NOT}(?:report|mention|describe|discuss|say|state|attribute|specify|name|explain|"
    r"address|detail|draw|cite|give|list|quote|identify|tie|link|credit|predict|use)\b"
    r"|^without\s+(?:\w+ly\s+)?(?:report|mention|describ|discuss|say|stat|attribut|specify|nam|"
    r"explain|address|detail|draw|cit|giv|list|quot|identify|ty|link|credit|predict)\w*ing\b",
    re.IGNORECASE,
)
# any other verb: a source that "does not X" only where the source is all of the subject
# ("Yardbarker does not predict ...", not "Sources at four schools said they did not expect")
_SOURCE_DOES_NOT = re.compile(rf"\b{_NOT}\w+", re.IGNORECASE)
# besides words for a source (``_SOURCES``): what else a subject that is only a source holds
_SUBJECT_WORDS = frozenset(
    tokens(
        "the its this that these those itself also even first second third later earlier "
        "former latter other each both neither one two three"
    )
)
# a subject that stands for the sentence's own ("..., but it does not use the term")
_PRONOUN_SUBJECT = re.compile(r"^\s*(?:it|they|she|he)?\s*$", re.IGNORECASE)
_SOURCE_NOUNS = (
    r"(?:articles?|reports?|sources?|pieces?|stories|accounts?|coverage|outlets?|entries|"
    r"excerpts?|explainers?|previews?|recaps?|columns?|live[- ]?blogs?)"
)
_SOURCES = re.compile(rf"\b{_SOURCE_NOUNS}\b", re.IGNORECASE)


def says_what_is_lacking(clause: str, checker: ClaimChecker, sentence: str = "") -> bool:
    """A clause saying what the sources lack: :func:`states_a_gap`, or a source (a word for
    one, or a publisher of the passages) that "did not report/mention/predict ..."
    something. A clause without a subject, or with a pronoun for it ("... but does not
    attribute it to X", "..., but it does not use the term", "..., without discussing X"),
    takes the subject of its ``sentence``."""
    if states_a_gap(clause):
        return True
    found = _SOURCE_SILENT.search(clause)
    if found is None:
        found = _SOURCE_DOES_NOT.search(clause)
        if found is None:
            return False
        rest = _SOURCES.sub(" ", clause[: found.start()])  # the subject less its words for a source
        if not set(tokens(rest)) <= _SUBJECT_WORDS | checker.publishers:
            return False
    subject = clause[: found.start()]
    if _PRONOUN_SUBJECT.match(subject) and sentence:
        subject = sentence[: max(0, sentence.find(clause))][:80]
    return bool(_SOURCES.search(subject)) or checker.names_a_publisher(subject)


def asserted(text: str, checker: ClaimChecker) -> str:
    """The clauses of a sentence that assert something: "Sporting News did not report X; it
    said Y" is checked on "it said Y". A sentence all of whose clauses say what the sources
    lack is kept whole (see :func:`check_sentences`: it is no claim)."""
    clauses = _CLAUSES.split(text)
    kept = [c for c in clauses if not says_what_is_lacking(c, checker, text)]
    if not kept or len(kept) == len(clauses):
        return text
    return "; ".join(kept)


def claim_text(sentence: str) -> str:
    """What of an answer sentence is checked: its plain text without a leading "Yes,"/"No,"
    (the reply to a yes/no question is checked on its content)."""
    text = plain_text(sentence)
    return _REPLY_WORD.sub("", text).strip() or text


# The words of a verdict on the question's parts rather than a fact: "Not on the first
# point: ...", "Partly:", "Yes for The Roar, no for Sporting News: ...", "Both points are
# supported."
_VERDICT_WORDS = content_terms(
    "yes no not partly partially part parts only both either neither all "
    "point points count counts way meaningful explicitly directly entirely "
    "exactly fully mostly largely really quite necessarily strictly clearly broadly sense "
    "extent degree some sort kind respect respects case cases question questions hold holds "
    "supported confirmed correct true accurate right apply applies half halves"
)
_LEAD = re.compile(r"^([^:]{1,80}):\s+(?=\S)")
# "the second article", "on the first point": an ordinal that names a source or a part of
# the question, not a fact
_ORDINAL_SOURCE = re.compile(
    rf"\b(?:first|second|third|fourth|last|later|earlier|former|latter)\s+(?={_SOURCE_NOUNS}\b|"
    r"(?:points?|parts?|questions?)\b)",
    re.IGNORECASE,
)
_COUNTED_PARTS = re.compile(
    r"\b(?:one|two|three|four|both|all)\s+(?:of\s+the\s+)?(?:\w+\s+){0,2}?"
    r"(?:points?|parts?|questions?|counts?|claims?)\b",
    re.IGNORECASE,
)
# an ordinal standing for a part named before it: "No on the first point, yes on the second."
_PARTS = re.compile(r"\b(?:points?|parts?|questions?|counts?|claims?)\b", re.IGNORECASE)
_ELIDED_PART = re.compile(
    r"\b(?:on|for|to|of)\s+the\s+(?:first|second|third|fourth|last|former|latter)\b"
    r"(?=\s*(?:[.,;:)]|$))",
    re.IGNORECASE,
)


def _parts_set_aside(text: str) -> str:
    """``text`` without the words that count or order the question's parts or the sources
    ("on both counts", "on the first point, yes on the second")."""
    if _PARTS.search(text):
        text = _ELIDED_PART.sub(" ", text)
    return _COUNTED_PARTS.sub(" ", _ORDINAL_SOURCE.sub("", text))


def is_verdict_only(text: str, checker: ClaimChecker) -> bool:
    """Words of a verdict on the question's parts and the sources' publishers, nothing else
    ("on both counts", "not on the first point", "all three points hold", "for The Roar, yes
    for Sporting News"); a verdict word and the names the question asks about ("on Deft, but
    yes on Apple"). A bare "the second" or "Three." is an answer, not a verdict, and so is
    a bare name of the question ("Apple.")."""
    said = content_terms(_parts_set_aside(text))
    terms = said - _VERDICT_WORDS
    if terms <= checker.publishers:
        return True
    return bool(said & _VERDICT_WORDS) and terms <= checker.publishers | checker.question_names


def without_verdict_lead(text: str, checker: ClaimChecker) -> str:
    """The sentence without a lead-in that is only a verdict ("Not on the first point: The
    Herald reports X" is checked on "The Herald reports X"), and with an ordinal naming a
    source set aside ("that second article only describes X")."""
    lead = _LEAD.match(text)
    if lead is not None and is_verdict_only(lead.group(1), checker):
        text = text[lead.end() :]
    return _ORDINAL_SOURCE.sub("", text)


def without_judgement(text: str, checker: ClaimChecker) -> str:
    """The claim without a judgement before a colon that names nothing more than the facts
    after it (:func:`_names_nothing_more`): what is checked of a sentence already found to
    be a claim. Whether it is one is read on the whole ("Yes, both reports concern injuries,
    though in opposite directions: ..." sets sources side by side as before)."""
    lead = _JUDGED_LEAD.match(text)
    if lead is not None and _names_nothing_more(lead.group(1), text[lead.end() :], checker):
        return text[lead.end() :]
    return text


# A judgement before the facts that bear it out: "Yes, the style is consistent, with both
# written as live blogs: on October 7, Sporting News wrote ...", "Broadly yes, though the
# claims are of different kinds: in The Independent, ...". No quote in it (a colon inside
# a quote is the quote's).
_JUDGED_LEAD = re.compile(r"^([^:\"“”]{1,160}):\s+(?=\S)")


def _names_nothing_more(lead: str, rest: str, checker: ClaimChecker) -> bool:
    """The lead before a colon names no one, and gives no number or date, that the facts
    after it or the question do not: it is the reply's judgement of what follows, which no
    one passage states, and the facts after it are what is checked. A lead with a fact of
    its own ("United lost 2-1 to Bayern: ...") is kept, and so is one naming a publisher the
    facts after it do not: who reported it is part of the claim ("Polygon's list has The
    Crown: Season 6 arriving on Nov. 16", where the colon is the title's)."""
    if len(content_terms(rest)) < 3:
        return False
    said = checker.key_terms(rest) | frozenset(tokens(rest))
    return all(
        term_in(t, said) or (t in checker.question_names and not term_in(t, checker.publishers))
        for t in checker.key_terms(lead)
    )


def _quote(span: Span | None) -> Quote | None:
    return None if span is None else Quote(span.passage, span.text, span.start, span.end)


# A verdict on the sources themselves ("The two reports are consistent", "Both articles
# differ in scope"): what a comparison question asks, drawn from the claims around it.
_VERDICT = re.compile(
    r"\b(?:consistent(?:ly)?|inconsistent|differ(?:s|ed|ent|ence|ences)?|agree[sd]?|"
    r"disagree[sd]?|contradict(?:s|ed|ory)?|conflict(?:s|ed|ing)?|same|similar(?:ly)?|"
    r"align(?:s|ed)?|match(?:es|ed)?|corroborat\w*|echo(?:es|ed)?|support(?:s|ed)?|"
    r"(?:came|appeared|ran|was published) (?:first|earlier|later|before|after)|more recent|"
    r"predate[sd]?)\b",
    re.IGNORECASE,
)
# the sources as the subject without a word for them, doing what sources do: "They describe
# different issues", "Both cover the same match" (not "They agreed to a deal")
_SOURCES_AS_SUBJECT = re.compile(
    r"^(?:they|both|the two|all three)\s+(?:\w+ly\s+)?(?:describe|report|cover|discuss|"
    r"focus|portray|present|tell|say|show|frame|treat)\w*\b",
    re.IGNORECASE,
)
_COUNTED_SOURCES = re.compile(
    r"\b(?:(?:only\s+)?(?:one|each|either|neither|both|none)\s+of\s+the\s+)?"
    rf"(?:two|three|four|five|2|3|4|5)\s+(?:\w+\s+){{0,3}}?{_SOURCE_NOUNS}\b"
    # the sources as "the two" ("neither article links the two")
    r"|\bthe\s+(?:two|three|four)(?=\s*(?:[.,;:)]|$))",
    re.IGNORECASE,
)


def _counts_set_aside(text: str) -> str:
    """``text`` without the words that count or order the question's parts and the sources
    ("on both counts", "one of the two articles", "neither links the two")."""
    return _COUNTED_SOURCES.sub(" ", _parts_set_aside(text))


def compares_sources(text: str, checker: ClaimChecker) -> bool:
    """A sentence that judges the sources against each other and names nothing but them
    (their publishers and publication dates): no passage states it, the claims beside it
    carry its grounds."""
    if not ((_SOURCES.search(text) or _SOURCES_AS_SUBJECT.match(text)) and _VERDICT.search(text)):
        return False
    return checker.names_only_sources(_VERDICT.sub(" ", _COUNTED_SOURCES.sub(" ", text)))


# The sources as the subject of a sentence that sets them side by side: "Both describe
# warming as harmful", "the two articles describe different kinds of issues", "only the CNBC
# report showed an increase", "one stresses X, the other Y". Not one source's account ("The
# later article quotes BEUC saying ..."): that is checked like any claim.
_SOURCE_VERBS = (
    r"(?:describe|report|cover|discuss|focus|portray|present|tell|say|show|frame|treat|"
    r"touch|stress|emphasi[sz]e|highlight|mention|note|suggest|indicate|depict|characteri[sz]e|"
    r"concern|address|center|centre|deal|put|tie|link|attribute|quote|cite|give|offer|"
    r"take|see|call|paint|cast|view)\w*"
)
_ACROSS_SOURCES = re.compile(
    r"^(?:(?:so|and|but|thus|overall|in short),?\s+)?(?:"
    rf"(?:both|(?:the|all)\s+(?:two|three|four)|each|neither)(?:\s+(?:of\s+the\s+)?(?:\w+\s+){{0,2}}?{_SOURCE_NOUNS})?"
    rf"\s+(?:\w+ly\s+)?{_SOURCE_VERBS}\b"
    rf"|only\s+the\s+(?:\w+\s+){{0,3}}?{_SOURCE_NOUNS}\b"
    rf"|one\s+(?:\w+ly\s+)?{_SOURCE_VERBS}\b.*\bthe other\b"
    r")",
    re.IGNORECASE,
)


def sets_sources_side_by_side(text: str, checker: ClaimChecker, cited: Sequence[int]) -> bool:
    """A sentence that sets the sources side by side ("Both describe warming as harmful",
    "only the CNBC report showed an increase") and names nothing the passages it draws on do
    not, nor any number: what a comparison question asks, drawn from the claims around it
    (which are checked); no one passage states it."""
    return bool(_ACROSS_SOURCES.match(text)) and checker.named_by_passages(
        _COUNTED_SOURCES.sub(" ", text), cited
    )


def check_sentences(sentences: Sequence[Sentence], checker: ClaimChecker) -> None:
    """Mark each sentence that states a fact as a claim, supported or not, with its best
    evidence; re-point markers to the passage that carries the claim when the cited one
    does not. A factual sentence without a marker is unsupported."""
    for sentence in sentences:
        text = asserted(without_verdict_lead(claim_text(sentence.text), checker), checker)
        text = checker.ruling_out_unmentioned(text, without_alternatives(text), sentence.cited)
        sentence.claim = (
            bool(text)
            and not says_what_is_lacking(text, checker)
            and (is_checkable(text) or leads_in_with_a_fact(text, checker))
            and not compares_sources(text, checker)
            and not sets_sources_side_by_side(text, checker, sentence.cited)
            and not is_verdict_only(text, checker)
        )
        if not sentence.claim or not sentence.cited:
            continue
        text = without_judgement(text, checker)
        verdicts = {p: checker.check(text, [p]) for p in sentence.cited}
        holding = [p for p in sentence.cited if verdicts[p].supported]
        if holding:
            best = max(holding, key=lambda p: verdicts[p].score)
            sentence.cited = holding  # markers on passages that do not carry it go
            sentence.supported, sentence.quote = True, _quote(verdicts[best].span)
            continue
        joint = checker.check(text, sentence.cited) if len(sentence.cited) > 1 else None
        if joint is not None and joint.supported:
            sentence.supported, sentence.quote = True, _quote(joint.span)
            continue
        elsewhere = checker.find_support(text, exclude=sentence.cited)
        if elsewhere is not None and elsewhere.span is not None:
            sentence.cited = [elsewhere.span.passage]
            sentence.repointed = True
            sentence.supported, sentence.quote = True, _quote(elsewhere.span)
            continue
        completed = _completed(text, sentence.cited, checker)
        if completed is not None:
            sentence.cited, verdict = completed
            sentence.repointed = True
            sentence.supported, sentence.quote = True, _quote(verdict.span)
            continue
        closest = max(verdicts.values(), key=lambda v: v.score)
        sentence.quote = _quote(closest.span)
        sentence.exact = any(v.exact for v in verdicts.values())
    _answers_restated(sentences, checker)
    _conclusions(sentences, checker)


def _completed(text: str, cited: list[int], checker: ClaimChecker) -> tuple[list[int], Verdict] | None:
    """A claim that joins facts of its cited passages and of one passage it does not cite,
    which alone gives the names or numbers the cited passages lack ("Sanders passed for 239
    yards in Colorado's 27-24 win [1]", where [1] gives the score and [2] the yards): the
    citation that passage needs, when the passages together carry the claim (no passage
    carries it alone: that is a citation re-pointed)."""
    shown = frozenset(t for p in cited for t in tokens(checker.passages[p].text))
    lacking = [k for k in checker.key_terms(text) if not term_in(k, shown)]
    if not lacking:
        return None  # the cited passages write every name and number: no other is needed
    for other in range(len(checker.passages)):
        if other in cited:
            continue
        written = frozenset(tokens(checker.passages[other].text))
        if not all(term_in(k, written) for k in lacking):
            continue
        verdict = checker.check(text, [*cited, other])
        if verdict.supported:
            return [*cited, other], verdict
    return None


LEAD_WORDS = 15  # an uncited first sentence this short, before cited evidence, is the reply's answer
# an opening that names nothing must read as a verdict ("Partly, by one day."): a bare
# "Microsoft." whose name no passage writes is an answer to check
_VERDICT_START = re.compile(
    r"^(?:yes|no|partly|partially|only partly|not|largely|mostly|broadly|in part|both|neither)\b",
    re.IGNORECASE,
)


# How a conclusion opens: the reply's verdict, or a word drawing it from what came before
_CONCLUSION_START = re.compile(
    r"^(?:yes|no|so|thus|therefore|hence|overall|in short|in sum|taken together|together|partly|"
    r"partially|in part|both|neither|they (?:agree|differ|disagree)|consistent|inconsistent)\b"
    r"|^one\b.*\bthe other\b",
    re.IGNORECASE,
)


def _conclusions(sentences: Sequence[Sentence], checker: ClaimChecker) -> None:
    """A conclusion across sources is no claim of its own: in a reply whose supported
    claims (and statements of what a source lacks) draw on two articles or more (a
    comparison, a question over time), a sentence that opens as a verdict or a conclusion
    ("Yes, both point to elimination.", "So Lee's .349 is higher than Soto's .275.") and
    names nothing those claims, the question or the sources' publishers and dates do not.
    No one passage states it (it keeps no quote of its own); the claims it is drawn from
    are checked. A conclusion naming anything else stays a claim."""
    supported = [s for s in sentences if s.claim and s.supported]
    # the articles the checked sentences draw on: supported claims, and what a source lacks
    grounds = [
        s for s in sentences
        if s.supported
        or (not s.claim and s.cited and says_what_is_lacking(asserted(claim_text(s.text), checker), checker))
    ]
    articles = {checker.passages[p].doc_id for s in grounds for p in s.cited}
    if len(articles) < 2:
        return
    # what the supported claims name, and their words (a name opening a sentence is no key term)
    named = frozenset(
        t for s in supported for t in (*checker.key_terms(claim_text(s.text)), *tokens(claim_text(s.text)))
    )
    for sentence in sentences:
        if not sentence.claim or sentence.supported:
            continue
        text = plain_text(sentence.text)
        stated = _counts_set_aside(claim_text(sentence.text))
        if _CONCLUSION_START.match(text) and checker.names_only_sources(
            stated, besides=named | checker.question_names
        ):
            sentence.claim, sentence.quote, sentence.exact = False, None, False


def _in_sources(text: str, supported: Sequence[Sentence], checker: ClaimChecker) -> bool:
    """Every name of ``text`` is written whole in a passage the supported claims cite
    ("Alameda Research." after claims on "Alameda" citing passages that name it in full)."""
    cited = sorted({p for s in supported for p in s.cited if 0 <= p < len(checker.passages)})
    written = [tokens(checker.passages[p].text) for p in cited]
    return checker.named_by_passages(text, cited) and all(
        any(contains_run(run, w) for w in written) for run in checker.name_runs(text)
    )


def _answers_restated(sentences: Sequence[Sentence], checker: ClaimChecker) -> None:
    """A short answer with no marker is no claim of its own when the reply's supported
    claims bear it out: a short answer of names only ("Google." before the cited sentences
    that show it) when a supported claim names all of it, or part of it and the passages
    they cite write it whole; and the reply's opening verdict
    ("Yes, by one day.", "Manchester United, as far as these sources go.") when supported
    claims after it follow and every name and number of it is theirs or the question's.
    A short answer no supported claim bears out stays an unsupported claim."""
    supported = [s for s in sentences if s.claim and s.supported]
    named = frozenset(t for s in supported for t in checker.key_terms(claim_text(s.text)))
    opening = next((s for s in sentences if s.claim), None)
    for sentence in sentences:
        if not sentence.claim or sentence.supported or sentence.cited:
            continue
        text = claim_text(sentence.text)
        keys = checker.key_terms(text)
        verdict_keys = checker.key_terms(_counts_set_aside(text))
        only_names = bool(keys) and content_terms(text) <= keys
        names_only = only_names and (
            keys <= named or bool(keys & named) and _in_sources(text, supported, checker)
        )
        opening_verdict = (
            sentence is opening
            and (bool(keys) or _VERDICT_START.match(plain_text(sentence.text)) is not None)
            and len(text.split()) <= LEAD_WORDS
            and any(s.start > sentence.start for s in supported)
            and (
                verdict_keys <= named | checker.question_names
                # a name the claims write in part, that the passages they cite write whole
                # ("Rehan Ahmed stopped it." before "... a stop from Rehan ... [1]")
                or bool(verdict_keys & named) and _in_sources(text, supported, checker)
            )
        )
        through_pronoun = (
            only_names and sentence is opening
            and _borne_out_through_pronoun(text, sentence, sentences, checker)
        )
        if names_only or opening_verdict or through_pronoun:
            sentence.claim = False


# a pronoun for a person, as the subject or the owner: what a short answer's next
# sentence calls the person it named ("Lionel Messi. Sporting News reported that he ...")
_PERSON_PRONOUN = re.compile(r"\b(?:he|she|him|his)\b", re.IGNORECASE)


def _borne_out_through_pronoun(
    text: str, sentence: Sentence, sentences: Sequence[Sentence], checker: ClaimChecker
) -> bool:
    """A short answer of names only ("Lionel Messi.") that the next claim goes on about with
    a pronoun ("Sporting News reported that he is helping to usher in a youth movement
    [1]"): borne out when that claim, with the answer in the pronoun's place, is carried
    by the passages it cites. A wrong name in the answer is then a name the passage does
    not give for what it says."""
    after = [s for s in sentences if s.start > sentence.start and s.claim]
    if not after or not after[0].supported or not after[0].cited:
        return False
    claim = claim_text(after[0].text)
    found = _PERSON_PRONOUN.search(claim)
    if found is None:
        return False
    name = text.rstrip(" .!?")
    named = f"{name}'s" if found.group(0).lower() == "his" else name
    return checker.check(claim[: found.start()] + named + claim[found.end() :], after[0].cited).supported
