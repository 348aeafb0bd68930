"""Turn user inputs (files, folders, URLs, uploads) into Articles with their metadata."""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from typing import Any

from ..config import Settings
from ..errors import InputError
from ..records import Article
from .decoding import Unreadable, decode
from .fetch import fetch_url, size_limit_text
from .metadata import copyright_of, normalise_date, normalise_text, shorten, title_from_text
from .suffixes import SUPPORTED_SUFFIXES


@dataclass(frozen=True)
class Skipped:
    """An input that gave no article, and why, in words a user understands."""

    what: str  # the path / url / "file.json#3" that was skipped
    why: str


Parsed = list[Article | Skipped]


def read_articles(target: str, settings: Settings) -> Iterator[Article | Skipped]:
    """Yield the articles of one path (file or folder, recursively, sorted) or http(s) URL.

    A missing path raises InputError at once; every other problem with one file or record
    is a Skipped so the rest still goes in. A URL is fetched at once (errors are InputError).
    """
    if re.match(r"[A-Za-z][A-Za-z0-9+.-]*://", target):
        # Other schemes (file://, ftp://) go to fetch_url too, which refuses them clearly.
        data, name, _final = fetch_url(target, settings)
        return iter(parse_bytes(data, name, settings, doc_id=target, url=target))
    path = Path(target).expanduser()
    if not path.exists():
        raise InputError(f"no such file or folder: {target}")
    if path.is_dir():
        return _unique(_read_folder(path, settings))
    return _unique(_read_file(path, path.parent, settings))


def _read_folder(root: Path, settings: Settings) -> Iterator[Article | Skipped]:
    errors: list[OSError] = []
    for dirpath, dirnames, filenames in os.walk(root, onerror=errors.append):
        # Hidden folders (.git, .venv) and files (.DS_Store) are never articles.
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        while errors:
            error = errors.pop(0)
            yield Skipped(_relative(Path(error.filename or dirpath), root), _os_reason(error))
        for name in sorted(filenames):
            if not name.startswith("."):
                yield from _read_file(Path(dirpath) / name, root, settings)


def _read_file(path: Path, root: Path, settings: Settings) -> Parsed:
    rel = _relative(path, root)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        return [Skipped(rel, _unsupported(suffix))]
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):  # a FIFO or device would block or never end
            return [Skipped(rel, "not a regular file")]
        if info.st_size > settings.max_file_bytes:
            return [Skipped(rel, f"larger than {size_limit_text(settings)}")]
        with path.open("rb") as handle:
            data = handle.read(settings.max_file_bytes + 1)  # the file may grow after stat
    except OSError as error:
        return [Skipped(rel, _os_reason(error))]
    return parse_bytes(data, path.name, settings, doc_id=rel)


def _unique(items: Iterator[Article | Skipped] | Parsed) -> Iterator[Article | Skipped]:
    """Drop a second article with an id already read: it would overwrite the first."""
    seen: set[str] = set()
    for item in items:
        if isinstance(item, Article):
            if item.doc_id in seen:
                yield Skipped(item.doc_id, "duplicate: an article with this id was read earlier")
                continue
            seen.add(item.doc_id)
        yield item


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def _os_reason(error: OSError) -> str:
    return f"cannot read: {error.strerror or error}"


def _unsupported(suffix: str) -> str:
    return f"unsupported file type {suffix}" if suffix else "unsupported file type (no suffix)"


def parse_bytes(
    data: bytes, name: str, settings: Settings, *, doc_id: str, url: str = ""
) -> Parsed:
    """Parse one file's content by its name's suffix (used for uploads and fetched URLs too).

    ``doc_id`` names the file (its relative path, or the URL it came from) and becomes the
    article's id: a url the content declares is kept as metadata but is no id, so a file
    cannot take the place of an article from elsewhere by naming its url. ``url`` is the URL
    the data was fetched from. JSON records get ``f"{doc_id}#{n}"`` (n counts records, or
    lines in JSONL, from 1), or ``url`` when the record declares that very url.
    """
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        return [Skipped(doc_id, _unsupported(suffix))]
    if len(data) > settings.max_file_bytes:
        return [Skipped(doc_id, f"larger than {size_limit_text(settings)}")]
    try:
        text = decode(data, html=suffix in (".html", ".htm"))
        if not text.strip():
            raise Unreadable("empty article")
        return list(_unique(_PARSERS[suffix](text, doc_id, url, settings)))
    except Unreadable as reason:
        return [Skipped(doc_id, str(reason))]
    except RecursionError:  # hostile JSON nesting; the parsers' own recursion limit
        return [Skipped(doc_id, "nested too deeply to read")]


