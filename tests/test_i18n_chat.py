"""The Chat tab in English: the language argument of /chat, /chat_rate and /new_conversation, the
messages of the modules behind it, and the labels a language switch redraws. Spanish stays the default."""

from __future__ import annotations

import re

import pytest
from conftest import message_text

from ragarena.answer_ratings.rules import check_scores, clean_comment
from ragarena.answer_ratings.store import AnswerRatings
from ragarena.answering.backends.base import BackendError
from ragarena.answering.backends.remote import status_message, timeout_message, unreachable_message
from ragarena.answering.filler import find_filler
from ragarena.answering.metering import AnswerMeta
from ragarena.answering.models import ModelSpec, find_spec, unavailable_reason
from ragarena.arena.votes import VoteStore
from ragarena.core.errors import UserError
from ragarena.core.i18n import localize
from ragarena.core.question_check import question_problem
from ragarena.core.refusals import VoteRejected, check_question
from ragarena.ui.render import format_meta, format_usd

QUESTION = "¿A qué hora abre la piscina entre semana?"
ANSWER = "La piscina abre de lunes a viernes de 7:00 a 22:00 y los fines de semana de 9:00 a 14:00."


# --- module messages -----------------------------------------------------------------------------


def test_question_problems_read_spanish_and_render_in_english():
    problem = question_problem("   ")
    assert problem == "Escribe una pregunta antes de enviar."
    assert localize(problem, "en") == "Type a question before sending."
    long = question_problem("a" * 2001)
    assert "demasiado larga (2001 caracteres)" in long
    assert localize(long, "en") == "The question is too long (2001 characters); the maximum is 2000."
    assert localize(question_problem("<b>hola</b>"), "en").startswith("The question contains HTML or code")
    assert question_problem("¿Hay piscina?") is None
    # The arena and the rating store raise it as a VoteRejected: still translatable.
    with pytest.raises(VoteRejected) as caught:
        check_question("")
    assert localize(caught.value, "en") == "Type a question before sending."


def test_answer_metadata_line_in_english_uses_decimal_points_and_dollars_first():
    meta = AnswerMeta(
        ttft_s=0.42, total_s=1.8, completion_tokens=37, prompt_tokens=150, tokens_estimated=False, cost_usd=0.0001
    )
    assert format_meta(meta) == "1.ª palabra 0,42 s · total 1,8 s · 37 tokens · ~0,0001 $"
    assert localize(format_meta(meta), "en") == "first word 0.42 s · total 1.8 s · 37 tokens · ~$0.0001"
    estimated = AnswerMeta(
        ttft_s=None,
        total_s=12.4,
        completion_tokens=1,
        prompt_tokens=None,
        tokens_estimated=True,
        cost_usd=None,
        complete=False,
    )
    assert format_meta(estimated) == "total 12 s · ≈1 token (estimación) · incompleta"
    assert localize(format_meta(estimated), "en") == "total 12 s · ≈1 token (estimate) · incomplete"
    assert [localize(format_usd(x), "en") for x in (0.000043, 0.5, 2.5, 0)] == ["$0.000043", "$0.5", "$2.50", "$0"]
    assert localize(format_meta(None), "en") == ""


def test_filler_labels_translate_but_detection_is_unchanged():
    flags = find_filler("Según el contexto, lo siento, el abono cuesta 28 euros.")
    assert flags == ["según el contexto", "disculpa"]
    assert localize(flags, "en") == ["“according to the context”", "apology"]
    abstention = find_filler("La información no se encuentra en el contexto.", context_has_answer=True)
    assert localize(abstention, "en") == ["says it is not there when it is"]
    assert find_filler("El abono cuesta 28 euros.") == []


def test_backend_messages_render_in_english_with_nested_parts_translated():
    refused = status_message("GPT", 401, retries=0, key_env="OPENAI_API_KEY", model="m", url_env="OPENAI_BASE_URL")
    assert refused == "«GPT» ha rechazado la clave (401): revisa OPENAI_API_KEY."
    assert localize(BackendError(refused), "en") == "“GPT” rejected the key (401): check OPENAI_API_KEY."
    busy = status_message("TGI", 429, retries=2, key_env="HF_TOKEN", model="m", url_env="TGI_URL")
    assert "(429) tras 2 reintentos." in busy
    assert "(429) after 2 retries." in localize(busy, "en")
    assert "(503) after 1 retry." in localize(
        status_message("TGI", 503, retries=1, key_env="HF_TOKEN", model="m", url_env="TGI_URL"), "en"
    )
    assert localize(timeout_message("X", 2.5, streaming=False), "en").startswith("“X” did not answer within 2.5 s.")
    assert timeout_message("X", 2.5, streaming=False).startswith("«X» no ha respondido en 2,5 s.")
    assert localize(unreachable_message("X", "http://user:pw@host:81/v1?k=1", "TGI_URL"), "en") == (
        "Cannot connect to “X” at http://host:81: check TGI_URL and the network."
    )


