"""What an answer cost: time to first token, total time, tokens and, where the registry has prices, USD.

    metered = MeteredStream(backend.stream(request), spec, request)
    for text in metered:          # text chunks only (a backend's Usage is consumed here)
        ...
    metered.meta                  # AnswerMeta, complete once the stream ended (or failed)
    # in words: ragarena.ui.render.format_meta(metered.meta) → "1.ª palabra 0,42 s · total 1,8 s · …"

With `prefetch=True` the backend starts at once in a background thread (its chunks wait in a
queue): the request to the model is in flight while the UI renders the retrieved passages,
instead of after Gradio has sent that first update. A consumer watching several such streams
(the Arena's two models) passes `on_item` (called from that thread on every chunk and at the end)
to learn when to look, and takes what arrived with `received()`, which never waits.

Tokens are the server's counts when it reported them (`Usage`), else an estimate from the text
(about 4 characters a token), marked as such. Prices come from the model's `models.yaml` entry:
`price_input_per_1m` and `price_output_per_1m` (USD per million tokens).
"""

from __future__ import annotations

import math
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ragarena.answering.backends.base import AnswerRequest, Usage
from ragarena.answering.models import find_spec
from ragarena.answering.prompts import build_messages

if TYPE_CHECKING:
    from ragarena.answering.models import ModelSpec

CHARS_PER_TOKEN = 4.0  # rough, for Spanish text with GPT-style tokenizers
TOKENS_PER_MESSAGE = 4  # chat formatting overhead per message
# A page shows a streaming answer at most this often (the Chat's and the Arena's): chunks in between are
# coalesced, since each redraw rebuilds the whole answer's Markdown (`safe_markdown`).
REFRESH_S = 0.1


@dataclass(frozen=True)
class AnswerMeta:
    ttft_s: float | None  # seconds to the first text chunk (None: no text came)
    total_s: float
    completion_tokens: int
    prompt_tokens: int | None  # None when neither reported nor estimable (no request given)
    tokens_estimated: bool  # True when the counts are estimates, not the server's
    cost_usd: float | None  # None when the model has no prices (or the prompt size is unknown)
    complete: bool = True  # False when the stream failed part way

    @property
    def total_tokens(self) -> int:
        return self.completion_tokens + (self.prompt_tokens or 0)


def estimate_tokens(text: str) -> int:
    return math.ceil(len(text) / CHARS_PER_TOKEN) if text else 0


def estimate_prompt_tokens(request: AnswerRequest) -> int:
    messages = build_messages(request.question, request.passages, request.history)
    return sum(estimate_tokens(m["content"]) + TOKENS_PER_MESSAGE for m in messages)


def prices(spec: ModelSpec | None) -> tuple[float, float] | None:
    """(USD per 1M input tokens, USD per 1M output tokens), or None when the registry has none."""
    if spec is None:
        return None
    try:
        price_in, price_out = spec.settings["price_input_per_1m"], spec.settings["price_output_per_1m"]
        return float(price_in), float(price_out)
    except (KeyError, TypeError, ValueError):
        return None


def cost_usd(spec: ModelSpec | None, prompt_tokens: int | None, completion_tokens: int) -> float | None:
    price = prices(spec)
    if price is None or prompt_tokens is None:
        return None
    return (prompt_tokens * price[0] + completion_tokens * price[1]) / 1_000_000


def metered_answer(engine, model_id: str, request: AnswerRequest, **options) -> MeteredStream:
    """A model's answer to `request`, started at once in the background (`prefetch`: the request is in
    flight while the page draws the passages) and metered: the one streaming path of the Chat and the
    Arena. `engine` gives `backend(model_id)` (BackendError, a message for the user, when the model
    cannot answer) and `specs` (prices); `options` go to `MeteredStream` (e.g. `on_item`)."""
    backend = engine.backend(model_id)
    return MeteredStream(backend.stream(request), find_spec(model_id, engine.specs), request, prefetch=True, **options)


