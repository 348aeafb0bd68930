"""The one analyser: how both BM25 and the lexical checks read words. Snowball's English
stemmer (PyStemmer, the stemmer llama-index's BM25 retriever uses), so "drills"/"drill",
"invited"/"invite", "missiles"/"missile" are one term for search and for claim checks
alike; and the stop words: ``STOPWORDS`` for comparing texts, of which search drops only
``search_stopwords()`` (see there why)."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from functools import cache, lru_cache


def words(text: str) -> frozenset[str]:
    """A word list written as one string (easier to read than a list literal)."""
    return frozenset(text.split())


STOPWORDS = words(
    """a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not now of off on once only or other our ours
    out over own same she should so some such than that the their theirs them themselves then
    there these they this those through to too under until up very was we were what when where
    which while who whom why will with would you your yours also said says say according s t
    whose many much"""
)


# Search drops fewer (search_stopwords): the English list of Lucene (bm25s's, which
# llama-index's BM25 retriever uses), all of them in STOPWORDS. A search term costs little when it is frequent (BM25
# weighs it down), while a claim compared word for word must not count "he", "said" or
# "which" as something it says. Changing this list re-ranks every search, and so changes
# the passages of every recorded prompt (``assistant eval llm``).
@cache
def search_stopwords() -> list[str]:
    """The search stop words (imported when first asked: bm25s takes a quarter second)."""
    from bm25s.stopwords import STOPWORDS_EN

    return sorted(STOPWORDS_EN)


@cache
def analyser_id() -> str:
    """What an index built with this analyser records: one built otherwise is built again."""
    digest = hashlib.sha256(" ".join(search_stopwords()).encode()).hexdigest()[:12]
    return f"snowball-english/stopwords-{digest}"


# PyStemmer's stemmers are not safe to share between threads at once.
_LOCK = threading.Lock()


@cache
def _snowball():
    import Stemmer

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A folded word's stem (cached: the same words recur in every passage); a possessive
    "'s" is dropped first."""
    if word.endswith("'s"):
        word = word[:-2]
    with _LOCK:
        return _snowball().stemWord(word)


def stem_words(words: Sequence[str]) -> list[str]:
    """:func:`stem` of each word (what ``bm25s.tokenize`` takes as a stemmer)."""
    return [stem(w) for w in words]
