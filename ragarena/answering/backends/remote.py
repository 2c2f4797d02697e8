"""What the remote answer models share: their `models.yaml` settings, safe URLs, Spanish error messages,
retry backoff and the answer's `Deadline`.

The OpenAI backend (`openai_backend`), the TGI backend (`tgi_backend`), the start-up model check
(`ragarena.answering.model_check`) and the LLM judge (`ragarena.scoring.judge_setup`) read a remote
entry and report its failures through these, so a refused key or an unreachable server reads the
same everywhere, and never holds the key or a URL's secrets.
"""

from __future__ import annotations

import logging
import math
import random
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ragarena import settings
from ragarena.answering.backends.base import BackendError, Usage
from ragarena.core.i18n import Text, _

if TYPE_CHECKING:
    from ragarena.answering.models import ModelSpec

log = logging.getLogger(__name__)

# Backoff between retries: INITIAL * 2**n seconds (minus up to 25 % jitter), at most MAX_DELAY;
# a server's Retry-After is honoured up to MAX_RETRY_AFTER (longer: give up and say so).
INITIAL_RETRY_DELAY = 0.5
MAX_RETRY_DELAY = 8.0
MAX_RETRY_AFTER = 60.0
RETRYABLE_STATUS = {408, 409, 429}  # and every 5xx


DEFAULT_BASE_URL = "https://api.openai.com/v1"  # OpenAI's API, for an `openai` entry without base_url


@dataclass(frozen=True)
class RemoteSettings:
    """What a remote model's `models.yaml` entry says, with the environment applied. Holds no key."""

    model: str
    base_url: str | None  # None: the client's default
    base_url_env: str
    api_key_env: str
    temperature: float = 0.0
    max_tokens: int = 256
    timeout_s: float = 30.0
    max_retries: int = 2
    key_optional: bool = False  # a local vLLM/SGLang server started without --api-key needs none
    reasoning_effort: str | None = None  # reasoning models (gpt-6-luna): "none" answers at once, temperature applies
    max_tokens_param: str = "max_tokens"  # or "max_completion_tokens" (what OpenAI's reasoning models take)

    @classmethod
    def from_spec(cls, spec: ModelSpec, *, base_url_env: str, api_key_env: str) -> RemoteSettings:
        s = spec.settings
        url_env = str(s.get("base_url_env", base_url_env))
        return cls(
            model=str(s.get("model", spec.id)),
            base_url=settings.raw(url_env) or s.get("base_url") or None,
            base_url_env=url_env,
            api_key_env=str(s.get("api_key_env", api_key_env)),
            temperature=float(s.get("temperature", 0.0)),
            max_tokens=int(s.get("max_tokens", 256)),
            timeout_s=float(s.get("timeout_s", 30.0)),
            max_retries=max(0, int(s.get("max_retries", 2))),
            key_optional=bool(s.get("api_key_optional", False)),
            reasoning_effort=str(s["reasoning_effort"]) if s.get("reasoning_effort") is not None else None,
            max_tokens_param=str(s.get("max_tokens_param", "max_tokens")),
        )

    def api_key(self) -> str | None:
        return settings.raw(self.api_key_env) or None


def openai_settings(spec: ModelSpec) -> RemoteSettings:
    """Server, model and key of an `openai` registry entry (``OPENAI_BASE_URL``/``OPENAI_API_KEY`` by default)."""
    return RemoteSettings.from_spec(spec, base_url_env="OPENAI_BASE_URL", api_key_env="OPENAI_API_KEY")


def safe_url(url: str | None) -> str:
    """scheme://host[:port] only: user info, paths and query strings may hold secrets."""
    if not url:
        return ""
    parts = urlsplit(url)
    host = parts.hostname or ""
    return f"{parts.scheme}://{host}{f':{parts.port}' if parts.port else ''}" if parts.scheme else _("(URL no válida)")


def url_problem(url: str | None, env: str) -> Text | None:
    """A Spanish line (a `Text`) when `url` cannot be a server address, else None."""
    if url and urlsplit(url).scheme not in ("http", "https"):
        return _("{env} debe ser una dirección que empiece por http:// o https://.", env=env)
    return None


# The messages below are Spanish `Text`s (`ragarena.core.i18n`): the UI renders them in the reader's
# language; everywhere else (logs, CLI, tests) they read as the Spanish sentence.


