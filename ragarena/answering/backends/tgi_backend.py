"""Answers from a Text Generation Inference server (the fine-tuned model), through its Messages API.

`huggingface_hub.InferenceClient(base_url=TGI_URL)` posts to `TGI_URL/v1/chat/completions` and
streams the answer. The client does not retry, so this backend does: 429, 408/409 and 5xx
answers, connection errors and timeouts are retried with exponential backoff (honouring
Retry-After) while no text has been shown yet, all within the answer's `Deadline` (`timeout_s`). Failures become `BackendError`s with Spanish,
token-free messages.

Notes on the installed `huggingface_hub` (2.x, on `httpx2`):
- with a URL as model it talks to that server directly (no Hub routing);
- it sends HF_TOKEN, or else a token saved by `hf auth login`, as the Authorization header: when
  the registry names no token, the header is removed, so a personal Hub token never reaches a
  third-party TGI server;
- HF_HUB_OFFLINE=1 blocks every request it makes, this one too: `unavailable_reason` says so;
- a streamed response stays open until the client is closed, so a client lives for one request.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from importlib.util import find_spec
from typing import TYPE_CHECKING, Any

from ragarena.answering.backends.base import AnswerRequest, BackendError, Usage
from ragarena.answering.backends.remote import (
    Deadline,
    RemoteSettings,
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
from ragarena.answering.prompts import build_messages
from ragarena.core.i18n import Text, _

if TYPE_CHECKING:
    from ragarena.answering.models import ModelSpec

log = logging.getLogger(__name__)


def settings_of(spec: ModelSpec) -> RemoteSettings:
    return RemoteSettings.from_spec(spec, base_url_env="TGI_URL", api_key_env="HF_TOKEN")


def unavailable_reason(spec: ModelSpec) -> Text | None:
    settings = settings_of(spec)
    if find_spec("huggingface_hub") is None:
        return _(
            "Instala el paquete «{package}» (pip install -r requirements.txt) para activarlo.",
            package="huggingface_hub",
        )
    if not settings.base_url:
        return _(
            "Define {url_env} con la dirección del servidor TGI (y {key_env} si está protegido) para activarlo.",
            url_env=settings.base_url_env,
            key_env=settings.api_key_env,
        )
    from huggingface_hub import constants

    if constants.is_offline_mode():
        return _("HF_HUB_OFFLINE está activado y bloquea también las llamadas a TGI: quítalo para activarlo.")
    return url_problem(settings.base_url, settings.base_url_env)


def build(spec: ModelSpec, retriever: Any = None) -> TGIBackend:
    return TGIBackend(spec)


class _Retry(Exception):
    def __init__(self, delay: float):
        self.delay = delay


class TGIBackend:
    def __init__(self, spec: ModelSpec):
        self.id, self.label = spec.id, spec.label
        self.settings = settings_of(spec)
        if not self.settings.base_url:
            raise BackendError(_("Define {env} para usar «{label}».", env=self.settings.base_url_env, label=self.label))

    def __repr__(self) -> str:
        return f"TGIBackend(id={self.id!r}, model={self.settings.model!r}, url={safe_url(self.settings.base_url)!r})"

    __str__ = __repr__

    def stream(self, request: AnswerRequest) -> Iterator[str | Usage]:
        messages = build_messages(request.question, request.passages, request.history)
        deadline = Deadline(self.settings.timeout_s)
        attempt = 0
        while True:
            try:
                yield from self._attempt(messages, attempt, deadline)
                return
            except _Retry as retry:
                log.debug(
                    "%s: retrying in %.2f s (retry %d of %d)",
                    self.id,
                    retry.delay,
                    attempt + 1,
                    self.settings.max_retries,
                )
                time.sleep(retry.delay)
                attempt += 1

    def _attempt(self, messages: list[dict[str, str]], attempt: int, deadline: Deadline) -> Iterator[str | Usage]:
        import httpx2
        from huggingface_hub import InferenceClient
        from huggingface_hub.errors import (
            HfHubHTTPError,
            InferenceTimeoutError,
            OfflineModeIsEnabled,
            OverloadedError,
            TextGenerationError,
            ValidationError,
        )

        s = self.settings
        token = s.api_key()
        can_retry = attempt < s.max_retries
        shown = False  # once text is out, a retry would repeat it: fail instead
        budget = deadline.budget()

        def retry_or(message: Text, headers=None) -> Exception:
            delay = retry_delay(attempt, headers) if can_retry and not shown else None
            return _Retry(delay) if deadline.allows(delay) else BackendError(message)

        client = InferenceClient(
            base_url=s.base_url,
            token=token,
            timeout=budget,
            headers=None if token else {"authorization": None},  # no token named: send none at all
        )
        try:
            chunks = client.chat_completion(
                messages,
                model=s.model,
                stream=True,
                max_tokens=s.max_tokens,
                temperature=s.temperature,
                stream_options={"include_usage": True},
            )
            for piece in chat_stream(chunks, self.label):
                shown = shown or isinstance(piece, str)
                yield piece
        except OfflineModeIsEnabled:
            raise BackendError(_("HF_HUB_OFFLINE está activado y bloquea las llamadas a TGI: quítalo.")) from None
        except HfHubHTTPError as error:
            status = error.response.status_code
            log.debug("%s: HTTP %s", self.id, status)
            message = status_message(
                self.label,
                status,
                retries=attempt,
                key_env=s.api_key_env,
                model=s.model,
                url_env=s.base_url_env,
                who=_("el token"),
            )
            if is_retryable(status):
                raise retry_or(message, error.response.headers) from None
            raise BackendError(message) from None
        except (InferenceTimeoutError, httpx2.TimeoutException) as error:
            log.debug("%s: %s", self.id, type(error).__name__)
            # Before any text the whole deadline has passed; within the stream, this try's silence.
            seconds = max(round(budget, 1), 0.1) if shown else s.timeout_s
            raise retry_or(timeout_message(self.label, seconds, streaming=shown)) from None
        except OverloadedError:  # an error event inside the stream
            log.debug("%s: overloaded", self.id)
            raise retry_or(
                status_message(
                    self.label, 429, retries=attempt, key_env=s.api_key_env, model=s.model, url_env=s.base_url_env
                )
            ) from None
        except ValidationError:
            raise BackendError(
                status_message(self.label, 422, retries=0, key_env=s.api_key_env, model=s.model, url_env=s.base_url_env)
            ) from None
        except TextGenerationError as error:
            log.debug("%s: %s", self.id, type(error).__name__)
            raise BackendError(interrupted_message(self.label)) from None
        except httpx2.TransportError as error:  # refused, reset, or a body cut short
            log.debug("%s: %s", self.id, type(error).__name__)
            if shown:
                raise BackendError(cut_message(self.label)) from None
            if isinstance(error, httpx2.ConnectError):
                raise retry_or(unreachable_message(self.label, s.base_url, s.base_url_env)) from None
            raise retry_or(cut_message(self.label)) from None
        finally:
            client.close()
