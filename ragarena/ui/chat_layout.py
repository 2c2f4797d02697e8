"""The Chat tab's components, laid out in page order and handed back as one `ChatLayout`, so the
handlers (`ragarena.ui.chat_handlers`) can name what they update instead of counting positions.

Element ids and labels are described in `ragarena.ui.chat`."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from ragarena.answer_ratings.rules import CRITERION_QUESTIONS, MAX_COMMENT
from ragarena.core.i18n import DEFAULT_LANGUAGE, _
from ragarena.ui.chat_history import ChatHistory
from ragarena.ui.render import passages_html

SCORE_CHOICES = [1, 2, 3, 4, 5]
RATE_IDS = {
    "answer_relevance": "chat-rate-answer",
    "context_relevance": "chat-rate-context",
    "groundedness": "chat-rate-grounded",
}


@dataclass
class RatingBox:
    """The folded box under the question where the latest answer is rated."""

    box: gr.Accordion
    scores: list  # one gr.Radio per criterion, in `RATE_IDS` order
    comment: gr.Textbox
    send: gr.Button
    status: gr.Markdown


@dataclass
class ChatLayout:
    chatbot: ChatHistory
    status: gr.Markdown
    question: gr.Textbox
    model: gr.Dropdown
    send: gr.Button
    clear: gr.Button
    rating: RatingBox
    passages: gr.HTML
    note: gr.Markdown  # the folded note on unavailable models
    answer_state: gr.State  # id of the latest answer, the one that can be rated (server-side)
    shown_state: gr.State  # the answer the rating box was last reset for
    # What the passages panel and the status line show, kept unrendered so that a switch of
    # language can draw them again: (hits, supporting sentence) and the status `Text`.
    panel_state: gr.State
    status_state: gr.State
    rate_state: gr.State  # the rating box's last message, unrendered, for the same reason
    saved: gr.BrowserState  # the browser's copy of the conversation and its passages
    lang: gr.Radio | gr.State  # the language, last input of every handler

    def answer_outputs(self) -> list:
        """What an answer (or a fresh start) draws, the question box first."""
        return [
            self.question,
            self.chatbot,
            self.passages,
            self.status,
            self.answer_state,
            self.panel_state,
            self.status_state,
        ]

    def rating_outputs(self) -> list:
        rating = self.rating
        return [rating.box, *rating.scores, rating.comment, rating.status, self.shown_state, self.rate_state]


def build_chat_layout(
    choices: list, examples: list[str], note_text: str, note_visible: bool, language: gr.Radio | None
) -> ChatLayout:
    """The conversation, question and rating box on the left, the passages on the right, then the
    folded note on the models that cannot answer."""
    with gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=300):
            chatbot = ChatHistory(
                label=_("Conversación"),
                height="52vh",
                min_height=260,
                max_height=560,
                buttons=["copy"],
                elem_id="chat-chatbot",
                placeholder=_(
                    "**Pregunta lo que quieras sobre la documentación.** La respuesta cita los fragmentos en los "
                    "que se basa, que aparecen en «Contexto recuperado». Prueba con un ejemplo:"
                ),
                examples=[{"text": q} for q in examples] or None,
            )
            status = gr.Markdown("", elem_id="chat-status")
            question, model, send, clear = _question_row(choices)
            # Under the question box (never between it and the conversation), folded until opened.
            rating = _rating_box()
        with gr.Column(scale=2, min_width=280):
            passages = gr.HTML(passages_html([]), elem_id="chat-passages")
    with gr.Accordion(_("Añadir modelos"), open=False, visible=note_visible, elem_id="chat-add-models"):
        note = gr.Markdown(note_text, elem_classes=["ra-note"])
    answer_state, shown_state, panel_state = gr.State(None), gr.State(None), gr.State(None)
    status_state, rate_state = gr.State(""), gr.State("")
    # Only what the page shows anyway (the server keeps no conversation), drawn again after a reload.
    saved = gr.BrowserState({"messages": [], "panel": None}, storage_key="ragarena-chat")
    # The language switch, always the last input (API callers that leave it out get Spanish);
    # a tab built without one (tests) is Spanish.
    lang = language if language is not None else gr.State(DEFAULT_LANGUAGE)
    return ChatLayout(
        chatbot=chatbot,
        status=status,
        question=question,
        model=model,
        send=send,
        clear=clear,
        rating=rating,
        passages=passages,
        note=note,
        answer_state=answer_state,
        shown_state=shown_state,
        panel_state=panel_state,
        status_state=status_state,
        rate_state=rate_state,
        saved=saved,
        lang=lang,
    )


def _question_row(choices: list) -> tuple[gr.Textbox, gr.Dropdown, gr.Button, gr.Button]:
    with gr.Row(equal_height=True):
        question = gr.Textbox(
            label=_("Pregunta"),
            placeholder=_("Escribe tu pregunta sobre la documentación…"),
            max_lines=6,
            elem_id="chat-question",
            scale=4,
            min_width=200,
            autofocus=True,
        )
        # API callers may name any model: one that cannot answer gets a message, not an error.
        model = gr.Dropdown(
            choices,
            value=choices[0][1] if choices else None,
            label=_("Modelo"),
            interactive=True,
            scale=1,
            min_width=140,
            elem_id="chat-model",
            allow_custom_value=True,
        )
    with gr.Row():
        send = gr.Button(_("Enviar"), variant="primary", elem_id="chat-send")
        clear = gr.Button(_("Nueva conversación"), elem_id="chat-clear")
    return question, model, send, clear


def _rating_box() -> RatingBox:
    with gr.Accordion(
        _("Valora la última respuesta (opcional)"),
        open=False,
        visible=False,
        elem_id="chat-rate",
        elem_classes=["ra-rate"],
    ) as box:
        gr.Markdown(_("De 1 (nada) a 5 (totalmente). Puedes cambiar la valoración hasta que hagas otra pregunta."))
        with gr.Row():
            scores = [
                gr.Radio(SCORE_CHOICES, value=None, label=CRITERION_QUESTIONS[key], elem_id=elem_id, min_width=150)
                for key, elem_id in RATE_IDS.items()
            ]
        with gr.Row(equal_height=True):
            comment = gr.Textbox(
                label=_("Comentario (opcional)"),
                max_lines=4,
                max_length=MAX_COMMENT,
                placeholder=_("Hasta {count} caracteres", count=MAX_COMMENT),
                scale=4,
                elem_id="chat-rate-comment",
            )
            send = gr.Button(_("Enviar valoración"), scale=1, min_width=140, elem_id="chat-rate-send")
        status = gr.Markdown("", elem_id="chat-rate-status")
    return RatingBox(box, scores, comment, send, status)