def content_hash(
    text: str,
    title: str = "",
    source: str = "",
    published: str = "",
    url: str = "",
    author: str = "",
) -> str:
    """sha256 hex over the text and all metadata, so a metadata change is an update too."""
    payload = json.dumps([text, title, source, published, url, author], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()


def make_article(doc_id: str, text: str, **metadata: str) -> Article:
    """An Article with its content_hash filled in (metadata: title, source, published, ...)."""
    return Article(doc_id, text, **metadata, content_hash=content_hash(text, **metadata))


def _article(doc_id: str, text: str, **metadata: str) -> Article:
    # The id is where the text came from (the file, or the URL fetched): a url the content
    # declares (front matter, a canonical link) is metadata, never a claim on another id.
    if not text.strip():
        raise Unreadable("empty article")
    return make_article(doc_id, text, **metadata)


def _parse_txt(text: str, doc_id: str, url: str, settings: Settings) -> Parsed:
    # Plain-text articles never lose their text: only newlines and outer whitespace change.
    text = normalise_text(text)
    source, year = copyright_of(text)
    return [_article(doc_id, text, title=title_from_text(text), source=source, published=year, url=url)]


def _front_matter(text: str) -> tuple[dict[str, str], str]:
    """Simple ``key: value`` front matter between ``---`` lines (no nested YAML)."""
    if not text.startswith("---\n"):
        return {}, text
    end = re.search(r"^(?:---|\.\.\.)[ \t]*$", text[4:], re.M)
    if not end:
        return {}, text
    meta: dict[str, str] = {}
    for line in text[4 : 4 + end.start()].split("\n"):
        match = re.match(r"([A-Za-z_][\w-]*)\s*:\s*(.*)$", line)
        if match:
            value = match.group(2).strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
                value = value[1:-1]
            elif value.startswith("[") and value.endswith("]"):
                value = ", ".join(v.strip().strip("\"'") for v in value[1:-1].split(","))
            meta[match.group(1).lower()] = value.strip()
    if not meta:  # two horizontal rules, not front matter
        return {}, text
    return meta, text[4 + end.end() :]


def _parse_md(text: str, doc_id: str, url: str, settings: Settings) -> Parsed:
    meta, body = _front_matter(normalise_text(text))
    body = body.strip()
    heading = re.search(r"^#[ \t]+(.+?)[ \t#]*$", body, re.M)
    title = meta.get("title") or (heading and heading.group(1)) or title_from_text(body).lstrip("# ")
    source, year = copyright_of(body)
    published = normalise_date(_pick(meta, ("date", "published", "published_at", "pubdate")))
    return [
        _article(
            doc_id,
            body,
            title=shorten(title),
            source=_pick(meta, ("source", "publisher", "site", "site_name")) or source,
            published=published or year,
            url=url or meta.get("url", "") or meta.get("link", ""),
            author=_pick(meta, ("author", "authors")),
        )
    ]


_META_TAG = re.compile(r"<(meta|link)\s([^>]{0,2000})>", re.I)
_ATTRIBUTE = re.compile(r"""([\w:-]+)\s*=\s*("[^"]*"|'[^']*'|[^\s"'>]+)""")
_TITLE_TAG = re.compile(r"<title[^>]{0,200}>([^<]{0,1000})</title>", re.I)
_JSON_LD_DATE = re.compile(r'"datePublished"\s*:\s*"([^"]{4,40})"')
# Where a page states its publication date (meta property/name/itemprop, JSON-LD).
_PUBLISHED_META = ("article:published_time", "og:published_time", "datepublished", "date")


def _head_meta(html: str) -> tuple[dict[str, str], str]:
    """<meta>/<link rel=canonical> values and the <title>, for what trafilatura missed."""
    head = html[:500_000]  # metadata lives near the top; bound the work on huge pages
    meta: dict[str, str] = {}
    for tag in _META_TAG.finditer(head):
        found = {k.lower(): unescape(v.strip("\"'")).strip() for k, v in _ATTRIBUTE.findall(tag[2])}
        key = found.get("property") or found.get("name") or found.get("itemprop") or ""
        if tag[1].lower() == "link" and found.get("rel", "").lower() == "canonical":
            key, found["content"] = "canonical", found.get("href", "")
        if key and found.get("content"):
            meta.setdefault(key.lower(), found["content"])
    if "datepublished" not in meta and (stated := _JSON_LD_DATE.search(head)):
        meta["datepublished"] = stated[1]
    title = _TITLE_TAG.search(head)
    return meta, unescape(title[1]).strip() if title else ""


def _parse_html(text: str, doc_id: str, url: str, settings: Settings) -> Parsed:
    import trafilatura  # heavy; only HTML needs it

    try:
        doc = trafilatura.bare_extraction(
            text, url=url or None, with_metadata=True, include_comments=False
        )
    except Exception as error:  # noqa: BLE001 - hostile HTML (deep nesting, junk) is a skip
        raise Unreadable(f"could not parse HTML ({type(error).__name__})") from error
    body = getattr(doc, "text", None) or ""
    # One blank line between paragraphs so sentence splitting sees headings as their own.
    body = "\n\n".join(line.strip() for line in body.split("\n") if line.strip())
    if not body:
        raise Unreadable("no article text found in the HTML")
    found = {
        key: str(getattr(doc, key, None) or "")
        for key in ("title", "sitename", "date", "author", "url")
    }
    meta, head_title = _head_meta(text)
    # The date the page states wins: trafilatura may take one from the URL instead (a
    # canonical /2023/10/29/ path for an article published late on the 28th).
    found["date"] = _pick(meta, _PUBLISHED_META) or found["date"]
    if not all(found.values()):
        found["title"] = found["title"] or meta.get("og:title", "") or head_title
        found["sitename"] = found["sitename"] or meta.get("og:site_name", "")
        found["author"] = found["author"] or meta.get("author", "")
        found["url"] = found["url"] or meta.get("canonical", "") or meta.get("og:url", "")
    return [
        _article(
            doc_id,
            body,
            title=shorten(found["title"]) or title_from_text(body),
            source=found["sitename"],
            published=normalise_date(found["date"]),
            url=url or found["url"],
            author=found["author"],
        )
    ]


_BODY = ("body", "text", "content", "article")
_SOURCE = ("source", "publisher", "site", "site_name")
_DATE = ("published_at", "published", "date", "pubdate")


def _as_text(value: Any, joiner: str = ", ") -> str:
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, dict):  # e.g. NewsAPI's "source": {"id": ..., "name": ...}
        return _as_text(value.get("name") or value.get("title"))
    if isinstance(value, list):
        return joiner.join(filter(None, (_as_text(item) for item in value)))
    # JSON may escape lone surrogates; they cannot be stored or encoded, so replace them.
    return re.sub(r"[\ud800-\udfff\x00]", "\ufffd", str(value)).strip()


