"""HTML for the chat page: answers, citations, sources and abstentions.

Everything that comes from an article or an engine (titles, quotes, passages, answer text,
urls) is untrusted: it is escaped here and never rendered as Markdown or HTML. The only
markup on the page is the markup these functions build. Citation markers become buttons
that open a native popover (``popovertarget``) holding the quoted passage inside its
surrounding article text, so the interaction works without any script.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlparse

from ..answering.citations import MARKER
from ..article_ids import short_id
from ..ingestion.metadata import UNTITLED
from ..records import Answer, Article, ArticleInfo, Citation, Excerpt

WINDOW_CHARS = 600  # article text shown on each side of a quote

# Gradio's HTML component fills a JS template string that is also a Handlebars template:
# braces, dollars and backticks from articles are entities too, so no text can become code.
_EXTRA = str.maketrans({"{": "&#123;", "}": "&#125;", "$": "&#36;", "`": "&#96;"})


def esc(text: object) -> str:
    """Text made inert for HTML: tags, quotes and template syntax become entities."""
    return html.escape(str(text), quote=True).translate(_EXTRA)


def safe_url(url: str) -> str:
    """The url when it is an absolute http(s) link, else "" (no javascript:, data:, ...)."""
    url = (url or "").strip()
    try:
        parts = urlparse(url)
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return ""
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        return ""
    return url


def source_label(c: Citation) -> str:
    """ "The Washington Times, 2023 – title" (plain text, not yet escaped)."""
    who = _who(c)
    title = c.title or c.doc_id
    return f"{who} – {title}" if who else title


def _who(c: Citation) -> str:
    return ", ".join(x for x in (c.source, c.published[:4] if c.published else "") if x)


def title_html(title: str) -> str:
    """An escaped title; an untitled article's "Untitled:" mark is set off from its words."""
    mark = f"{UNTITLED}: "
    if title.startswith(mark):
        return f'<span class="nx-untitled">{UNTITLED}:</span> {esc(title[len(mark) :])}'
    return esc(title)


def source_label_html(c: Citation) -> str:
    who = _who(c)
    title = title_html(c.title or c.doc_id)
    return f"{esc(who)} – {title}" if who else title


def excerpts_of(c: Citation) -> list[Excerpt]:
    """The quotes of a citation (one at least, for citations made before quotes existed)."""
    return list(c.quotes) or [Excerpt(c.quote, c.start, c.end)]


def copy_text(answer: Answer) -> str:
    """An answer as plain text for the clipboard: the text with its markers, then sources."""
    lines = [answer.text]
    if answer.citations:
        lines.append("\nSources:")
        for c in answer.citations:
            url = safe_url(c.url)
            lines.append(f"[{c.number}] {source_label(c)}" + (f" {url}" if url else ""))
    return "\n".join(lines)


def passage_window(text: str, start: int, end: int, radius: int = WINDOW_CHARS) -> str:
    """HTML of the article text around ``text[start:end]``, the quote inside ``<mark>``."""
    if not (0 <= start < end <= len(text)):
        return ""
    lo = max(0, start - radius)
    hi = min(len(text), end + radius)
    # Start and stop at whitespace so no word is cut in half.
    if lo > 0:
        space = text.find(" ", lo, start)
        lo = space + 1 if space != -1 else lo
    if hi < len(text):
        space = text.rfind(" ", end, hi)
        hi = space if space != -1 else hi
    before, quote, after = text[lo:start], text[start:end], text[end:hi]
    return (
        ("… " if lo > 0 else "")
        + _paragraphs_inline(before)
        + f'<mark class="nx-quote">{esc(quote)}</mark>'
        + _paragraphs_inline(after)
        + (" …" if hi < len(text) else "")
    )


def _paragraphs_inline(text: str) -> str:
    """Escaped text whose blank lines become paragraph breaks inside one block."""
    parts = re.split(r"\n\s*\n", text)
    return '<span class="nx-para-break"></span>'.join(esc(p) for p in parts)


@dataclass
class ShownTurn:
    """One exchange as the page shows it; ``html`` is the rendered answer block."""

    question: str
    html: str
    text: str = ""  # the answer text, kept for follow-up questions
    ok: bool = True  # False for an error message: not part of the conversation history
    meta: dict[str, str] = field(default_factory=dict)


def render_question(question: str) -> str:
    return f'<div class="nx-q"><div class="nx-who">You</div><div class="nx-q-text">{esc(question)}</div></div>'


def render_pending(text: str) -> str:
    """An answer still being written: plain escaped text and a typing indicator."""
    body = _bold(esc(text)) if text else '<span class="nx-muted">Searching the archive…</span>'
    return (
        '<div class="nx-a nx-pending" data-state="pending">'
        '<div class="nx-a-head"><span class="nx-badge">Writing</span></div>'
        f'<div class="nx-a-text">{body}<span class="nx-caret"></span></div></div>'
    )


