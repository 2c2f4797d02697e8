"""The OpenAI and TGI backends against local fake servers speaking the real wire protocols.

Nothing here reaches the network: every server is tests/fake_servers.py on 127.0.0.1.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback

import pytest
from fake_servers import FakeOpenAI, FakeTGI, cut, error, listed, ok, split_tokens, stall

from ragarena.answering.backends.base import AnswerRequest, BackendError, Usage
from ragarena.answering.filler import find_filler
from ragarena.answering.metering import AnswerMeta, MeteredStream
from ragarena.answering.models import (
    BACKEND_KINDS,
    ModelSpec,
    create_backend,
    find_spec,
    load_specs,
    unavailable_reason,
)
from ragarena.answering.prompts import build_messages
from ragarena.core.errors import UserError
from ragarena.ui.render import format_meta, format_usd

SECRET = "sk-test-DoNotLeak-4f9a2c7e1b"
ANSWER = "El carné es gratuito y se renueva cada cinco años en cualquier sede."
LOGGERS = ["openai", "httpx", "httpx2", "httpcore", "httpcore2", "huggingface_hub", "ragarena", ""]


@pytest.fixture(autouse=True)
def _hub_online(monkeypatch):
    """conftest sets HF_HUB_OFFLINE=1, which makes huggingface_hub refuse every request (TGI too)."""
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)


@pytest.fixture
def request_(fixture_engine) -> AnswerRequest:
    question = "¿A qué hora abre la piscina entre semana?"
    return AnswerRequest(question, tuple(fixture_engine.retrieve(question)), (("¿Hay piscina?", "Sí, cubierta."),))


class Rig:
    """One backend kind wired to its fake server, with the environment it reads."""

    def __init__(self, kind: str, monkeypatch):
        self.kind = kind
        # The OpenAI server lists the model, so a 404 is the server's word, not a retirement.
        self.server = FakeOpenAI(models=[listed("modelo-x")]) if kind == "openai" else FakeTGI()
        self.url_env = "OPENAI_BASE_URL" if kind == "openai" else "TGI_URL"
        self.key_env = "OPENAI_API_KEY" if kind == "openai" else "HF_TOKEN"
        self.monkeypatch = monkeypatch

    def backend(self, key: str | None = SECRET, url: str | None = None, **settings):
        self.monkeypatch.setenv(self.url_env, url or self.server.base_url)
        if key:
            self.monkeypatch.setenv(self.key_env, key)
        else:
            self.monkeypatch.delenv(self.key_env, raising=False)
        spec = ModelSpec(
            id=f"{self.kind}-test",
            label="Modelo de prueba",
            kind=self.kind,
            settings={
                "model": "modelo-x",
                "temperature": 0,
                "max_tokens": 64,
                "timeout_s": 2,
                "max_retries": 2,
                **settings,
            },
        )
        return create_backend(spec, None)


@pytest.fixture(params=["openai", "tgi"])
def rig(request, monkeypatch):
    rig = Rig(request.param, monkeypatch)
    with rig.server:
        yield rig


def fail(backend, request: AnswerRequest) -> BackendError:
    with pytest.raises(BackendError) as caught:
        list(backend.stream(request))
    return caught.value


# --- success -----------------------------------------------------------------------------


def test_success_streams_the_exact_answer_in_chunks_and_reports_usage(rig, request_):
    rig.server.script(ok(ANSWER, usage=(321, 17)))
    out = list(rig.backend().stream(request_))
    texts = [c for c in out if isinstance(c, str)]
    assert texts == split_tokens(ANSWER) and len(texts) > 5
    assert "".join(texts) == ANSWER
    assert out[-1] == Usage(prompt_tokens=321, completion_tokens=17)
    sent = rig.server.last
    assert sent.path == "/v1/chat/completions"
    assert sent.messages == build_messages(request_.question, request_.passages, request_.history)
    assert sent.body["model"] == "modelo-x" and sent.body["stream"] is True
    assert sent.body["max_tokens"] == 64 and sent.body["temperature"] == 0
    assert sent.body["stream_options"] == {"include_usage": True}


def test_the_key_travels_only_as_the_authorization_header(rig, request_):
    rig.server.script(ok(ANSWER))
    list(rig.backend().stream(request_))
    sent = rig.server.last
    assert sent.headers["authorization"] == f"Bearer {SECRET}"
    assert [name for name, value in sent.headers.items() if SECRET in value] == ["authorization"]
    assert SECRET not in sent.path and SECRET.encode() not in sent.raw_body


def test_a_saved_hub_token_is_not_sent_to_a_tgi_server_when_none_is_configured(monkeypatch, tmp_path, request_):
    import huggingface_hub.constants

    token_file = tmp_path / "token"
    token_file.write_text("hf_saved_personal_token")
    monkeypatch.setattr(huggingface_hub.constants, "HF_TOKEN_PATH", str(token_file))
    rig = Rig("tgi", monkeypatch)
    with rig.server:
        rig.server.script(ok(ANSWER))
        assert "".join(c for c in rig.backend(key=None).stream(request_) if isinstance(c, str)) == ANSWER
        assert "authorization" not in rig.server.last.headers


def test_an_answer_without_usage_still_streams(rig, request_):
    rig.server.script(ok(ANSWER, usage=None))
    out = list(rig.backend().stream(request_))
    assert "".join(out) == ANSWER and not any(isinstance(c, Usage) for c in out)


# --- failures ----------------------------------------------------------------------------


def test_401_says_the_key_is_wrong_without_retrying(rig, request_):
    # A real server echoes (part of) the key in its error body: it must never reach the message.
    rig.server.script(error(401, f"Incorrect API key provided: {SECRET}"))
    message = str(fail(rig.backend(), request_))
    assert "401" in message and rig.key_env in message
    assert ("clave" if rig.kind == "openai" else "token") in message
    assert len(rig.server.requests) == 1


def test_429_then_success_answers(rig, request_):
    rig.server.script(error(429, retry_after=0.01), error(429, retry_after=0.01), ok(ANSWER))
    out = list(rig.backend().stream(request_))
    assert "".join(c for c in out if isinstance(c, str)) == ANSWER
    assert len(rig.server.chat_requests()) == 3


def test_retries_back_off_exponentially_without_retry_after(rig, request_):
    rig.server.script(error(503), ok(ANSWER))
    assert "".join(c for c in rig.backend(max_retries=2).stream(request_) if isinstance(c, str)) == ANSWER
    first, second = [r.received_at for r in rig.server.chat_requests()]
    assert 0.3 <= second - first < 0.9  # 0.5 s (doubling after each retry), minus up to 25 % jitter


def test_500_fails_after_the_retries_with_a_message(rig, request_):
    rig.server.default = error(500, retry_after=0.01)
    message = str(fail(rig.backend(max_retries=2), request_))
    assert "error del servidor (500) tras 2 reintentos" in message
    assert len(rig.server.chat_requests()) == 3


def test_429_after_the_retries_says_busy_or_quota(rig, request_):
    rig.server.default = error(429, retry_after=0.01)
    message = str(fail(rig.backend(max_retries=1), request_))
    assert "saturado" in message and "429" in message
    assert len(rig.server.chat_requests()) == 2


@pytest.mark.parametrize(
    "status, words",
    [
        (400, "ha rechazado la petición (400)"),
        (404, "no encuentra el modelo «modelo-x»"),
        (403, "ha denegado la petición (403)"),
    ],
)
def test_refused_requests_are_not_retried(rig, request_, status, words):
    rig.server.script(error(status))
    assert words in str(fail(rig.backend(), request_))
    assert len(rig.server.chat_requests()) == 1


def test_a_stalled_server_gives_a_timeout_message(rig, request_):
    rig.server.default = stall(5)
    started = time.perf_counter()
    message = str(fail(rig.backend(timeout_s=0.3, max_retries=0), request_))
    assert time.perf_counter() - started < 2
    assert "no ha respondido en 0,3 s" in message


def test_a_stream_that_stalls_midway_is_reported(rig, request_):
    rig.server.script(ok(ANSWER, token_delay=3))
    backend = rig.backend(timeout_s=0.3, max_retries=0)
    received = []
    with pytest.raises(BackendError) as caught:
        for chunk in backend.stream(request_):
            received.append(chunk)
    assert received == split_tokens(ANSWER)[:1]
    assert "ha dejado de enviar la respuesta" in str(caught.value)


def test_a_stream_cut_in_the_middle_is_reported_and_not_retried(rig, request_):
    rig.server.script(cut(ANSWER, after=3))
    received = []
    with pytest.raises(BackendError) as caught:
        for chunk in rig.backend().stream(request_):
            received.append(chunk)
    assert received == split_tokens(ANSWER)[:3]
    assert "se ha cortado" in str(caught.value)
    assert len(rig.server.requests) == 1


def test_an_unreachable_server_says_so(rig, request_):
    from conftest import free_port

    url = f"http://usuario:{SECRET}@127.0.0.1:{free_port()}" + ("/v1" if rig.kind == "openai" else "")
    message = str(fail(rig.backend(url=url, max_retries=0), request_))
    assert "No se puede conectar" in message and rig.url_env in message
    assert SECRET not in message and "127.0.0.1" in message


def test_the_key_never_appears_in_errors_logs_or_repr(rig, request_, caplog):
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    # timeout_s is the whole answer's deadline: room for the 500's retry even on a busy machine.
    backend = rig.backend(timeout_s=1.0, max_retries=1)
    rig.server.script(
        ok(ANSWER),
        error(401, f"Incorrect API key provided: {SECRET}"),
        error(500, SECRET, retry_after=0.01),
        error(500, SECRET, retry_after=0.01),
        cut(ANSWER, 2),
        error(400, f"bad key {SECRET}"),
        stall(3),
        stall(3),
    )
    errors = []
    for _ in range(6):
        try:
            list(backend.stream(request_))
        except BackendError as caught:
            errors.append(caught)
    assert len(errors) == 5
    for caught in errors:
        shown = str(caught) + repr(caught) + "".join(traceback.format_exception(caught))
        assert SECRET not in shown
        assert caught.__cause__ is None and caught.__suppress_context__
    assert any(r.name.startswith(("openai", "httpx", "huggingface_hub", "ragarena")) for r in caplog.records)
    assert SECRET not in caplog.text
    assert SECRET not in str(backend) and SECRET not in repr(backend)


# --- registry ------------------------------------------------------------------------------


def test_the_registry_lists_the_default_models(monkeypatch):
    for name in ("OPENAI_MODEL", "FINETUNED_URL", "FINETUNED_MODEL", "FINETUNED_ENGINE"):
        monkeypatch.delenv(name, raising=False)
    specs = {s.id: s for s in load_specs()}
    assert {"extractive", "gpt-6-luna", "gpt-3.5-turbo", "stablelm-2-12b-rag"} == set(specs) - {"extractive-lexical"}
    api, legacy, tgi = specs["gpt-6-luna"], specs["gpt-3.5-turbo"], specs["stablelm-2-12b-rag"]
    assert (api.kind, api.settings["model"], api.settings["api_key_env"], api.settings["base_url_env"]) == (
        "openai",
        "gpt-6-luna",
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
    )
    assert api.label == "OpenAI · gpt-6-luna" and api.alias == "openai"
    # Prices per model from the api_models table, with the date they applied.
    assert (api.settings["price_input_per_1m"], api.settings["price_output_per_1m"]) == (0.1, 0.5)
    assert (legacy.settings["price_input_per_1m"], legacy.settings["price_output_per_1m"]) == (0.5, 1.5)
    assert all(s.settings.get("prices_date") for s in (api, legacy))
    assert str(legacy.settings["shutdown_date"]) == "2026-10-23" and legacy.settings["only_if_listed"] is True
    assert api.settings["temperature"] == 0 and api.settings["max_tokens"] == 256
    # Neither FINETUNED_URL nor TGI_URL at start: the TGI entry, as before.
    assert (tgi.kind, tgi.settings["base_url_env"], tgi.settings["api_key_env"]) == ("tgi", "TGI_URL", "HF_TOKEN")
    assert {"openai", "tgi", "extractive"} <= set(BACKEND_KINDS)


def test_unavailable_reasons_say_how_to_enable(monkeypatch):
    import huggingface_hub.constants

    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_MODEL", "TGI_URL", "HF_TOKEN", "FINETUNED_URL"):
        monkeypatch.delenv(name, raising=False)
    specs = load_specs()
    gpt, tgi = find_spec("openai", specs), find_spec("stablelm-2-12b-rag", specs)
    assert gpt.id == "gpt-6-luna"
    assert unavailable_reason(gpt) == "Define OPENAI_API_KEY (y opcionalmente OPENAI_BASE_URL) para activarlo."
    assert unavailable_reason(tgi) == (
        "Define FINETUNED_URL con la dirección /v1 de un servidor vLLM o SGLang (y FINETUNED_MODEL con el nombre "
        "del modelo o adaptador servido) para activarlo. O bien: "
        "Define TGI_URL con la dirección del servidor TGI (y HF_TOKEN si está protegido) para activarlo."
    )
    with pytest.raises(UserError, match="no está disponible: Define OPENAI_API_KEY"):
        create_backend(gpt, None)

    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    monkeypatch.setenv("TGI_URL", "http://127.0.0.1:8080")
    assert unavailable_reason(gpt) is None and unavailable_reason(tgi) is None

    monkeypatch.setenv("OPENAI_BASE_URL", "api.example.com/v1")
    assert unavailable_reason(gpt) == "OPENAI_BASE_URL debe ser una dirección que empiece por http:// o https://."
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    assert "HF_HUB_OFFLINE" in unavailable_reason(tgi)


def test_the_engine_and_chat_list_remote_models_as_unavailable_without_keys(fixture_docs, monkeypatch):
    from ragarena.answering.engine import Engine

    for name in ("OPENAI_API_KEY", "TGI_URL", "FINETUNED_URL", "OPENAI_MODEL"):
        monkeypatch.delenv(name, raising=False)
    engine = Engine(fixture_docs)
    assert set(engine.unavailable()) == {"gpt-6-luna", "gpt-3.5-turbo", "stablelm-2-12b-rag"}
    assert "extractive" in [s.id for s in engine.available_specs()]


# --- answer metadata -----------------------------------------------------------------------


def test_metered_stream_times_a_paced_answer_and_uses_server_usage(monkeypatch, request_):
    rig = Rig("openai", monkeypatch)
    with rig.server:
        rig.server.script(ok(ANSWER, first_token_delay=0.2, token_delay=0.02, usage=(1000, 40)))
        backend = rig.backend()
        spec = ModelSpec("m", "M", "openai", settings={"price_input_per_1m": 0.5, "price_output_per_1m": 1.5})
        metered = MeteredStream(backend.stream(request_), spec, request_)
        assert "".join(metered) == ANSWER == metered.text
    meta = metered.meta
    pieces = len(split_tokens(ANSWER))
    model_ttft = rig.server.last.model_ttft
    assert 0.2 <= model_ttft <= meta.ttft_s < model_ttft + 0.5
    assert meta.total_s >= 0.2 + 0.02 * (pieces - 1)
    assert (meta.prompt_tokens, meta.completion_tokens, meta.tokens_estimated) == (1000, 40, False)
    assert meta.cost_usd == pytest.approx((1000 * 0.5 + 40 * 1.5) / 1e6)
    line = format_meta(meta)
    assert line.startswith("1.ª palabra 0,") and " · 40 tokens · ~0,00056 $" in line


def test_metered_stream_estimates_tokens_when_the_server_reports_none(request_):
    spec = ModelSpec("m", "M", "openai", settings={"price_input_per_1m": 0.5, "price_output_per_1m": 1.5})
    metered = MeteredStream(iter(["Dos ", "palabras."]), spec, request_)
    assert list(metered) == ["Dos ", "palabras."]
    meta = metered.meta
    assert meta.tokens_estimated and meta.completion_tokens == 4 and meta.prompt_tokens > 50
    assert "≈4 tokens (estimación)" in format_meta(meta) and "~0,0" in format_meta(meta)
    no_price = MeteredStream(iter(["Hola"]), ModelSpec("x", "X", "extractive"))
    list(no_price)
    assert no_price.meta.cost_usd is None and "$" not in format_meta(no_price.meta)


def test_metered_stream_keeps_the_meta_of_a_failed_answer():
    def broken():
        yield "Empieza"
        raise BackendError("cortada")

    metered = MeteredStream(broken())
    with pytest.raises(BackendError):
        list(metered)
    assert metered.meta.complete is False and metered.text == "Empieza"
    assert format_meta(metered.meta).endswith("· incompleta")


def test_prefetch_sends_the_request_before_the_ui_asks_for_text(monkeypatch, request_):
    rig = Rig("openai", monkeypatch)
    with rig.server:
        rig.server.script(ok(ANSWER, first_token_delay=0.1), error(401))
        backend = rig.backend()
        metered = MeteredStream(backend.stream(request_), None, request_, prefetch=True)
        deadline = time.perf_counter() + 5
        while not rig.server.requests and time.perf_counter() < deadline:
            time.sleep(0.01)  # nobody iterates yet: the thread already asked the model
        assert len(rig.server.requests) == 1
        assert "".join(metered) == ANSWER and metered.meta.ttft_s >= 0.1 and metered.meta.complete
        assert not metered.meta.tokens_estimated

        failing = MeteredStream(backend.stream(request_), prefetch=True)
        with pytest.raises(BackendError, match="401"):
            list(failing)
        assert failing.meta.complete is False


def test_closing_a_prefetched_stream_stops_the_backend():
    stopped = []

    def endless():
        try:
            while True:
                yield "palabra "
                time.sleep(0.005)
        finally:
            stopped.append(True)

    metered = MeteredStream(endless(), prefetch=True)
    assert next(metered) == "palabra "
    metered.close()
    deadline = time.perf_counter() + 2
    while not stopped and time.perf_counter() < deadline:
        time.sleep(0.01)
    assert stopped and metered.meta.complete is False


def test_a_prefetched_stream_can_be_watched_without_waiting():
    """What the Arena does with two models: `on_item` says when to look, `received()` never blocks."""
    release, arrived = threading.Event(), threading.Event()

    def slow():
        yield "Abre "
        release.wait()
        yield "a las 7."
        yield Usage(prompt_tokens=50, completion_tokens=4)

    metered = MeteredStream(slow(), prefetch=True, on_item=arrived.set)
    assert arrived.wait(30)
    arrived.clear()
    assert metered.received() == ["Abre "] and metered.received() == [] and metered.meta is None
    release.set()
    text = ""
    while metered.meta is None:
        assert arrived.wait(30)
        arrived.clear()
        text += "".join(metered.received())
    assert text == "a las 7." and metered.meta.complete and metered.meta.completion_tokens == 4

    def broken():
        yield "Ab"
        raise BackendError("se cortó")

    failing = MeteredStream(broken(), prefetch=True)
    with pytest.raises(BackendError, match="se cortó"):
        while failing.meta is None:
            failing.received()
    assert failing.meta.complete is False and failing.text == "Ab"


def test_format_meta_is_one_short_spanish_line():
    meta = AnswerMeta(
        ttft_s=0.42, total_s=1.8, completion_tokens=37, prompt_tokens=150, tokens_estimated=False, cost_usd=0.0001
    )
    assert format_meta(meta) == "1.ª palabra 0,42 s · total 1,8 s · 37 tokens · ~0,0001 $"
    assert [format_usd(x) for x in (0.000043, 0.0123, 0.5, 2.5)] == ["0,000043 $", "0,012 $", "0,5 $", "2,50 $"]


# --- filler in what remote models typically write ------------------------------------------


@pytest.mark.parametrize(
    "answer",
    [
        "Según los documentos, el carné es gratuito.",
        "En los fragmentos proporcionados se indica que el carné es gratuito.",
        "La información proporcionada indica que el carné es gratuito.",
        "El carné es gratuito. Espero que esto te ayude.",
        "El carné es gratuito. ¡Espero haberte ayudado!",
        "El carné es gratuito. ¿Hay algo más en lo que pueda ayudarte?",
        "Gracias por tu pregunta. El carné es gratuito.",
        "Como asistente de IA, no tengo acceso a esa información.",
    ],
)
def test_filler_of_chat_models_is_caught(answer):
    assert find_filler(answer)


def test_the_filler_check_still_passes_clean_answers():
    assert find_filler(ANSWER) == []
    assert find_filler("Sí, la renovación se puede hacer por teléfono.") == []


# --- one deadline per answer -------------------------------------------------------------


def test_a_stalled_server_costs_one_deadline_not_one_per_try(rig, request_):
    """timeout_s is the answer's deadline: the retries of a stalled server fit in it, and the
    message's figure is what the user waited (it was 3 tries x timeout_s, plus backoff)."""
    rig.server.default = stall(5)
    started = time.perf_counter()
    message = str(fail(rig.backend(timeout_s=1.0, max_retries=2), request_))
    waited = time.perf_counter() - started
    assert "no ha respondido en 1 s" in message
    assert len(rig.server.chat_requests()) == 1  # the stalled try used the whole deadline
    assert waited < 2.0  # 1 s, not 3 x 1 s + backoff


