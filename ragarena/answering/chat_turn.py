"""One Chat turn: the question's passages, then the model's answer streamed and metered.

The question → retrieval → answer model → answer path as the Chat runs it (the Arena runs two
models at once in `ragarena.arena.turn`); training builds its examples the same way
(`train/serving.py`, tested in tests/test_train_serving.py).
"""

from __future__ import annotations

import time

from ragarena.answering.backends.base import AnswerRequest, BackendError
from ragarena.answering.engine import Engine
from ragarena.answering.metering import metered_answer
from ragarena.core.i18n import _


def answer_stream(engine: Engine, model_id: str, question: str, history: list[tuple[str, str]], refresh_s: float = 0.0):
    """Yield (hits, partial answer, metadata or None) as the model streams; the metadata (time to
    first token, total time, tokens, cost) comes with the last yield. Partial answers come at most
    every `refresh_s` (the first words at once; 0: every chunk). Raises BackendError (its message a
    Spanish `Text`)."""
    hits = engine.retrieve(question, [q for q, _answer in history])
    unavailable = engine.unavailable()
    if model_id in unavailable:
        raise BackendError(_("Ese modelo no está disponible: {reason}", reason=unavailable[model_id]))
    request = AnswerRequest(question, tuple(hits), tuple(history))
    metered = metered_answer(engine, model_id, request)
    answer, shown_at = "", None  # when a partial answer with text was last yielded
    try:
        yield hits, answer, None
        for chunk in metered:
            answer += chunk
            if shown_at is not None and time.monotonic() - shown_at < refresh_s:
                continue  # coalesced into a later yield (the last one always comes, with the metadata)
            if answer:
                shown_at = time.monotonic()
            yield hits, answer, None
    finally:
        metered.close()
    yield hits, answer, metered.meta
