"""Does the server still serve the configured model? `GET /v1/models`, asked before anyone waits for an answer.

OpenAI retires models on dated schedules (its deprecations page; `GET /v1/models` gives each model's
`shutdown_date`, "YYYY-MM-DD" or null), and a vLLM or SGLang server serves only the models and LoRA
adapters it was started with. For every entry of kind `openai` whose settings are complete, the app
asks its server's model list once at start, in a background thread with a short timeout, keeps the
answer (`FRESH_S`) and asks again later (`RETRY_S` after a failure). From it:

- a model whose `shutdown_date` has passed, or that OpenAI's deprecations page retired (`shutdown_date`
  of the `api_models` table, applied to OpenAI's own API), is unavailable: "retirado por OpenAI el
  2026-10-23: define OPENAI_MODEL con un modelo actual";
- a model the server does not list is unavailable, saying what it lists (and, for a LoRA adapter, how
  to load it in vLLM);
- a `shutdown_date` ahead gives a warning with the date;
- a server without `/v1/models` (404/405/501: TGI, some compatible servers), or one that could not be
  asked (timeout, refused, 401), blocks nothing: the answer itself reports what goes wrong.
  Entries with `only_if_listed: true` (the legacy gpt-3.5-turbo) are offered only once listed.

`eval --backend/--judge` ask synchronously (`verify`) before their first request, and a `404
model_not_found` in the middle of an answer asks again (`explain_not_found`), so every path gives the
same message. Keys are only sent, as the client's Authorization header; the cache is keyed by a digest.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ragarena.answering.backends.remote import DEFAULT_BASE_URL, openai_settings, safe_url
from ragarena.core.i18n import Text, _, join_text

if TYPE_CHECKING:
    from ragarena.answering.models import ModelSpec

log = logging.getLogger(__name__)

CHECK_TIMEOUT_S = 3.0  # per ask: a slow server must not hold up the start
FRESH_S = 3600.0  # a model list is trusted this long, then asked again in the background
RETRY_S = 60.0  # after a failed ask (timeout, refused), ask again this much later
NO_LISTING = {404, 405, 501}  # the server has no /v1/models: nothing is blocked
OPENAI_HOST = "api.openai.com"
MAX_NAMES = 6  # models named in a "not listed" message

clock: Callable[[], float] = time.monotonic  # replaced in tests


def today() -> date:
    """UTC today (replaced in tests): OpenAI's shutdown dates are calendar days."""
    return datetime.now(UTC).date()


@dataclass(frozen=True)
class Server:
    """An OpenAI-compatible server as one entry reaches it (the key itself is not kept)."""

    base_url: str
    api_key_env: str
    key_digest: str  # another key may see another list

    @property
    def official(self) -> bool:
        return (urlsplit(self.base_url).hostname or "") == OPENAI_HOST


@dataclass(frozen=True)
class Listing:
    """What `GET /v1/models` said: `models` (id -> fields) or None when there is no list to read."""

    models: dict[str, dict] | None
    failed: bool  # could not ask (timeout, refused, an error status): asked again after RETRY_S
    at: float


@dataclass(frozen=True)
class Verdict:
    reason: Text | None = None  # unavailable, and why (one line)
    warning: Text | None = None  # usable, but with a shutdown date ahead


_cache: dict[Server, Listing] = {}
_asking: dict[Server, threading.Event] = {}
_lock = threading.Lock()


def clear() -> None:
    """Forget every model list (tests)."""
    with _lock:
        _cache.clear()


def server_of(spec: ModelSpec, key: str | None = None) -> Server | None:
    """The server an `openai` entry talks to (with `key`, else the one its settings name); None for
    other kinds (TGI is not checked)."""
    if spec.kind != "openai":
        return None

    settings = openai_settings(spec)
    key = key if key is not None else (settings.api_key() or "")
    digest = hashlib.sha256(key.encode()).hexdigest()[:16] if key else ""
    return Server((settings.base_url or DEFAULT_BASE_URL).rstrip("/"), settings.api_key_env, digest)


# --- asking -------------------------------------------------------------------------------


def ask(server: Server, key: str | None) -> Listing:
    """`GET {base_url}/models` through the official client, once, with a short timeout."""
    import openai

    client = openai.OpenAI(
        api_key=key or "EMPTY",
        base_url=server.base_url,
        max_retries=0,
        timeout=openai.Timeout(CHECK_TIMEOUT_S, connect=min(2.0, CHECK_TIMEOUT_S)),
    )
    try:
        page = client.models.list()
        models = {item.id: item.model_dump() for item in page.data}
    except openai.APIStatusError as error:
        log.info("GET /v1/models at %s: HTTP %s", _where(server), error.status_code)
        return Listing(None, error.status_code not in NO_LISTING, clock())
    except (openai.OpenAIError, ValueError) as error:  # timeout, refused, or not a model list
        log.info("GET /v1/models at %s: %s", _where(server), type(error).__name__)
        return Listing(None, True, clock())
    finally:
        client.close()
    return Listing(models, False, clock())


def _key(spec: ModelSpec) -> str | None:

    return openai_settings(spec).api_key()


