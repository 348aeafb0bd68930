"""The one phrase the assistant uses when the articles do not answer a question.

Prompts, code and tests all take it from here.
"""

REFUSAL = "The articles in the archive do not answer this question."


def is_refusal(text: str) -> bool:
    """True when an engine's reply is (essentially) the refusal phrase."""
    core = REFUSAL.rstrip(".").lower()
    return core in " ".join(text.lower().split())
