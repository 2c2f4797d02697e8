"""Chat tab: pick a model, ask, see the streamed answer and the passages it came from, rate the answer.

Every completed answer is recorded server-side (`ragarena.answer_ratings.store`) and its id kept in
the session's ``gr.State``; under the conversation the user may rate that answer 1-5 on the
study's three criteria, with an optional comment. One rating per answer, changeable (sent
again) until the next question or a new conversation.

API (gradio_client):

* ``/chat(question, chatbot, model, language)`` → (question box "", chatbot, passages HTML, status): the
  answer is built from ``chatbot`` (the messages shown, `ragarena.answering.conversation`) and nothing kept
  server-side; a malformed history is refused with "⚠️ …". Once the answer is complete, status holds
  how long it took in words and, folded under "Detalles", its metadata ("1.ª palabra … · total … ·
  N tokens"), plus any filler warning; a refused question or a failed model gives "⚠️ …" there
  instead (the failed answer's bubble says "⚠️ Sin respuesta…"). While it streams: "✍️ Escribiendo…".
  An empty question after a conversation (a repeated click) changes nothing.
* ``/chat_rate(answer, context, grounded, comment, language)`` (three integers 1-5, text) → status:
  "✅ Valoración guardada…" / "✅ Valoración actualizada…", or "⚠️ …" when refused.
* ``/new_conversation(language)`` → (question box, chatbot, passages HTML, status), all cleared.

``language`` ("es" or "en", the header switch) is always the last argument and may be left out:
Spanish by default. Messages are built as Spanish `ragarena.core.i18n.Text` and rendered with
`localize` right before they are returned; stored records stay as they are (Spanish or plain data).
On a switch of language, the model list, the "unavailable models" note, the passages panel and
the status line are drawn again in the new language (static labels are relabelled by
`ragarena.ui.language.relabel_on_switch`).

Element ids for browser tests: chat-question, chat-send, chat-clear, chat-status, chat-passages,
chat-model, chat-chatbot (examples as ``button.example`` while empty), chat-add-models (the folded
note on unavailable models), chat-rate (the folded rating box, shown once there is an answer to rate), chat-rate-answer,
chat-rate-context, chat-rate-grounded, chat-rate-comment, chat-rate-send, chat-rate-status.
"""

from __future__ import annotations

import sys

import gradio as gr

from ragarena import settings
from ragarena.answering.backends.base import BackendError
from ragarena.answering.chat_turn import answer_stream
from ragarena.answering.conversation import example_questions, history_from_messages, message_text
from ragarena.answering.evidence import Support, supporting_sentence
from ragarena.answering.filler import find_filler
from ragarena.answering.metering import REFRESH_S
from ragarena.core.question_check import question_problem
from ragarena.answering.safe_markdown import literal, plain, safe
from ragarena.answer_ratings.rules import CRITERION_QUESTIONS, MAX_COMMENT
from ragarena.core.errors import UserError
from ragarena.core.i18n import DEFAULT_LANGUAGE, Text, _, join_text, localize, normalize_language
from ragarena.core.passages import Hit
from ragarena.ui.chat_history import ChatHistory
from ragarena.ui.context import AppContext
from ragarena.ui.render import answer_summary, passages_html

SCORE_CHOICES = [1, 2, 3, 4, 5]
# The bubble of a failed answer (the reason is in the status line, once).
NO_ANSWER = _("⚠️ Sin respuesta: el motivo aparece debajo.")
NOT_STORED = _("⚠️ Esta respuesta no se ha podido guardar, así que no se puede valorar.")
RATE_IDS = {"answer_relevance": "chat-rate-answer", "context_relevance": "chat-rate-context",
            "groundedness": "chat-rate-grounded"}
SCORE_NAMES = {"answer_relevance": _("respuesta"), "context_relevance": _("contexto"),
               "groundedness": _("fundamentación")}


def model_choices(ctx: AppContext, language: str | None = DEFAULT_LANGUAGE) -> list[tuple[str, str]]:
    """(label in `language`, model id) for the dropdown: only the models that can answer now."""
    language = normalize_language(language)
    return [(spec.label_in(language), spec.id) for spec in ctx.engine.available_specs()]


def unavailable_lines(ctx: AppContext, language: str | None = DEFAULT_LANGUAGE) -> list[Text]:
    language = normalize_language(language)
    unavailable = ctx.engine.unavailable()
    return [Text("- **{model}**: {reason}", model=literal(s.label_in(language)), reason=unavailable[s.id])
            for s in ctx.engine.specs if s.id in unavailable]


