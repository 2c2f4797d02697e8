"""Answers from the OpenAI chat completions API (or any server speaking it, via OPENAI_BASE_URL).

The `openai` client streams the answer (`stream=True`, usage reported in a last chunk); 429 and
5xx answers, connection errors and timeouts are retried here with exponential backoff
(`max_retries`), all within one `Deadline` of `timeout_s` for the answer to start, so a server
that stalls costs `timeout_s`, not one `timeout_s` per try. Every failure becomes a `BackendError` with a Spanish message that never holds
the key: the key goes only into the client, which sends it as the Authorization header.

What remote backends share (settings, safe URLs, messages, backoff) is in `remote`. The client
package is imported lazily, so the app starts (and says how to enable the model) without it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from importlib.util import find_spec
from typing import TYPE_CHECKING, Any

from ragarena.answering import model_check
from ragarena.answering.backends.base import AnswerRequest, BackendError, Usage
from ragarena.answering.backends.remote import (
    DEFAULT_BASE_URL,
    Deadline,
    chat_stream,
    cut_message,
    interrupted_message,
    is_retryable,
    retry_delay,
    safe_url,
    status_message,
    timeout_message,
    unreachable_message,
    url_problem,
)
from ragarena.answering.backends.remote import (
    openai_settings as settings_of,  # the name judge_setup calls on either backend module
)
from ragarena.answering.prompts import build_messages
from ragarena.core.i18n import Text, _

if TYPE_CHECKING:
    from ragarena.answering.models import ModelSpec

log = logging.getLogger(__name__)

PLACEHOLDER_KEY = "EMPTY"  # what the client sends to a server that needs no key (vLLM's convention)


def unavailable_reason(spec: ModelSpec) -> Text | None:
    settings = settings_of(spec)
    if find_spec("openai") is None:
        return _("Instala el paquete «{package}» (pip install -r requirements.txt) para activarlo.", package="openai")
    if settings.key_optional:  # a self-hosted engine: the address is what it needs
        if not settings.base_url:
            return _(
                "Define {url_env} con la dirección /v1 de un servidor vLLM o SGLang (y {model_env} con el "
                "nombre del modelo o adaptador servido) para activarlo.",
                url_env=settings.base_url_env,
                model_env=str(spec.settings.get("model_env") or "model"),
            )
        return url_problem(settings.base_url, settings.base_url_env)
    if not settings.api_key():
        return _(
            "Define {key_env} (y opcionalmente {url_env}) para activarlo.",
            key_env=settings.api_key_env,
            url_env=settings.base_url_env,
        )
    return url_problem(settings.base_url, settings.base_url_env)


def build(spec: ModelSpec, retriever: Any = None) -> OpenAIBackend:
    return OpenAIBackend(spec)


class OpenAIBackend:
    def __init__(self, spec: ModelSpec):
        import openai

        self.id, self.label, self.spec = spec.id, spec.label, spec
        self.settings = settings_of(spec)
        s = self.settings
        if not s.api_key() and not s.key_optional:
            raise BackendError(_("Define {env} para usar «{label}».", env=s.api_key_env, label=self.label))
        self._client = openai.OpenAI(
            api_key=s.api_key() or PLACEHOLDER_KEY,
            base_url=s.base_url or DEFAULT_BASE_URL,
            timeout=openai.Timeout(s.timeout_s, connect=min(5.0, s.timeout_s)),
            max_retries=0,  # retried in `stream`, within the answer's deadline
        )

    def __repr__(self) -> str:
        return f"OpenAIBackend(id={self.id!r}, model={self.settings.model!r}, base_url={self._url()!r})"

    __str__ = __repr__

    def _url(self) -> str:
        return safe_url(self.settings.base_url or DEFAULT_BASE_URL)

    def stream(self, request: AnswerRequest) -> Iterator[str | Usage]:
        import openai

        s = self.settings
        messages = build_messages(request.question, request.passages, request.history)
        options: dict[str, Any] = {s.max_tokens_param: s.max_tokens}
        if s.reasoning_effort is not None:
            options["reasoning_effort"] = s.reasoning_effort
        deadline = Deadline(s.timeout_s)
        attempt = 0
        while True:
            budget = deadline.budget()
            try:
                response = self._client.chat.completions.create(
                    model=s.model,
                    messages=messages,
                    temperature=s.temperature,
                    stream=True,
                    stream_options={"include_usage": True},
                    timeout=openai.Timeout(budget, connect=min(5.0, budget)),
                    **options,
                )
                break
            except openai.OpenAIError as error:
                delay = self._retry_delay(error, attempt)
                if not deadline.allows(delay):
                    raise self._error(error, streaming=False, retries=attempt) from None
                log.debug("%s: retrying in %.2f s (retry %d of %d)", self.id, delay, attempt + 1, s.max_retries)
                time.sleep(delay)
                attempt += 1
        try:
            with response:
                yield from chat_stream(response, self.label)
        except openai.OpenAIError as error:
            raise self._error(error, streaming=True, retries=attempt, waited=budget) from None

    def _retry_delay(self, error: Exception, attempt: int) -> float | None:
        """Seconds to wait before retrying after `error`, None when it is not worth a retry."""
        import openai

        if attempt >= self.settings.max_retries:
            return None
        if isinstance(error, openai.APIStatusError):
            return retry_delay(attempt, error.response.headers) if is_retryable(error.status_code) else None
        if isinstance(error, (openai.APITimeoutError, openai.APIConnectionError)):
            return retry_delay(attempt)
        return None

    def _error(
        self, error: Exception, *, streaming: bool, retries: int = 0, waited: float | None = None
    ) -> BackendError:
        """The Spanish, key-free message for an `openai` exception (logged by type and status only);
        `retries`: how many retries were made; `waited`: the silence that timed a stream out."""
        import openai

        s = self.settings
        status = getattr(error, "status_code", None)
        log.debug("%s: %s (status %s, streaming=%s)", self.id, type(error).__name__, status, streaming)
        if isinstance(error, openai.NotFoundError) and not streaming:
            # The model is gone (retired, or an adapter not loaded): the same words as the start-up check.
            reason = model_check.explain_not_found(self.spec)
            if reason:
                return BackendError(_("El modelo «{model}» no está disponible: {reason}", model=self.id, reason=reason))
        if isinstance(error, openai.APIStatusError):
            return BackendError(
                status_message(
                    self.label,
                    error.status_code,
                    retries=retries,
                    key_env=s.api_key_env,
                    model=s.model,
                    url_env=s.base_url_env,
                )
            )
        if isinstance(error, openai.APITimeoutError):
            # Before the answer started the whole deadline has passed; within the stream, the silence.
            seconds = max(round(waited, 1), 0.1) if streaming and waited is not None else s.timeout_s
            return BackendError(timeout_message(self.label, seconds, streaming=streaming))
        if isinstance(error, openai.APIConnectionError):
            if streaming:
                return BackendError(cut_message(self.label))
            return BackendError(unreachable_message(self.label, s.base_url or DEFAULT_BASE_URL, s.base_url_env))
        if isinstance(error, openai.APIError) and streaming:  # an error event inside the stream
            return BackendError(interrupted_message(self.label))
        return BackendError(
            _("«{label}» no ha podido responder ({error}).", label=self.label, error=type(error).__name__)
        )
