"""Side statements: what a claim says in passing about someone or something it names.

An answering model adds facts in appositives, non-restrictive relative clauses, reasons and
clauses set off by a dash ("Martha Stewart, the lifestyle television host, recommends ...";
"Cole Palmer, who joined Chelsea on deadline day, says ..."; "your Social Security number,
which regulators require"; "line shopping, a practice known as ..."; "..., because many
users lack bank cards"; "... — and the series has been renewed"). The sentence's main fact
may be its passage's, and the verifier, reading the whole sentence, judges that; the aside
is a fact of its own, and one the sources never state must not ride along. Each aside is
put as a claim of its own ("Martha Stewart is the lifestyle television host") and checked
against every passage shown, since a model names people the way another passage of the
prompt does (see ``ClaimChecker._asides_hold``).
"""

from __future__ import annotations

import re

from ..text.match import content_terms

_NAME = r"((?:[A-Z][\w'’.&-]*\s+){0,4}[A-Z][\w'’.&-]*)"
# A relative clause: up to the next comma or the end (a number's thousands comma, "$45,000",
# does not end it)
_CLAUSE = r"((?:[^,;:()\[\]]|,(?=\d))+?)(?=,(?!\d)|[.!?]?\s*$)"
# "X, who/which ...," and "X, where ...", after a name or its abbreviation ("... (AFCON), which")
_RELATIVE = re.compile(_NAME + r"(?:\s+\([^()]{1,30}\))?,\s+(who|which|where)\s+" + _CLAUSE)
# "..., which state regulators require": a relative clause on a thing no name calls
_WHICH = re.compile(r"((?:[\w'’-]+\s+){1,3}[a-z][\w'’-]*),\s+which\s+" + _CLAUSE)
# "... hoping for more — and Netflix has renewed the series": a clause set off by a dash
_DASHED = re.compile(r"\s[—–]\s+(?:and\s+|but\s+)?([^—–()\[\]]{12,}?)[.!?]?\s*$")
# ... but not a list ("— price, speed and battery life" spells out what came before)
_LIST = re.compile(r"[^,]+(?:,\s*[^,]+)+,?\s+(?:and|or)\s+[^,]+")
# "X, the/a/its ... ," and bare roles ("X, host of the show, ..."): a noun phrase closed by a comma
_ROLES = r"(?:host|co-?host|founder|co-?founder|director|head|chief|president|chairman|chairwoman|editor|author|creator|coach|captain|manager|owner|leader|spokesperson|spokesman|spokeswoman|member|star|chief executive)"
_APPOSITIVE = re.compile(
    _NAME + rf",\s+((?:the|a|an|its|his|her|their)\s+[^,;:()\[\]]{{2,80}}?|{_ROLES}\b[^,;:()\[\]]{{0,80}}?),(?=\s+[a-z])"
)
# ", a practice known as X", ", a drug called X"
_CALLED = re.compile(
    r",\s+((?:a|an|the)\s+[\w\s'’-]{2,40}?\s+(?:known as|called|described as|dubbed|nicknamed)\s+[^,;:]+?)(?=,|[.!?]?\s*$)"
)
# "..., because many users lack bank cards": the reason given, a fact of its own
_REASON = re.compile(
    r"\b(?:because|since)\s+(?!of\b|then\b|\d)([a-z][^,;:()\[\]]{8,}?)(?=,|[.!?]?\s*$)"
)
_FINITE = re.compile(
    r"\b(?:is|are|was|were|has|have|had|does|do|did|can|could|will|would|must|may|might)\b"
    r"|\b(?!(?:this|its|his|has|was|is|as|us)\b)[a-z]{3,}(?:s|ed)\b(?<!ss)"
)
# A name run that is no subject: one opening with a preposition or connective ("In June, the
# club ...", "According to The Verge, the ...", "Separately, ..."), or a date word.
_NOT_SUBJECT = frozenset(
    [
        "in", "on", "at", "by", "for", "from", "with", "after", "before", "during", "since",
        "until", "as", "per", "like", "unlike", "despite", "following", "against", "over",
        "through", "via", "according", "to", "of", "into", "under", "among", "between", "however",
        "meanwhile", "instead", "also", "still", "later", "earlier", "overall", "today",
        "yesterday", "tomorrow", "then", "now", "thus", "so", "yet", "but", "and", "or",
        "separately", "additionally", "finally", "first", "second", "third", "monday", "tuesday",
        "wednesday", "thursday", "friday", "saturday", "sunday", "january", "february", "march",
        "april", "may", "june", "july", "august", "september", "october", "november", "december",
        "this", "that", "these", "those", "it", "he", "she", "they", "we", "there", "here", "what",
        "when", "where", "why", "how", "yes", "no",
    ]
)
_LOWER_BEFORE = re.compile(r"(?:^|\s)([a-z]+)\s*$")


def _subject(text: str, start: int, name: str) -> bool:
    """``name`` (found at ``start``) can be what an aside describes."""
    words = name.split()
    if words[0].lower() in _NOT_SUBJECT or (len(words) == 1 and words[0].lower().endswith("ly")):
        return False
    before = _LOWER_BEFORE.search(text[:start])
    # "according to The Verge, ...", "the deal with Apple, which ...": a name after a
    # preposition is an object; a relative clause may still describe it, an appositive of
    # a prepositional phrase often closes an opening phrase ("In its report, the ...")
    return not (before and before.group(1) in _NOT_SUBJECT)


def asides(text: str) -> list[tuple[str, str]]:
    """The side statements of a claim: (what it describes, the statement put as a claim of
    its own)."""
    out: list[tuple[str, str]] = []
    for m in _RELATIVE.finditer(text):
        name, pronoun, clause = m.group(1), m.group(2).lower(), m.group(3).strip()
        if name.split()[0].lower() in _NOT_SUBJECT or re.search(r"\b(?:and|or|&)\s*$", text[: m.start(1)]):
            continue  # an opening phrase, or the end of a longer noun phrase ("its founder and CEO")
        out.append((name, f"In {name}, {clause}" if pronoun == "where" else f"{name} {clause}"))
    for m in _WHICH.finditer(text):
        out.append((m.group(1), f"{m.group(1)} {m.group(2).strip()}"))
    for m in _DASHED.finditer(text):
        if _FINITE.search(m.group(1)) and not _LIST.fullmatch(m.group(1)):
            out.append(("", m.group(1).strip()))
    for m in _APPOSITIVE.finditer(text):
        if _subject(text, m.start(1), m.group(1)):
            out.append((m.group(1), f"{m.group(1)} is {m.group(2).strip()}"))
    for m in _CALLED.finditer(text):
        out.append(("", m.group(1).strip()))
    for m in _REASON.finditer(text):
        reason = m.group(1).strip()
        if m.group(0).lower().startswith("since") and not _FINITE.search(reason):
            continue  # "since the start of the season": a time, not a reason
        out.append(("", reason))
    return [a for a in dict.fromkeys(out) if len(content_terms(a[1])) >= 2]
