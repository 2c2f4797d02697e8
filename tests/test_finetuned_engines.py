"""The fine-tuned model served by a maintained OpenAI-compatible engine (vLLM, SGLang) instead of TGI.

The loopback FakeOpenAI plays vLLM started with `--enable-lora --lora-modules stablelm-2-12b-rag=PATH`:
its `/v1/models` lists the base model and the adapter (with `parent`, as vLLM writes it), and the
adapter is chosen by the request's `model`. The app reaches it through the OpenAI backend.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import message_text
from fake_servers import FakeOpenAI, listed

from ragarena.answering import model_check
from ragarena.answering.engine import Engine
from ragarena.answering.models import find_spec, load_specs, unavailable_reason
from ragarena.answering.safe_markdown import plain
from ragarena.cli import main

BASE = "stabilityai/stablelm-2-12b-chat"
ADAPTER = "stablelm-2-12b-rag"
ANSWER = "La piscina abre de lunes a viernes de 7:00 a 22:00."
QUESTION = "¿A qué hora abre la piscina entre semana?"


def vllm(**kwargs) -> FakeOpenAI:
    return FakeOpenAI(
        answer=ANSWER, models=[listed(BASE, owned_by="vllm"), listed(ADAPTER, owned_by="vllm", parent=BASE)], **kwargs
    )


@pytest.fixture(autouse=True)
def _clean(monkeypatch):
    for name in (
        "FINETUNED_URL",
        "FINETUNED_MODEL",
        "FINETUNED_ENGINE",
        "FINETUNED_API_KEY",
        "TGI_URL",
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "OPENAI_MODEL",
        "HF_TOKEN",
    ):
        monkeypatch.delenv(name, raising=False)
    model_check.clear()
    yield
    model_check.clear()


def test_the_adapter_name_is_sent_as_model_with_the_apps_prompt(fixture_docs, monkeypatch):
    from ragarena.answering.chat_turn import answer_stream

    monkeypatch.setenv("HF_TOKEN", "hf_no_debe_salir")  # TGI's token is not the engine's
    with vllm() as server:
        monkeypatch.setenv("FINETUNED_URL", server.base_url)
        monkeypatch.setenv("FINETUNED_ENGINE", "vLLM")
        engine = Engine(fixture_docs, retrieval_mode="bm25")
        engine.check_models(wait_s=10)
        spec = find_spec(ADAPTER, engine.specs)
        assert (spec.kind, spec.label) == ("openai", "StableLM 2 12B + LoRA (vLLM)")
        assert ADAPTER not in engine.unavailable() and engine.warnings() == {}

        *_, (hits, answer, meta) = list(answer_stream(engine, ADAPTER, QUESTION, [("¿Hay piscina?", "Sí.")]))
        assert answer == ANSWER and meta.complete and not meta.tokens_estimated
        [sent] = server.chat_requests()
        assert sent.body["model"] == ADAPTER and sent.body["stream"] is True
        assert sent.headers["authorization"] == "Bearer EMPTY"  # no key configured: none leaks
        from ragarena.answering.backends.base import AnswerRequest
        from ragarena.answering.prompts import build_messages

        assert sent.messages == build_messages(
            QUESTION, AnswerRequest(QUESTION, tuple(hits)).passages, [("¿Hay piscina?", "Sí.")]
        )


def test_an_adapter_that_is_not_loaded_is_explained(fixture_docs, monkeypatch):
    with FakeOpenAI(models=[listed(BASE, owned_by="vllm")]) as server:  # started without --lora-modules
        monkeypatch.setenv("FINETUNED_URL", server.base_url)
        engine = Engine(fixture_docs, retrieval_mode="bm25")
        engine.check_models(wait_s=10)
        assert engine.unavailable()[ADAPTER] == (
            f"el servidor {server.root_url} no sirve «{ADAPTER}» (sirve: {BASE}). Si es un adaptador LoRA, arranca "
            f"vLLM con --enable-lora --lora-modules {ADAPTER}=RUTA (SGLang: --lora-paths {ADAPTER}=RUTA), o define "
            "FINETUNED_MODEL con uno de los nombres servidos"
        )
    # Merged weights served under their own name: FINETUNED_MODEL says which.
    with FakeOpenAI(answer=ANSWER, models=[listed("/models/stablelm-2-12b-rag-merged")]) as server:
        monkeypatch.setenv("FINETUNED_URL", server.base_url)
        monkeypatch.setenv("FINETUNED_MODEL", "/models/stablelm-2-12b-rag-merged")
        engine = Engine(fixture_docs, retrieval_mode="bm25")
        engine.check_models(wait_s=10)
        assert ADAPTER not in engine.unavailable()
    # SGLang chooses an adapter with "BASE:ADAPTER" as `model` and lists the base model.
    with FakeOpenAI(answer=ANSWER, models=[listed(BASE, owned_by="sglang")]) as server:
        monkeypatch.setenv("FINETUNED_URL", server.base_url)
        monkeypatch.setenv("FINETUNED_MODEL", f"{BASE}:{ADAPTER}")
        engine = Engine(fixture_docs, retrieval_mode="bm25")
        engine.check_models(wait_s=10)
        assert ADAPTER not in engine.unavailable()


def test_the_engine_entry_wins_over_tgi_and_tgi_still_works_alone(monkeypatch):
    monkeypatch.setenv("TGI_URL", "http://127.0.0.1:8080")
    assert find_spec(ADAPTER, load_specs()).kind == "tgi"
    monkeypatch.setenv("FINETUNED_URL", "http://127.0.0.1:8000/v1")
    spec = find_spec(ADAPTER, load_specs())
    assert spec.kind == "openai" and spec.label == "StableLM 2 12B + LoRA (vLLM/SGLang)"
    assert unavailable_reason(spec) is None  # no key needed
    monkeypatch.setenv("FINETUNED_ENGINE", "SGLang")
    assert find_spec(ADAPTER, load_specs()).label == "StableLM 2 12B + LoRA (SGLang)"


def test_eval_backend_runs_on_the_vllm_served_model(fixture_docs, fixture_qa, monkeypatch, capsys):
    with vllm() as server:
        monkeypatch.setenv("FINETUNED_URL", server.base_url)
        code = main(
            ["eval", "--docs", str(fixture_docs), "--qa", str(fixture_qa), "--split", "all", "--backend", ADAPTER]
        )
        captured = capsys.readouterr()
        assert code == 0, captured.err
        turns = len(server.chat_requests())
        assert turns > 0 and all(r.body["model"] == ADAPTER for r in server.chat_requests())
        assert f'"n_turns": {turns}' in captured.out


def test_chat_and_arena_answer_with_the_api_model_and_the_vllm_model(app_launcher, fixture_docs, tmp_path):
    """The real app with only OPENAI_API_KEY (plus the loopback stand-ins' addresses): the default API
    model and the vLLM-served fine-tuned model answer in Chat and the Arena; the battle stores the exact
    model strings; the retired gpt-3.5-turbo is explained, not called."""
    from gradio_client import Client
    from test_arena_e2e import ask, stored, vote

    with (
        FakeOpenAI(
            answer="Respuesta de OpenAI.",
            models=[listed("gpt-6-luna"), listed("gpt-3.5-turbo", shutdown_date="2026-10-23")],
        ) as openai_server,
        vllm() as vllm_server,
    ):
        db = tmp_path / "datos" / "arena.db"
        app = app_launcher(
            {
                "RAGARENA_DOCS": str(fixture_docs),
                "RAGARENA_DB": str(db),
                "OPENAI_API_KEY": "sk-x",
                "OPENAI_BASE_URL": openai_server.base_url,
                "FINETUNED_URL": vllm_server.base_url,
                "FINETUNED_ENGINE": "vLLM",
            }
        )
        client = Client(app.url, verbose=False)
        _, chat, _, _ = client.predict(QUESTION, [], "gpt-6-luna", api_name="/chat")
        assert message_text(chat[-1]) == "Respuesta de OpenAI."
        _, chat, _, status = client.predict(QUESTION, [], "gpt-3.5-turbo", api_name="/chat")
        assert "retirado por OpenAI el 2026-10-23: define OPENAI_MODEL con un modelo actual" in status
        assert [r.body["model"] for r in openai_server.chat_requests()] == ["gpt-6-luna"]

        chat_a, chat_b, *_ = ask(client, mode="Elegir modelos", a="gpt-6-luna", b=ADAPTER)
        assert (message_text(chat_a[-1]), message_text(chat_b[-1])) == ("Respuesta de OpenAI.", ANSWER)
        status, name_a, name_b = vote(client, "model_b")
        name_a, name_b = plain(name_a), plain(name_b)  # names shown as typed: read as the page shows them
        assert "OpenAI · gpt-6-luna" in name_a and "StableLM 2 12B + LoRA (vLLM)" in name_b
        [battle] = stored(Path(db))
        assert (battle["model_a"], battle["model_b"], battle["winner"]) == ("gpt-6-luna", ADAPTER, "model_b")