def test_model_registry_messages_in_english(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    gpt = ModelSpec("gpt", "GPT", "openai", label_en="GPT (English)")
    reason = unavailable_reason(gpt)
    assert reason == "Define OPENAI_API_KEY (y opcionalmente OPENAI_BASE_URL) para activarlo."
    assert localize(reason, "en") == "Set OPENAI_API_KEY (and optionally OPENAI_BASE_URL) to enable it."
    with pytest.raises(UserError) as caught:
        find_spec("nada", [gpt])
    assert str(caught.value) == "Modelo desconocido «nada». Modelos configurados: gpt."
    assert localize(caught.value, "en") == "Unknown model “nada”. Configured models: gpt."


def test_rating_refusals_in_english(tmp_path):
    with pytest.raises(VoteRejected) as caught:
        check_scores({"answer_relevance": 3})
    assert localize(caught.value, "en") == "Rate all three criteria (from 1 to 5) before sending the rating."
    with pytest.raises(VoteRejected) as caught:
        clean_comment("x" * 1001)
    assert "demasiado largo (1001 caracteres; máximo 1000)" in str(caught.value)
    assert localize(caught.value, "en") == "The comment is too long (1001 characters; maximum 1000)."
    store = VoteStore(tmp_path / "arena.db")
    try:
        ratings = AnswerRatings(store, ratings_per_minute=1)
        scores = {"answer_relevance": 4, "context_relevance": 4, "groundedness": 4}
        with pytest.raises(VoteRejected) as caught:
            ratings.rate(None, "s", scores)
        assert localize(caught.value, "en") == "There is no answer to rate in this session; ask a question first."
        answer_id = ratings.record_answer(session_hash="s", model="extractive", question=QUESTION, answer=ANSWER)
        ratings.rate(answer_id, "s", scores)
        with pytest.raises(VoteRejected) as caught:
            ratings.rate(answer_id, "s", scores)
        assert "1 valoraciones en el último minuto" in str(caught.value)
        assert localize(caught.value, "en").startswith("You have sent 1 ratings in the last minute (maximum 1)")
    finally:
        store.close()


# --- the tab's pieces ----------------------------------------------------------------------------


@pytest.fixture
def chat_app(fixture_engine, tmp_path, monkeypatch):
    """The whole app (Spanish and English labels) on the fixture corpus, with one unavailable model."""
    from ragarena.ui.app import build_app
    from ragarena.ui.context import AppContext

    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    models = tmp_path / "models.yaml"
    models.write_text(
        "models:\n"
        "  - {id: extractive, label: Extractivo, label_en: Extractive, kind: extractive}\n"
        "  - {id: gpt, label: GPT apagado, label_en: GPT switched off, kind: openai}\n",
        encoding="utf-8",
    )
    from ragarena.answering.models import load_specs

    monkeypatch.setattr(fixture_engine, "specs", load_specs(models))
    store = VoteStore(tmp_path / "arena.db")
    ctx = AppContext(engine=fixture_engine, extras={"store": store, "min_ratings": 20})
    try:
        yield ctx, build_app(ctx)
    finally:
        store.close()


def test_model_list_and_unavailable_note_in_both_languages(chat_app):
    from ragarena.ui.chat import model_choices, unavailable_note

    ctx, _demo = chat_app
    # Only models that can answer are offered; the others are listed, for whoever runs the app, in a note.
    assert model_choices(ctx) == [("Extractivo", "extractive")]
    assert model_choices(ctx, "en") == [("Extractive", "extractive")]
    assert unavailable_note(ctx) == (
        "Estos modelos no pueden responder en esta instalación; quien la gestiona puede "
        "activarlos:\n- **GPT apagado**: Define OPENAI_API_KEY "
        "(y opcionalmente OPENAI_BASE_URL) para activarlo."
    )
    assert unavailable_note(ctx, "en") == (
        "These models cannot answer in this installation; whoever runs it can "
        "enable them:\n- **GPT switched off**: Set OPENAI_API_KEY "
        "(and optionally OPENAI_BASE_URL) to enable it."
    )


def test_status_and_rating_messages_in_english():
    from ragarena.ui.chat_text import rating_message, status_line

    meta = AnswerMeta(
        ttft_s=0.5, total_s=2.0, completion_tokens=3, prompt_tokens=9, tokens_estimated=False, cost_usd=None
    )
    line = status_line(meta, find_filler("Lo siento: según el contexto, no."))
    assert line == (
        "Respondida en 2,0 s. <details class='ra-meta'><summary>Detalles</summary>1.ª palabra 0,50 s · "
        "total 2,0 s · 3 tokens</details>  \n⚠️ Respuesta con relleno: según el contexto, disculpa."
    )
    assert localize(line, "en") == (
        "Answered in 2.0 s. <details class='ra-meta'><summary>Details</summary>first word "
        "0.50 s · total 2.0 s · 3 tokens</details>  \n"
        "⚠️ Answer with filler: “according to the context”, apology."
    )
    rating = {"answer_relevance": 4, "context_relevance": 5, "groundedness": 3, "updated": True}
    assert rating_message(rating).startswith("✅ Valoración actualizada (respuesta 4, contexto 5, fundamentación 3)")
    assert localize(rating_message(rating), "en") == (
        "✅ Rating updated (answer 4, context 5, groundedness 3). You can change it until you ask another question."
    )


def test_the_switch_relabels_the_chat_controls_and_redraws_what_handlers_wrote(chat_app):
    from ragarena.ui.language import translatable

    _ctx, demo = chat_app
    by_id = {getattr(b, "elem_id", None): b for b in demo.blocks.values()}
    english = {
        elem_id: localize(translatable(by_id[elem_id]), "en")
        for elem_id in (
            "chat-question",
            "chat-send",
            "chat-clear",
            "chat-chatbot",
            "chat-rate-answer",
            "chat-rate-comment",
            "chat-rate-send",
        )
    }
    assert english["chat-question"] == {
        "label": "Question",
        "placeholder": "Type your question about the documentation…",
    }
    assert english["chat-send"] == {"value": "Send"} and english["chat-clear"] == {"value": "New conversation"}
    assert english["chat-chatbot"] == {
        "label": "Conversation",
        "placeholder": (
            "**Ask anything about the documentation.** The answer quotes the passages it rests on, shown under "
            "«Retrieved context». Try an example:"
        ),
    }
    assert english["chat-rate-answer"] == {"label": "Does it answer the question?"}
    assert english["chat-rate-comment"] == {"label": "Comment (optional)", "placeholder": "Up to 1000 characters"}
    assert english["chat-rate-send"] == {"value": "Send rating"}
    # The model list, the note, and the passages/status are redrawn by listeners of the switch.
    [switch] = [b for b in demo.blocks.values() if getattr(b, "elem_id", None) == "language"]
    listeners = [f for f in demo.fns.values() if any(t[0] == switch._id and t[1] == "change" for t in f.targets)]
    outputs = {id(out) for f in listeners for out in f.outputs}
    for elem_id in ("chat-passages", "chat-status", "chat-rate-status"):
        assert id(by_id[elem_id]) in outputs, elem_id
    from ragarena.ui.chat_text import rating_message

    [rating_redraw] = [f for f in listeners if f.outputs == [by_id["chat-rate-status"]]]
    saved = rating_message({"answer_relevance": 4, "context_relevance": 5, "groundedness": 3, "updated": False})
    assert rating_redraw.fn("en", saved).startswith("✅ Rating saved (answer 4, context 5, groundedness 3)")
    assert rating_redraw.fn("es", saved).startswith("✅ Valoración guardada")
    dropdowns = [f for f in listeners if any(type(o).__name__ == "Dropdown" for o in f.outputs)]
    assert any(f.fn("en")["choices"] == [("Extractive", "extractive")] for f in dropdowns)
    notes = [
        f
        for f in listeners
        if len(f.inputs) == 1
        and f.outputs
        and type(f.outputs[0]).__name__ == "Markdown"
        and f.outputs[0].elem_classes == ["ra-note"]
    ]
    assert next(f.fn("en") for f in notes).startswith("These models cannot answer in this installation")


# --- through the real app ------------------------------------------------------------------------


def test_the_chat_api_answers_in_english_when_asked_and_in_spanish_by_default(app_launcher, fixture_docs, tmp_path):
    from fake_servers import FakeOpenAI, error, listed
    from gradio_client import Client

    with FakeOpenAI(default=error(401), models=[listed("m")]) as server:
        models = tmp_path / "models.yaml"
        models.write_text(
            "models:\n"
            "  - {id: extractive, label: Extractivo, label_en: Extractive, kind: extractive}\n"
            "  - {id: roto, label: Roto, kind: openai, model: m, api_key_env: FAKE_KEY, base_url_env: FAKE_URL,\n"
            "     max_retries: 0}\n"
            "  - {id: apagado, label: Apagado, kind: openai, api_key_env: NOT_SET_KEY_FOR_TEST}\n",
            encoding="utf-8",
        )
        app = app_launcher(
            {
                "RAGARENA_DOCS": str(fixture_docs),
                "RAGARENA_MODELS": str(models),
                "RAGARENA_DB": str(tmp_path / "datos" / "arena.db"),
                "FAKE_KEY": "sk-prueba",
                "FAKE_URL": server.base_url,
            }
        )
        client = Client(app.url, verbose=False)

        # A success: metadata line and passages panel in English; the answer (data) as written.
        _, chat, passages, status = client.predict(QUESTION, [], "extractive", "en", api_name="/chat")
        assert message_text(chat[-1]) == ANSWER
        assert re.fullmatch(
            r"Answered (in \d+(\.\d+)? s|instantly)\. <details class='ra-meta'><summary>Details</summary>"
            r"first word \d+(\.\d+)? s · total \d+(\.\d+)? s · ≈\d+ tokens \(estimate\)</details>",
            status,
        ), status
        assert "Retrieved context" in passages and "Contexto recuperado" not in passages
        assert "«Relevant»: the passage" in passages or "no estimate of relevance" in passages
        # Rating it: saved in English, then updated in Spanish (the argument left out), refused in English.
        assert client.predict(4, 5, 3, "", "en", api_name="/chat_rate").startswith(
            "✅ Rating saved (answer 4, context 5, groundedness 3)."
        )
        assert client.predict(2, 5, 3, "", api_name="/chat_rate").startswith(
            "✅ Valoración actualizada (respuesta 2, contexto 5, fundamentación 3)."
        )
        assert client.predict(2, 5, 3, "x" * 1001, "en", api_name="/chat_rate") == (
            "⚠️ The comment is too long (1001 characters; maximum 1000)."
        )
        assert client.predict(None, 5, 3, "", "en", api_name="/chat_rate") == (
            "⚠️ Rate all three criteria (from 1 to 5) before sending the rating."
        )

        # Errors: a refused question, a failing model, an unavailable one.
        _, chat, _, status = client.predict("   ", [], "extractive", "en", api_name="/chat")
        assert status == "⚠️ Type a question before sending." and chat == []
        _, chat, passages, status = client.predict(QUESTION, [], "roto", "en", api_name="/chat")
        assert status == "⚠️ “Roto” rejected the key (401): check FAKE_KEY."
        assert message_text(chat[-1]) == "⚠️ No answer: the reason is shown below." and "Retrieved context" in passages
        _, chat, _, status = client.predict(QUESTION, [], "apagado", "en", api_name="/chat")
        assert status == (
            "⚠️ That model is not available: Set NOT_SET_KEY_FOR_TEST (and optionally OPENAI_BASE_URL) to enable it."
        )

        # New conversation: the empty passages panel in the language asked for.
        _, chat, passages, status = client.predict("en", api_name="/new_conversation")
        assert chat == [] and status == "" and "No passage retrieved." in passages
        assert "haz una pregunta primero" in client.predict(4, 4, 4, "", api_name="/chat_rate")
        assert "ask a question first" in client.predict(4, 4, 4, "", "en", api_name="/chat_rate")

        # The default stays Spanish, everywhere.
        _, chat, passages, status = client.predict(QUESTION, [], "extractive", api_name="/chat")
        assert status.startswith("Respondida ") and "(estimación)" in status and "Contexto recuperado" in passages
        _, _, _, status = client.predict("   ", [], "extractive", api_name="/chat")
        assert status == "⚠️ Escribe una pregunta antes de enviar."
        _, _, _, status = client.predict(QUESTION, [], "roto", api_name="/chat")
        assert status == "⚠️ «Roto» ha rechazado la clave (401): revisa FAKE_KEY."
        _, _, passages, _ = client.predict(api_name="/new_conversation")
        assert "No se ha recuperado ningún fragmento." in passages