def refresh(spec: ModelSpec, key: str | None = None) -> Listing | None:
    """Ask `spec`'s server now (waiting for an ask already under way) and keep the answer."""
    server = server_of(spec, key)
    if server is None:
        return None
    with _lock:
        running = _asking.get(server)
        if running is None:
            running = _asking[server] = threading.Event()
            mine = True
        else:
            mine = False
    if not mine:
        running.wait(CHECK_TIMEOUT_S * 3)
        return _cache.get(server)
    try:
        listing = ask(server, key if key is not None else _key(spec))
        with _lock:
            _cache[server] = listing
        return listing
    finally:
        with _lock:
            _asking.pop(server, None)
        running.set()


def _stale(listing: Listing | None) -> bool:
    return listing is None or clock() - listing.at >= (RETRY_S if listing.failed else FRESH_S)


def start(specs: list[ModelSpec]) -> list[threading.Thread]:
    """Ask, in background threads, every server whose list is missing or stale (one thread per server)."""
    threads, seen = [], set()
    for spec in specs:
        server = server_of(spec)
        if server is None or server in seen or not _stale(_cache.get(server)):
            continue
        seen.add(server)
        with _lock:
            if server in _asking:
                continue
        thread = threading.Thread(target=refresh, args=(spec,), name="model-check", daemon=True)
        thread.start()
        threads.append(thread)
    return threads


def wait(threads: list[threading.Thread], timeout: float) -> None:
    deadline = clock() + timeout
    for thread in threads:
        thread.join(max(0.0, deadline - clock()))


def cached(spec: ModelSpec) -> Listing | None:
    """The kept model list of `spec`'s server (asking again in the background when it is stale)."""
    server = server_of(spec)
    if server is None:
        return None
    listing = _cache.get(server)
    if _stale(listing):
        start([spec])
    return listing


# --- judging ------------------------------------------------------------------------------


def shutdown_date(value: Any) -> date | None:
    """A `shutdown_date` as OpenAI writes it ("YYYY-MM-DD"), a YAML date, or a Unix time; None if absent."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC).date()
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        return None


def verdict(spec: ModelSpec, listing: Listing | None) -> Verdict:
    """What `listing` (None: not asked yet) says about `spec`'s model."""
    server = server_of(spec)
    if server is None:
        return Verdict()

    model = openai_settings(spec).model
    model_env = str(spec.settings.get("model_env") or "OPENAI_MODEL")
    listed = listing.models if listing is not None else None
    entry = listed.get(model) if listed is not None else None
    if entry is None and listed is not None and model.partition(":")[0] in listed and ":" in model:
        entry = {}  # SGLang names an adapter "BASE:ADAPTER" in `model` and lists only the base
    when = shutdown_date((entry or {}).get("shutdown_date"))
    if when is None and server.official:  # OpenAI's deprecations page, copied into models.yaml
        when = shutdown_date(spec.settings.get("shutdown_date"))
    if when is not None and when <= today():
        return Verdict(
            _("retirado por OpenAI el {date}: define {env} con un modelo actual", date=when.isoformat(), env=model_env)
        )
    if listed is not None and entry is None:
        names = sorted(listed)
        served = join_text(names[:MAX_NAMES] + (["…"] if len(names) > MAX_NAMES else []), ", ")
        if spec.settings.get("lora"):
            return Verdict(
                _(
                    "el servidor {url} no sirve «{model}» (sirve: {served}). Si es un adaptador LoRA, "
                    "arranca vLLM con --enable-lora --lora-modules {model}=RUTA (SGLang: --lora-paths "
                    "{model}=RUTA), o define {env} con uno de los nombres servidos",
                    url=safe_url(server.base_url),
                    model=model,
                    served=served or "—",
                    env=model_env,
                )
            )
        return Verdict(
            _(
                "el servidor {url} no ofrece «{model}» (ofrece: {served}): define {env} con un modelo actual",
                url=safe_url(server.base_url),
                model=model,
                served=served or "—",
                env=model_env,
            )
        )
    if entry is None and spec.settings.get("only_if_listed"):
        return Verdict(
            _(
                "se ofrece solo cuando su servidor ({url}) lo anuncia en /v1/models, y no lo ha anunciado",
                url=safe_url(server.base_url),
            )
        )
    if when is not None:
        return Verdict(
            warning=_(
                "OpenAI retirará «{model}» el {date}: define {env} con un modelo actual antes de esa fecha.",
                model=model,
                date=when.isoformat(),
                env=model_env,
            )
        )
    return Verdict()


def current(spec: ModelSpec) -> Verdict:
    """The verdict from what is known now (never waits; a stale list is asked again in the background)."""
    return verdict(spec, cached(spec))


def verify(spec: ModelSpec, key: str | None = None) -> Verdict:
    """The verdict after asking the server now unless its list is fresh (the CLI, before its first
    request); `key`: the one to ask with when the settings do not name it (the judge's)."""
    server = server_of(spec, key)
    if server is None:
        return Verdict()
    listing = _cache.get(server)
    if _stale(listing):
        listing = refresh(spec, key)
    return verdict(spec, listing)


def explain_not_found(spec: ModelSpec) -> Text | None:
    """After a `404 model_not_found`: ask the server again and say why, as the start-up check would."""
    return verdict(spec, refresh(spec)).reason


def _where(server: Server) -> str:

    return safe_url(server.base_url)
