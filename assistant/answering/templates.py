"""Prompt templates, kept as files in ``prompts/`` and filled with ``string.Template``
(so literal braces in article text are harmless)."""

from __future__ import annotations

from functools import cache
from importlib import resources
from string import Template

from .refusal import REFUSAL


@cache
def load(name: str) -> Template:
    """The template ``prompts/<name>.txt``, from the installed package."""
    text = resources.files("assistant.prompts").joinpath(f"{name}.txt").read_text(encoding="utf-8")
    return Template(text)


def render(name: str, **values: object) -> str:
    """Fill a template; ``$refusal`` is always the one refusal phrase."""
    values.setdefault("refusal", REFUSAL)
    return load(name).safe_substitute({k: str(v) for k, v in values.items()}).strip()
