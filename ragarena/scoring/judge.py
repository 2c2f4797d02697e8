"""LLM-as-judge: score each answer 1-5 on answer relevance, context relevance and groundedness.

The judge is any model that speaks the OpenAI chat-completions protocol (OpenAI, a TGI
server, vLLM, ...). Each item is sent once with the rubric (`ragarena.scoring.judge_rubric`);
the reply must be a JSON object holding a score and a short justification per criterion
(`ragarena.scoring.judge_reply`). Malformed replies are re-asked (telling the judge what was
wrong) up to `max_attempts` times, then the item is marked failed and reported.

`judge_items` runs the items in a thread pool, skipping those already in the judge cache
(`ragarena.scoring.judge_cache`) and adding each new judgement to it as soon as it arrives.
`python -m ragarena eval --judge MODEL` picks the judge and stores the record through
`ragarena.scoring.judge_setup`.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from statistics import mean
from typing import Any

from ragarena.answering.backends.remote import safe_url
from ragarena.core.criteria import CRITERIA
from ragarena.core.errors import UserError
from ragarena.scoring.judge_cache import JudgeCache, cache_key
from ragarena.scoring.judge_reply import JudgeOutputError, parse_judgement
from ragarena.scoring.judge_rubric import RETRY_PROMPT, JudgeItem, build_judge_messages

DEFAULT_ATTEMPTS = 3
DEFAULT_CONCURRENCY = 4


class JudgeFatalError(Exception):
    """An error no retry will fix (bad key, unknown model, unreachable server)."""


class JudgeItemFailed(Exception):
    """The judge never gave a valid reply for one item."""


@dataclass(frozen=True)
class JudgeTarget:
    """Where the judge lives: `name` is what records and the cache call it."""

    name: str
    model: str
    base_url: str | None = None
    api_key: str | None = None
    spec: Any = None  # the registry entry it came from (its shutdown date, its "define …" variable)


class Judge:
    """Asks one judge model; safe to call from several threads."""

    def __init__(self, target: JudgeTarget, max_attempts: int = DEFAULT_ATTEMPTS, timeout: float = 120.0, client=None):
        if max_attempts < 1:
            raise UserError("El juez necesita al menos un intento por respuesta.")
        self.target = target
        self.max_attempts = max_attempts
        self.json_mode = True  # turned off if the server rejects response_format
        self.requests = 0
        self._lock = threading.Lock()
        if client is None:
            import openai

            client = openai.OpenAI(
                api_key=target.api_key or "sin-clave", base_url=target.base_url, timeout=timeout, max_retries=2
            )
        self.client = client

    def _complete(self, messages: list[dict]) -> str:
        import openai

        while True:
            kwargs: dict[str, Any] = {"model": self.target.model, "messages": messages, "temperature": 0}
            json_mode = self.json_mode
            if json_mode:
                kwargs["response_format"] = {"type": "json_object"}
            with self._lock:
                self.requests += 1
            try:
                response = self.client.chat.completions.create(**kwargs)
            except (openai.BadRequestError, openai.UnprocessableEntityError) as error:
                if json_mode:
                    # Some servers refuse response_format (400/422): ask without it from now on;
                    # the reply is parsed just as well (fences and chatter are tolerated).
                    self.json_mode = False
                    continue
                raise JudgeItemFailed(f"el servidor rechazó la petición ({_short(error)})") from None
            except openai.AuthenticationError:
                raise JudgeFatalError(f"el servidor del juez rechaza la clave ({self._where()})") from None
            except openai.PermissionDeniedError:
                raise JudgeFatalError(f"la clave no tiene acceso al modelo «{self.target.model}»") from None
            except openai.NotFoundError:
                raise JudgeFatalError(
                    f"el servidor del juez ({self._where()}) no conoce el modelo «{self.target.model}»"
                ) from None
            except openai.APITimeoutError:
                raise JudgeItemFailed("el juez no respondió a tiempo") from None
            except openai.APIConnectionError:
                raise JudgeFatalError(f"no se puede conectar con el juez en {self._where()}") from None
            except openai.APIError as error:
                raise JudgeItemFailed(f"error del servidor del juez ({_short(error)})") from None
            choices = getattr(response, "choices", None) or []
            if not choices:
                return ""
            return choices[0].message.content or ""

    def _where(self) -> str:
        return safe_url(self.target.base_url) if self.target.base_url else "la API de OpenAI"

    def judge(self, item: JudgeItem) -> dict[str, dict]:
        """The judgement of one item; raises `JudgeItemFailed` or `JudgeFatalError`."""
        messages = build_judge_messages(item)
        reason = ""
        for _ in range(self.max_attempts):
            reply = self._complete(messages)
            try:
                return parse_judgement(reply)
            except JudgeOutputError as error:
                reason = str(error)
                messages = messages + [
                    {"role": "assistant", "content": reply or ""},
                    {"role": "user", "content": RETRY_PROMPT.format(reason=reason)},
                ]
        raise JudgeItemFailed(f"respuesta no válida tras {self.max_attempts} intentos ({reason})")


def _short(error: Exception, limit: int = 200) -> str:
    text = " ".join(str(error).split())
    return text if len(text) <= limit else text[:limit] + "…"


@dataclass
class JudgeRun:
    """What `judge_items` returns: judgements aligned with the items (None where failed)."""

    judgements: list[dict | None]
    failures: list[tuple[int, str, str]] = field(default_factory=list)  # (index, item id, reason)
    cached: int = 0
    requests: int = 0


def judge_items(
    items: Sequence[JudgeItem],
    judge: Judge,
    cache: JudgeCache | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    progress: bool = True,
) -> JudgeRun:
    """Judge every item (cached ones are not asked again), `concurrency` requests at a time.

    Raises `UserError` on a fatal error (bad key, unknown model, no connection): the
    judgements received until then are already in the cache.
    """
    if concurrency < 1:
        raise UserError("--judge-concurrency debe ser al menos 1.")
    run = JudgeRun([None] * len(items))
    keys = [cache_key(judge.target.name, item) for item in items]
    pending = []
    for index, key in enumerate(keys):
        hit = cache.get(key) if cache is not None else None
        if hit is not None:
            run.judgements[index] = hit
            run.cached += 1
        else:
            pending.append(index)
    bar = _progress_bar(len(items), run.cached, enabled=progress)
    requests_before = judge.requests

    def task(index: int) -> dict:
        judgement = judge.judge(items[index])
        if cache is not None:
            cache.put(keys[index], judgement, judge=judge.target.name, question=items[index].question)
        return judgement

    pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="juez")
    finished = False
    try:
        futures = {pool.submit(task, index): index for index in pending}
        remaining = set(futures)
        fatal: JudgeFatalError | None = None
        while remaining and fatal is None:
            done, remaining = wait(remaining, return_when=FIRST_COMPLETED)
            for future in done:
                index = futures[future]
                try:
                    run.judgements[index] = future.result()
                except JudgeItemFailed as error:
                    run.failures.append((index, items[index].id or f"ítem {index + 1}", str(error)))
                except JudgeFatalError as error:
                    fatal = error
                bar.update(1)
        if fatal is not None:
            raise UserError(
                f"El juez no puede seguir: {fatal}. Lo ya evaluado queda en la caché; "
                "vuelve a lanzar la orden para continuar."
            )
        finished = True
    finally:
        # On an error or Ctrl-C, drop what has not started; requests in flight end (and are cached).
        pool.shutdown(wait=finished, cancel_futures=not finished)
        bar.close()
        run.requests = judge.requests - requests_before
    run.failures.sort()
    return run


class _Counter:
    """Minimal progress on stderr when tqdm is not installed."""

    def __init__(self, total: int, initial: int):
        self.total, self.done = total, initial
        self._lock = threading.Lock()
        self._show()

    def _show(self) -> None:
        if sys.stderr.isatty() or self.done == self.total:
            print(f"\rJuez: {self.done}/{self.total} respuestas", end="", file=sys.stderr, flush=True)

    def update(self, n: int = 1) -> None:
        with self._lock:
            self.done += n
            self._show()

    def close(self) -> None:
        print(file=sys.stderr)


class _Silent:
    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


def _progress_bar(total: int, initial: int, enabled: bool):
    if not enabled:
        return _Silent()
    try:
        from tqdm import tqdm
    except ImportError:
        return _Counter(total, initial)
    return tqdm(total=total, initial=initial, desc="Juez", unit="respuesta", file=sys.stderr, dynamic_ncols=True)


def summarize_judgements(run: JudgeRun) -> dict:
    """Criterion means (1-5), their mean (`overall`), items scored and failed."""
    valid = [j for j in run.judgements if j is not None]
    means = {c: round(float(mean(j[c]["score"] for j in valid)), 3) if valid else None for c in CRITERIA}
    present = [v for v in means.values() if v is not None]
    return {
        **means,
        "overall": round(float(mean(present)), 3) if present else None,
        "n_items": len(valid),
        "n_failed": len(run.failures),
    }
