"""The web server around the chat page: FastAPI app, login and host guard."""
