"""Arena tab: two models answer the same question on the same passages, the user votes blind.

A *round* (`ragarena.arena.rounds.ArenaRound`) pits two models (drawn at random, or picked by
name in the "Elegir modelos" mode) against each other over a conversation; every completed turn
(`ragarena.arena.turn`: both models streamed side by side, metered like the Chat's) is stored as
one battle, and the vote applies to the latest one. Names stay hidden ("Modelo A", "Modelo B")
until the vote. This module only wires the components (`ragarena.ui.arena_layout`) to those functions
(through `ragarena.ui.arena_handlers`, whose handlers return their updates keyed by component).

Everything that matters lives server-side in the session's `gr.State` (the round, the battle id)
and is checked again by `VoteStore.vote` (right session, one vote, rate limit): the page only
says which button was pressed.

API (gradio_client); the vote buttons are outputs too (enabled/disabled), but gradio_client
does not return Button outputs, so what a client gets is:

* ``/arena_ask(text, mode_label, choice_a, choice_b)`` → (question box "", chat A, chat B,
  passages HTML, status, name A, name B). ``mode_label`` is "Anónimo" (default) or "Elegir
  modelos"; ``choice_a``/``choice_b`` (model ids) only count in the latter. Status: "¿Qué respuesta
  es mejor? Vota…" when both answered (votable), "⚠️ …" when refused or a model failed.
  Asking again before voting continues the round (follow-up); after a vote it starts a new one.
* ``/arena_vote(winner)`` with ``model_a``, ``model_b``, ``tie`` or ``tie (bothbad)`` → (status,
  name A, name B): "✅ Voto registrado…" and the revealed names, or "⚠️ …" when refused. The
  buttons are ``/arena_vote_a``, ``/arena_vote_b``, ``/arena_vote_tie``, ``/arena_vote_bothbad``
  (no input but the language, same outputs).
* ``/arena_new_round()`` → (question box, chat A, chat B, passages HTML, status, name A, name B),
  all cleared.
* The vote endpoints also return, fourth, the reference answer (Markdown, "" when the question
  is not one of the corpus's; `ragarena.scoring.reference`), shown folded after the vote.
* ``/arena_reasons(reasons)`` with a list of `ragarena.arena.reasons` texts (`GOOD` for A, B or a tie,
  `BAD` for "Ambas son malas"; ``[]`` clears) → status: "✅ Motivos guardados…" or "⚠️ …". The
  server takes them only for this session's voted battle, until its next round.

Vote hygiene (`ragarena.arena.votes`, `ragarena.arena.hygiene`, `ragarena.arena.voters`): each vote carries the
salted digests of the client's IP and, when signed in with Hugging Face (a `gr.LoginButton`
appears when OAuth is configured), of the user; a daily cap (RAGARENA_VOTES_PER_DAY) is checked
before a round is served and again at the vote; a round whose answers name their model is
stored excluded; every RAGARENA_SCREEN_EVERY seconds (default 300; 0: never) a vote starts a
background screening of the voters against the ratings.

Language: the header switch (`ragarena.ui.language`) is the LAST input of every endpoint above
(``language``, "es" or "en"; omitted by a client: "es"), so e.g. ``/arena_ask(text, mode_label,
choice_a, choice_b, language)`` and ``/arena_vote(winner, language)``; messages, revealed names
(`ModelSpec.label_in`), the reasons' labels, the reference's headings and the passages panel come
in that language. Stored records stay as they were, and so do the values the endpoints take (the
mode labels "Anónimo"/"Elegir modelos", the Spanish reason texts, model ids). Switching language re-renders the
names, passages, status and reference shown, from the session's state.

Element ids for browser tests: arena-mode, arena-pick-a/-b, arena-name-a/-b, arena-chat-a/-b,
arena-status, arena-vote-a/-b/-tie/-bothbad, arena-question, arena-send, arena-new-round,
arena-passages; after a vote: arena-reasons (panel), arena-reasons-good (A/B/tie) or
arena-reasons-bad (both bad) tick boxes, arena-reasons-save, arena-reasons-status,
arena-reference (closed accordion) and arena-reference-text; arena-login when login is on.
"""

from __future__ import annotations

import gradio as gr

from ragarena import settings
from ragarena.arena.hygiene import PeriodicScreening
from ragarena.arena.rounds import saved_round
from ragarena.scoring.reference import load_index
from ragarena.ui.arena_handlers import ArenaHandlers
from ragarena.ui.arena_layout import VOTE_SUFFIX, ArenaLayout, build_arena_layout
from ragarena.ui.arena_reasons import wire_reasons
from ragarena.ui.context import AppContext

