"""Which API model answers, and what the user is told when a server no longer serves it.

The loopback FakeOpenAI stands in for OpenAI (and, in test_finetuned_engines.py, for vLLM): its
`GET /v1/models` lists what a test says, with OpenAI's `shutdown_date` field. "Today" is fixed, so
nothing depends on the calendar.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from fake_servers import FakeOpenAI, error, listed, ok

from ragarena import settings
from ragarena.answering import model_check
from ragarena.answering.backends.base import BackendError
from ragarena.answering.engine import Engine
from ragarena.answering.models import find_spec, load_specs
from ragarena.cli import main
from ragarena.scoring import scores

TODAY = date(2026, 11, 26)
RETIRED = "retirado por OpenAI el 2026-10-23: define OPENAI_MODEL con un modelo actual"
ANSWER = "La piscina abre de lunes a viernes de 7:00 a 22:00."
QUESTION = "¿A qué hora abre la piscina entre semana?"


@pytest.fixture(autouse=True)
def _fixed_day_and_clean_cache(monkeypatch):
    monkeypatch.setattr(model_check, "today", lambda: TODAY)
    for name in ("OPENAI_MODEL", "OPENAI_BASE_URL", "OPENAI_API_KEY", "FINETUNED_URL", "TGI_URL"):
        monkeypatch.delenv(name, raising=False)
    model_check.clear()
    yield
    model_check.clear()


def openai_at(server: FakeOpenAI, monkeypatch, model: str | None = None) -> None:
    """OPENAI_API_KEY (and the loopback server standing in for OpenAI's API)."""
    monkeypatch.setenv("OPENAI_API_KEY", "sk-prueba")
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    if model:
        monkeypatch.setenv("OPENAI_MODEL", model)


def checked_engine(fixture_docs) -> Engine:
    engine = Engine(fixture_docs, retrieval_mode="bm25")
    engine.check_models(wait_s=10)
    return engine


def ask(engine: Engine, model_id: str, with_meta: bool = False):
    from ragarena.answering.chat_turn import answer_stream

    _hits, answer, meta = None, "", None
    for _hits, answer, meta in answer_stream(engine, model_id, QUESTION, []):  # noqa: B007 (the last one is kept)
        pass
    return (answer, meta) if with_meta else answer


class _Ctx:
    def __init__(self, engine):
        self.engine = engine


def test_with_only_a_key_the_default_is_a_current_model_that_answers(fixture_docs, monkeypatch):
    with FakeOpenAI(answer=ANSWER, models=[listed("gpt-6-luna")]) as server:
        openai_at(server, monkeypatch)
        engine = checked_engine(fixture_docs)
        spec = find_spec("openai", engine.specs)
        assert (spec.id, spec.label) == ("gpt-6-luna", "OpenAI · gpt-6-luna")
        assert "gpt-6-luna" not in engine.unavailable() and engine.warnings() == {}
        answer, meta = ask(engine, "gpt-6-luna", with_meta=True)
        assert answer == ANSWER
        # The cost estimate uses this model's prices (USD 0.10 / 0.50 per 1M tokens), not GPT-3.5's.
        assert meta.cost_usd == pytest.approx((meta.prompt_tokens * 0.10 + meta.completion_tokens * 0.50) / 1e6)
        [sent] = server.chat_requests()
        assert sent.body["model"] == "gpt-6-luna"
        # A reasoning model: no reasoning pause, temperature honoured, the token cap it accepts.
        assert sent.body["reasoning_effort"] == "none" and sent.body["temperature"] == 0
        assert sent.body["max_completion_tokens"] == 256 and "max_tokens" not in sent.body
        assert [r.path for r in server.requests] == ["/v1/models", "/v1/chat/completions"]


def test_a_past_shutdown_date_makes_the_model_unavailable_before_anyone_waits(fixture_docs, monkeypatch):
    with FakeOpenAI(models=[listed("gpt-6-luna"), listed("gpt-3.5-turbo", shutdown_date="2026-10-23")]) as server:
        openai_at(server, monkeypatch)
        engine = checked_engine(fixture_docs)
        assert engine.unavailable()["gpt-3.5-turbo"] == RETIRED and "gpt-6-luna" not in engine.unavailable()
        with pytest.raises(BackendError) as caught:
            ask(engine, "gpt-3.5-turbo")
        assert str(caught.value) == f"Ese modelo no está disponible: {RETIRED}"
        assert server.chat_requests() == []  # nothing was asked of the retired model


def test_openai_model_set_to_a_retired_model_says_so_and_the_label_follows_it(fixture_docs, monkeypatch):
    with FakeOpenAI(models=[listed("gpt-3.5-turbo", shutdown_date="2026-10-23")]) as server:
        openai_at(server, monkeypatch, model="gpt-3.5-turbo")
        engine = checked_engine(fixture_docs)
        [spec] = [s for s in engine.specs if s.kind == "openai"]  # one entry: no duplicate id
        assert (spec.id, spec.label, spec.alias) == ("gpt-3.5-turbo", "OpenAI · gpt-3.5-turbo", "openai")
        assert engine.unavailable()["gpt-3.5-turbo"] == RETIRED


def test_openais_own_api_uses_the_deprecations_page_dates_even_before_listing(monkeypatch):
    """Against api.openai.com the dates copied into models.yaml apply without asking (no network here)."""
    monkeypatch.setenv("OPENAI_API_KEY", "sk-prueba")
    monkeypatch.setenv("OPENAI_MODEL", "gpt-3.5-turbo")
    assert model_check.verdict(find_spec("openai", load_specs()), None).reason == RETIRED
    monkeypatch.setenv("OPENAI_MODEL", "gpt-4.1-mini")
    found = model_check.verdict(find_spec("openai", load_specs()), None)
    assert found.reason is None and found.warning == (
        "OpenAI retirará «gpt-4.1-mini» el 2027-01-14: define OPENAI_MODEL con un modelo actual antes de esa fecha."
    )


def test_a_future_shutdown_date_is_a_warning_with_the_date_shown_in_chat(fixture_docs, monkeypatch):
    from ragarena.core.i18n import localize
    from ragarena.ui.chat import unavailable_note

    with FakeOpenAI(answer=ANSWER, models=[listed("gpt-4.1-mini", shutdown_date="2027-01-14")]) as server:
        openai_at(server, monkeypatch, model="gpt-4.1-mini")
        engine = checked_engine(fixture_docs)
        assert "gpt-4.1-mini" not in engine.unavailable()
        warning = engine.warnings()["gpt-4.1-mini"]
        assert warning == (
            "OpenAI retirará «gpt-4.1-mini» el 2027-01-14: define OPENAI_MODEL con un modelo actual antes de esa fecha."
        )
        assert localize(warning, "en") == (
            "OpenAI will retire “gpt-4.1-mini” on 2027-01-14: set OPENAI_MODEL to a current model before then."
        )
        note = unavailable_note(_Ctx(engine))
        assert "⚠️ **OpenAI · gpt-4.1-mini**: OpenAI retirará «gpt-4.1-mini» el 2027-01-14" in note
        assert ask(engine, "gpt-4.1-mini") == ANSWER  # still answers until then


def test_a_model_the_server_does_not_list_is_unavailable_and_names_what_it_lists(fixture_docs, monkeypatch):
    with FakeOpenAI(models=[listed("gpt-6-sol"), listed("gpt-6-luna")]) as server:
        openai_at(server, monkeypatch, model="gpt-4o-mini-2024-07-18")
        engine = checked_engine(fixture_docs)
        assert engine.unavailable()["gpt-4o-mini-2024-07-18"] == (
            f"el servidor {server.root_url} no ofrece «gpt-4o-mini-2024-07-18» (ofrece: gpt-6-luna, gpt-6-sol): "
            "define OPENAI_MODEL con un modelo actual"
        )
        # The legacy entry is offered only when listed.
        assert engine.unavailable()["gpt-3.5-turbo"].startswith(f"el servidor {server.root_url} no ofrece «gpt-3.5")


def test_a_server_without_v1_models_is_not_blocked(fixture_docs, monkeypatch):
    with FakeOpenAI(answer=ANSWER, models=None) as server:
        openai_at(server, monkeypatch, model="mi-modelo")
        engine = checked_engine(fixture_docs)
        assert "mi-modelo" not in engine.unavailable() and engine.warnings() == {}
        assert ask(engine, "mi-modelo") == ANSWER
        assert "gpt-3.5-turbo" in engine.unavailable()  # never listed, so not offered


def test_an_unreachable_server_blocks_nothing_and_is_asked_again_later(fixture_docs, monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(model_check, "clock", lambda: now[0])
    with FakeOpenAI(models=[listed("gpt-6-luna")]) as server:
        url = server.base_url
    monkeypatch.setenv("OPENAI_API_KEY", "sk-prueba")
    monkeypatch.setenv("OPENAI_BASE_URL", url)  # the server is gone: connection refused
    engine = checked_engine(fixture_docs)
    assert "gpt-6-luna" not in engine.unavailable()
    spec = find_spec("gpt-6-luna", engine.specs)
    assert model_check.cached(spec).failed
    with FakeOpenAI(models=[listed("gpt-6-luna", shutdown_date="2026-11-01")]) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        engine.check_models(wait_s=10)  # a new server: asked at once
        assert engine.unavailable()["gpt-6-luna"].startswith("retirado por OpenAI el 2026-11-01")
        asked = len(server.requests)
        now[0] += model_check.FRESH_S - 1
        engine.check_models(wait_s=10)
        assert len(server.requests) == asked  # still fresh: not asked again
        now[0] += 2
        engine.check_models(wait_s=10)
        assert len(server.requests) == asked + 1


def test_a_404_model_not_found_mid_session_gets_the_same_message(fixture_docs, monkeypatch):
    with FakeOpenAI(answer=ANSWER, models=[listed("gpt-6-luna")]) as server:
        openai_at(server, monkeypatch)
        engine = checked_engine(fixture_docs)
        assert ask(engine, "gpt-6-luna") == ANSWER
        # Overnight OpenAI shuts it down: the next answer gets a 404 model_not_found.
        server.models = [listed("gpt-6-luna", shutdown_date="2026-11-26")]
        server.script(error(404, "The model `gpt-6-luna` does not exist or you do not have access to it."))
        with pytest.raises(BackendError) as caught:
            ask(engine, "gpt-6-luna")
        reason = "retirado por OpenAI el 2026-11-26: define OPENAI_MODEL con un modelo actual"
        assert str(caught.value) == f"El modelo «gpt-6-luna» no está disponible: {reason}"
        assert engine.unavailable()["gpt-6-luna"] == reason  # the picker knows it now too


def test_eval_checks_the_backend_before_the_first_request(fixture_docs, fixture_qa, monkeypatch, capsys):
    with FakeOpenAI(models=[listed("gpt-3.5-turbo", shutdown_date="2026-10-23")]) as server:
        openai_at(server, monkeypatch, model="gpt-3.5-turbo")
        code = main(["eval", "--docs", str(fixture_docs), "--qa", str(fixture_qa), "--backend", "openai"])
        assert code == 2
        assert capsys.readouterr().err.strip().endswith(f"El modelo «gpt-3.5-turbo» no está disponible: {RETIRED}")
        assert server.chat_requests() == []


def test_eval_with_the_api_model_records_the_exact_model_and_warns_of_a_shutdown(
    fixture_docs, fixture_qa, monkeypatch, capsys, tmp_path
):
    verdict = {key: {"justification": "Bien.", "score": 4} for key in scores.CRITERIA}
    with FakeOpenAI(
        answer=ANSWER, models=[listed("gpt-4.1-mini", shutdown_date="2027-01-14"), listed("juez")]
    ) as server:
        server.responder = lambda request: ok(json.dumps(verdict)) if request.body["model"] == "juez" else ok(ANSWER)
        openai_at(server, monkeypatch, model="gpt-4.1-mini")
        code = main(
            [
                "eval",
                "--docs",
                str(fixture_docs),
                "--qa",
                str(fixture_qa),
                "--backend",
                "openai",
                "--judge",
                "juez",
                "--judge-base-url",
                server.base_url,
                "--judge-api-key-env",
                "OPENAI_API_KEY",
                "--judge-cache",
                str(tmp_path / "cache"),
                "--scores-out",
                str(tmp_path / "s.jsonl"),
            ]
        )
        err = capsys.readouterr().err
        assert code == 0, err
        assert "Aviso: OpenAI retirará «gpt-4.1-mini» el 2027-01-14" in err
    [record] = scores.read_scores_file(tmp_path / "s.jsonl")
    assert (record["model"], record["label"], record["served_model"]) == (
        "gpt-4.1-mini",
        "OpenAI · gpt-4.1-mini",
        "gpt-4.1-mini",
    )
    assert record["date"] and "--backend openai" in record["source"]


def test_eval_judge_that_was_retired_stops_before_the_first_request(
    fixture_docs, fixture_qa, monkeypatch, capsys, tmp_path
):
    with FakeOpenAI(models=[listed("gpt-3.5-turbo", shutdown_date="2026-10-23")]) as server:
        openai_at(server, monkeypatch)
        code = main(
            [
                "eval",
                "--docs",
                str(fixture_docs),
                "--qa",
                str(fixture_qa),
                "--backend",
                "extractive",
                "--judge",
                "gpt-3.5-turbo",
                "--judge-cache",
                str(tmp_path / "cache"),
            ]
        )
        assert code == 2
        assert f"El juez «gpt-3.5-turbo» no está disponible: {RETIRED}" in capsys.readouterr().err
        assert server.chat_requests() == []


def test_the_leaderboard_keeps_the_published_gpt35_row_and_each_measured_model_apart(monkeypatch):
    from ragarena.leaderboard import build as lb

    published = scores.load_scores(settings.REPO_ROOT / "data" / "scores" / "published.jsonl")
    means = {"answer_relevance": 4.0, "context_relevance": 3.0, "groundedness": 5.0}

    def measured(model: str, day: str) -> dict:
        return scores.make_record(
            model,
            means,
            n_items=6,
            judge="juez",
            dataset="d.jsonl",
            split="test",
            source="measured by `python -m ragarena eval --backend openai`",
            date=day,
            served_model=model,
        )

    records = [
        *published,
        measured("gpt-3.5-turbo", "2026-09-01T10:00:00Z"),
        measured("gpt-6-luna", "2026-11-20T10:00:00Z"),
    ]
    labels = {s.id: s.label for s in load_specs()}
    board = lb.build_leaderboard([], records, labels, bootstrap=0)
    rows = {row["label"]: row for row in board.table.to_dict("records")}
    gpt35 = rows["GPT-3.5 (publicado)"]
    assert (gpt35["model"], gpt35["overall"], gpt35["score_kind"]) == ("gpt-3.5", 3.59, "published")
    assert "Instituto de Ingeniería del Conocimiento" in gpt35["source"]
    old, new = rows["OpenAI · gpt-3.5-turbo"], rows["OpenAI · gpt-6-luna"]
    assert (old["model"], old["score_kind"], str(old["score_date"])[:10]) == ("gpt-3.5-turbo", "measured", "2026-09-01")
    assert (new["model"], new["score_kind"], str(new["score_date"])[:10]) == ("gpt-6-luna", "measured", "2026-11-20")