def unavailable_note(ctx: AppContext, language: str | None = DEFAULT_LANGUAGE) -> str:
    """Markdown for whoever runs the app: the models that cannot answer now and how to enable them,
    then the usable models whose shutdown date is ahead (ragarena.answering.model_check)."""
    lines = unavailable_lines(ctx, language)
    language = normalize_language(language)
    warnings = ctx.engine.warnings()
    warned = [Text("- ⚠️ **{model}**: {warning}", model=literal(s.label_in(language)), warning=warnings[s.id])
              for s in ctx.engine.specs if s.id in warnings]
    parts = [_("Estos modelos no pueden responder en esta instalación; quien la gestiona puede activarlos:"
               "\n{models}", models=join_text(lines, "\n"))] if lines else []
    parts += [join_text(warned, "\n")] if warned else []  # usable models: a list of their own
    return localize(join_text(parts, "\n\n"), language) if parts else ""


def status_line(meta, flags) -> Text | str:
    """The status under the conversation once an answer is complete: how long it took in plain words,
    the technical figures folded, and any filler."""
    line = answer_summary(meta)
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


def _panel_json(hits: list[Hit], support) -> dict:
    """The passages panel as plain data, for the browser's copy of the conversation."""
    return {"hits": [[h.passage.id, h.score, h.rank, h.similarity] for h in hits],
            "support": [support.passage_id, support.sentence] if support else None}


def _panel_from_json(ctx: AppContext, saved) -> tuple[list[Hit], Support | None]:
    """The panel back from `_panel_json` (passages no longer in the documentation are left out)."""
    try:
        by_id = ctx.engine.passages_by_id
        hits = [Hit(by_id[pid], float(score), int(rank), None if similarity is None else float(similarity))
                for pid, score, rank, similarity in ([*item, None][:4] for item in (saved or {}).get("hits") or [])
                if pid in by_id]
        support = (saved or {}).get("support")
        return hits, Support(str(support[0]), str(support[1]), 1.0) if support else None
    except (TypeError, ValueError, AttributeError):
        return [], None


