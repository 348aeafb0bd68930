"""Keep secrets (API keys, the chat page password) out of messages and logs.

Error messages are written so they never include a credential, but some text comes from
outside: an OpenAI-compatible server may echo the key it was sent, an exception may carry
a URL with a password in it. Everything shown to a user or written to a log passes
through :func:`redact` (the CLI's error line) or :class:`RedactingFilter` (log records).
"""

from __future__ import annotations

import logging
import re
from urllib.parse import parse_qsl, unquote, urlsplit

from ..config import Settings

MASK = "[redacted]"
_MIN_SECRET = 4  # shorter values ("a", "x") would mask ordinary words
# user:password@ or token@ right after a scheme's "://"
_URL_USERINFO = re.compile(r"(?<=://)[^/\s@?#\[\]\"'<>]+@")
# the query string of a URL ("?api-key=..."): kept out, as it often carries a token
_URL_QUERY = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^\s?#\"'<>]*)\?[^\s#\"'<>]*", re.IGNORECASE)


def url_secrets(url: str | None) -> list[str]:
    """The secret parts of a configured URL: its user info, password and query values."""
    if not url:
        return []
    try:
        parts = urlsplit(url)
    except ValueError:
        return []
    found = [parts.password or "", unquote(parts.password or "")]
    if "@" in parts.netloc:
        found.append(parts.netloc.rpartition("@")[0])
    found += [value for _, value in parse_qsl(parts.query)] + [parts.query]
    return [s for s in found if s]


def secrets_of(settings: Settings) -> list[str]:
    """The secret values these settings hold: the API key, the chat page password and any
    password or token in the OpenAI or Chroma URL."""
    found: list[str] = []
    if settings.openai_api_key is not None:
        found.append(settings.openai_api_key.get_secret_value())
    if settings.auth is not None:
        value = settings.auth.get_secret_value()
        found.append(value)
        found.append(value.partition(":")[2])
    found += url_secrets(settings.openai_base_url) + url_secrets(settings.chroma_url)
    return sorted({s for s in found if len(s) >= _MIN_SECRET}, key=len, reverse=True)


def redact(text: str, secrets: list[str] | Settings) -> str:
    """``text`` with every secret value masked, and every URL without its user info
    (``https://[redacted]@host``) and query string (``?[redacted]``)."""
    text = mask_values(text, secrets)
    text = _URL_USERINFO.sub(f"{MASK}@", text)
    return _URL_QUERY.sub(lambda m: f"{m.group(1)}?{MASK}", text)


def mask_values(text: str, secrets: list[str] | Settings) -> str:
    """``text`` with every secret value masked (URLs left as they are)."""
    values = secrets_of(secrets) if isinstance(secrets, Settings) else secrets
    for value in values:
        if len(value) >= _MIN_SECRET:
            text = text.replace(value, MASK)
    return text


def display_url(url: str) -> str:
    """A configured URL as messages may show it: no user info, no query string."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return redact(url, [])
    host = parts.netloc.rpartition("@")[2]
    return f"{parts.scheme}://{host}{parts.path}" if parts.scheme else redact(url, [])


class StreamRedactor:
    """Masks secrets in text that arrives in pieces (an answer streaming in), holding back
    a tail that could be the start of a secret until the next piece settles it."""

    def __init__(self, secrets: list[str] | Settings) -> None:
        values = secrets_of(secrets) if isinstance(secrets, Settings) else secrets
        self.secrets = sorted({v for v in values if len(v) >= _MIN_SECRET}, key=len, reverse=True)
        self._held = ""

    def feed(self, piece: str) -> str:
        text = mask_values(self._held + piece, self.secrets)
        keep = self._partial(text)
        self._held = text[len(text) - keep:] if keep else ""
        return text[: len(text) - keep]

    def flush(self) -> str:
        text, self._held = self._held, ""
        return text

    def _partial(self, text: str) -> int:
        """Length of the longest end of ``text`` that begins some secret."""
        longest = 0
        for secret in self.secrets:
            for size in range(min(len(secret) - 1, len(text)), longest, -1):
                if text.endswith(secret[:size]):
                    longest = size
                    break
        return longest


class RedactingFilter(logging.Filter):
    """A logging filter that masks secrets in each record's final message."""

    def __init__(self, secrets: list[str] | Settings) -> None:
        super().__init__()
        self.secrets = secrets_of(secrets) if isinstance(secrets, Settings) else list(secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message, self.secrets)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and record.exc_info[1] is not None:
            # Tracebacks print the exception's text: format it now, masked.
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text = redact(text, self.secrets)
        return True


def install_log_filter(settings: Settings, extra: list[str] | None = None) -> None:
    """Mask this process's secrets (and ``extra`` ones, such as a ``--auth`` login given on
    the command line) in every record reaching the root logger's handlers."""
    values = secrets_of(settings)
    for value in extra or []:
        values += [value, value.partition(":")[2]]
    values = sorted({v for v in values if len(v) >= _MIN_SECRET}, key=len, reverse=True)
    if not values:
        return
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter(values))


def current_secrets() -> list[str]:
    """The secrets of this process's settings, even when a setting is invalid (then read
    straight from the environment, since that error is what is being reported)."""
    try:
        return secrets_of(Settings())
    except Exception:  # noqa: BLE001 - any invalid setting: fall back to the raw variables
        import os

        names = ("ASSISTANT_OPENAI_API_KEY", "OPENAI_API_KEY", "ASSISTANT_AUTH")
        values = [os.environ.get(name, "") for name in names]
        values += [v.partition(":")[2] for v in values[2:]]
        return sorted({v for v in values if len(v) >= _MIN_SECRET}, key=len, reverse=True)
