"""Chat tab: pick a model, ask, see the streamed answer and the passages it came from, rate the answer.

Every completed answer is recorded server-side (`ragarena.answer_ratings`) and its id kept in
the session's ``gr.State``; under the conversation the user may rate that answer 1-5 on the
study's three criteria, with an optional comment. One rating per answer, changeable (sent
again) until the next question or a new conversation.

API (gradio_client):

* ``/chat(question, chatbot, model, language)`` → (question box "", chatbot, passages HTML, status): once
  the answer is complete, status holds its metadata ("1.ª palabra … · total … · N tokens") and any
  filler warning; a refused question or a failed model gives "⚠️ …" there instead.
* ``/chat_rate(answer, context, grounded, comment, language)`` (three integers 1-5, text) → status:
  "✅ Valoración guardada…" / "✅ Valoración actualizada…", or "⚠️ …" when refused.
* ``/new_conversation(language)`` → (question box, chatbot, passages HTML, status), all cleared.

``language`` ("es" or "en", the header switch) is always the last argument and may be left out:
Spanish by default. Messages are built as Spanish `ragarena.i18n.Text` and rendered with
`localize` right before they are returned; stored records stay as they are (Spanish or plain data).
On a switch of language, the model list, the "unavailable models" note, the passages panel and
the status line are drawn again in the new language (static labels are relabelled by
`ragarena.ui.language.relabel_on_switch`).

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
from ragarena.i18n import DEFAULT_LANGUAGE, Text, _, join_text, localize, normalize_language
from ragarena.models import find_spec
from ragarena.retrieval import Hit
from ragarena.ui.context import AppContext
from ragarena.ui.render import passages_html
from ragarena.validation import question_problem

SCORE_CHOICES = [1, 2, 3, 4, 5]
RATE_IDS = {"answer_relevance": "chat-rate-answer", "context_relevance": "chat-rate-context",
            "groundedness": "chat-rate-grounded"}
SCORE_NAMES = {"answer_relevance": _("respuesta"), "context_relevance": _("contexto"),
               "groundedness": _("fundamentación")}


def model_choices(ctx: AppContext, language: str | None = DEFAULT_LANGUAGE) -> list[tuple[str, str]]:
    """(label in `language`, model id) for the dropdown; unavailable models are marked so."""
    language = normalize_language(language)
    unavailable = ctx.engine.unavailable()
    return [
        (localize(_("{model} (no disponible)", model=spec.label_in(language)), language)
         if spec.id in unavailable else spec.label_in(language), spec.id)
        for spec in ctx.engine.specs
    ]


def unavailable_note(ctx: AppContext, language: str | None = DEFAULT_LANGUAGE) -> str:
    """Markdown listing the models that cannot answer now and how to enable them ("" when none)."""
    language = normalize_language(language)
    unavailable = ctx.engine.unavailable()
    lines = [Text("- **{model}**: {reason}", model=s.label_in(language), reason=unavailable[s.id])
             for s in ctx.engine.specs if s.id in unavailable]
    warnings = ctx.engine.warnings()  # shutdown dates ahead (ragarena.model_check)
    warned = [Text("- ⚠️ **{model}**: {warning}", model=s.label_in(language), warning=warnings[s.id])
              for s in ctx.engine.specs if s.id in warnings]
    parts = [_("Modelos no disponibles:\n{models}", models=join_text(lines, "\n"))] if lines else []
    parts += [join_text(warned, "\n")] if warned else []  # usable models: a list of their own
    return localize(join_text(parts, "\n\n"), language) if parts else ""


def answer_stream(ctx: AppContext, model_id: str, question: str, history: list[tuple[str, str]]):
    """Yield (hits, partial answer, metadata or None) as the model streams; the metadata (time to
    first token, total time, tokens, cost) comes with the last yield. Raises BackendError (its
    message a Spanish `Text`)."""
    hits = ctx.engine.retrieve(question, [q for q, _answer in history])
    unavailable = ctx.engine.unavailable()
    if model_id in unavailable:
        raise BackendError(_("Ese modelo no está disponible: {reason}", reason=unavailable[model_id]))
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


def status_line(meta, flags) -> Text | str:
    """The status under the conversation once an answer is complete: its metadata and any filler."""
    line = format_meta(meta)
    if not flags:
        return line
    return _("{meta}  \n⚠️ Respuesta con relleno: {flags}.", meta=line, flags=join_text(flags, ", "))


def rating_message(rating: dict) -> Text:
    figures = join_text([Text("{name} {score}", name=SCORE_NAMES[key], score=rating[key]) for key in RATE_IDS],
                        ", ")
    if rating["updated"]:
        return _("✅ Valoración actualizada ({figures}). Puedes cambiarla hasta que hagas otra pregunta.",
                 figures=figures)
    return _("✅ Valoración guardada ({figures}). Puedes cambiarla hasta que hagas otra pregunta.", figures=figures)


def build_chat_tab(ctx: AppContext, language: gr.Radio | None = None) -> None:
    ratings_per_minute_from_env()  # a bad RAGARENA_RATINGS_PER_MINUTE stops the app at start-up (UserError)
    default = next((s.id for s in ctx.engine.available_specs()), None)
    with gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=300):
            model = gr.Dropdown(model_choices(ctx), value=default, label=_("Modelo"), interactive=True)
            note = gr.Markdown(unavailable_note(ctx), elem_classes=["ra-note"])
            chatbot = gr.Chatbot(label=_("Conversación"), height=420, buttons=["copy"], elem_id="chat-chatbot")
            with gr.Group(visible=False, elem_id="chat-rate", elem_classes=["ra-rate"]) as rate_box:
                gr.Markdown(_("**Valora la última respuesta** (opcional): de 1 (nada) a 5 (totalmente). "
                              "Puedes cambiar la valoración hasta que hagas otra pregunta."))
                with gr.Row():
                    scores = [gr.Radio(SCORE_CHOICES, value=None, label=CRITERION_QUESTIONS[key], elem_id=elem_id,
                                       min_width=150) for key, elem_id in RATE_IDS.items()]
                with gr.Row(equal_height=True):
                    comment = gr.Textbox(label=_("Comentario (opcional)"), max_lines=4, max_length=MAX_COMMENT,
                                         placeholder=_("Hasta {count} caracteres", count=MAX_COMMENT), scale=4,
                                         elem_id="chat-rate-comment")
                    rate_send = gr.Button(_("Enviar valoración"), scale=1, min_width=140, elem_id="chat-rate-send")
                rate_status = gr.Markdown("", elem_id="chat-rate-status")
            status = gr.Markdown("", elem_id="chat-status")
            question = gr.Textbox(
                label=_("Pregunta"), placeholder=_("Escribe tu pregunta sobre la documentación…"), max_lines=6,
                elem_id="chat-question",
            )
            with gr.Row():
                send = gr.Button(_("Enviar"), variant="primary", elem_id="chat-send")
                clear = gr.Button(_("Nueva conversación"), elem_id="chat-clear")
        with gr.Column(scale=2, min_width=280):
            passages = gr.HTML(passages_html([]), elem_id="chat-passages")
    pairs = gr.State([])
    answer_state = gr.State(None)  # id of the latest answer, the one that can be rated (server-side)
    shown_state = gr.State(None)  # the answer the rating box was last reset for
    # What the passages panel and the status line show, kept unrendered so that a switch of
    # language can draw them again: (hits, supporting sentence) and the status `Text`.
    panel_state = gr.State(None)
    status_state = gr.State("")
    rate_state = gr.State("")  # the rating box's last message, unrendered, for the same reason
    # The language switch, always the last input (API callers that leave it out get Spanish);
    # a tab built without one (tests) is Spanish.
    lang = [language if language is not None else gr.State(DEFAULT_LANGUAGE)]

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

    def respond(text, messages, history, model_id, panel, language=DEFAULT_LANGUAGE, request: gr.Request = None):
        language = normalize_language(language)
        messages, history = list(messages or []), list(history or [])
        problem = question_problem(text)
        if problem:
            warning = _("⚠️ {error}", error=problem)
            yield gr.update(), messages, history, gr.update(), localize(warning, language), gr.update(), panel, warning
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
                if shown is None:
                    drawn, panel = passages_html(hits, language=language), (hits, None)
                else:
                    drawn = gr.skip()
                shown = hits
                yield "", messages, history, drawn, "", None, panel, ""  # the previous answer is done
        except BackendError as error:
            warning = _("⚠️ {error}", error=error)
            messages[-1] = {"role": "assistant", "content": localize(warning, language)}
            yield ("", messages, history, passages_html(hits, language=language), localize(warning, language), None,
                   (hits, None), warning)
            return
        answer_id = record(request, model_id, text, answer, history, hits)
        history.append((text, answer))
        line = status_line(meta, find_filler(answer))
        support = supporting_sentence(answer, hits)
        yield ("", messages, history, passages_html(hits, support, language=language), localize(line, language),
               answer_id, (hits, support), line)

    def redraw(language, panel, line):
        """The passages panel and the status line again, in the language just chosen."""
        hits, support = panel or ([], None)
        return passages_html(hits, support, language=language), localize(line or "", language)

    def rate(answer_score, context_score, grounded_score, text, answer_id, language=DEFAULT_LANGUAGE,
             request: gr.Request = None):
        session = getattr(request, "session_hash", None) if request else None
        given = dict(zip(RATE_IDS, (answer_score, context_score, grounded_score)))
        try:
            rating = ctx.ratings.rate(answer_id, session, given, text)
        except UserError as error:  # VoteRejected included: the reason, for the user
            message = _("⚠️ {error}", error=error)
        else:
            message = rating_message(rating)
        return localize(message, language), message

    def cleared(language=DEFAULT_LANGUAGE):
        return "", [], [], passages_html([], language=language), "", None, None, ""

    def sync_rating_box(answer_id, shown_id):
        """Show an empty rating box for a new answer, hide it when there is none; else leave it be."""
        if answer_id == shown_id:
            return (gr.update(), *[gr.update() for _score in scores], gr.update(), gr.update(), shown_id, gr.update())
        return (gr.update(visible=bool(answer_id)), *[None for _score in scores], "", "", answer_id, "")

    inputs = [question, chatbot, pairs, model, panel_state, *lang]
    outputs = [question, chatbot, pairs, passages, status, answer_state, panel_state, status_state]
    sync = dict(fn=sync_rating_box, inputs=[answer_state, shown_state],
                outputs=[rate_box, *scores, comment, rate_status, shown_state, rate_state], api_name=False,
                show_progress="hidden")
    send.click(respond, inputs, outputs, api_name="chat").then(**sync)
    question.submit(respond, inputs, outputs, api_name=False).then(**sync)
    clear.click(cleared, lang, outputs, api_name="new_conversation").then(**sync)
    model.change(lambda code: cleared(code)[1:], lang, outputs[1:], api_name=False).then(**sync)
    # API: one value (the status); the State output is not part of what gradio_client returns.
    rate_send.click(rate, [*scores, comment, answer_state, *lang], [rate_status, rate_state], api_name="chat_rate")
    if language is not None:
        # Texts computed here (not constructor labels, which relabel_on_switch handles), drawn again.
        switched = dict(api_name=False, show_progress="hidden", queue=False)
        language.change(lambda code: gr.update(choices=model_choices(ctx, code)), language, model, **switched)
        language.change(lambda code: unavailable_note(ctx, code), language, note, **switched)
        language.change(redraw, [language, panel_state, status_state], [passages, status], **switched)
        language.change(lambda code, message: localize(message or "", code), [language, rate_state], rate_status,
                        **switched)
