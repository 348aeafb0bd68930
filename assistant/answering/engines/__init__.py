"""Answer engines: ``engine`` (the ``Engine`` protocol, ``get_engine(settings)``),
``extractive`` (offline), ``openai_chat`` (an OpenAI-compatible server), ``local`` (a GGUF
model through llama-cpp-python)."""
