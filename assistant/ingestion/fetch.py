"""Download one http(s) URL with limits: scheme, address, redirect, size and time checks."""

from __future__ import annotations

import ipaddress
import re
import time

import httpx

from ..config import Settings
from ..errors import InputError
from .fetch_transport import DeadlinePassed, pinned_client, resolve
from .suffixes import SUPPORTED_SUFFIXES

MAX_REDIRECTS = 5
_REDIRECT_CODES = {301, 302, 303, 307, 308}
_SUFFIX_BY_TYPE = {
    "text/html": ".html",
    "application/xhtml+xml": ".html",
    "application/json": ".json",
    "application/x-ndjson": ".jsonl",
    "application/jsonl": ".jsonl",
    "application/jsonlines": ".jsonl",
    "text/markdown": ".md",
    "text/x-markdown": ".md",
    "text/plain": ".txt",
}
_HEADERS = {
    "User-Agent": "assistant/0.1 (news question answering)",
    "Accept": "text/html,application/xhtml+xml,application/json,text/markdown,text/plain;q=0.9,"
    "*/*;q=0.5",
}


def size_limit_text(settings: Settings) -> str:
    """'20 MB limit (ASSISTANT_MAX_FILE_BYTES)': the size limit as a user reads it."""
    limit = settings.max_file_bytes
    if limit >= 1024 * 1024:
        size = f"{limit / (1024 * 1024):.4g} MB"
    elif limit >= 1024:
        size = f"{limit / 1024:.4g} KB"
    else:
        size = f"{limit} bytes"
    return f"{size} limit (ASSISTANT_MAX_FILE_BYTES)"


def fetch_url(url: str, settings: Settings) -> tuple[bytes, str, str]:
    """Download ``url``: (content, a file name whose suffix tells its format, final url).

    Only http and https; unless ``settings.allow_private_urls`` every host on the way
    (redirects included) must resolve to public addresses only, and the connection goes to
    the very addresses that were checked. The whole fetch, redirects included, ends within
    ``settings.url_timeout``. Every failure is an InputError with a one-line message.
    """
    deadline = time.monotonic() + settings.url_timeout
    current = url
    # Redirects are followed by hand so each hop's host is checked before it is contacted.
    client, pins = pinned_client(deadline, settings.url_timeout, _HEADERS)
    with client:
        for _hop in range(MAX_REDIRECTS + 1):
            host, port, addresses = _check_url(current, settings, deadline)
            pins[(host, port)] = addresses
            result = _get(client, current, settings, deadline)
            if isinstance(result, str):
                current = result
                continue
            data, content_type, final = result
            return data, _file_name(final, content_type, data), final
    raise InputError(f"cannot fetch {url}: more than {MAX_REDIRECTS} redirects")


def _too_slow(url: str, settings: Settings) -> InputError:
    return InputError(
        f"cannot fetch {url}: no complete answer within {settings.url_timeout:g} s "
        "(ASSISTANT_URL_TIMEOUT)"
    )


def _get(
    client: httpx.Client, url: str, settings: Settings, deadline: float
) -> str | tuple[bytes, str, str]:
    """One request: the next url for a redirect, else (content, content type, url)."""
    try:
        with client.stream("GET", url) as response:
            location = response.headers.get("location")
            if response.status_code in _REDIRECT_CODES and location:
                return str(response.url.join(location))
            if not 200 <= response.status_code < 300:
                reason = response.reason_phrase or "error"
                raise InputError(f"cannot fetch {url}: HTTP {response.status_code} {reason}")
            data = _read_limited(response, url, settings, deadline)
            return data, response.headers.get("content-type", ""), str(response.url)
    except httpx.TimeoutException as error:
        raise _too_slow(url, settings) from error
    except httpx.ConnectError as error:
        raise InputError(f"cannot connect to {url}: {_one_line(error)}") from error
    except (httpx.HTTPError, httpx.InvalidURL) as error:
        raise InputError(f"cannot fetch {url}: {_one_line(error)}") from error


def _read_limited(response: httpx.Response, url: str, settings: Settings, deadline: float) -> bytes:
    limit = settings.max_file_bytes
    too_large = f"cannot fetch {url}: larger than {size_limit_text(settings)}"
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise InputError(too_large)
    chunks: list[bytes] = []
    total = 0
    # iter_bytes decompresses, so the limit also stops a small gzip bomb.
    for chunk in response.iter_bytes():
        total += len(chunk)
        if total > limit:
            raise InputError(too_large)
        if time.monotonic() > deadline:  # each read is bounded too (fetch_transport)
            raise _too_slow(url, settings)
        chunks.append(chunk)
    return b"".join(chunks)


def _check_url(url: str, settings: Settings, deadline: float) -> tuple[str, int, list[str]]:
    """Refuse other schemes and, unless allowed, hosts with a non-public address; return
    (host, port, addresses): the only addresses the fetch may connect to for this hop."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError) as error:
        raise InputError(f"not a valid URL: {url} ({_one_line(error)})") from error
    scheme = parsed.scheme.lower()
    if scheme not in ("http", "https"):
        raise InputError(f"only http and https URLs can be fetched, not {scheme or 'this'}: {url}")
    host = parsed.host
    if not host:
        raise InputError(f"URL has no host: {url}")
    port = parsed.port or (443 if scheme == "https" else 80)
    raw_host = parsed.raw_host.decode("ascii")  # as the HTTP client will ask to connect
    try:
        addresses = resolve(raw_host, port, deadline)
    except DeadlinePassed:
        raise _too_slow(url, settings) from None
    except (OSError, UnicodeError) as error:
        raise InputError(f"cannot resolve host {host}: {_one_line(error)}") from error
    if not addresses:
        raise InputError(f"cannot resolve host {host}: no address")
    if settings.allow_private_urls:
        return raw_host, port, addresses
    for text in addresses:
        address = ipaddress.ip_address(text.split("%")[0])
        if not _is_public(address):
            raise InputError(
                f"refusing {url}: {host} resolves to a private or local address ({address}); "
                "set ASSISTANT_ALLOW_PRIVATE_URLS=true to allow it"
            )
    return raw_host, port, addresses


def _is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped  # ::ffff:127.0.0.1 is loopback too
    bad = (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_reserved
        or address.is_multicast
        or address.is_unspecified
    )
    # is_global also excludes shared (100.64/10) and documentation ranges.
    return not bad and address.is_global


def _file_name(url: str, content_type: str, data: bytes) -> str:
    """A name whose suffix tells parse_bytes the format: from the type, the url, the bytes."""
    mime = content_type.split(";")[0].strip().lower()
    last = httpx.URL(url).path.rstrip("/").rsplit("/", 1)[-1]
    stem, dot, ext = last.rpartition(".")
    url_suffix = f".{ext.lower()}" if dot else ""
    suffix = _SUFFIX_BY_TYPE.get(mime) or (".json" if mime.endswith("+json") else "")
    # Servers often send Markdown and JSON Lines as text/plain or octet-stream.
    if (not suffix and url_suffix in SUPPORTED_SUFFIXES) or (
        suffix == ".txt" and url_suffix in (".md", ".markdown", ".json", ".jsonl")
    ):
        suffix = url_suffix
    if not suffix:
        suffix = _sniff(data)
    stem = re.sub(r"[^\w.-]+", "_", stem if dot else last)[:80].strip("._") or "download"
    return stem + suffix


def _sniff(data: bytes) -> str:
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head[:1] == b"<":
        return ".html"
    if head[:1] in (b"{", b"["):
        return ".json"
    return ".txt"


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return text or type(error).__name__
