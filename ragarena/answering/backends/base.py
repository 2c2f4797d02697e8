"""The one small interface every answer model implements: a request in, streamed text out."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from ragarena.core.passages import Hit, Passage


@dataclass(frozen=True)
class AnswerRequest:
    question: str
    hits: tuple[Hit, ...]
    # Earlier (question, answer) pairs of the conversation, oldest first.
    history: tuple[tuple[str, str], ...] = ()

    @property
    def passages(self) -> list[Passage]:
        return [hit.passage for hit in self.hits]


@dataclass(frozen=True)
class Usage:
    """Token counts reported by a server; a backend may yield one after its text chunks."""

    prompt_tokens: int = 0
    completion_tokens: int = 0


class BackendError(Exception):
    """A model could not answer; the message is Spanish and safe to show (never holds a key)."""


class Backend(Protocol):
    id: str
    label: str

    def stream(self, request: AnswerRequest) -> Iterator[str | Usage]:
        """Yield the answer as text chunks (optionally a final `Usage`); raise BackendError on failure."""
        ...


def collect(backend: Backend, request: AnswerRequest) -> str:
    """The whole answer as one string (evaluation does not need the stream)."""
    return "".join(chunk for chunk in backend.stream(request) if isinstance(chunk, str))


def words_as_chunks(text: str) -> Iterator[str]:
    """Stream a ready answer word by word, so every backend looks alike in the UI."""
    words = text.split(" ")
    for index, word in enumerate(words):
        yield word if index == len(words) - 1 else word + " "


def texts(passages: Sequence[Passage]) -> list[str]:
    return [p.text for p in passages]
