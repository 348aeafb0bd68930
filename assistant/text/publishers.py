"""Publishers' names: which of the archive's publishers a name stands for, and where a text
names them (plain functions, one place for both).

Names are compared in two forms. Their *core*: folded, punctuation out, a leading "The"
dropped ("the guardian" -> "guardian"). Their *compact* form: the folded words glued together,
so "CBS Sports" is "cbssports" like "CBSSports.com". A publisher is also known by its name
before a section or tagline ("The Independent" of "The Independent - Life and Style"), without
a domain suffix, by a leading acronym ("BBC" of "BBC News - Technology") and by its initials
("MBW" of "Music Business Worldwide").
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from .match import fold

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
# ------------------------------------------------------------ a text -> mentions
# Separators between a publisher's name and its section or tagline.
_SECTION = re.compile(r"\s+[-|–—:]\s+|\s*\|\s*|:\s+")
_DOMAIN = re.compile(r"\.(?:com|co\.uk|org|net|news|co)$", re.I)
MAX_NAME_WORDS = 8


def _compact(words: Sequence[str]) -> str:
    return "".join(fold(w) for w in words)


def name_variants(source: str) -> set[tuple[str, bool]]:
    """Ways a question may name a publisher, as (compact lowercase form, acronym).

    The full name, the name before a section or tagline ("The Independent" of "The
    Independent - Life and Style"), without a leading "The", without a domain suffix, and a
    leading acronym ("BBC" of "BBC News - Technology") or the initials of a name of three
    words or more ("MBW" of "Music Business Worldwide"). An acronym names the publisher only
    written in capitals: "FOX" of "FOX News - Lifestyle" is not the network in "play-by-play
    on Fox".
    """
    names = {source.strip()}
    head = _SECTION.split(source.strip(), maxsplit=1)[0].strip()
    names.add(head)
    names.update({_DOMAIN.sub("", n) for n in list(names)})
    for name in list(names):
        words = name.split()
        if len(words) > 1 and words[0].lower() == "the":
            names.add(" ".join(words[1:]))
    first = head.split()[0] if head.split() else ""
    acronym = len(first) >= 2 and first.isupper() and first.isalpha() and first not in names
    shorts = [first] if acronym else []
    # the initials of a name of three capitalised words or more ("MBW" of "Music Business
    # Worldwide", "NYT" of "The New York Times"), written in capitals
    head_words = head.split()
    if head_words and head_words[0].lower() == "the":
        head_words = head_words[1:]
    if len(head_words) >= 3 and all(w[:1].isupper() and w.isalpha() for w in head_words):
        shorts.append("".join(w[0] for w in head_words).upper())
    variants: set[tuple[str, bool]] = set()
    for name, only_capitals in [(n, False) for n in names] + [(s, True) for s in shorts]:
        words = _TOKEN.findall(name)
        if words and len(words) <= MAX_NAME_WORDS:
            compact = _compact(words)
            if len(compact) >= 3:
                variants.add((compact, only_capitals))
    return variants


@dataclass(frozen=True)
class PublisherIndex:
    """Compact name forms of an archive's publishers, for fast lookup in questions."""

    forms: dict[str, tuple[str, ...]] = field(default_factory=dict)
    longest: int = 1
    acronyms: frozenset[str] = frozenset()  # forms that name a publisher only in capitals


@lru_cache(maxsize=8)
def publisher_index(sources: tuple[str, ...]) -> PublisherIndex:
    """The lookup table of a publisher list (cached: the list changes only on ingest)."""
    forms: dict[str, list[str]] = {}
    acronyms: set[str] = set()
    spelled: set[str] = set()  # forms some publisher's name spells out
    longest = 1
    for source in sources:
        for compact, acronym in name_variants(source):
            (acronyms if acronym else spelled).add(compact)
            forms.setdefault(compact, [])
            if source not in forms[compact]:
                forms[compact].append(source)
        longest = max(longest, min(len(_TOKEN.findall(source)), MAX_NAME_WORDS))
    return PublisherIndex(
        {k: tuple(v) for k, v in forms.items()}, longest, frozenset(acronyms - spelled)
    )


@dataclass(frozen=True)
class Mention:
    """Where a question names a publisher: character offsets and the archive's publishers
    the name stands for (several for "Fox News": each of its sections)."""

    start: int
    end: int
    sources: tuple[str, ...]


def find_mentions(question: str, sources: Sequence[str]) -> list[Mention]:
    """Where a question names the archive's publishers, in order.

    A name must start with a capital letter in the question ("the Age of AI" does not name
    "The Age"; "The Age reported" does), and a run of words may be glued together ("CBS
    Sports" names "CBSSports.com"). Where names overlap the longest wins: "The Independent
    - Travel" names that section, not every section of The Independent.
    """
    index = publisher_index(tuple(sorted(set(sources))))
    if not index.forms:
        return []
    words = [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(question)]
    spans: list[tuple[int, int, tuple[str, ...]]] = []  # (first word, last word + 1, sources)
    for i, (word, _, _) in enumerate(words):
        if not word[0].isupper() and not word[0].isdigit():
            continue  # names are capitalised; "the" before one is covered by its variants
        compact = ""
        for j in range(i, min(len(words), i + index.longest + 1)):
            compact += fold(words[j][0])
            if compact in index.acronyms and not word.isupper():
                continue  # "Fox" (the network) is not "FOX" (of FOX News)
            if compact in index.forms:
                spans.append((i, j + 1, index.forms[compact]))
    taken: list[tuple[int, int, tuple[str, ...]]] = []
    for span in sorted(spans, key=lambda s: (s[0] - s[1], s[0])):
        if all(span[1] <= t[0] or t[1] <= span[0] for t in taken):
            taken.append(span)
    return [Mention(words[i][1], words[j - 1][2], found) for i, j, found in sorted(taken)]


def find_publishers(question: str, sources: Sequence[str]) -> list[str]:
    """The archive's publishers that a question names, in the order it names them."""
    found: list[str] = []
    for mention in find_mentions(question, sources):
        found.extend(s for s in mention.sources if s not in found)
    return found


def segments(question: str, mentions: Sequence[Mention]) -> list[str]:
    """The part of the question about each mentioned publisher: from the end of the mention
    before it to the start of the one after ("Did the Fortune article say X, while the
    TechCrunch article said Y?" gives "...Fortune article say X, while the" and
    "TechCrunch article said Y?"). One mention gets the whole question."""
    parts = []
    for n in range(len(mentions)):
        low = mentions[n - 1].end if n > 0 else 0
        high = mentions[n + 1].start if n + 1 < len(mentions) else len(question)
        parts.append(question[low:high].strip())
    return parts


# ------------------------------------------------------------------- a name -> publishers
def core(name: str) -> str:
    """A name as compared whole: folded, punctuation out, no leading "The"."""
    folded = " ".join(re.sub(r"[^a-z0-9 ]", " ", fold(name)).split())
    return folded[4:] if folded.startswith("the ") else folded


def held_publishers(name: str, known: Sequence[str]) -> list[str]:
    """The archive's publishers a name refers to: the same name, a name containing it as
    whole words ("BBC" in "BBC News - Entertainment & Arts"), the same letters glued
    together ("CBS Sports" for "CBSSports.com") or a near spelling ("Washington Poost").

    Stricter than a fuzzy match: "The Washington Post" is not "The Washington Times"."""
    name_core = core(name)
    if not name_core:
        return []
    return list(_held(name_core, tuple(known)))


@dataclass(frozen=True)
class _Form:
    name: str
    core: str
    compact: str
    words: re.Pattern[str]  # the core as whole words


@lru_cache(maxsize=16)
def _forms(known: tuple[str, ...]) -> tuple[_Form, ...]:
    """Each publisher's name as :func:`held_publishers` compares it (cached: the list
    changes only on ingest, and every question is checked against it several times)."""
    forms = []
    for k in known:
        kc = core(k)
        forms.append(_Form(k, kc, _compact(kc.split()), re.compile(rf"\b{re.escape(kc)}\b")))
    return tuple(forms)


@lru_cache(maxsize=4096)
def _held(name_core: str, known: tuple[str, ...]) -> tuple[str, ...]:
    words = re.compile(rf"\b{re.escape(name_core)}\b")
    compact = _compact(name_core.split())
    return tuple(
        k.name
        for k in _forms(known)
        if (
            k.core == name_core
            or words.search(k.core)
            or k.words.search(name_core)
            or (len(compact) >= 4 and compact in k.compact)
            or _near(name_core, k.core)
        )
    )


def _near(a: str, b: str, cutoff: float = 0.9) -> bool:
    """``SequenceMatcher(None, a, b).ratio() >= cutoff``, skipping the matcher when the
    lengths alone rule it out (its ``real_quick_ratio``, an upper bound of the ratio)."""
    if 2.0 * min(len(a), len(b)) / (len(a) + len(b)) < cutoff:
        return False
    return difflib.SequenceMatcher(None, a, b).ratio() >= cutoff
