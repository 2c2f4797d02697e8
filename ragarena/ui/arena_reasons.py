"""The Arena's reasons panel: after a vote, the voter may tick why (A, B or a tie: `GOOD`; both bad:
`BAD`), stored on the voted battle only (`VoteStore.set_reasons`), and the ``/arena_reasons`` endpoint
that takes the same texts from an API client."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from ragarena.arena.reasons import ALL as ALL_REASONS
from ragarena.arena.reasons import BAD, GOOD
from ragarena.arena.reasons import choices as reason_choices
from ragarena.arena.rounds import battle_owner
from ragarena.arena.votes import VoteStore
from ragarena.core.i18n import DEFAULT_LANGUAGE, _, localize, message_of
from ragarena.core.refusals import VoteRejected
from ragarena.ui.arena_text import reasons_saved


@dataclass
class ReasonsPanel:
    panel: gr.Column  # shown after a vote
    good_column: gr.Column  # shown for A, B or a tie
    bad_column: gr.Column  # shown for "both bad"
    good: gr.CheckboxGroup
    bad: gr.CheckboxGroup
    save: gr.Button
    status: gr.Markdown
    api: gr.Dropdown  # only the /arena_reasons endpoint uses it
    shown: gr.State  # the status shown as `Text`, to render it again when the language changes


def build_reasons_panel() -> ReasonsPanel:
    with gr.Column(visible=False, elem_id="arena-reasons") as panel:
        with gr.Column(visible=False) as good_column:
            good = gr.CheckboxGroup(reason_choices(GOOD), label=_("¿Por qué? (opcional)"), elem_id="arena-reasons-good")
        with gr.Column(visible=False) as bad_column:
            bad = gr.CheckboxGroup(
                reason_choices(BAD), label=_("¿Qué fallaba en las dos? (opcional)"), elem_id="arena-reasons-bad"
            )
        with gr.Row():
            save = gr.Button(_("Guardar motivos"), size="sm", elem_id="arena-reasons-save")
            status = gr.Markdown("", elem_id="arena-reasons-status")
    # Custom values reach the server, which refuses them.
    api = gr.Dropdown(
        list(ALL_REASONS), value=[], multiselect=True, allow_custom_value=True, visible=False, label="Motivos"
    )
    return ReasonsPanel(panel, good_column, bad_column, good, bad, save, status, api, gr.State(""))


def wire_reasons(reasons: ReasonsPanel, store: VoteStore, state: gr.State, lang) -> None:
    """Store the ticked reasons for the session's voted battle (the round in `state`)."""

    def shown(message, language) -> dict:
        """The status line, and the `Text` behind it for a switch of language."""
        return {reasons.status: localize(message, language), reasons.shown: message}

    def save_reasons_for(chosen, round_, request: gr.Request, language=DEFAULT_LANGUAGE):
        session = getattr(request, "session_hash", None) if request else None
        battle_id = round_.battle_id if round_ and round_.voted else None
        try:
            battle = store.set_reasons(battle_id, battle_owner(round_, session), chosen if chosen is not None else [])
        except VoteRejected as error:
            return shown(_("⚠️ {message}", message=message_of(error)), language)
        winner = battle.get("winner") or (round_.winner if round_ else None)
        return shown(reasons_saved(battle.get("reasons") or [], winner), language)

    def save_reasons_ui(good, bad, round_, request: gr.Request, language=DEFAULT_LANGUAGE):
        bothbad = bool(round_ and round_.winner == "tie (bothbad)")
        return save_reasons_for(bad if bothbad else good, round_, request, language)

    outputs = [reasons.status, reasons.shown]
    reasons.save.click(save_reasons_ui, [reasons.good, reasons.bad, state, lang], outputs, api_name=False)
    reasons.api.change(save_reasons_for, [reasons.api, state, lang], outputs, api_name="arena_reasons")
