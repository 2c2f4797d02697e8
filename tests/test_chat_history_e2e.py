"""A `/chat` history the page never sends, through the real server: Gradio's older format (plain-string
`content`) is answered and stored for rating; a lone surrogate, or something that is no list of
messages, gets the app's own message (Spanish, English with the switch), never a traceback, and an
answer is never silently left unstored."""

from __future__ import annotations

import json
import urllib.request

from gradio_client import Client

QUESTION = "¿Es obligatorio el gorro?"
PARTS = [{"type": "text", "text": "¿A qué hora abre la piscina?"}]


def raw_chat(url: str, history, language: str = "es") -> list:
    """/chat by plain HTTP (gradio_client cannot even send a lone surrogate): its final outputs."""
    base = url + "gradio_api/call/chat"
    body = json.dumps({"data": [QUESTION, history, "extractive", language]}).encode()  # "\ud800" as an escape
    request = urllib.request.Request(base, data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        event = json.load(response)["event_id"]
    with urllib.request.urlopen(f"{base}/{event}", timeout=60) as response:
        stream = response.read().decode()
    events = [line for line in stream.splitlines() if line.startswith(("event:", "data:"))]
    assert "event: complete" in events, stream
    return json.loads(events[events.index("event: complete") + 1].removeprefix("data:"))


def test_odd_histories_get_the_app_message_or_an_answer_that_can_be_rated(app_launcher, fixture_docs):
    app = app_launcher({"RAGARENA_DOCS": str(fixture_docs), "RAGARENA_RETRIEVAL": "bm25"})

    surrogate = [
        {"role": "user", "content": [{"type": "text", "text": "q \ud800"}]},
        {"role": "assistant", "content": [{"type": "text", "text": "r"}]},
    ]
    status = raw_chat(app.url, surrogate)[3]
    assert status == (
        "⚠️ La conversación contiene caracteres no válidos (no son texto que se pueda guardar); empieza una nueva."
    )
    assert raw_chat(app.url, surrogate, "en")[3] == (
        "⚠️ The conversation holds invalid characters (not text that can be stored); start a new one."
    )

    for unreadable in ("hola", [{"role": "user"}], [{"role": "user", "content": 5}, {"role": "assistant"}]):
        status = raw_chat(app.url, unreadable)[3]
        assert status.startswith("⚠️ No se puede usar esta conversación"), (unreadable, status)
        assert raw_chat(app.url, unreadable, "en")[3].startswith("⚠️ This conversation cannot be used")

    # Gradio's older format: each content a plain string. Answered, and stored (it can be rated).
    client = Client(app.url, verbose=False)
    older = [
        {"role": "user", "content": "¿A qué hora abre la piscina?"},
        {"role": "assistant", "content": "De 7:00 a 22:00."},
    ]
    _, chat, _, status = client.predict(QUESTION, older, "extractive", api_name="/chat")
    assert not status.startswith("⚠️") and len(chat) == 4
    assert chat[0]["content"] == PARTS  # shown as the page shows any message
    assert client.predict(4, 5, 3, "", api_name="/chat_rate").startswith("✅ Valoración guardada")
    client.close()

    log = app.log()
    assert "Traceback" not in log and "ValidationError" not in log and "no se pudo guardar" not in log
