"""Ingestion: reading files, folders and URLs into articles, chunking them, and writing
them to the store (``ingest``, ``remove``, ``rebuild``)."""