def build_chat_tab(ctx: AppContext, language: gr.Radio | None = None) -> None:
    settings.ratings_per_minute()  # a bad RAGARENA_RATINGS_PER_MINUTE stops the app at start-up (UserError)
    choices = model_choices(ctx)
    default = choices[0][1] if choices else None
    examples = example_questions(ctx.extras.get("qa_path") or settings.qa_file(), [p.text for p in ctx.engine.pages])
    with gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=300):
            chatbot = ChatHistory(
                label=_("Conversación"), height="52vh", min_height=260, max_height=560, buttons=["copy"],
                elem_id="chat-chatbot", placeholder=_(
                    "**Pregunta lo que quieras sobre la documentación.** La respuesta cita los fragmentos en los "
                    "que se basa, que aparecen en «Contexto recuperado». Prueba con un ejemplo:"),
                examples=[{"text": q} for q in examples] or None)
            status = gr.Markdown("", elem_id="chat-status")
            with gr.Row(equal_height=True):
                question = gr.Textbox(
                    label=_("Pregunta"), placeholder=_("Escribe tu pregunta sobre la documentación…"), max_lines=6,
                    elem_id="chat-question", scale=4, min_width=200, autofocus=True)
                # API callers may name any model: one that cannot answer gets a message, not an error.
                model = gr.Dropdown(choices, value=default, label=_("Modelo"), interactive=True, scale=1,
                                    min_width=140, elem_id="chat-model", allow_custom_value=True)
            with gr.Row():
                send = gr.Button(_("Enviar"), variant="primary", elem_id="chat-send")
                clear = gr.Button(_("Nueva conversación"), elem_id="chat-clear")
            # Under the question box (never between it and the conversation), folded until opened.
            with gr.Accordion(_("Valora la última respuesta (opcional)"), open=False, visible=False,
                              elem_id="chat-rate", elem_classes=["ra-rate"]) as rate_box:
                gr.Markdown(_("De 1 (nada) a 5 (totalmente). Puedes cambiar la valoración hasta que hagas otra "
                              "pregunta."))
                with gr.Row():
                    scores = [gr.Radio(SCORE_CHOICES, value=None, label=CRITERION_QUESTIONS[key], elem_id=elem_id,
                                       min_width=150) for key, elem_id in RATE_IDS.items()]
                with gr.Row(equal_height=True):
                    comment = gr.Textbox(label=_("Comentario (opcional)"), max_lines=4, max_length=MAX_COMMENT,
                                         placeholder=_("Hasta {count} caracteres", count=MAX_COMMENT), scale=4,
                                         elem_id="chat-rate-comment")
                    rate_send = gr.Button(_("Enviar valoración"), scale=1, min_width=140, elem_id="chat-rate-send")
                rate_status = gr.Markdown("", elem_id="chat-rate-status")
        with gr.Column(scale=2, min_width=280):
            passages = gr.HTML(passages_html([]), elem_id="chat-passages")
    with gr.Accordion(_("Añadir modelos"), open=False, visible=bool(ctx.engine.unavailable()),
                      elem_id="chat-add-models"):
        note = gr.Markdown(unavailable_note(ctx), elem_classes=["ra-note"])
    answer_state = gr.State(None)  # id of the latest answer, the one that can be rated (server-side)
    shown_state = gr.State(None)  # the answer the rating box was last reset for
    # What the passages panel and the status line show, kept unrendered so that a switch of
    # language can draw them again: (hits, supporting sentence) and the status `Text`.
    panel_state = gr.State(None)
    status_state = gr.State("")
    rate_state = gr.State("")  # the rating box's last message, unrendered, for the same reason
    # The browser's copy of the conversation and its passages (local storage), drawn again after a
    # reload. Only what the page shows anyway: the server keeps no conversation.
    saved = gr.BrowserState({"messages": [], "panel": None}, storage_key="ragarena-chat")
    # The language switch, always the last input (API callers that leave it out get Spanish);
    # a tab built without one (tests) is Spanish.
    lang = [language if language is not None else gr.State(DEFAULT_LANGUAGE)]

    def record(request: gr.Request | None, model_id, text, answer, history, hits) -> str | Text | None:
        """Store the completed answer so it can be rated: its id; None without a session; `NOT_STORED`
        (and a note on stderr) when storing fails, so the visitor is told rather than left guessing."""
        session = getattr(request, "session_hash", None) if request else None
        if not session:
            return None
        try:
            return ctx.ratings.record_answer(session_hash=session, model=model_id, question=text, answer=answer,
                                             conversation=history, passage_ids=[h.passage.id for h in hits])
        except Exception as error:  # the chat must work even if ratings cannot be stored
            print(f"Aviso: no se pudo guardar la respuesta para valorarla ({type(error).__name__}).", file=sys.stderr)
            return NOT_STORED

    def respond(text, messages, model_id, panel, shown_line, language=DEFAULT_LANGUAGE, request: gr.Request = None):
        # Every output is a value, never gr.update()/gr.skip(): Gradio 6.31 registers each component
        # update as a new component in the session, so one per call was ~29 KiB never freed
        # (ragarena.ui.sessions). An unchanged value costs nothing on the wire (streams send diffs).
        language = normalize_language(language)
        hits, support = panel or ([], None)
        drawn = passages_html(hits, support, language=language)
        if messages and not (text or "").strip():
            # A second or third click on Enviar (the box already emptied by the first): nothing to do.
            yield "", list(messages), drawn, localize(shown_line or "", language), gr.update(), panel, shown_line
            return
        problem = question_problem(text)
        try:
            history = history_from_messages(messages)  # as the component gave it (`UnreadableHistory` too)
        except UserError as error:
            problem = problem or error
        messages = list(messages or [])
        if problem:
            warning = _("⚠️ {error}", error=problem)
            yield text or "", messages, drawn, localize(warning, language), gr.update(), panel, warning
            return
        text = text.strip()
        messages = messages + [{"role": "user", "content": safe(text)}, {"role": "assistant", "content": ""}]
        hits, answer = [], ""
        writing = _("✍️ Escribiendo la respuesta…")
        try:
            for hits, answer, meta in answer_stream(ctx.engine, model_id, text, history, refresh_s=REFRESH_S):
                messages[-1] = {"role": "assistant", "content": safe(answer)}
                if panel is None or panel[0] is not hits:  # drawn once; later frames repeat it (an empty diff)
                    panel, drawn = (hits, None), passages_html(hits, language=language)
                yield "", messages, drawn, localize(writing, language), None, panel, writing
        except (BackendError, UserError) as error:  # a failing model, or one unknown (an API call's)
            warning = _("⚠️ {error}", error=error)
            messages[-1] = {"role": "assistant", "content": localize(NO_ANSWER, language)}
            yield ("", messages, passages_html(hits, language=language), localize(warning, language), None,
                   (hits, None), warning)
            return
        answer_id = record(request, model_id, text, answer, history, hits)
        line = status_line(meta, find_filler(answer))
        if answer_id is NOT_STORED:
            answer_id, line = None, join_text([line, NOT_STORED], "  \n")
        support = supporting_sentence(answer, hits)
        yield ("", messages, passages_html(hits, support, language=language), localize(line, language),
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
        return "", [], passages_html([], language=language), "", None, None, ""

    def sync_rating_box(answer_id, shown_id):
        """Show an empty rating box for a new answer, hide it when there is none; else leave it be."""
        if answer_id == shown_id:
            return (gr.update(), *[gr.update() for _score in scores], gr.update(), gr.update(), shown_id, gr.update())
        return (gr.update(visible=bool(answer_id), open=False), *[None for _score in scores], "", "", answer_id, "")

    def keep(messages, panel):
        """What the browser keeps of the conversation: the messages and the passages panel."""
        hits, support = panel or ([], None)
        return {"messages": list(messages or []), "panel": _panel_json(hits, support)}

    def restore(stored, language=DEFAULT_LANGUAGE):
        """After a reload: the conversation and passages this browser kept (not rateable: a new session)."""
        stored = stored if isinstance(stored, dict) else {}
        try:
            messages = list(stored.get("messages") or [])
            history_from_messages(messages)  # what the page cannot have shown is not restored
        except (UserError, TypeError):
            messages = []
        if not messages:
            return gr.skip(), gr.skip(), None
        # Drawn again through the one rendering path: local storage is not trusted to hold what was shown.
        messages = [{"role": m["role"], "content": safe(plain(message_text(m)))} for m in messages]
        hits, support = _panel_from_json(ctx, stored.get("panel"))
        return messages, passages_html(hits, support, language=language), (hits, support)

    inputs = [question, chatbot, model, panel_state, status_state, *lang]
    outputs = [question, chatbot, passages, status, answer_state, panel_state, status_state]
    sync = dict(fn=sync_rating_box, inputs=[answer_state, shown_state],
                outputs=[rate_box, *scores, comment, rate_status, shown_state, rate_state], api_name=False,
                show_progress="hidden")
    store = dict(fn=keep, inputs=[chatbot, panel_state], outputs=saved, api_name=False, show_progress="hidden",
                 queue=False)
    send.click(respond, inputs, outputs, api_name="chat").then(**sync).then(**store)
    question.submit(respond, inputs, outputs, api_name=False).then(**sync).then(**store)
    def pick_example(picked: gr.SelectData):
        return (picked.value or {}).get("text", "")

    chatbot.example_select(pick_example, None, question, api_name=False, queue=False,
                           show_progress="hidden").then(respond, inputs, outputs, api_name=False).then(
        **sync).then(**store)
    clear.click(cleared, lang, outputs, api_name="new_conversation").then(**sync).then(**store)
    # The conversation box's own trash icon: the same fresh start as "Nueva conversación".
    chatbot.clear(cleared, lang, outputs, api_name=False).then(**sync).then(**store)
    model.change(lambda code: cleared(code)[1:], lang, outputs[1:], api_name=False).then(**sync).then(**store)
    # API: one value (the status); the State output is not part of what gradio_client returns.
    rate_send.click(rate, [*scores, comment, answer_state, *lang], [rate_status, rate_state], api_name="chat_rate")
    ctx.extras.setdefault("on_load", []).append(
        dict(fn=restore, inputs=[saved, *lang], outputs=[chatbot, passages, panel_state], api_name=False,
             show_progress="hidden"))
    if language is not None:
        # Texts computed here (not constructor labels, which relabel_on_switch handles), drawn again.
        switched = dict(api_name=False, show_progress="hidden", queue=False)
        language.change(lambda code: gr.update(choices=model_choices(ctx, code)), language, model, **switched)
        language.change(lambda code: unavailable_note(ctx, code), language, note, **switched)
        language.change(redraw, [language, panel_state, status_state], [passages, status], **switched)
        language.change(lambda code, message: localize(message or "", code), [language, rate_state], rate_status,
                        **switched)