def render_error(message: str) -> str:
    """A failure (engine down, bad filter) as a readable chat message, never a traceback."""
    return (
        '<div class="nx-a nx-error" data-state="error" role="alert">'
        '<div class="nx-a-head"><span class="nx-badge nx-badge-error">Could not answer</span></div>'
        f'<div class="nx-a-text">{esc(message)}</div></div>'
    )


def _searched_block(answer: Answer, filters: str, open_: bool) -> str:
    rows = [f'<div><span class="nx-k">Searched for</span> “{esc(answer.searched)}”</div>']
    if answer.searched and answer.searched != answer.question:
        rows.append(
            f'<div><span class="nx-k">Your question</span> “{esc(answer.question)}”'
            " (rewritten with the conversation)</div>"
        )
    for search in answer.searches:  # the model's search questions for a multi-article question
        rows.append(f'<div><span class="nx-k">and for</span> “{esc(search)}”</div>')
    rows.append(f'<div><span class="nx-k">Filters</span> {esc(filters or "none")}</div>')
    engine = answer.engine + (
        f" · {answer.model}" if answer.model and answer.model != answer.engine else ""
    )
    rows.append(f'<div><span class="nx-k">Engine</span> {esc(engine)}</div>')
    return (
        f'<details class="nx-searched"{" open" if open_ else ""}>'
        "<summary>How this was searched</summary>"
        f'<div class="nx-searched-body">{"".join(rows)}</div></details>'
    )


def render_abstention(answer: Answer, filters: str = "") -> str:
    """The articles do not cover the question: say so, and show what was searched."""
    return (
        '<div class="nx-a nx-abstain" data-state="abstained">'
        '<div class="nx-a-head"><span class="nx-badge nx-badge-abstain">Not in the archive</span></div>'
        f'<div class="nx-a-text">{esc(answer.text)} Nothing was made up to fill the gap: '
        "try other words, widen the filters, or add articles that cover it.</div>"
        + _searched_block(answer, filters, open_=True)
        + "</div>"
    )


def render_answer(
    answer: Answer,
    key: str,
    article_of: Callable[[str], Article | None],
    filters: str = "",
) -> str:
    """A finished answer: text with clickable ``[n]`` markers, its sources, and for each
    source a popover with the quote highlighted in its article."""
    if answer.abstained:
        return render_abstention(answer, filters)
    known = {c.number: c for c in answer.citations}

    def pop_id(n: int) -> str:
        return f"nx-src-{key}-{n}"

    def marker(m: re.Match[str]) -> str:
        out = []
        for part in m.group(1).split(","):
            n = int(part)
            c = known.get(n)
            if c is None:
                out.append(esc(f"[{n}]"))
                continue
            out.append(
                f'<button type="button" class="nx-cite" popovertarget="{pop_id(n)}" '
                f'data-cite="{n}" title="{esc(source_label(c))}" '
                f'aria-label="Show source {n}">{n}</button>'
            )
        return "".join(out)

    body = _with_markers(answer.text, marker)

    def passages(c: Citation) -> str:
        n = len(excerpts_of(c))
        return f' <span class="nx-muted">· {n} passages</span>' if n > 1 else ""

    sources = "".join(
        f'<li><button type="button" class="nx-src-btn" popovertarget="{pop_id(c.number)}">'
        f'[{c.number}]</button> <span class="nx-src-label">{source_label_html(c)}</span>'
        f"{passages(c)}</li>"
        for c in answer.citations
    )
    popovers = "".join(_popover(c, pop_id(c.number), article_of) for c in answer.citations)
    notes = []
    if answer.incomplete:
        notes.append('<div class="nx-note">The answer was cut off before it was finished.</div>')
    for claim in answer.claims:
        if not claim.supported:
            notes.append(
                '<div class="nx-note">Not supported by its sources, check before use: '
                f"“{esc(claim.text)}”</div>"
            )
        elif claim.repointed:
            cited = ", ".join(f"[{n}]" for n in claim.citations)
            notes.append(
                '<div class="nx-note">Cited to a source that does not say it; the source that '
                f"does is {esc(cited)}: “{esc(claim.text)}”</div>"
            )
    return (
        '<div class="nx-a nx-answer" data-state="answered">'
        f'<div class="nx-a-head"><span class="nx-badge">Answer</span>'
        f'<span class="nx-a-engine">{esc(answer.engine)}</span>'
        '<button type="button" class="nx-copy" aria-label="Copy the answer and its sources">'
        "Copy</button></div>"
        # What Copy copies, as text (never an attribute, so nothing in it is a link).
        f'<span class="nx-copy-text" hidden>{esc(copy_text(answer))}</span>'
        f'<div class="nx-a-text">{body}</div>'
        + "".join(notes)
        + (
            f'<div class="nx-sources"><div class="nx-k">Sources</div><ol>{sources}</ol></div>'
            if sources
            else ""
        )
        + _searched_block(answer, filters, open_=False)
        + popovers
        + "</div>"
    )


def _bold(escaped: str) -> str:
    """``**short answer**`` (the reader's lead) in bold; the only Markdown an answer gets."""
    return re.sub(r"\*\*([^*\n<>]+?)\*\*", r"<strong>\1</strong>", escaped)


