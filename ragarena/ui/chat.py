"""Chat tab: pick a model, ask, see the streamed answer and the passages it came from, rate the answer.

Every completed answer is recorded server-side (`ragarena.answer_ratings`) and its id kept in
the session's ``gr.State``; under the conversation the user may rate that answer 1-5 on the
study's three criteria, with an optional comment. One rating per answer, changeable (sent
again) until the next question or a new conversation.

API (gradio_client):

* ``/chat(question, chatbot, model)`` → (question box "", chatbot, passages HTML, status): once the
  answer is complete, status holds its metadata ("1.ª palabra … · total … · N tokens") and any filler
  warning; a refused question or a failed model gives "⚠️ …" there instead.
* ``/chat_rate(answer, context, grounded, comment)`` (three integers 1-5, text) → status:
  "✅ Valoración guardada…" / "✅ Valoración actualizada…", or "⚠️ …" when refused.
* ``/new_conversation()`` → (question box, chatbot, passages HTML, status), all cleared.

Element ids for browser tests: chat-question, chat-send, chat-clear, chat-status, chat-passages,
chat-rate (the rating box, shown once there is an answer to rate), chat-rate-answer,
chat-rate-context, chat-rate-grounded, chat-rate-comment, chat-rate-send, chat-rate-status.
"""

from __future__ import annotations

import sys

import gradio as gr

from ragarena.answer_ratings import CRITERION_QUESTIONS, MAX_COMMENT, ratings_per_minute_from_env
from ragarena.answer_meta import MeteredStream, format_meta
from ragarena.backends.base import AnswerRequest, BackendError
from ragarena.errors import UserError
from ragarena.evidence import supporting_sentence
from ragarena.filler import find_filler
from ragarena.models import find_spec
from ragarena.retrieval import Hit
from ragarena.ui.context import AppContext
from ragarena.ui.render import passages_html
from ragarena.validation import question_problem

SCORE_CHOICES = [1, 2, 3, 4, 5]
RATE_IDS = {"answer_relevance": "chat-rate-answer", "context_relevance": "chat-rate-context",
            "groundedness": "chat-rate-grounded"}
SCORE_NAMES = {"answer_relevance": "respuesta", "context_relevance": "contexto", "groundedness": "fundamentación"}


def model_choices(ctx: AppContext) -> list[tuple[str, str]]:
    unavailable = ctx.engine.unavailable()
    return [
        (spec.label + (" (no disponible)" if spec.id in unavailable else ""), spec.id) for spec in ctx.engine.specs
    ]


def unavailable_note(ctx: AppContext) -> str:
    lines = [f"- **{s.label}**: {ctx.engine.unavailable()[s.id]}" for s in ctx.engine.specs if s.id in ctx.engine.unavailable()]
    return ("Modelos no disponibles:\n" + "\n".join(lines)) if lines else ""


def answer_stream(ctx: AppContext, model_id: str, question: str, history: list[tuple[str, str]]):
    """Yield (hits, partial answer, metadata or None) as the model streams; the metadata (time to
    first token, total time, tokens, cost) comes with the last yield. Raises BackendError (Spanish)."""
    hits = ctx.engine.retrieve(question, [q for q, _ in history])
    if model_id in ctx.engine.unavailable():
        raise BackendError(f"Ese modelo no está disponible: {ctx.engine.unavailable()[model_id]}")
    request = AnswerRequest(question, tuple(hits), tuple(history))
    # prefetch: the model is already being asked while the page draws the passages.
    metered = MeteredStream(ctx.engine.backend(model_id).stream(request), find_spec(model_id, ctx.engine.specs),
                            request, prefetch=True)
    answer = ""
    try:
        yield hits, answer, None
        for chunk in metered:
            answer += chunk
            yield hits, answer, None
    finally:
        metered.close()
    yield hits, answer, metered.meta


