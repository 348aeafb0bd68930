"""Sentence boundaries with character offsets, for chunking, quoting and claim checking."""

from __future__ import annotations

import re

# A sentence ends at . ! ? (optionally followed by closing quotes or brackets) when
# whitespace and a plausible sentence start follow; paragraphs always end one.
# Citation markers right after the punctuation ("... said. [2] Next") stay with their sentence.
_END = re.compile(r"""[.!?…]+["'”’)\]]*(?:\s*\[\d+(?:\s*[,–-]\s*\d+)*\])*(?=\s+["'“‘(]?[A-Z0-9À-Þ])""")
_PARA = re.compile(r"\n\s*\n")
_ABBREV = {
    "mr",
    "mrs",
    "ms",
    "dr",
    "prof",
    "sr",
    "jr",
    "st",
    "gen",
    "gov",
    "sen",
    "rep",
    "col",
    "lt",
    "sgt",
    "capt",
    "cmdr",
    "adm",
    "rev",
    "hon",
    "pres",
    "inc",
    "bros",
    "ltd",
    "co",
    "corp",
    "no",
    "vs",
    "etc",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "u.s",
    "u.k",
    "u.n",
    "e.g",
    "i.e",
    "a.m",
    "p.m",
    "d.c",
    "mt",
    "ft",
    "approx",
}


def _is_abbreviation(text: str, end: int) -> bool:
    """True when the period at ``text[end-1]`` closes an abbreviation or an initial."""
    start = end - 1
    while start > 0 and (text[start - 1].isalpha() or text[start - 1] == "."):
        start -= 1
    word = text[start : end - 1].lower()
    if not word:
        return False
    if word in _ABBREV:
        return True
    # Single capital initials ("John F. Kennedy") and dotted acronyms ("U.S.").
    return len(word) == 1 or bool(re.fullmatch(r"(?:[a-z]\.)+[a-z]", word))


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """``(start, end)`` offsets of the sentences in ``text[start:end]``, whitespace trimmed."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    para_start = start
    paragraph_ends = [m.start() for m in _PARA.finditer(text, start, end)] + [end]
    for para_end in paragraph_ends:
        cursor = para_start
        for match in _END.finditer(text, para_start, para_end):
            stop = match.end()
            lone_period = text[match.start()] == "." and match.end() - match.start() == 1
            if lone_period and _is_abbreviation(text, match.start() + 1):
                continue
            s, e = _trim(text, cursor, stop)
            if e > s:
                spans.append((s, e))
            cursor = stop
        s, e = _trim(text, cursor, para_end)
        if e > s:
            spans.append((s, e))
        para_start = para_end
    return spans


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text`` as strings."""
    return [text[s:e] for s, e in sentence_spans(text)]