def _pick(record: dict[str, Any], keys: tuple[str, ...]) -> str:
    for key in keys:
        text = _as_text(record.get(key))
        if text:
            return text
    return ""


def _record(record: Any, fallback_id: str, origin: str = "") -> Article | Skipped:
    """One JSON record as an Article, its id ``fallback_id`` (``file#n``) unless the url it
    declares is ``origin``, the URL the record was fetched from."""
    if not isinstance(record, dict):
        return Skipped(fallback_id, "record is not a JSON object")
    fields = {str(key).lower(): value for key, value in record.items()}
    body = next((fields[k] for k in _BODY if fields.get(k) not in (None, "", [])), None)
    text = normalise_text(_as_text(body, joiner="\n\n"))
    if not text:
        return Skipped(fallback_id, "record has no body")
    published = next((fields[k] for k in _DATE if fields.get(k) not in (None, "")), "")
    url = _pick(fields, ("url", "link"))
    return make_article(
        url if url and url == origin else fallback_id,
        text,
        title=shorten(_as_text(fields.get("title"))) or title_from_text(text),
        source=_pick(fields, _SOURCE),
        published=normalise_date(published),
        url=url,
        author=_pick(fields, ("author", "authors")),
    )


def _too_many_records(count: int, settings: Settings) -> Unreadable:
    limit = settings.max_records_per_file
    return Unreadable(
        f"holds {count} records, more than {limit} (ASSISTANT_MAX_RECORDS_PER_FILE): nothing "
        "of it was added; split the file or raise the limit"
    )


def _parse_json(text: str, doc_id: str, url: str, settings: Settings) -> Parsed:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise Unreadable(
            f"invalid JSON: {error.msg} at line {error.lineno}, column {error.colno}"
        ) from None
    if isinstance(data, dict):
        wrapped = next(
            (data[k] for k in ("articles", "data", "items") if isinstance(data.get(k), list)), None
        )
        data = wrapped if wrapped is not None else [data]
    if not isinstance(data, list) or not data:  # [] would otherwise vanish without a word
        raise Unreadable("JSON holds no article objects")
    if len(data) > settings.max_records_per_file:
        raise _too_many_records(len(data), settings)
    return [_record(record, f"{doc_id}#{n}", url) for n, record in enumerate(data, 1)]


def _parse_jsonl(text: str, doc_id: str, url: str, settings: Settings) -> Parsed:
    count = sum(1 for line in text.split("\n") if line.strip())
    if count > settings.max_records_per_file:  # counted before any line is parsed
        raise _too_many_records(count, settings)
    results: Parsed = []
    for n, line in enumerate(text.split("\n"), 1):  # n is the line number an editor shows
        if not line.strip():
            continue
        try:
            results.append(_record(json.loads(line), f"{doc_id}#{n}", url))
        except json.JSONDecodeError as error:
            why = f"invalid JSON: {error.msg} at line {n}, column {error.colno}"
            results.append(Skipped(f"{doc_id}#{n}", why))
        except RecursionError:  # one hostile line must not cost the others
            results.append(Skipped(f"{doc_id}#{n}", "nested too deeply to read"))
    return results


_PARSERS: dict[str, Callable[[str, str, str, Settings], Parsed]] = {
    ".txt": _parse_txt,
    ".md": _parse_md,
    ".markdown": _parse_md,
    ".html": _parse_html,
    ".htm": _parse_html,
    ".json": _parse_json,
    ".jsonl": _parse_jsonl,
}
