"""The Arena tab's components, laid out in page order and handed back as one `ArenaLayout`, so the
handlers (`ragarena.ui.arena_handlers`) can name what they update instead of counting positions.

Element ids and labels are described in `ragarena.ui.arena`."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from ragarena.answering.models import ModelSpec
from ragarena.arena import voters
from ragarena.core import battles
from ragarena.core.i18n import DEFAULT_LANGUAGE, _
from ragarena.ui.arena_reasons import ReasonsPanel, build_reasons_panel
from ragarena.ui.arena_text import INTRO_ANONYMOUS, INTRO_NAMED, LOGIN_NOTE, PASSAGES_HEADING, TOO_FEW_MODELS, name_md
from ragarena.ui.render import passages_html

# The mode Radio's values (what /arena_ask takes) stay these Spanish strings; only their labels are
# translated. They are labels, not battle modes: `MODE_OF_LABEL` gives the mode each one stands for.
ANONYMOUS_LABEL, NAMED_LABEL = "Anónimo", "Elegir modelos"
MODE_OF_LABEL = {ANONYMOUS_LABEL: battles.ANONYMOUS, NAMED_LABEL: battles.NAMED}
MODE_CHOICES = [(_("Anónimo"), ANONYMOUS_LABEL), (_("Elegir modelos"), NAMED_LABEL)]
VOTE_BUTTONS = (
    ("model_a", _("👈 A es mejor")),
    ("model_b", _("👉 B es mejor")),
    ("tie", _("🤝 Empate")),
    ("tie (bothbad)", _("👎 Ambas son malas")),
)
VOTE_SUFFIX = {"model_a": "a", "model_b": "b", "tie": "tie", "tie (bothbad)": "bothbad"}  # api_name, elem_id


@dataclass
class ArenaLayout:
    intro_anonymous: gr.Markdown
    intro_named: gr.Markdown
    mode: gr.Radio
    pick_row: gr.Row  # shown in the "Elegir modelos" mode
    pick_a: gr.Dropdown
    pick_b: gr.Dropdown
    question: gr.Textbox
    send: gr.Button
    new_round: gr.Button
    name_a: gr.Markdown
    name_b: gr.Markdown
    chat_a: gr.Chatbot
    chat_b: gr.Chatbot
    status: gr.Markdown
    vote_buttons: dict  # winner key (`VOTE_BUTTONS`) -> its gr.Button
    reasons: ReasonsPanel
    reference_box: gr.Accordion
    reference_md: gr.Markdown
    passages: gr.HTML
    winner_box: gr.Textbox  # only the /arena_vote API endpoint uses it
    state: gr.State  # the round: models, turns, battle id, passages, reference; server-side, per session
    saved: gr.BrowserState  # the browser's note of its round, for a reload
    status_shown: gr.State  # the status shown as `Text`, to render it again when the language changes
    lang: gr.Radio | gr.State  # the language, last input of every handler

    def round_outputs(self) -> list:
        """What a new question, a new round or a restored round draws (the question box first)."""
        return [
            self.question,
            self.chat_a,
            self.chat_b,
            self.passages,
            self.status,
            self.name_a,
            self.name_b,
            *self.vote_buttons.values(),
            self.status_shown,
            self.state,
        ]

    def vote_outputs(self) -> list:
        reasons = self.reasons
        return [
            self.status,
            self.name_a,
            self.name_b,
            self.reference_md,
            *self.vote_buttons.values(),
            self.state,
            reasons.panel,
            reasons.good_column,
            reasons.bad_column,
            self.reference_box,
            self.status_shown,
        ]

    def panel_outputs(self) -> list:
        """The panels that belong to a voted battle only, and what they hold."""
        reasons = self.reasons
        return [reasons.panel, self.reference_box, reasons.good, reasons.bad, reasons.status, reasons.shown]


def build_arena_layout(specs: list[ModelSpec], language: gr.Radio | None, saved: gr.BrowserState | None) -> ArenaLayout:
    """The tab's components in page order: the question first, in the first screen at 1280x800 and
    390x844; the answers, the vote and the passages below it (empty until a round starts)."""
    intro_anonymous = gr.Markdown(INTRO_ANONYMOUS, elem_id="arena-intro")
    intro_named = gr.Markdown(INTRO_NAMED, visible=False, elem_id="arena-intro-named")
    if len(specs) < 2:
        gr.Markdown(TOO_FEW_MODELS)
    if voters.login_enabled():
        with gr.Row():
            gr.Markdown(LOGIN_NOTE)
            gr.LoginButton(elem_id="arena-login")
    mode, pick_row, pick_a, pick_b = _mode_and_picks(specs)
    question = gr.Textbox(
        label=_("Pregunta"),
        placeholder=_("Escribe tu pregunta sobre la documentación…"),
        max_lines=6,
        elem_id="arena-question",
    )
    with gr.Row():
        send = gr.Button(_("Enviar"), variant="primary", elem_id="arena-send")
        new_round = gr.Button(_("🔄 Nueva ronda"), elem_id="arena-new-round")
    (name_a, chat_a), (name_b, chat_b) = _answers(specs)
    status = gr.Markdown("", label=_("Estado"), elem_id="arena-status")
    with gr.Row():
        vote_buttons = {
            key: gr.Button(text, interactive=False, elem_id=f"arena-vote-{VOTE_SUFFIX[key]}")
            for key, text in VOTE_BUTTONS
        }
    reasons = build_reasons_panel()
    with gr.Accordion(
        _("Respuesta de referencia (del conjunto de preguntas)"), open=False, visible=False, elem_id="arena-reference"
    ) as reference_box:
        reference_md = gr.Markdown("", elem_id="arena-reference-text")
    passages = gr.HTML(passages_html([], heading=PASSAGES_HEADING), label=_("Fragmentos"), elem_id="arena-passages")
    winner_box = gr.Textbox(visible=False, label="Voto")
    state = gr.State(None)
    # Made by the page outside the tabs (a component in a tab not yet shown reads as its default on
    # a reload); a tab built alone makes its own.
    saved = saved if saved is not None else gr.BrowserState({}, storage_key="ragarena-arena")
    status_shown = gr.State("")
    # Without a switch (a tab built alone) the language is always Spanish.
    lang = language if language is not None else gr.State(DEFAULT_LANGUAGE)
    return ArenaLayout(
        intro_anonymous=intro_anonymous,
        intro_named=intro_named,
        mode=mode,
        pick_row=pick_row,
        pick_a=pick_a,
        pick_b=pick_b,
        question=question,
        send=send,
        new_round=new_round,
        name_a=name_a,
        name_b=name_b,
        chat_a=chat_a,
        chat_b=chat_b,
        status=status,
        vote_buttons=vote_buttons,
        reasons=reasons,
        reference_box=reference_box,
        reference_md=reference_md,
        passages=passages,
        winner_box=winner_box,
        state=state,
        saved=saved,
        status_shown=status_shown,
        lang=lang,
    )


def _mode_and_picks(specs: list[ModelSpec]) -> tuple[gr.Radio, gr.Row, gr.Dropdown, gr.Dropdown]:
    """The mode switch and the two model pickers (hidden until "Elegir modelos")."""
    available = [s.id for s in specs]
    choices = [(s.label, s.id) for s in specs]
    with gr.Row():
        mode = gr.Radio(MODE_CHOICES, value=ANONYMOUS_LABEL, label=_("Modo"), elem_id="arena-mode")
    with gr.Row(visible=False) as pick_row:
        pick_a = gr.Dropdown(
            choices, value=available[0] if available else None, label=_("Modelo A"), elem_id="arena-pick-a"
        )
        pick_b = gr.Dropdown(
            choices, value=available[1] if len(available) > 1 else None, label=_("Modelo B"), elem_id="arena-pick-b"
        )
    return mode, pick_row, pick_a, pick_b


def _answers(specs: list[ModelSpec]) -> list[tuple[gr.Markdown, gr.Chatbot]]:
    """The two sides, each a name over its conversation."""
    labels = {"A": (_("Nombre A"), _("Modelo A")), "B": (_("Nombre B"), _("Modelo B"))}
    sides = []
    with gr.Row(equal_height=False):
        # Names and passages start as plain (Spanish) text: they change with the round, so a switch
        # re-renders them from the state (`relocalize`) rather than resetting them.
        for side, (name_label, chat_label) in labels.items():
            with gr.Column(min_width=280):
                name = gr.Markdown(name_md(specs, side), label=name_label, elem_id=f"arena-name-{side.lower()}")
                chat = gr.Chatbot(label=chat_label, height=380, buttons=["copy"], elem_id=f"arena-chat-{side.lower()}")
            sides.append((name, chat))
    return sides
