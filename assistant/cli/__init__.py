"""The command line (``assistant ...``, ``python -m assistant.cli``): commands, the chat
loop and terminal output."""

from .commands import main

__all__ = ["main"]
