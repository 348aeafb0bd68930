"""The file suffixes ingest reads (each has a reader in :mod:`assistant.ingestion.readers`),
and those the chat page's upload widget offers: the same list without ``.markdown``, as the
page has always offered it."""

from __future__ import annotations

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".json", ".jsonl")
UPLOAD_SUFFIXES = tuple(s for s in SUPPORTED_SUFFIXES if s != ".markdown")
