"""Keep secrets (API keys, the chat page password) out of messages and logs.

Error messages are written so they never include a credential, but some text comes from
outside: an OpenAI-compatible server may echo the key it was sent, an exception may carry
a URL with a password in it. Everything shown to a user or written to a log passes
through :func:`redact` (the CLI's error line) or :class:`RedactingFilter` (log records).
"""

from __future__ import annotations

import logging
import re

from .config import Settings

MASK = "[redacted]"
_MIN_SECRET = 4  # shorter values ("a", "x") would mask ordinary words
_URL_PASSWORD = re.compile(r"(?<=://)([^/\s:@]+):([^/\s@]+)@")


def secrets_of(settings: Settings) -> list[str]:
    """The secret values these settings hold: the API key and the chat page password."""
    found: list[str] = []
    if settings.openai_api_key is not None:
        found.append(settings.openai_api_key.get_secret_value())
    if settings.auth is not None:
        value = settings.auth.get_secret_value()
        found.append(value)
        found.append(value.partition(":")[2])
    return sorted({s for s in found if len(s) >= _MIN_SECRET}, key=len, reverse=True)


def redact(text: str, secrets: list[str] | Settings) -> str:
    """``text`` with every secret value and every password in a URL replaced by a mask."""
    values = secrets_of(secrets) if isinstance(secrets, Settings) else secrets
    for value in values:
        if len(value) >= _MIN_SECRET:
            text = text.replace(value, MASK)
    return _URL_PASSWORD.sub(lambda m: f"{m.group(1)}:{MASK}@", text)


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
