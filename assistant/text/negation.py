"""Negation: whether a text negates, and whether a claim and its source disagree on it
("he was aware" drawn from "he wasn't aware")."""

from __future__ import annotations

import re
from collections.abc import Callable

from .analyse import words
from .match import WORD, content_terms, fold, key_terms

_NEGATIONS = words("not no never none neither nor without cannot zero n't nothing nobody nowhere")

# Words that look like a negation but are not one: "No. 1" (a number), "not just X but
# Y" and "not only" (X and Y both hold), and idioms that affirm: "nothing short of
# sensational" (sensational), "there is no question that X" (X), "not until X did Y" (Y,
# then), "not to mention X" (X too), "had no hesitation" (was willing).
_NOT_NEGATION = re.compile(
    r"\bno\.\s*\d|\bnot\s+(?:just|only|merely|simply)\b|\bnothing\s+short\s+of\b"
    r"|\bno\s+(?:question|doubt|hesitation|stranger)\b|\bnot\s+until\b|\bnot\s+to\s+mention\b"
    r"|\b(?:don't|do\s+not)\s+forget\b",
    re.IGNORECASE,
)


# "with the absence of X", "in the absence of X", "the lack of X" say "without X"
_ABSENCE = re.compile(
    r"\b(?:(?:with|in)\s+)?(?:the\s+|an?\s+)?(?:absence|lack)\s+of\b", re.IGNORECASE
)


def as_without(text: str) -> str:
    """``text`` with "(with|in) the absence of" and "the lack of" written as "without", the
    way a paraphrase puts them ("worse with the absence of Slay": "worse without Slay")."""
    return _ABSENCE.sub("without", text)


def negated(text: str) -> bool:
    """The text carries a negation ("not", "never", "didn't", "zero" ...)."""
    folded = _NOT_NEGATION.sub(" ", fold(text))
    return "n't" in folded or any(t.lower() in _NEGATIONS for t in WORD.findall(folded))


# Where one clause ends and another begins: punctuation, a conjunction; "yet" joining
# clauses ("... deal yet there's something that doesn't fit"), not "not yet" or "yet to".
# (Splitting at dashes and sentence ends as well read 17 more true claims of the training
# and dev claims as supported but 7 more false ones: a dash often sets off a comment on the
# clause before it, "calls for an explainer - something Netflix did not do".)
_CLAUSE = re.compile(
    r"[,;:()]|\b(?:and|but|while|although|whereas|because)\b"
    r"|(?<!not\s)(?<!n't\s)\byet\b(?!\s+to\b)",
    re.IGNORECASE,
)


# Words that negate by meaning, not by "not": "he's yet to miss a game" is "he has not
# missed a game"; "agreed to stop seeing patients" is "agreed not to see patients".
_IMPLIED = re.compile(
    r"\b(?:yet\s+to|(?:stop|stops|stopped|stopping|cease|ceases|ceased)\s+\w+"
    r"|(?:fail|fails|failed|failing|refuse|refuses|refused|decline|declines|declined|unable)\s+to"
    r"|lack|lacks|lacked|lacking|absent|absence|rather\s+than|instead\s+of|as\s+opposed\s+to"
    r"|unaware|unavailable|impossible)\b",
    re.IGNORECASE,
)


def implies_negation(text: str) -> bool:
    """The text negates by meaning: "yet to", "stopped", "failed to", "lacks", "rather than"."""
    return _IMPLIED.search(fold(text)) is not None


def _clause_negating(text: str, said: str, negates: Callable[[str], bool]) -> bool:
    """A clause of ``text`` that ``negates`` and draws on what ``said`` says (not whom it
    names): it shares two of its content words, or half of them."""
    wanted = content_terms(said) - key_terms(said)
    for clause in _CLAUSE.split(text):
        if clause and negates(clause):
            used = wanted & content_terms(clause)
            if len(used) >= 2 or (wanted and len(used) / len(wanted) >= 0.5):
                return True
    return False


def negation_conflict(claim: str, source: str) -> bool:
    """The claim and the source disagree on negation where the claim draws on the source:
    the claim negates what the source does not, or drops the negation of a clause it uses
    ("he was aware" from "... and that he wasn't aware of any preparations"). A side that
    negates by meaning ("yet to miss" for "has not missed") agrees with a "not" on the other."""
    claim, source = as_without(claim), as_without(source)
    if negated(claim) == negated(source):
        return False
    plain, negating = (source, claim) if negated(claim) else (claim, source)
    if _clause_negating(plain, negating, implies_negation):
        return False
    if negated(claim):
        return True
    # a clause sharing only the claim's names ("Judge Howell ... never stretched so far")
    # negates something else
    return _clause_negating(source, claim, negated)