# Options of the listeners that only redraw: no API endpoint, no queue, no spinner.
QUIET = dict(api_name=False, queue=False, show_progress="hidden")


def _references(ctx: AppContext):
    """The reference-answer index of the corpus's conversations (None when unreadable), loaded once."""
    if "reference_index" not in ctx.extras:
        ctx.extras["reference_index"] = load_index(ctx.extras.get("qa_path") or settings.qa_file(), ctx.engine.passages)
    return ctx.extras["reference_index"]


def build_arena_tab(ctx: AppContext, language: gr.Radio | None = None, saved: gr.BrowserState | None = None) -> None:
    store = ctx.store  # opened now: a corrupt or foreign database stops the app at start-up
    specs = ctx.engine.available_specs()
    every = settings.screen_every()
    screening = PeriodicScreening(store, every) if every > 0 else None
    ui = build_arena_layout(specs, language, saved)
    handlers = ArenaHandlers(ctx, ui, specs, _references(ctx), screening)
    # Wired in this order (the order of the page's listeners).
    _wire_questions(ctx, ui, handlers)
    _wire_votes(ui, handlers)
    _wire_resets(ui, handlers)
    wire_reasons(ui.reasons, store, ui.state, ui.lang)
    _wire_mode(ui, handlers)
    if language is not None:
        language.change(
            handlers.relocalize,
            [ui.state, ui.status_shown, ui.reasons.shown, language],
            [ui.name_a, ui.name_b, ui.passages, ui.status, ui.reasons.status, ui.reference_md, ui.pick_a, ui.pick_b],
            **QUIET,
        )


def _keep(ui: ArenaLayout) -> dict:
    """The listener that notes the round in the browser, after each change of round."""
    return dict(fn=saved_round, inputs=ui.state, outputs=ui.saved, **QUIET)


def _wire_questions(ctx: AppContext, ui: ArenaLayout, handlers: ArenaHandlers) -> None:
    """A question, asked or restored after a reload."""
    round_outputs = ui.round_outputs()
    ask_inputs = [ui.question, ui.mode, ui.pick_a, ui.pick_b, ui.state, ui.lang]
    ui.send.click(handlers.ask, ask_inputs, round_outputs, api_name="arena_ask").then(**_keep(ui))
    ui.question.submit(handlers.ask, ask_inputs, round_outputs, api_name=False).then(**_keep(ui))
    ctx.extras.setdefault("on_load", []).append(
        dict(
            fn=handlers.restore,
            inputs=[ui.saved, ui.lang],
            outputs=round_outputs[1:],
            api_name=False,
            show_progress="hidden",
        )
    )


def _wire_resets(ui: ArenaLayout, handlers: ArenaHandlers) -> None:
    """A new round, or a conversation box cleared."""
    round_outputs = ui.round_outputs()
    ui.new_round.click(handlers.reset, [ui.state, ui.lang], round_outputs, api_name="arena_new_round").then(**_keep(ui))
    # A conversation box's trash icon ends the round: a half-cleared round cannot be voted.
    for box in (ui.chat_a, ui.chat_b):
        box.clear(handlers.reset, [ui.state, ui.lang], round_outputs, api_name=False).then(**_keep(ui))
        box.clear(handlers.hide_after_vote_panels, None, ui.panel_outputs(), **QUIET)


def _wire_votes(ui: ArenaLayout, handlers: ArenaHandlers) -> None:
    vote_outputs = ui.vote_outputs()
    ui.winner_box.submit(handlers.vote, [ui.winner_box, ui.state, ui.lang], vote_outputs, api_name="arena_vote")
    for key, button in ui.vote_buttons.items():
        button.click(handlers.voter(key), [ui.state, ui.lang], vote_outputs, api_name=f"arena_vote_{VOTE_SUFFIX[key]}")


def _wire_mode(ui: ArenaLayout, handlers: ArenaHandlers) -> None:
    """A new question or round, or another mode or model, hides the voted battle's panels; another
    mode or model also ends the round."""
    for trigger in (
        ui.send.click,
        ui.question.submit,
        ui.new_round.click,
        ui.mode.change,
        ui.pick_a.change,
        ui.pick_b.change,
    ):
        trigger(handlers.hide_after_vote_panels, None, ui.panel_outputs(), **QUIET)
    ui.mode.change(
        handlers.switch_mode,
        [ui.mode, ui.state, ui.lang],
        [ui.pick_row, ui.intro_anonymous, ui.intro_named, *ui.round_outputs()],
        api_name=False,
    ).then(**_keep(ui))
    ui.pick_a.change(handlers.reset, [ui.state, ui.lang], ui.round_outputs(), api_name=False)
    ui.pick_b.change(handlers.reset, [ui.state, ui.lang], ui.round_outputs(), api_name=False)
