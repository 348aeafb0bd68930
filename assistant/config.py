"""The one typed Settings object, built once at each entry point and passed down."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import (
    BaseSettings,
    DotEnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

# Nothing in this product may reach a model hub, an analytics host or a telemetry endpoint.
OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "ANONYMIZED_TELEMETRY": "False",
    "TOKENIZERS_PARALLELISM": "false",
}


def set_offline_env() -> None:
    """Set the offline switches unless the user has set them already."""
    for key, value in OFFLINE_ENV.items():
        os.environ.setdefault(key, value)
    if "TIKTOKEN_CACHE_DIR" not in os.environ:
        # llama-index ships tiktoken's encodings; without this tiktoken downloads them.
        # Found without importing llama-index (seconds of start-up a CLI call may not need).
        spec = importlib.util.find_spec("llama_index.core")
        if spec is not None and spec.origin:
            cache = Path(spec.origin).parent / "_static" / "tiktoken_cache"
            os.environ["TIKTOKEN_CACHE_DIR"] = str(cache)


def default_data_dir() -> Path:
    """Per-user data folder: $XDG_DATA_HOME/assistant or ~/.local/share/assistant."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "assistant"


ENV_FILE_VAR = "ASSISTANT_ENV_FILE"


def env_file_path(data_dir: Path | str | None = None) -> Path:
    """The ``.env`` file settings are read from: ``ASSISTANT_ENV_FILE`` (``--env-file``) when
    set, else ``.env`` in the data folder. Never the current folder's ``.env``: whoever can
    drop a file where ``assistant`` happens to run must not redirect its questions."""
    explicit = os.environ.get(ENV_FILE_VAR, "").strip()
    if explicit:
        return Path(explicit).expanduser()
    base = data_dir or os.environ.get("ASSISTANT_DATA_DIR") or default_data_dir()
    return Path(base).expanduser() / ".env"


def env_file_note(settings: Settings) -> str:
    """One line for the start of a run: which settings file was read, if any."""
    path = env_file_path(settings.data_dir)
    if path.is_file():
        return f"settings: read {path}"
    return f"settings: environment only (no {path})"