class MeteredStream:
    """Iterate a backend's stream as text chunks while timing it; `.meta` once it has ended.

    The clock starts at the first `next()` (a backend's generator does nothing before), or at
    construction with `prefetch=True`, unless `started_at` (a `clock()` value) says otherwise.
    Errors from the backend pass through unchanged; `.meta` then describes the part received
    (`complete=False`). Call `close()` when abandoning the stream early (it stops the backend).
    """

    def __init__(
        self,
        stream: Iterable[str | Usage],
        spec: ModelSpec | None = None,
        request: AnswerRequest | None = None,
        *,
        started_at: float | None = None,
        clock: Callable[[], float] = time.perf_counter,
        prefetch: bool = False,
        on_item: Callable[[], None] | None = None,
    ):
        self._stream = iter(stream)
        self.spec, self.request = spec, request
        self._clock = clock
        self._started = started_at
        self._first: float | None = None
        self._parts: list[str] = []
        self.usage: Usage | None = None
        self.meta: AnswerMeta | None = None
        self._queue: queue.SimpleQueue | None = None
        self._ended_at: float | None = None  # prefetch: when the backend finished (not when the UI did)
        self._stop = threading.Event()
        self._on_item = on_item
        if prefetch:
            if self._started is None:
                self._started = clock()
            self._queue = queue.SimpleQueue()
            threading.Thread(target=self._pump, name="answer-prefetch", daemon=True).start()

    _END = object()

    def _pump(self) -> None:
        """Prefetch thread: move the backend's chunks (and its end or error) into the queue."""
        assert self._queue is not None
        try:
            for chunk in self._stream:
                if isinstance(chunk, str) and chunk and self._first is None:
                    self._first = self._clock()  # when it arrived, not when the UI took it
                self._put(chunk)
                if self._stop.is_set():
                    break
        except BaseException as error:  # handed to the consumer, raised there
            self._ended_at = self._clock()
            self._put(_Failure(error))
        else:
            self._ended_at = self._clock()
            self._put(self._END)
        finally:
            close = getattr(self._stream, "close", None)
            if close:
                close()

    def _put(self, item) -> None:
        assert self._queue is not None
        self._queue.put(item)
        if self._on_item is not None:
            self._on_item()

    def _next_chunk(self, wait: bool = True) -> str | Usage:
        if self._queue is None:
            return next(self._stream)
        item = self._queue.get(block=wait)  # queue.Empty when not waiting and nothing came
        if item is self._END:
            self._queue.put(item)  # stay ended
            raise StopIteration
        if isinstance(item, _Failure):
            self._queue.put(item)
            raise item.error
        return item

    @property
    def text(self) -> str:
        """The answer so far."""
        return "".join(self._parts)

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        return self._take(wait=True)

    def received(self) -> list[str]:
        """With `prefetch`: the text chunks that have arrived, without waiting (none yet: []). When
        the stream has ended `.meta` is set; the backend's error is raised here, as by `next()`."""
        chunks = []
        while self.meta is None:
            try:
                chunks.append(self._take(wait=False))
            except (queue.Empty, StopIteration):
                break
        return chunks

    def _take(self, wait: bool) -> str:
        if self._started is None:
            self._started = self._clock()
        while True:
            try:
                chunk = self._next_chunk(wait)
            except queue.Empty:  # not waiting, nothing came: the stream goes on
                raise
            except StopIteration:
                self._finish(complete=True)
                raise
            except BaseException:
                self._finish(complete=False)
                raise
            if isinstance(chunk, Usage):
                self.usage = chunk
                continue
            if chunk:
                if self._first is None:
                    self._first = self._clock()
                self._parts.append(chunk)
                return chunk

    def close(self) -> None:
        """Stop early (the consumer went away): stops the backend, keeps what was timed."""
        if self._queue is not None:
            self._stop.set()  # the prefetch thread closes the backend after its current chunk
        else:
            close = getattr(self._stream, "close", None)
            if close:
                close()
        if self.meta is None and self._started is not None:
            self._finish(complete=False)

    def _finish(self, complete: bool) -> None:
        if self.meta is not None:
            return
        end = self._ended_at if self._ended_at is not None else self._clock()
        started = self._started if self._started is not None else end
        if self.usage is not None and (self.usage.completion_tokens or self.usage.prompt_tokens):
            completion, prompt, estimated = self.usage.completion_tokens, self.usage.prompt_tokens, False
        else:
            completion = estimate_tokens(self.text)
            prompt = estimate_prompt_tokens(self.request) if self.request is not None else None
            estimated = True
        self.meta = AnswerMeta(
            ttft_s=None if self._first is None else self._first - started,
            total_s=end - started,
            completion_tokens=completion,
            prompt_tokens=prompt,
            tokens_estimated=estimated,
            cost_usd=cost_usd(self.spec, prompt, completion),
            complete=complete,
        )


@dataclass(frozen=True)
class _Failure:
    error: BaseException
