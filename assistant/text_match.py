"""Lexical evidence between a claim and a source sentence (plain functions)."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_TOKEN = re.compile(r"[^\W_]+(?:[.'’][^\W_]+)*", re.UNICODE)
STOPWORDS = frozenset(
    ["a", "about", "above", "after", "again", "against", "all", "am", "an", "and", "any", "are", "as", "at", "be", "because", "been", "before", "being", "below", "between", "both", "but", "by", "can", "could", "did", "do", "does", "doing", "down", "during", "each", "few", "for", "from", "further", "had", "has", "have", "having", "he", "her", "here", "hers", "herself", "him", "himself", "his", "how", "i", "if", "in", "into", "is", "it", "its", "itself", "just", "me", "more", "most", "my", "myself", "no", "nor", "not", "now", "of", "off", "on", "once", "only", "or", "other", "our", "ours", "out", "over", "own", "same", "she", "should", "so", "some", "such", "than", "that", "the", "their", "theirs", "them", "themselves", "then", "there", "these", "they", "this", "those", "through", "to", "too", "under", "until", "up", "very", "was", "we", "were", "what", "when", "where", "which", "while", "who", "whom", "why", "will", "with", "would", "you", "your", "yours", "also", "said", "says", "say", "according", "s", "t", "did", "does", "what", "which", "who", "whose", "whom", "how", "many", "much"]
)


def fold(text: str) -> str:
    """Lowercase, strip accents and unify quotes, for comparison only."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return text.replace("’", "'").replace("‘", "'").lower()


def stem(word: str) -> str:
    """A tiny suffix stripper: enough to match 'drills'/'drill', 'suggested'/'suggest'."""
    for suffix in ("'s", "ies", "es", "s", "ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


@lru_cache(maxsize=20000)
def content_terms(text: str) -> frozenset[str]:
    """Stemmed content words and numbers of a text."""
    return frozenset(
        stem(t) for t in _TOKEN.findall(fold(text)) if t not in STOPWORDS and (len(t) > 1 or t.isdigit())
    )


def key_terms(text: str) -> frozenset[str]:
    """Names, numbers and dates: capitalised words not at a sentence start, and digits."""
    terms: set[str] = set()
    for m in _TOKEN.finditer(text):
        word = m.group(0)
        if any(c.isdigit() for c in word):
            terms.add(fold(word).replace(",", ""))
        elif word[0].isupper() and m.start() > 0 and fold(word) not in STOPWORDS:
            terms.add(stem(fold(word)))
    return frozenset(terms)


def overlap(claim: str, sentence: str) -> float:
    """Share of the claim's content terms found in the sentence (0..1)."""
    wanted = content_terms(claim)
    if not wanted:
        return 0.0
    return len(wanted & content_terms(sentence)) / len(wanted)
