"""Multi-part questions ("Who is X, and what did she say?"): their parts, and the parts an
answer's supported claims leave uncovered. (Moved whole from :mod:`assistant.answering.claims`.)"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..text.analyse import words
from ..text.match import content_terms
from .citations import Sentence
from .refusal import states_a_gap

_WH = r"(?:who|whom|whose|what|when|where|why|how|which)"
_PART_SPLIT = re.compile(rf"\s*,?\s+(?:and|but)\s+(?={_WH}\b)|(?<=\?)\s+", re.IGNORECASE)
_WH_WORDS = words("who whom whose what when where why how which")
MIN_PART_COVERAGE = 0.5  # share of a part's content words the supported evidence must hold


# A question asking yes or no opens with an auxiliary verb ("Did X testify?", "Is Messi
# playing?"); one offering alternatives ("Does X favour opt-in or opt-out?") asks which.
_YES_NO = re.compile(
    r"^\s*(?:is|are|was|were|am|do|does|did|has|have|had|can|could|will|would|should|shall|"
    r"may|might|must)(?:n['’]t)?\b",
    re.IGNORECASE,
)
_ALTERNATIVES = re.compile(r"\bor\b", re.IGNORECASE)


def asks_yes_or_no(question: str) -> bool:
    """The question asks yes or no ("Was Altman reinstated as CEO?"), not which of
    alternatives nor for a fact."""
    return _YES_NO.match(question) is not None and _ALTERNATIVES.search(question) is None


def question_parts(question: str) -> list[str]:
    """The separate questions inside one ("Who is X, and what did she say?")."""
    parts = [p.strip(" ,;") for p in _PART_SPLIT.split(question.strip())]
    return [p for p in parts if content_terms(p) - _WH_WORDS]


def uncovered_parts(question: str, sentences: Sequence[Sentence]) -> list[str]:
    """Parts of a multi-part question that no supported claim of the answer covers.

    Nothing is reported when the answer itself already says what its sources lack."""
    parts = question_parts(question)
    if len(parts) < 2 or any(states_a_gap(s.text) for s in sentences if not s.dropped):
        return []
    evidence: set[str] = set()
    for s in sentences:
        if s.claim and s.supported and not s.dropped:
            evidence |= content_terms(s.text)
            if s.quote is not None:
                evidence |= content_terms(s.quote.text)
    missing = []
    for part in parts:
        wanted = content_terms(part) - _WH_WORDS
        if len(wanted & evidence) / len(wanted) < MIN_PART_COVERAGE:
            missing.append(part)
    return missing if len(missing) < len(parts) else []