def _with_markers(text: str, marker: Callable[[re.Match[str]], str]) -> str:
    """Escape the text, turning only its ``[n]`` markers into buttons."""
    out, last = [], 0
    for m in MARKER.finditer(text):
        out.append(_bold(esc(text[last : m.start()])))
        out.append(marker(m))
        last = m.end()
    out.append(_bold(esc(text[last:])))
    return "".join(out).replace("\n\n", '<span class="nx-para-break"></span>').replace("\n", "<br>")


def _popover(c: Citation, pid: str, article_of: Callable[[str], Article | None]) -> str:
    article = article_of(c.doc_id)
    windows = []
    for q in excerpts_of(c):
        window = ""
        if article is not None and article.text[q.start : q.end] == q.text:
            window = passage_window(article.text, q.start, q.end)
        if not window:  # the article changed or was removed since: the quote alone
            window = f'<mark class="nx-quote">{esc(q.text)}</mark>'
        windows.append(window)
    window = '<div class="nx-pop-gap">· · ·</div>'.join(windows)
    if article is None:
        window += '<div class="nx-muted">This article is no longer in the archive.</div>'
    meta = [esc(x) for x in (c.source, c.published) if x]
    url = safe_url(c.url)
    if url:
        meta.append(
            f'<a href="{esc(url)}" target="_blank" rel="noopener noreferrer nofollow">open the article ↗</a>'
        )
    return (
        f'<div popover id="{pid}" class="nx-pop" role="dialog" aria-label="Source {c.number}">'
        f'<div class="nx-pop-head"><span class="nx-pop-n">[{c.number}]</span>'
        f'<span class="nx-pop-title">{title_html(c.title or c.doc_id)}</span>'
        f'<button type="button" class="nx-pop-close" popovertarget="{pid}" '
        'popovertargetaction="hide" aria-label="Close">×</button></div>'
        f'<div class="nx-pop-meta">{" · ".join(meta)}</div>'
        f'<div class="nx-pop-body">{window}</div></div>'
    )


def render_transcript(turns: Sequence[ShownTurn], pending: tuple[str, str] | None = None) -> str:
    """The whole conversation; ``pending`` is (question, text so far) while streaming."""
    if not turns and pending is None:
        return (
            '<div class="nx-conv nx-empty"><div class="nx-empty-title">Ask the archive</div>'
            "<div>Answers quote the articles verbatim and cite them: click a "
            '<span class="nx-cite nx-cite-demo">1</span> marker to read the passage in its '
            "article. When the articles do not cover a question, the assistant says so.</div></div>"
        )
    parts = [f'<div class="nx-turn">{render_question(t.question)}{t.html}</div>' for t in turns]
    if pending is not None:
        question, text = pending
        parts.append(
            f'<div class="nx-turn">{render_question(question)}{render_pending(text)}</div>'
        )
    return f'<div class="nx-conv">{"".join(parts)}</div>'


def render_status(engine: str, model: str, articles: int) -> str:
    """The header line: which engine and model answer, and how many articles are indexed."""
    noun = "article" if articles == 1 else "articles"

    def pill(key: str, value: str) -> str:
        # The whole pill as a tooltip: on a narrow screen a long one ends in an ellipsis.
        return (
            f'<span class="nx-pill" title="{esc(f"{key} {value}")}">'
            f'<span class="nx-k">{key}</span> {esc(value)}</span>'
        )

    return (
        '<div class="nx-status">'
        + pill("engine", engine)
        + (pill("model", model) if model else "")
        + f'<span class="nx-pill" id="nx-count"><b>{articles}</b> {noun} indexed</span></div>'
    )


def render_articles(rows: Sequence[ArticleInfo], total: int, search: str = "") -> str:
    """The Articles tab's table: title, publisher, date, chunk count and id of each."""
    if not rows:
        if search:
            return f'<div class="nx-muted">No articles match “{esc(search)}”.</div>'
        return '<div class="nx-muted">The archive is empty: add files or a URL above.</div>'
    body = "".join(
        f'<tr data-doc="{esc(a.doc_id)}"><td class="nx-t">{title_html(a.title or a.doc_id)}</td>'
        f"<td>{esc(a.source or '–')}</td><td class='nx-date'>{esc(a.published or '–')}</td>"
        f'<td class="nx-num">{a.chunks}</td>'
        f'<td class="nx-id" title="{esc(a.doc_id)}">{esc(short_id(a.doc_id))}</td></tr>'
        for a in rows
    )
    noun = "article" if total == 1 else "articles"
    shown = f"{len(rows)} of {total} {noun}" if len(rows) != total else f"{total} {noun}"
    return (
        f'<div class="nx-muted">{shown}</div>'
        '<table class="nx-table"><thead><tr><th>Title</th><th>Publisher</th><th>Date</th>'
        f"<th>Chunks</th><th>Id</th></tr></thead><tbody>{body}</tbody></table>"
    )
