"""Follow-up questions: what a question takes from the conversation before it.

A self-contained question ("What is the capital of France?") is searched as itself, whatever
was asked before. Only a question that leans on the conversation borrows from it: one with a
pronoun or a demonstrative standing for something said before ("What did he say next?",
"How big was that deal?"), or an elliptical one ("And in 2022?", "What about Google?",
"Tell me more"). It
borrows the names of the most recent turn that has any (the question first, then the answer),
which retrieval then matches; the question's own words stay as they are.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .citations import MARKER

Turn = tuple[str, str]  # (question, answer) of an earlier exchange

_PERSONAL = re.compile(r"\b(?:he|she|him|they|them)\b", re.IGNORECASE)
_REFERRING = re.compile(r"\b(?:his|hers|her|their|theirs|it|its|this|that|these|those)\b", re.IGNORECASE)
_ELLIPTICAL = re.compile(
    r"^\s*(?:and|but|also|so|then|what about|how about|and what about"
    r"|tell (?:me|us) more|go on|what else|anything else)\b",
    re.IGNORECASE,
)
_NAME = re.compile(r"\b(?:[A-Z][\w'’&.-]*|\d[\d,.%$]*)(?:\s+(?:[A-Z][\w'’&.-]*|of|de|van|von|\d[\d,.%$]*))*")
_LEADING = frozenset(["What", "Who", "When", "Where", "Why", "How", "Which", "Did", "Does", "Do", "Is", "Are", "Was", "Were", "Can", "Could", "Will", "Would", "Should", "The", "A", "An", "And", "But", "In", "On", "At", "Yes", "No", "According"])
# a request opening with a verb ("Tell me more about him") names no one with it
_LEADING |= frozenset(["Tell", "Give", "Show", "Explain", "Describe", "List", "Name", "Summarize", "Summarise", "Please", "Catch", "Brief"])


def names_in(text: str) -> list[str]:
    """Capitalised names and numbers of a text, in order, without sentence-initial
    function words or repeats."""
    out: list[str] = []
    for m in _NAME.finditer(MARKER.sub(" ", text)):
        words = m.group(0).split()
        while words and words[0] in _LEADING:
            words = words[1:]
        name = re.sub(r"['’]s$", "", " ".join(words).strip(" .,"))
        if name and name not in out:
            out.append(name)
    return out


def leans_on_context(question: str) -> bool:
    """Whether the question refers to something only the conversation names: it is
    elliptical ("And in 2022?"), has a personal pronoun with no name before it ("What did he
    say?", but not "Did Musk say he would resign?"), or has a possessive or demonstrative and
    names nothing at all ("How big was that deal?")."""
    if _ELLIPTICAL.search(question):
        return True
    personal = _PERSONAL.search(question)
    if personal and not names_in(question[: personal.start()]):
        return True
    return bool(_REFERRING.search(question)) and not names_in(question)


def with_context(question: str, history: Sequence[Turn]) -> str:
    """The question to search: itself, or itself with the names of the last turn it leans on."""
    if not history or not leans_on_context(question):
        return question
    own = set(names_in(question))
    for asked, answered in reversed(list(history)):
        borrowed = [n for n in names_in(asked) if n not in own]
        if not borrowed:
            borrowed = [n for n in names_in(answered) if n not in own][:4]
        if borrowed:
            # Inside the question, before its mark: "How much will it cost (Ashbrook)?" is
            # still one question, not a question and a fragment.
            body, mark = (question[:-1], question[-1]) if question.endswith(("?", ".")) else (question, "")
            return f"{body.rstrip()} ({', '.join(borrowed)}){mark}"
    return question
