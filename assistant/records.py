"""Plain dataclasses shared by every layer: articles, chunks, passages, answers."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from .article_ids import short_id


@dataclass(frozen=True)
class Article:
    """One news article as ingested: its full text and its metadata.

    ``doc_id`` is stable across re-ingests: where the text came from (the URL fetched, else
    the path relative to the ingested root, ``#n`` added for a JSON record), never a url the
    content merely declares; ``content_hash`` changes whenever text or metadata change.
    """

    doc_id: str
    text: str
    title: str = ""
    source: str = ""
    published: str = ""  # ISO date (YYYY-MM-DD) or "" when unknown
    url: str = ""
    author: str = ""
    content_hash: str = ""

    def metadata(self) -> dict[str, str]:
        """The article's metadata, without its text."""
        return {
            "doc_id": self.doc_id,
            "title": self.title,
            "source": self.source,
            "published": self.published,
            "url": self.url,
            "author": self.author,
            "content_hash": self.content_hash,
        }


@dataclass(frozen=True)
class ArticleInfo:
    """What the store knows of an article without loading its text."""

    doc_id: str
    title: str
    source: str
    published: str
    url: str
    author: str
    content_hash: str
    chunks: int


@dataclass(frozen=True)
class Chunk:
    """A piece of an article: ``article.text[start:end] == text``."""

    doc_id: str
    index: int
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with its article's metadata and its retrieval score."""

    doc_id: str
    title: str
    source: str
    published: str
    url: str
    text: str
    start: int
    end: int
    score: float
    chunk_id: str = ""


@dataclass(frozen=True)
class Usage:
    """Tokens an answer cost an LLM engine: as the server reported them, or estimated from
    the text (about four characters a token) when it reported none."""

    prompt_tokens: int
    completion_tokens: int
    estimated: bool = False


@dataclass(frozen=True)
class Excerpt:
    """A verbatim span of a stored article: ``article.text[start:end] == text``."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Citation:
    """One numbered source of an answer: an article and the verbatim quotes located in it.

    One article is one citation however many of its passages the answer cites: ``quotes``
    holds every quoted span in article order; ``quote``/``start``/``end`` is the first one
    the answer cites (the whole evidence when the article is cited once).
    """

    number: int
    doc_id: str
    title: str
    source: str
    published: str
    url: str
    quote: str
    start: int
    end: int
    quotes: list[Excerpt] = field(default_factory=list)


@dataclass(frozen=True)
class Claim:
    """One sentence of an answer and whether the passages it cites carry it."""

    text: str
    citations: list[int]
    supported: bool
    quote: str = ""
    start: int = -1
    end: int = -1
    doc_id: str = ""
    # The engine cited a passage that does not carry the claim; its citation now points
    # at the passage that does (reported, never silent).
    repointed: bool = False


@dataclass(frozen=True)
class Filters:
    """Restrict retrieval to some publishers and a date range (inclusive)."""

    sources: tuple[str, ...] = ()
    since: date | None = None
    until: date | None = None

    def is_empty(self) -> bool:
        return not self.sources and self.since is None and self.until is None


@dataclass
class Answer:
    """An answer with inline ``[n]`` markers; ``citations[i].number`` is the marker."""

    question: str
    text: str
    citations: list[Citation] = field(default_factory=list)
    abstained: bool = False
    claims: list[Claim] = field(default_factory=list)
    engine: str = ""
    model: str = ""
    searched: str = ""  # the query actually sent to retrieval (after any rewrite)
    searches: list[str] = field(default_factory=list)  # search questions a plan added to it
    incomplete: bool = False  # the engine stopped before finishing (a cut-off stream)
    passages: list[Passage] = field(default_factory=list)
    usage: Usage | None = None  # LLM tokens spent on this answer (None: no LLM was asked)

    def to_dict(self) -> dict[str, Any]:
        """The public JSON shape (``assistant ask --json``)."""
        return {
            "question": self.question,
            "text": self.text,
            # "id": the article's short id, as `assistant list` shows it
            "citations": [{**asdict(c), "id": short_id(c.doc_id)} for c in self.citations],
            "abstained": self.abstained,
            "claims": [asdict(c) for c in self.claims],
            "engine": self.engine,
            "model": self.model,
            "searched": self.searched,
            "searches": self.searches,
            "incomplete": self.incomplete,
            "usage": asdict(self.usage) if self.usage else None,
        }


@dataclass
class IngestReport:
    """What an ingest did, article by article."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (what, why)
    chunks: int = 0

    def summary(self) -> str:
        line = (
            f"added {len(self.added)}, updated {len(self.updated)}, "
            f"unchanged {len(self.unchanged)}, skipped {len(self.skipped)}"
        )
        reasons = "".join(f"\n  skipped {what}: {why}" for what, why in self.skipped)
        return line + reasons