def build_chat_tab(ctx: AppContext) -> None:
    ratings_per_minute_from_env()  # a bad RAGARENA_RATINGS_PER_MINUTE stops the app at start-up (UserError)
    default = next((s.id for s in ctx.engine.available_specs()), None)
    with gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=300):
            model = gr.Dropdown(model_choices(ctx), value=default, label="Modelo", interactive=True)
            note = gr.Markdown(unavailable_note(ctx), elem_classes=["ra-note"])
            chatbot = gr.Chatbot(label="Conversación", height=420, buttons=["copy"], elem_id="chat-chatbot")
            with gr.Group(visible=False, elem_id="chat-rate", elem_classes=["ra-rate"]) as rate_box:
                gr.Markdown("**Valora la última respuesta** (opcional): de 1 (nada) a 5 (totalmente). "
                            "Puedes cambiar la valoración hasta que hagas otra pregunta.")
                with gr.Row():
                    scores = [gr.Radio(SCORE_CHOICES, value=None, label=CRITERION_QUESTIONS[key], elem_id=elem_id,
                                       min_width=150) for key, elem_id in RATE_IDS.items()]
                with gr.Row(equal_height=True):
                    comment = gr.Textbox(label="Comentario (opcional)", max_lines=4, max_length=MAX_COMMENT,
                                         placeholder=f"Hasta {MAX_COMMENT} caracteres", scale=4,
                                         elem_id="chat-rate-comment")
                    rate_send = gr.Button("Enviar valoración", scale=1, min_width=140, elem_id="chat-rate-send")
                rate_status = gr.Markdown("", elem_id="chat-rate-status")
            status = gr.Markdown("", elem_id="chat-status")
            question = gr.Textbox(
                label="Pregunta", placeholder="Escribe tu pregunta sobre la documentación…", max_lines=6,
                elem_id="chat-question",
            )
            with gr.Row():
                send = gr.Button("Enviar", variant="primary", elem_id="chat-send")
                clear = gr.Button("Nueva conversación", elem_id="chat-clear")
        with gr.Column(scale=2, min_width=280):
            passages = gr.HTML(passages_html([]), elem_id="chat-passages")
    pairs = gr.State([])
    answer_state = gr.State(None)  # id of the latest answer, the one that can be rated (server-side)
    shown_state = gr.State(None)  # the answer the rating box was last reset for

    def record(request: gr.Request | None, model_id, text, answer, history, hits) -> str | None:
        """Store the completed answer so it can be rated; None (and a note on stderr) if that fails."""
        session = getattr(request, "session_hash", None) if request else None
        if not session:
            return None
        try:
            return ctx.ratings.record_answer(session_hash=session, model=model_id, question=text, answer=answer,
                                             conversation=history, passage_ids=[h.passage.id for h in hits])
        except Exception as error:  # the chat must work even if ratings cannot be stored
            print(f"Aviso: no se pudo guardar la respuesta para valorarla ({type(error).__name__}: {error}).",
                  file=sys.stderr)
            return None

    def respond(text, messages, history, model_id, request: gr.Request = None):
        messages, history = list(messages or []), list(history or [])
        problem = question_problem(text)
        if problem:
            yield gr.update(), messages, history, gr.update(), f"⚠️ {problem}", gr.update()
            return
        text = text.strip()
        messages = messages + [{"role": "user", "content": text}, {"role": "assistant", "content": ""}]
        hits: list[Hit] = []
        answer = ""
        try:
            shown = None
            for hits, answer, meta in answer_stream(ctx, model_id, text, history):
                messages[-1] = {"role": "assistant", "content": answer}
                # The passages are drawn once; later updates only carry the growing answer.
                drawn = passages_html(hits) if shown is None else gr.skip()
                shown = hits
                yield "", messages, history, drawn, "", None  # the previous answer is done
        except BackendError as error:
            messages[-1] = {"role": "assistant", "content": f"⚠️ {error}"}
            yield "", messages, history, passages_html(hits), f"⚠️ {error}", None
            return
        answer_id = record(request, model_id, text, answer, history, hits)
        history.append((text, answer))
        flags = find_filler(answer)
        line = format_meta(meta) + (f"  \n⚠️ Respuesta con relleno: {', '.join(flags)}." if flags else "")
        yield "", messages, history, passages_html(hits, supporting_sentence(answer, hits)), line, answer_id

    def rate(answer_score, context_score, grounded_score, text, answer_id, request: gr.Request = None):
        session = getattr(request, "session_hash", None) if request else None
        given = dict(zip(RATE_IDS, (answer_score, context_score, grounded_score)))
        try:
            rating = ctx.ratings.rate(answer_id, session, given, text)
        except UserError as error:  # VoteRejected included: the reason, for the user
            return f"⚠️ {error}"
        figures = ", ".join(f"{SCORE_NAMES[key]} {rating[key]}" for key in RATE_IDS)
        verb = "actualizada" if rating["updated"] else "guardada"
        return f"✅ Valoración {verb} ({figures}). Puedes cambiarla hasta que hagas otra pregunta."

    def sync_rating_box(answer_id, shown_id):
        """Show an empty rating box for a new answer, hide it when there is none; else leave it be."""
        if answer_id == shown_id:
            return (gr.update(), *[gr.update() for _ in scores], gr.update(), gr.update(), shown_id)
        return (gr.update(visible=bool(answer_id)), *[None for _ in scores], "", "", answer_id)

    inputs = [question, chatbot, pairs, model]
    outputs = [question, chatbot, pairs, passages, status, answer_state]
    sync = dict(fn=sync_rating_box, inputs=[answer_state, shown_state],
                outputs=[rate_box, *scores, comment, rate_status, shown_state], api_name=False, show_progress="hidden")
    send.click(respond, inputs, outputs, api_name="chat").then(**sync)
    question.submit(respond, inputs, outputs, api_name=False).then(**sync)
    clear.click(lambda: ("", [], [], passages_html([]), "", None), None, outputs,
                api_name="new_conversation").then(**sync)
    model.change(lambda: ([], [], passages_html([]), "", None), None,
                 [chatbot, pairs, passages, status, answer_state], api_name=False).then(**sync)
    rate_send.click(rate, [*scores, comment, answer_state], [rate_status], api_name="chat_rate")
