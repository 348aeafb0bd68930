"""Answer engines: extractive (offline), any OpenAI-compatible chat server, a local GGUF
model."""
