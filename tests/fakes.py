"""Fakes, not mocks: a counting embedder wrapper and a scripted OpenAI-compatible server."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import numpy as np

from assistant.answering.engines.openai_chat import planned_question
from assistant.evaluate.chat_server import ChatServer


class HashEmbedder:
    """A deterministic embedder with no model: hashed bag of lower-cased words, unit length.

    Texts sharing words get similar vectors, which is enough for retrieval plumbing tests.
    ``count_tokens`` counts whitespace-separated words unless another counter is given.
    ``documents`` counts the texts embedded for storage (re-ingest must not add any).
    """

    def __init__(self, name: str = "test:hash-64", dim: int = 64, count_tokens=None) -> None:
        self.name = name
        self.dim = dim
        self.documents = 0
        if count_tokens is not None:
            self.count_tokens = count_tokens

    def count_tokens(self, text: str) -> int:  # replaced per instance when given
        return len(text.split())

    def _vector(self, text: str) -> np.ndarray:
        vector = np.zeros(self.dim, dtype=np.float32)
        for word in re.findall(r"\w+", text.lower()):
            digest = hashlib.blake2b(word.encode(), digest_size=4).digest()
            vector[int.from_bytes(digest, "little") % self.dim] += 1.0
        norm = np.linalg.norm(vector)
        if norm == 0:
            vector[0] = 1.0
            return vector
        return vector / norm

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        self.documents += len(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._vector(t) for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        return self._vector(text)


def source_number(payload: dict[str, Any], phrase: str) -> int:
    """The number of the source holding ``phrase`` in a chat request's user message."""
    user = next(m["content"] for m in payload["messages"] if m["role"] == "user")
    for block in re.finditer(r"<<<SOURCE (\d+)\n(.*?)\nSOURCE \1>>>", user, re.S):
        if phrase in block.group(2):
            return int(block.group(1))
    raise AssertionError(f"no source holds {phrase!r}")


class CountingEmbedder:
    """Wraps a real embedder and counts the texts it is asked to embed."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.count_tokens = inner.count_tokens
        self.documents = 0

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        self.documents += len(texts)
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> np.ndarray:
        return self.inner.embed_query(text)


class ScriptedLLM(ChatServer):
    """An OpenAI-compatible HTTP server that streams canned replies (the product's
    :class:`~assistant.evaluate.chat_server.ChatServer` with a script).

    ``replies`` is a list consumed in order; each item is either a string (streamed as
    chat.completion.chunk events in small pieces), an int HTTP status to fail with,
    ("cut", text) to stream ``text`` and then drop the connection without finishing, or a
    callable given the request body that returns one of those (to cite the sources the
    request really holds). Every request body is recorded in ``requests``. With ``usage``
    (prompt, completion tokens), a stream that asks for it (``include_usage``) ends with a
    usage chunk, as OpenAI's does; without, none (as many compatible servers).

    A planning request (the engine asking how to search a question) is answered with the
    question itself, as a model answers a question about one story, and kept in
    ``plan_requests`` rather than ``requests``; with ``plans`` it takes the next scripted
    reply like any other request.
    """

    def __init__(
        self,
        replies: list[Any] | None = None,
        delay: float = 0.0,
        usage: tuple[int, int] | None = None,
        plans: bool = False,
    ) -> None:
        self.replies = list(replies or [])
        self.plans = plans
        self.plan_requests: list[dict[str, Any]] = []
        super().__init__(self._next, usage=usage, delay=delay)

    def _next(self, payload: dict[str, Any]) -> Any:
        asked = planned_question(payload.get("messages") or [])
        if asked is not None and not self.plans:
            self.requests.remove(payload)
            self.plan_requests.append(payload)
            return asked
        reply = self.replies.pop(0) if self.replies else "No reply scripted."
        return reply(payload) if callable(reply) else reply


class FakeJudge:
    """A reader/verifier with no model: scripted, for tests of what the engine and the claim
    checker do with its verdicts.

    ``answers`` maps a phrase to the short answer: a sentence holding the phrase answers any
    question (score 0.9, the answer located in it); others score 0.1. ``supports`` accepts a
    claim when every word of it (case folded, punctuation aside) is in the span, or when a
    ``supported`` pair (claim phrase, span phrase) matches."""

    def __init__(
        self, answers: dict[str, str] | None = None, supported=(), threshold: float = 0.5,
        sourced: float | None = None,
    ) -> None:
        self.answers = answers or {}
        self.supported = tuple(supported)
        self.answer_threshold = threshold
        self.answer_threshold_sourced = threshold if sourced is None else sourced
        self.support_threshold = threshold
        self.read_calls: list[tuple[str, int]] = []
        self.support_calls = 0

    def read(self, question, sentences):
        from assistant.judge import Reading

        self.read_calls.append((question, len(sentences)))
        out = []
        for sentence, _title, _source in sentences:
            found = next((a for p, a in self.answers.items() if p in sentence), None)
            if found is None:
                out.append(Reading(0.1, "", -1, -1))
            else:
                at = sentence.find(found)
                out.append(Reading(0.9, found, at, at + len(found)))
        return out

    def supports(self, claim, spans):
        self.support_calls += 1

        def words(text: str) -> set[str]:
            return set(re.findall(r"[a-z0-9]+", text.lower()))

        out = []
        for span, _title, _source in spans:
            ok = words(claim) <= words(span) or any(
                c in claim and s in span for c, s in self.supported
            )
            out.append(0.9 if ok else 0.1)
        return out
