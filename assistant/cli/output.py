"""How the terminal shows an answer: its sources, notes on its claims, a quote in its article.

Plain functions over the models, shared by ``assistant ask`` and ``assistant chat``.
"""

from __future__ import annotations

import textwrap

from ..article_ids import short_id
from ..records import Answer, Article, Citation

# Marks around a quote in plain output; a terminal gets bold underline instead.
OPEN_MARK, CLOSE_MARK = "«", "»"
_BOLD, _PLAIN = "\x1b[1;4m", "\x1b[0m"
CONTEXT_CHARS = 600  # at most this much article text on each side of a quote


def cited_as(c: Citation) -> str:
    """ "The Washington Times, 2023": who published a cited article, and when."""
    year = c.published[:4] if c.published else ""
    return ", ".join(x for x in (c.source or c.title or c.doc_id, year) if x)


def format_sources(answer: Answer) -> str:
    """ "[1] The Washington Times, 2023: quote" lines."""
    return "\n".join(
        f"[{c.number}] {cited_as(c)}: {' … '.join(q.text for q in c.quotes) or c.quote}"  # every quote of one article
        for c in answer.citations
    )


def status_notes(answer: Answer) -> list[str]:
    """Lines for right after the text: cut off; what was searched on an abstention."""
    notes = []
    if answer.incomplete:
        notes.append("(the answer was cut off before it was finished)")
    if answer.abstained:
        also = "".join(f"; {s}" for s in answer.searches)
        notes.append(f"(searched for: {answer.searched}{also})")
    return notes


def claim_notes(answer: Answer) -> list[str]:
    """Claims their sources do not carry, and citations moved to the source that does."""
    notes = [f"! not supported by its sources: {c.text}" for c in answer.claims if not c.supported]
    for claim in answer.claims:
        if claim.supported and claim.repointed:
            cited = ", ".join(f"[{n}]" for n in claim.citations)
            notes.append(
                f"! cited to a source that does not say it (the source that does: {cited}): "
                f"{claim.text}"
            )
    return notes


def _window(text: str, start: int, end: int, limit: int) -> tuple[int, int]:
    """The paragraph(s) around ``text[start:end]``, cut at a sentence within ``limit``."""
    left = text.rfind("\n\n", 0, start)
    left = 0 if left < 0 else left + 2
    if start - left > limit:  # a long paragraph: start at a sentence near the limit
        cut = text.find(". ", start - limit, start)
        left = cut + 2 if cut >= 0 else start - limit
    right = text.find("\n\n", end)
    right = len(text) if right < 0 else right
    if right - end > limit:
        cut = text.rfind(". ", end, end + limit)
        right = cut + 1 if cut >= 0 else end + limit
    return left, right


def quote_in_context(
    c: Citation, article: Article | None, *, width: int = 88, color: bool = False
) -> str:
    """Citation ``c`` as a reader checks it: title, publisher, date, link, then the quote
    marked inside the article text around it."""
    when = c.published or "undated"
    head = [f"[{c.number}] {c.title or '(untitled)'}"]
    head.append(f"    {c.source or 'no publisher'} · {when} · id {short_id(c.doc_id)}")
    head.append("    " + (c.url or c.doc_id))
    if article is None or article.text[c.start : c.end] != c.quote:
        # The article changed or went since the answer: the quote is still what was cited.
        body = f"{OPEN_MARK}{c.quote}{CLOSE_MARK}\n(the article no longer holds this passage)"
    else:
        text = article.text
        left, right = _window(text, c.start, c.end, CONTEXT_CHARS)
        body = (
            ("…" if left > 0 else "")
            + text[left : c.start]
            + OPEN_MARK
            + c.quote
            + CLOSE_MARK
            + text[c.end : right]
            + ("…" if right < len(text) else "")
        )
    paragraphs = [
        textwrap.fill(" ".join(p.split()), width=width) for p in body.split("\n") if p.strip()
    ]
    shown = "\n\n".join(paragraphs)
    if color:  # marks are one column wide each: wrap first, then swap them for escapes
        shown = shown.replace(OPEN_MARK, _BOLD).replace(CLOSE_MARK, _PLAIN)
    return "\n".join(head) + "\n\n" + shown
