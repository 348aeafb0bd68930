"""The web server around the chat page: ``server`` (FastAPI and uvicorn, login) and
``guard`` (which requests reach Gradio)."""