class Settings(BaseSettings):
    """Every setting, with a default; environment variables use the ``ASSISTANT_`` prefix.

    A ``.env`` file is read only from the data folder or ``ASSISTANT_ENV_FILE`` (see
    :func:`env_file_path`); the environment wins over it."""

    model_config = SettingsConfigDict(
        env_prefix="ASSISTANT_", env_file=None, extra="ignore", populate_by_name=True
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        if getattr(dotenv_settings, "env_file", None) is None:  # no explicit _env_file=
            data_dir = getattr(init_settings, "init_kwargs", {}).get("data_dir")
            dotenv_settings = DotEnvSettingsSource(settings_cls, env_file=env_file_path(data_dir))
        return init_settings, env_settings, dotenv_settings, file_secret_settings

    # Store
    data_dir: Path = Field(default_factory=default_data_dir, description="Local store folder.")
    chroma_url: str | None = Field(None, description="Chroma server URL; local store if unset.")
    collection: str = Field("articles", description="Chroma collection name prefix.")
    seeds_dir: Path | None = Field(None, description="Seed articles ingested into an empty store.")
    sync_interval: float = Field(
        1.0,
        ge=0,
        description="Seconds between looks at the store's change log for what other app "
        "servers wrote (questions look when the last look is older; `serve` looks this "
        "often on its own); 0: before every question.",
    )
    sync_full_interval: float = Field(
        60.0,
        gt=0,
        description="Seconds between `serve`'s comparisons of the whole article registry "
        "with its BM25 index (the net under a writer killed mid-write).",
    )

    # Embeddings
    embeddings: Literal["local", "torch", "onnx", "openai"] = Field(
        "local",
        description="Embedder: MiniLM on ONNX Runtime (local, onnx), on torch (torch: the [torch] "
        "extra), or an OpenAI-compatible API.",
    )
    embedding_model: str = Field(
        "text-embedding-3-small", description="Model name for OpenAI-compatible embeddings."
    )
    embed_batch_size: int = Field(32, description="Texts per embedding batch.")
    onnx_int8: bool = Field(
        True,
        description="The shipped ONNX encoder with int8 weights (2.5x torch's speed here, same "
        "ranking); false: fp32 weights, exported on first use (needs the [torch] extra).",
    )

    # Chunking
    chunk_tokens: int = Field(256, description="Most tokens in one chunk.")
    chunk_overlap: int = Field(32, description="Tokens repeated between neighbouring chunks.")

    # Retrieval
    top_k: int = Field(10, description="Passages retrieved per question.")
    candidates: int = Field(50, description="Candidates taken from each retriever before fusion.")
    dense_weight: float = Field(0.2, description="Weight of dense scores in fusion (0..1).")
    query_hints: bool = Field(
        True, description="Boost articles whose publisher or date the question names."
    )
    publisher_boost: float = Field(0.3, description="Score added for a named publisher.")
    date_boost: float = Field(0.2, description="Score added for a named publication date.")
    hint_candidates: int = Field(
        20, description="Extra candidates from each named publisher's articles."
    )
    segment_weight: float = Field(
        0.6, description="Weight of the part of a question about each publisher it names."
    )
    article_penalty: float = Field(
        0.1, description="Score lost per better chunk of the same article (spreads articles)."
    )
    sentence_weight: float = Field(
        3.0, description="Weight of a passage's best-matching sentence in the final ranking."
    )
    rerank_depth: int = Field(20, description="Passages re-ranked by their best sentence.")

    # Answering
    llm: Literal["auto", "extractive", "openai", "local"] = Field(
        "auto", description="Answer engine; auto picks openai when a key or base url is set."
    )
    llm_model: str = Field("gpt-4o-mini", description="Chat model name for the openai engine.")
    llm_model_path: Path | None = Field(None, description="GGUF file for the local engine.")
    llm_timeout: float = Field(60.0, description="Seconds before an LLM request gives up.")
    llm_retries: int = Field(2, description="Retries on connection errors, 429 and 5xx.")
    max_answer_tokens: int = Field(512, description="Most tokens an LLM answer may use.")
    answer_passages: int = Field(6, description="Passages shown to an LLM engine.")
    max_searches: int = Field(
        3,
        ge=0,
        description="Search questions an LLM engine may split a question needing several "
        "articles into (a comparison, an order in time), each searched and their passages "
        "taken in turn; one short extra call. Below 2: the question is searched as asked.",
    )
    planned_passages: int = Field(
        10,
        ge=1,
        description="Passages shown to an LLM engine for a question planned into several "
        "searches; its passage-token cap is max_passage_tokens times planned_passages / "
        "answer_passages.",
    )
    max_passage_tokens: int = Field(
        3000,
        ge=100,
        description="Most tokens of passage text in one LLM prompt (estimated at four "
        "characters a token): passages beyond it are left out, the last one kept is cut at a "
        "sentence end.",
    )
    unsupported_claims: Literal["flag", "drop"] = Field(
        "flag", description="What to do with claims their sources do not support."
    )
    openai_api_key: SecretStr | None = Field(
        None, validation_alias=AliasChoices("ASSISTANT_OPENAI_API_KEY", "OPENAI_API_KEY")
    )
    openai_base_url: str | None = Field(
        None, validation_alias=AliasChoices("ASSISTANT_OPENAI_BASE_URL", "OPENAI_BASE_URL")
    )

    # Input limits
    max_question_chars: int = Field(4000, description="Longest question accepted.")
    chat_history: int = Field(
        1000, ge=0, description="Lines `assistant chat` keeps in <data_dir>/chat_history (0: none)."
    )
    max_history_turns: int = Field(
        20,
        description="Most earlier turns a follow-up question may carry (the chat page sends "
        "the latest ones).",
    )
    max_history_turn_chars: int = Field(
        16000, description="Longest earlier turn (its question and answer together) accepted."
    )
    max_file_bytes: int = Field(20 * 1024 * 1024, description="Largest file or download.")
    max_records_per_file: int = Field(
        5000, description="Most records one JSON or JSONL file may hold (a larger one is skipped)."
    )
    max_articles_per_ingest: int = Field(
        10000,
        description="Most articles one ingest adds or updates (the write slot is held meanwhile); "
        "ingest again for the rest.",
    )
    url_timeout: float = Field(20.0, description="Seconds to fetch one URL.")
    allow_private_urls: bool = Field(
        False, description="Allow URLs on loopback or private networks (tests, intranets)."
    )

    # Chat page
    auth: SecretStr | None = Field(
        None, description="user:password login for the chat page (required off loopback)."
    )
    auth_file: Path | None = Field(
        None, description="File whose first line is the chat page's user:password login."
    )
    allowed_hosts: str = Field(
        "",
        description="Comma-separated extra host names the chat page answers to (a reverse "
        "proxy's public name); loopback names always; * turns the Host check off.",
    )
    login_free_failures: int = Field(
        5, description="Failed logins per client before each further try must wait."
    )
    login_max_delay: float = Field(
        60.0, description="Longest wait (seconds) between login tries after repeated failures."
    )
    upload_keep_seconds: int = Field(
        600, description="Seconds an uploaded file not yet added stays in the upload cache."
    )
    max_conversations: int = Field(
        20,
        ge=1,
        description="Past conversations the chat page keeps per browser session (oldest go).",
    )

    def engine_name(self) -> str:
        """The engine ``auto`` resolves to."""
        if self.llm != "auto":
            return self.llm
        if self.openai_api_key or self.openai_base_url:
            return "openai"
        return "extractive"
