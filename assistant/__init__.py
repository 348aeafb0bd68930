"""Question answering over news articles, with every sentence cited to its source."""

from .config import Settings, set_offline_env

set_offline_env()

from .answering.pipeline import answer, stream_answer  # noqa: E402
from .answering.refusal import REFUSAL  # noqa: E402
from .errors import (  # noqa: E402
    AssistantError,
    ConfigError,
    EmptyArchiveError,
    EngineError,
    InputError,
    StoreError,
)
from .ingestion.pipeline import ingest, remove  # noqa: E402
from .records import Answer, Citation, Claim, Filters, IngestReport, Passage  # noqa: E402
from .retrieval.retrieve import retrieve  # noqa: E402

__all__ = [
    "REFUSAL",
    "Answer",
    "AssistantError",
    "Citation",
    "Claim",
    "ConfigError",
    "EmptyArchiveError",
    "EngineError",
    "Filters",
    "IngestReport",
    "InputError",
    "Passage",
    "Settings",
    "StoreError",
    "answer",
    "ingest",
    "remove",
    "retrieve",
    "stream_answer",
]
