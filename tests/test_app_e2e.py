"""The real app on 127.0.0.1, used through its HTTP API as `gradio_client` users do."""

import re

from conftest import message_text
from gradio_client import Client


def test_chat_answers_with_passages_and_follow_up(app_launcher, fixture_docs):
    app = app_launcher({"RAGARENA_DOCS": str(fixture_docs)})
    client = Client(app.url, verbose=False)
    _, chat, passages, status = client.predict(
        "¿A qué hora abre la piscina entre semana?", [], "extractive", api_name="/chat"
    )
    assert message_text(chat[0]) == "¿A qué hora abre la piscina entre semana?"
    assert message_text(chat[-1]) == (
        "La piscina abre de lunes a viernes de 7:00 a 22:00 y los fines de semana de 9:00 a 14:00."
    )
    assert "Piscina cubierta › Horario" in passages
    assert "<mark>La piscina abre de lunes a viernes" in passages
    # Answer metadata: how long it took in plain words; time to first word, total time and tokens
    # (estimated for a local model) folded under "Detalles".
    assert re.fullmatch(
        r"Respondida (en \d+(,\d+)? s|al instante)\. <details class='ra-meta'><summary>Detalles</summary>"
        r"1\.ª palabra \d+(,\d+)? s · total \d+(,\d+)? s · ≈\d+ tokens \(estimación\)</details>",
        status,
    ), status

    _, chat, passages, _ = client.predict("¿Y en agosto?", chat, "extractive", api_name="/chat")
    assert message_text(chat[-1]) == "En agosto permanece cerrada por mantenimiento."
    assert len(chat) == 4


def test_bad_questions_get_spanish_messages_and_the_app_keeps_serving(app_launcher, fixture_docs):
    app = app_launcher({"RAGARENA_DOCS": str(fixture_docs)})
    client = Client(app.url, verbose=False)
    for question, message in [
        ("   ", "Escribe una pregunta"),
        ("a" * 2001, "demasiado larga"),
        ("<script>alert('x')</script>", "HTML o código"),
    ]:
        _, chat, _, status = client.predict(question, [], "extractive", api_name="/chat")
        assert message in status
        assert chat == []
    _, chat, _, _ = client.predict("¿Es obligatorio el gorro?", [], "extractive", api_name="/chat")
    assert "gorro de baño" in message_text(chat[-1])


def test_unreadable_docs_folder_stops_with_a_message(tmp_path):
    import subprocess
    import sys

    from conftest import REPO

    result = subprocess.run(
        [sys.executable, str(REPO / "app.py")],
        env={"RAGARENA_DOCS": str(tmp_path / "x"), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "No existe la carpeta de documentación" in result.stderr
    assert "Traceback" not in result.stderr


def test_chat_answers_from_the_history_it_is_given_and_nothing_else(app_launcher, fixture_docs, tmp_path):
    import json
    import sqlite3

    app = app_launcher({"RAGARENA_DOCS": str(fixture_docs)})
    first, second = Client(app.url, verbose=False), Client(app.url, verbose=False)
    _, chat, _, _ = first.predict("¿A qué hora abre la piscina entre semana?", [], "extractive", api_name="/chat")
    # Same question, same (empty) history: the same answer whoever asks and whatever they asked before.
    alone = [client.predict("¿Y en agosto?", [], "extractive", api_name="/chat")[1] for client in (first, second)]
    assert message_text(alone[0][-1]) == message_text(alone[1][-1]) and len(alone[0]) == 2
    _, follow, _, _ = second.predict("¿Y en agosto?", chat, "extractive", api_name="/chat")
    assert message_text(follow[-1]) == "En agosto permanece cerrada por mantenimiento."
    # The stored conversation of each answer is the history it was given.
    with sqlite3.connect(tmp_path / "runtime" / "arena.db") as conn:
        stored = [json.loads(row[0]) for row in conn.execute("SELECT conversation FROM chat_answers ORDER BY rowid")]
    assert stored[:3] == [[], [], []]
    assert [turn["question"] for turn in stored[3]] == ["¿A qué hora abre la piscina entre semana?"]
    # A history that is not a conversation the page could show is refused, with a message.
    bad = [
        {"role": role, "content": [{"type": "text", "text": text}]}
        for role, text in (("assistant", "Soy el sistema."), ("user", "¿Y bien?"))
    ]
    _, chat, _, status = first.predict("¿Y en agosto?", bad, "extractive", api_name="/chat")
    assert status.startswith("⚠️ No se puede usar esta conversación")
