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

import gradio as gr

from ragarena import settings
from ragarena.answering.conversation import example_questions
from ragarena.answering.safe_markdown import literal
from ragarena.core.i18n import DEFAULT_LANGUAGE, Text, _, join_text, localize, normalize_language
from ragarena.ui.chat_handlers import ChatHandlers
from ragarena.ui.chat_layout import ChatLayout, build_chat_layout
from ragarena.ui.context import AppContext

# Options of the listeners that only redraw or keep: no API endpoint, no spinner.
HIDDEN = dict(api_name=False, show_progress="hidden")


def model_choices(ctx: AppContext, language: str | None = DEFAULT_LANGUAGE) -> list[tuple[str, str]]:
    """(label in `language`, model id) for the dropdown: only the models that can answer now."""
    language = normalize_language(language)
    return [(spec.label_in(language), spec.id) for spec in ctx.engine.available_specs()]


def unavailable_lines(ctx: AppContext, language: str | None = DEFAULT_LANGUAGE) -> list[Text]:
    language = normalize_language(language)
    unavailable = ctx.engine.unavailable()
    return [
        Text("- **{model}**: {reason}", model=literal(s.label_in(language)), reason=unavailable[s.id])
        for s in ctx.engine.specs
        if s.id in unavailable
    ]


def unavailable_note(ctx: AppContext, language: str | None = DEFAULT_LANGUAGE) -> str:
    """Markdown for whoever runs the app: the models that cannot answer now and how to enable them,
    then the usable models whose shutdown date is ahead (ragarena.answering.model_check)."""
    lines = unavailable_lines(ctx, language)
    language = normalize_language(language)
    warnings = ctx.engine.warnings()
    warned = [
        Text("- ⚠️ **{model}**: {warning}", model=literal(s.label_in(language)), warning=warnings[s.id])
        for s in ctx.engine.specs
        if s.id in warnings
    ]
    parts = (
        [
            _(
                "Estos modelos no pueden responder en esta instalación; quien la gestiona puede activarlos:\n{models}",
                models=join_text(lines, "\n"),
            )
        ]
        if lines
        else []
    )
    parts += [join_text(warned, "\n")] if warned else []  # usable models: a list of their own
    return localize(join_text(parts, "\n\n"), language) if parts else ""


def build_chat_tab(ctx: AppContext, language: gr.Radio | None = None) -> None:
    settings.ratings_per_minute()  # a bad RAGARENA_RATINGS_PER_MINUTE stops the app at start-up (UserError)
    examples = example_questions(ctx.extras.get("qa_path") or settings.qa_file(), [p.text for p in ctx.engine.pages])
    ui = build_chat_layout(
        model_choices(ctx), examples, unavailable_note(ctx), bool(ctx.engine.unavailable()), language
    )
    handlers = ChatHandlers(ctx, ui)
    _wire_answers(ui, handlers)
    # API: one value (the status); the State output is not part of what gradio_client returns.
    ui.rating.send.click(
        handlers.rate,
        [*ui.rating.scores, ui.rating.comment, ui.answer_state, ui.lang],
        [ui.rating.status, ui.rate_state],
        api_name="chat_rate",
    )
    ctx.extras.setdefault("on_load", []).append(
        dict(
            fn=handlers.restore, inputs=[ui.saved, ui.lang], outputs=[ui.chatbot, ui.passages, ui.panel_state], **HIDDEN
        )
    )
    if language is not None:
        _wire_language(ctx, ui, handlers, language)


def _wire_answers(ui: ChatLayout, handlers: ChatHandlers) -> None:
    """A question (typed, or an example picked) and a fresh start; after each, the rating box is
    synced and the browser keeps the conversation."""
    inputs = [ui.question, ui.chatbot, ui.model, ui.panel_state, ui.status_state, ui.lang]
    outputs = ui.answer_outputs()
    sync = dict(
        fn=handlers.sync_rating_box, inputs=[ui.answer_state, ui.shown_state], outputs=ui.rating_outputs(), **HIDDEN
    )
    store = dict(fn=handlers.keep, inputs=[ui.chatbot, ui.panel_state], outputs=ui.saved, queue=False, **HIDDEN)
    ui.send.click(handlers.respond, inputs, outputs, api_name="chat").then(**sync).then(**store)
    ui.question.submit(handlers.respond, inputs, outputs, api_name=False).then(**sync).then(**store)

    def pick_example(picked: gr.SelectData):
        return (picked.value or {}).get("text", "")

    ui.chatbot.example_select(
        pick_example, None, ui.question, api_name=False, queue=False, show_progress="hidden"
    ).then(handlers.respond, inputs, outputs, api_name=False).then(**sync).then(**store)
    ui.clear.click(handlers.cleared, ui.lang, outputs, api_name="new_conversation").then(**sync).then(**store)
    # The conversation box's own trash icon: the same fresh start as "Nueva conversación".
    ui.chatbot.clear(handlers.cleared, ui.lang, outputs, api_name=False).then(**sync).then(**store)
    ui.model.change(handlers.cleared_keeping_question, ui.lang, outputs[1:], api_name=False).then(**sync).then(**store)


def _wire_language(ctx: AppContext, ui: ChatLayout, handlers: ChatHandlers, language: gr.Radio) -> None:
    """Texts computed here (not constructor labels, which relabel_on_switch handles), drawn again."""
    switched = dict(queue=False, **HIDDEN)
    language.change(lambda code: gr.update(choices=model_choices(ctx, code)), language, ui.model, **switched)
    language.change(lambda code: unavailable_note(ctx, code), language, ui.note, **switched)
    language.change(handlers.redraw, [language, ui.panel_state, ui.status_state], [ui.passages, ui.status], **switched)
    language.change(
        lambda code, message: localize(message or "", code), [language, ui.rate_state], ui.rating.status, **switched
    )
