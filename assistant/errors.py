"""One small exception hierarchy for every error a user can cause.

The CLI turns an :class:`AssistantError` into one line and a non-zero exit; the chat page
turns it into a chat message. Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations


class AssistantError(Exception):
    """Base class: the message says what went wrong and what to do about it."""


class ConfigError(AssistantError):
    """A setting is missing, unknown or contradicts the store."""


class InputError(AssistantError):
    """A question, path, file, record or URL that cannot be used as it is."""


class StoreError(AssistantError):
    """The article store cannot be opened or is inconsistent."""


class EmptyArchiveError(StoreError):
    """The archive holds no articles: nothing can be answered until some are ingested."""


class EmbedderMismatchError(StoreError):
    """The store was built with a different embedder than the one configured."""


class EngineError(AssistantError):
    """The answer engine (an LLM server, a local model) failed."""
