"""A browser session's conversations on the chat page: the current one, the past ones
(newest first, at most ``Settings.max_conversations``), and what Retry and Edit do to the
last turn. Plain functions over the page's :class:`~assistant.ui.render.ShownTurn` lists; the
page keeps the results in ``gr.State``, so nothing outlives the session."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from .render import ShownTurn

_LABEL_CHARS = 60


@dataclass(frozen=True)
class Conversation:
    """A saved conversation: its turns and the id the page's list selects it by."""

    id: str
    turns: list[ShownTurn] = field(default_factory=list)

    @property
    def label(self) -> str:
        """Its first question, shortened, and how many questions it holds."""
        first = " ".join(self.turns[0].question.split()) if self.turns else "(empty)"
        if len(first) > _LABEL_CHARS:
            first = first[:_LABEL_CHARS].rsplit(" ", 1)[0] + "…"
        n = len(self.turns)
        return first if n == 1 else f"{first} ({n} questions)"


def new_id() -> str:
    return uuid.uuid4().hex[:12]


def save(
    past: Sequence[Conversation], current_id: str, turns: Sequence[ShownTurn], limit: int
) -> list[Conversation]:
    """The list with the current conversation stored first (replacing its older copy);
    an empty conversation is not stored. At most ``limit`` are kept."""
    rest = [c for c in past if c.id != current_id]
    if not turns:
        return rest[:limit]
    return [Conversation(current_id, list(turns)), *rest][:limit]


def choices(past: Sequence[Conversation]) -> list[tuple[str, str]]:
    """(label, id) pairs for the page's list of conversations."""
    return [(c.label, c.id) for c in past]


def find(past: Sequence[Conversation], conversation_id: str) -> Conversation | None:
    return next((c for c in past if c.id == conversation_id), None)


def take_last(turns: Sequence[ShownTurn]) -> tuple[list[ShownTurn], str]:
    """The turns without the last one, and its question ("" when there is none): Retry
    asks it again, Edit puts it back in the question box."""
    if not turns:
        return [], ""
    return list(turns[:-1]), turns[-1].question
