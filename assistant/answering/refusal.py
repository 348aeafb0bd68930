"""What the assistant says when the articles do not answer: the one refusal phrase, and the
news-aware notices built on it (publisher not held, dates not covered, a part missing).

Prompts, code and tests all take these from here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

REFUSAL = "The articles in the archive do not answer this question."

# Phrases by which an answer says what its sources lack; such sentences state no fact.
_GAP_PHRASES = (
    "do not say", "does not say", "do not cover", "does not cover", "do not mention",
    "does not mention", "no information", "not contain", "do not answer", "does not answer",
    "do not specify", "does not specify", "not provided", "not mentioned", "not specified",
    "do not state", "does not state", "do not include", "does not include", "holds no articles",
    "do not provide", "does not provide", "no articles", "insufficient information",
    "not enough information", "cannot answer", "can't answer", "unable to answer",
    "do not give", "does not give", "not disclosed", "do not report", "does not report",
    "do not discuss", "does not discuss", "do not describe", "does not describe",
    "do not show", "does not show", "no article", "not among the sources",
)
_CONTRACTED = re.compile(r"\b(do|does|did)n't\b")
# "does not explicitly discuss": an adverb between "not" and the verb
_ADVERB = re.compile(r"\b(do|does|did) not \w+ly ")


def is_refusal(text: str) -> bool:
    """True when an engine's reply is (essentially) the refusal phrase."""
    core = REFUSAL.rstrip(".").lower()
    return core in " ".join(text.lower().split())


def states_a_gap(sentence: str) -> bool:
    """True for a sentence that says what the sources lack (the refusal, "the articles do
    not say ...") rather than asserting a fact."""
    lowered = " ".join(sentence.lower().replace("’", "'").split())
    lowered = _ADVERB.sub(r"\1 not ", _CONTRACTED.sub(r"\1 not", lowered))
    return is_refusal(sentence) or any(p in lowered for p in _GAP_PHRASES)


def _join(names: Sequence[str], conjunction: str = "or") -> str:
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + f" {conjunction} " + names[-1]


def publishers_not_held(names: Sequence[str]) -> str:
    """The notice for a question about publishers the archive has no article from."""
    return f"The archive holds no articles published by {_join(names)}. {REFUSAL}"


def dates_not_covered(asked: str, first: str, last: str) -> str:
    """The notice for a question about a period no article of the archive was published in."""
    held = f"are from {first}" if first == last else f"run from {first} to {last}"
    return f"The archive holds no articles published {asked}: its articles {held}. {REFUSAL}"


def words_not_mentioned(words: Sequence[str]) -> str:
    """The notice for a question much of which no article of the archive mentions at all."""
    listed = _join([f'"{w}"' for w in words], "and")
    return f"No article in the archive mentions {listed}. {REFUSAL}"


def missing_part(part: str) -> str:
    """The sentence added to an answer that covers only part of the question."""
    part = part.strip().rstrip("?.!").strip()
    return f'The articles in the archive do not answer this part of the question: "{part}?"'