def test_retries_happen_within_the_deadline(rig, request_):
    rig.server.script(error(503, retry_after=0.05), stall(5))
    message = str(fail(rig.backend(timeout_s=1.0, max_retries=2), request_))
    assert "no ha respondido en 1 s" in message
    assert len(rig.server.chat_requests()) == 2


def test_a_retry_that_would_end_after_the_deadline_is_not_made(rig, request_):
    rig.server.script(error(503, retry_after=5), ok(ANSWER))  # asks for 5 s, the deadline is 1 s
    message = str(fail(rig.backend(timeout_s=1.0, max_retries=2), request_))
    assert "error del servidor (503)" in message and "reintento" not in message
    assert len(rig.server.chat_requests()) == 1


def test_the_chat_stream_coalesces_chunks_but_shows_the_first_words_and_the_whole_answer(fixture_docs):
    """What the Chat draws (`answer_stream` with `refresh_s`): every chunk without it; with it, the first
    words at once, then nothing until the end, which always comes whole with its metadata."""
    from ragarena.answering.chat_turn import answer_stream
    from ragarena.answering.engine import Engine

    engine = Engine(fixture_docs, retrieval_mode="bm25")
    question = "¿Cuánto cuesta el abono anual de la piscina?"
    every = [(answer, meta is not None) for _hits, answer, meta in answer_stream(engine, "extractive", question, [])]
    assert len(every) > 4 and every[-1][1] and "280 euros" in every[-1][0]
    drawn = [
        (answer, meta is not None)
        for _hits, answer, meta in answer_stream(engine, "extractive", question, [], refresh_s=3600)
    ]
    assert drawn == [every[0], every[1], every[-1]]  # nothing, the first words, the answer with its figures