def status_message(
    label: str, status: int, *, retries: int, key_env: str, model: str, url_env: str, who: str | None = None
) -> Text:
    """The Spanish message for an HTTP error status (after `retries` retries); `who`: what was
    refused, "la clave" (default) or "el token"."""
    who = who if who is not None else _("la clave")
    if not retries:
        after = ""
    elif retries == 1:
        after = _(" tras {retries} reintento", retries=retries)
    else:
        after = _(" tras {retries} reintentos", retries=retries)
    if status == 401:
        return _("«{label}» ha rechazado {who} (401): revisa {key_env}.", label=label, who=who, key_env=key_env)
    if status == 403:
        return _(
            "«{label}» ha denegado la petición (403): {who} no da acceso a «{model}»; revisa {key_env}.",
            label=label,
            who=who,
            model=model,
            key_env=key_env,
        )
    if status == 404:
        return _(
            "«{label}» no encuentra el modelo «{model}» (404): revisa «model» en models.yaml y {url_env}.",
            label=label,
            model=model,
            url_env=url_env,
        )
    if status == 429:
        return _(
            "«{label}» está saturado o se ha agotado la cuota (429){after}. "
            "Prueba dentro de un rato o revisa el límite de tu cuenta.",
            label=label,
            after=after,
        )
    if status >= 500:
        return _(
            "«{label}» ha fallado por un error del servidor ({status}){after}. Prueba de nuevo en un rato.",
            label=label,
            status=status,
            after=after,
        )
    return _(
        "«{label}» ha rechazado la petición ({status}): revisa la configuración del modelo en models.yaml "
        "(o acorta la conversación con «Nueva conversación»).",
        label=label,
        status=status,
    )


def _seconds(value: float) -> Text | str:
    """30 · 2,5 (decimal comma in Spanish, point in English)."""
    whole, point, fraction = f"{value:g}".partition(".")
    return _("{whole},{fraction}", whole=whole, fraction=fraction) if point else whole


def timeout_message(label: str, timeout_s: float, *, streaming: bool) -> Text:
    seconds = _seconds(timeout_s)
    if streaming:
        return _(
            "«{label}» ha dejado de enviar la respuesta (más de {seconds} s sin datos) y se ha cortado. "
            "Prueba de nuevo.",
            label=label,
            seconds=seconds,
        )
    return _(
        "«{label}» no ha respondido en {seconds} s. Prueba de nuevo o aumenta «timeout_s» en models.yaml.",
        label=label,
        seconds=seconds,
    )


def unreachable_message(label: str, url: str | None, url_env: str) -> Text:
    if url:
        return _(
            "No se puede conectar con «{label}» en {url}: comprueba {url_env} y la red.",
            label=label,
            url=safe_url(url),
            url_env=url_env,
        )
    return _("No se puede conectar con «{label}»: comprueba {url_env} y la red.", label=label, url_env=url_env)


def cut_message(label: str) -> Text:
    return _("La respuesta de «{label}» se ha cortado a mitad (se perdió la conexión). Prueba de nuevo.", label=label)


def interrupted_message(label: str) -> Text:
    """The server sent an error event inside the stream."""
    return _("«{label}» ha interrumpido la respuesta con un error. Prueba de nuevo.", label=label)


def chat_stream(chunks: Iterable[Any], label: str) -> Iterator[str | Usage]:
    """The text of an OpenAI-format chat completion stream (the `openai` client's chunks and
    `huggingface_hub`'s have the same fields), then the server's token counts when it sent them.
    A body that ends before a choice says it finished was cut short: BackendError."""
    usage: Usage | None = None
    finished = False
    for chunk in chunks:
        if chunk.usage is not None:
            usage = Usage(chunk.usage.prompt_tokens or 0, chunk.usage.completion_tokens or 0)
        for choice in chunk.choices or []:
            if choice.delta is not None and choice.delta.content:
                yield choice.delta.content
            if choice.finish_reason:
                finished = True
    if not finished:
        log.debug("%s: stream ended without finish_reason", label)
        raise BackendError(cut_message(label))
    if usage is not None:
        yield usage


def retry_delay(attempt: int, headers: Mapping[str, str] | None = None) -> float | None:
    """Seconds to wait before retry number `attempt + 1`, or None when the server asks for too long."""
    for name, divisor in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(name) if headers else None
        if value is None:
            continue
        try:
            delay = float(value) / divisor
        except ValueError:
            continue
        if math.isfinite(delay) and delay > MAX_RETRY_AFTER:
            return None
        if math.isfinite(delay) and delay >= 0:
            return delay
    return min(INITIAL_RETRY_DELAY * 2**attempt, MAX_RETRY_DELAY) * (1 - 0.25 * random.random())


def is_retryable(status: int) -> bool:
    return status in RETRYABLE_STATUS or status >= 500


MIN_TRY_S = 0.05  # a retry needs at least this much of the deadline left after its backoff


class Deadline:
    """One deadline per answer (`timeout_s` of models.yaml): every try, and every wait between tries,
    must fit before it, so the answer starts within `seconds` or fails saying so. Each try is given
    what is left as its timeout (`budget`), which also bounds the silence between two chunks."""

    def __init__(self, seconds: float, clock=time.monotonic):
        self.seconds, self._clock = seconds, clock
        self._end = clock() + seconds

    def remaining(self) -> float:
        return max(0.0, self._end - self._clock())

    def budget(self) -> float:
        """The timeout of the next try: what is left of the deadline (at least MIN_TRY_S)."""
        return max(MIN_TRY_S, self.remaining())

    def allows(self, delay: float | None) -> bool:
        """Whether a retry after `delay` seconds still has time to get an answer before the deadline."""
        return delay is not None and self.remaining() >= delay + MIN_TRY_S
