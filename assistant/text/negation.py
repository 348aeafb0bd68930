"""Negation: whether a text negates, and whether a claim and its source disagree on it
("he was aware" drawn from "he wasn't aware")."""

from __future__ import annotations

import re

from .analyse import words
from .match import WORD, content_terms, fold, key_terms

_NEGATIONS = words("not no never none neither nor without cannot zero n't")

# Words that look like a negation but are not one: "No. 1" (a number), "not just X but
# Y" and "not only" (X and Y both hold).
_NOT_NEGATION = re.compile(r"\bno\.\s*\d|\bnot\s+(?:just|only|merely|simply)\b", re.IGNORECASE)


def negated(text: str) -> bool:
    """The text carries a negation ("not", "never", "didn't", "zero" ...)."""
    folded = _NOT_NEGATION.sub(" ", fold(text))
    return "n't" in folded or any(t.lower() in _NEGATIONS for t in WORD.findall(folded))


_CLAUSE = re.compile(r"[,;:()]|\b(?:and|but|while|although|whereas|because)\b", re.IGNORECASE)


def negation_conflict(claim: str, source: str) -> bool:
    """The claim and the source disagree on negation where the claim draws on the source:
    the claim negates what the source does not, or drops the negation of a clause it uses
    ("he was aware" from "... and that he wasn't aware of any preparations")."""
    if negated(claim) == negated(source):
        return False
    if negated(claim):
        return True
    # what the claim says, not whom it names: a clause sharing only the claim's names
    # ("Judge Howell ... never stretched so far") negates something else
    wanted = content_terms(claim) - key_terms(claim)
    for clause in _CLAUSE.split(source):
        if clause and negated(clause):
            used = wanted & content_terms(clause)
            if len(used) >= 2 or (wanted and len(used) / len(wanted) >= 0.5):
                return True
    return False
