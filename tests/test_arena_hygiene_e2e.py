"""Arena, second round, through the real app: reference answers, vote reasons, daily cap,
a model that names itself, and the leaderboard's reasons table."""

from __future__ import annotations

from pathlib import Path

from conftest import message_text
from fake_servers import FakeOpenAI
from test_arena_e2e import arena_env, ask, connect, stored

from ragarena.answering.safe_markdown import plain
from ragarena.arena.hygiene import IDENTITY, category


def vote_full(client, winner: str) -> tuple[str, str, str, str]:
    """(status, name A, name B, reference answer Markdown)."""
    return tuple(client.predict(winner, api_name="/arena_vote"))


def reasons(client, given) -> str:
    return client.predict(given, api_name="/arena_reasons")


def test_reference_reasons_and_daily_cap(app_launcher, fixture_docs, fixture_qa, tmp_path):
    env = arena_env(tmp_path, fixture_docs, RAGARENA_QA=str(fixture_qa), RAGARENA_VOTES_PER_DAY="3")
    app = app_launcher(env)
    db = Path(env["RAGARENA_DB"])
    client = connect(app.url)

    assert reasons(client, ["respuesta correcta"]).startswith("⚠️ No hay ningún voto")  # nothing voted yet
    ask(client)  # a corpus question (first turn of fx-2)
    assert reasons(client, ["respuesta correcta"]).startswith("⚠️ No hay ningún voto")  # not voted yet
    status, _, _, reference = vote_full(client, "model_a")
    assert status.startswith("✅") and "marca por qué" in status
    assert "De lunes a viernes abre de 7:00 a 22:00." in plain(reference)  # corpus text, as shown
    assert "Fragmento de referencia** (Piscina cubierta › Horario)" in reference

    assert reasons(client, ["respuesta correcta"]) == "✅ Motivos guardados: respuesta correcta."
    # Updatable until the next round (canonical order); refused when they do not fit the vote.
    assert reasons(client, ["basada en el contexto", "concisa, sin relleno"]) == (
        "✅ Motivos guardados: concisa, sin relleno, basada en el contexto."
    )
    assert reasons(client, ["incorrectas"]).startswith("⚠️ Motivo no válido para este voto")
    assert reasons(client, ["<b>hola</b>"]).startswith("⚠️ Motivo no válido")
    # A refused repeat vote keeps showing the reference.
    status, _, _, reference = vote_full(client, "model_b")
    assert "Ya has votado" in status and "7:00 a 22:00" in plain(reference)
    other = connect(app.url)
    assert reasons(other, ["respuesta correcta"]).startswith("⚠️ No hay ningún voto")
    [battle] = stored(db)
    assert battle["reasons"] == ["concisa, sin relleno", "basada en el contexto"]

    # A follow-up out of its conversation has no reference; a new round closes the reasons of the last one.
    chat_a, *_ = ask(client, "¿Y en agosto?")
    assert len(chat_a) == 2  # a new round
    assert reasons(client, ["respuesta correcta"]).startswith("⚠️")
    status, _, _, reference = vote_full(client, "tie (bothbad)")
    assert status.startswith("✅") and reference == ""
    assert reasons(client, ["inventan información"]) == "✅ Motivos guardados: inventan información."
    assert reasons(client, ["respuesta correcta"]).startswith("⚠️ Motivo no válido para «Ambas son malas»")

    # Daily cap (3 here): the third vote passes; then no round is served, from this tab or another.
    ask(client, "¿Es obligatorio el gorro?")
    assert vote_full(client, "model_b")[0].startswith("✅")
    *_, status, _, _ = ask(client)
    assert "máximo de 3 votos en 24 horas" in status
    *_, status, _, _ = ask(other)
    assert "desde esta conexión" in status  # same IP (127.0.0.1), new session
    votes = stored(db)
    assert len(votes) == 3 and all(v.get("excluded") is None for v in votes)

    # The leaderboard shows the reasons per model.
    _, table = client.predict(api_name="/leaderboard_reasons")
    rows = table["data"]
    assert {row[2] for row in rows} == {"concisa, sin relleno", "basada en el contexto", "inventan información"}
    assert table["headers"][:4] == ["Modelo", "Criterio", "Motivo", "Al ganar"]


def test_a_model_that_names_itself_makes_the_vote_not_count(app_launcher, fixture_docs, tmp_path):
    with FakeOpenAI(answer="Soy ChatGPT, un modelo de OpenAI. La piscina abre a las 7:00.") as server:
        models = tmp_path / "models.yaml"
        models.write_text(
            "models:\n"
            "  - {id: extractive, label: Extractivo, kind: extractive}\n"
            "  - {id: charlatan, label: Charlatán, kind: openai, model: gpt-3.5-turbo, api_key_env: FAKE_KEY,\n"
            "     base_url_env: FAKE_URL, max_retries: 0}\n",
            encoding="utf-8",
        )
        env = arena_env(
            tmp_path, fixture_docs, RAGARENA_MODELS=str(models), FAKE_KEY="sk-prueba", FAKE_URL=server.base_url
        )
        app = app_launcher(env)
        client = connect(app.url)
        chat_a, chat_b, *_ = ask(client)  # blind: the two available models, in a random order
        leaky = "model_a" if "Soy ChatGPT" in message_text(chat_a[-1]) else "model_b"
        assert "Soy ChatGPT" in message_text((chat_a if leaky == "model_a" else chat_b)[-1])
        status, *_ = vote_full(client, leaky)
        assert status.startswith("✅") and "no cuenta para la clasificación" in status
        [battle] = stored(Path(env["RAGARENA_DB"]))
        assert battle["excluded"] is True and category(battle["excluded_reason"]) == IDENTITY
        assert battle["mode"] == "anonymous"
        # Kept, but the leaderboard does not count it.
        _, summary, *_ = client.predict(api_name="/leaderboard_refresh")
        assert "Todavía no hay votos" in summary and "1 combates excluidos no cuentan" in summary
