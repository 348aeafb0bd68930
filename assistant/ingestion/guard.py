"""What one ingest may not do: take the place of an article from another source, or hold
the archive's single write slot for ever (plain functions over the registry).

An article's id is where its text came from (see :mod:`assistant.ingestion.readers`), so a file can
never overwrite an article it merely names. It could still sit beside it claiming the same
url: a JSON upload whose record says ``"url": <a stored article's url>`` with other text
would be cited under that url. Such a claim is refused unless it is the very same article.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..config import Settings
from ..records import Article, ArticleInfo


@dataclass(frozen=True)
class Owner:
    """An article that already uses a url: its id and content hash."""

    doc_id: str
    content_hash: str


class UrlOwners:
    """The archive's articles by the url they declare, plus those read so far in this ingest."""

    def __init__(self, registry: Mapping[str, ArticleInfo]) -> None:
        self._by_url: dict[str, list[Owner]] = {}
        for info in registry.values():
            if info.url:
                self._by_url.setdefault(info.url, []).append(Owner(info.doc_id, info.content_hash))

    def owner(self, article: Article) -> Owner | None:
        """Another article holding the url ``article`` declares (the same content first), or
        None when it declares none, or declares the URL it was fetched from (its own id)."""
        if not article.url or article.url == article.doc_id:
            return None
        others = [o for o in self._by_url.get(article.url, ()) if o.doc_id != article.doc_id]
        same = [o for o in others if o.content_hash == article.content_hash]
        found = same or others
        return found[0] if found else None

    def add(self, article: Article) -> None:
        """Note an article this ingest keeps."""
        if article.url:
            owners = self._by_url.setdefault(article.url, [])
            owners.append(Owner(article.doc_id, article.content_hash))


def url_taken(article: Article, owner: str) -> str:
    """Why an article claiming another article's url is not added."""
    return (
        f"declares the url {article.url} of another article ({owner}) with different text: "
        f"not added, so that no source replaces another's article; remove {owner} first to "
        "replace it"
    )


def over_ingest_limit(settings: Settings) -> str:
    """Why an ingest stopped before this article."""
    limit = settings.max_articles_per_ingest
    return (
        f"not added, nor anything after it: one ingest adds or updates at most {limit} "
        "articles (ASSISTANT_MAX_ARTICLES_PER_INGEST); ingest again to add the rest"
    )
