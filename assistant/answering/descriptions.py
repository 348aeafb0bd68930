"""Questions asking who or what a name is ("Who is Alexander Matsegora?", "What is
Worldcoin?"): answered by the sentence that describes it as news writing does, beside the
name.

The reader, trained on questions asking for a fact, scores such a question low against a
sentence that holds the name and its description, and the extractive engine refused "Who is
Sam Bankman-Fried?" over articles writing "Sam Bankman-Fried, the founder of failed
cryptocurrency exchange FTX, is on trial". News writing describes a name in a few fixed
ways, and those are read here:
- an apposition after it: "Sam Bankman-Fried, the founder of FTX, ...";
- an apposition before it, set off by commas: "Russia's Ambassador to North Korea,
  Alexander Matsegora, told ..." (read back from the name to the clause's first verb or
  preposition: "The briefing came days after" is no part of it);
- a copula: "Worldcoin is a cryptocurrency project ...".
"""

from __future__ import annotations

import re

from ..text.analyse import words

# "Who is X?", "what was the X?": the name asked about (capitalised words)
_ASKED = re.compile(
    r"^\s*(?i:who|what)\s+(?i:is|was|are|were)\s+(?i:the\s+)?"
    r"(?P<name>[A-Z][\w.'’&-]*(?:\s+(?:of\s+|de\s+|van\s+|von\s+)?[A-Z][\w.'’&-]*)*)\s*\??\s*$"
)
# how an apposition after a name opens: an article or a possessive (not "who" or "which":
# what it did, not what it is)
_OPENS = re.compile(
    r"^(?:the|a|an|his|her|its|their|former|also|[A-Z][\w.&-]*['’]s)\b", re.IGNORECASE
)
MIN_WORDS, MAX_WORDS = 2, 20  # the length of a description
# a word that ends the description read backwards from a name (a verb or preposition of
# the clause before it): "after" in "came days after Russia's Ambassador to North Korea"
_BEFORE_STOP = words(
    """after before said says told when while as by with from for at on in since than that
    and but or came come was were is are has have had"""
)


def asked_name(question: str) -> str | None:
    """The name a question asks who or what is ("Alexander Matsegora"), else None: not a
    role ("Who is the CEO of Epic Games?", "Who is Tidal's CEO?"), which asks for a name."""
    found = _ASKED.match(question)
    if found is None:
        return None
    name = found.group("name").strip()
    if re.search(r"['’]s\b|s['’](?:\s|$)", name) or (question.lstrip()[:3].lower() == "who" and " of " in name):
        return None
    return name


def _words(text: str) -> int:
    return len(text.split())


def description(name: str, sentence: str) -> str | None:
    """How the sentence describes the name, where it does so beside it (see the module);
    None when it does not."""
    at = sentence.find(name)
    if at < 0 or sentence.rstrip().endswith("?"):
        return None  # (a question the article asks, as a heading, describes nothing)
    after = sentence[at + len(name) :]
    # "X, the founder of FTX, ..."
    found = re.match(r"^,\s+([^,;:()]+?)\s*(?:,|;|\.$|$)", after)
    if found and _OPENS.match(found.group(1)) and MIN_WORDS <= _words(found.group(1)) <= MAX_WORDS:
        return found.group(1).strip()
    # "Worldcoin is a cryptocurrency project that ..."
    found = re.match(r"^\s+(?:is|was)\s+((?:a|an|the)\s+[^,;:()]+?)\s*(?:,|;|\.\s|\.$|$)", after)
    if found and MIN_WORDS <= _words(found.group(1)) <= MAX_WORDS:
        return found.group(1).strip()
    # "Russia's Ambassador to North Korea, Alexander Matsegora, ..."
    before = sentence[:at]
    if before.endswith(", ") and (after.startswith(",") or after.startswith(" (")):
        clause = re.split(r"[,;:()“”\"]", before[:-2])[-1].split()
        kept: list[str] = []
        for word in reversed(clause):
            if word.lower().strip(".") in _BEFORE_STOP and kept:
                break
            kept.insert(0, word)
        text = " ".join(kept)
        if kept and kept[0][:1].isupper() and MIN_WORDS <= len(kept) <= MAX_WORDS:
            return text
    return None
