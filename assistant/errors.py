"""One small exception hierarchy for every error a user can cause.

The CLI turns an :class:`AssistantError` into one line and a non-zero exit; the chat page
turns it into a chat message. Anything else is a bug and keeps its traceback.
:func:`describe_error` words a failed call to an OpenAI-compatible server (the answer
engine's or the embedder's) without echoing what the server said.
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


def describe_error(exc: Exception, where: str) -> str:
    """A readable one-line message for an API failure, never echoing credentials."""
    import openai

    if isinstance(exc, openai.APITimeoutError):
        return f"the language model at {where} did not answer in time; try again"
    if isinstance(exc, openai.APIConnectionError):
        return f"cannot reach the language model at {where}: is the server running?"
    if isinstance(exc, openai.RateLimitError):
        return f"the language model at {where} is rate-limiting requests; wait and try again"
    if isinstance(exc, openai.AuthenticationError):
        return f"the language model at {where} refused the API key (check OPENAI_API_KEY)"
    if isinstance(exc, openai.APIStatusError):
        return f"the language model at {where} failed with HTTP {exc.status_code}"
    return f"the language model at {where} failed: {type(exc).__name__}"
