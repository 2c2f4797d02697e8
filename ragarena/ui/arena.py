"""Arena tab: two models answer the same question on the same passages, the user votes blind.

A *round* (`ragarena.arena.rounds.ArenaRound`) pits two models (drawn at random, or picked by
name in the "Elegir modelos" mode) against each other over a conversation; every completed turn
(`ragarena.arena.turn`: both models streamed side by side, metered like the Chat's) is stored as
one battle, and the vote applies to the latest one. Names stay hidden ("Modelo A", "Modelo B")
until the vote. This module only wires the components to those functions.

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

from dataclasses import replace

import gradio as gr

from ragarena import settings
from ragarena.core.question_check import question_problem
from ragarena.core import battles
from ragarena.arena import voters
from ragarena.arena.hygiene import IDENTITY, PeriodicScreening, category
from ragarena.arena.rounds import ArenaRound, battle_owner, round_for_question, round_from_saved, saved_round
from ragarena.arena.turn import play_turn, record_turn
from ragarena.core.refusals import VoteRejected
from ragarena.core.i18n import DEFAULT_LANGUAGE, _, localize, message_of, normalize_language
from ragarena.scoring.reference import load_index, reference_markdown
from ragarena.ui.arena_reasons import build_reasons_panel, wire_reasons
from ragarena.ui.arena_text import (
    ANSWERING,
    CHECK_PANELS,
    INTRO_ANONYMOUS,
    INTRO_NAMED,
    LOGIN_NOTE,
    PASSAGES_HEADING,
    TOO_FEW_MODELS,
    chat_messages,
    failure_status,
    name_md,
    names_md,
    voted_message,
    with_failures,
)
from ragarena.ui.context import AppContext
from ragarena.ui.render import passages_html

# The mode Radio's values (what /arena_ask takes) stay these Spanish strings; only their labels are translated.
ANONYMOUS, NAMED = "Anónimo", "Elegir modelos"
MODE_KEYS = {ANONYMOUS: battles.ANONYMOUS, NAMED: battles.NAMED}
MODE_CHOICES = [(_("Anónimo"), ANONYMOUS), (_("Elegir modelos"), NAMED)]
VOTE_BUTTONS = (("model_a", _("👈 A es mejor")), ("model_b", _("👉 B es mejor")), ("tie", _("🤝 Empate")),
                ("tie (bothbad)", _("👎 Ambas son malas")))
VOTE_SUFFIX = {"model_a": "a", "model_b": "b", "tie": "tie", "tie (bothbad)": "bothbad"}  # api_name, elem_id


def _buttons(votable: bool, chosen: str | None = None) -> list:
    """Vote button updates; the `chosen` one (after a vote) stays highlighted, the others lose it."""
    return [gr.update(interactive=votable, elem_classes=["ra-voted"] if key == chosen else [])
            for key, _text in VOTE_BUTTONS]


def _buttons_to(votable: bool, was_votable: bool) -> list:
    """Button updates only when their state changes: each update rebuilds the component server-side."""
    return _buttons(votable) if votable != was_votable else [gr.update() for _button in VOTE_BUTTONS]


def _voter(vote, winner: str):
    def vote_for(round_, request: gr.Request, profile: gr.OAuthProfile | None = None, language=DEFAULT_LANGUAGE):
        return vote(winner, round_, request, profile, language)

    return vote_for


def _references(ctx: AppContext):
    """The reference-answer index of the corpus's conversations (None when unreadable), loaded once."""
    if "reference_index" not in ctx.extras:
        ctx.extras["reference_index"] = load_index(ctx.extras.get("qa_path") or settings.qa_file(),
                                                   ctx.engine.passages)
    return ctx.extras["reference_index"]


def build_arena_tab(ctx: AppContext, language: gr.Radio | None = None,
                    saved: gr.BrowserState | None = None) -> None:
    store = ctx.store  # opened now: a corrupt or foreign database stops the app at start-up
    specs = ctx.engine.available_specs()
    available = [s.id for s in specs]
    choices = [(s.label, s.id) for s in specs]
    # Model labels come from models.yaml (`label_en`), not from the catalog: re-sent on a switch when any differs.
    english_labels = any(s.label_en and s.label_en != s.label for s in specs)

    intro_anonymous = gr.Markdown(INTRO_ANONYMOUS, elem_id="arena-intro")
    intro_named = gr.Markdown(INTRO_NAMED, visible=False, elem_id="arena-intro-named")
    if len(available) < 2:
        gr.Markdown(TOO_FEW_MODELS)
    references = _references(ctx)
    every = settings.screen_every()
    screening = PeriodicScreening(store, every) if every > 0 else None
    if voters.login_enabled():
        with gr.Row():
            gr.Markdown(LOGIN_NOTE)
            gr.LoginButton(elem_id="arena-login")
    with gr.Row():
        mode = gr.Radio(MODE_CHOICES, value=ANONYMOUS, label=_("Modo"), elem_id="arena-mode")
    with gr.Row(visible=False) as pick_row:
        pick_a = gr.Dropdown(choices, value=available[0] if available else None, label=_("Modelo A"),
                             elem_id="arena-pick-a")
        pick_b = gr.Dropdown(choices, value=available[1] if len(available) > 1 else None, label=_("Modelo B"),
                             elem_id="arena-pick-b")
    # The question first, in the first screen at 1280x800 and 390x844; the answers, the vote and the
    # passages below it (empty until a round starts).
    question = gr.Textbox(label=_("Pregunta"), placeholder=_("Escribe tu pregunta sobre la documentación…"),
                          max_lines=6, elem_id="arena-question")
    with gr.Row():
        send = gr.Button(_("Enviar"), variant="primary", elem_id="arena-send")
        new_round = gr.Button(_("🔄 Nueva ronda"), elem_id="arena-new-round")
    with gr.Row(equal_height=False):
        # Names and passages start as plain (Spanish) text: they change with the round, so a switch
        # re-renders them from the state (`relocalize`) rather than resetting them.
        with gr.Column(min_width=280):
            name_a = gr.Markdown(name_md(specs, "A"), label=_("Nombre A"), elem_id="arena-name-a")
            chat_a = gr.Chatbot(label=_("Modelo A"), height=380, buttons=["copy"], elem_id="arena-chat-a")
        with gr.Column(min_width=280):
            name_b = gr.Markdown(name_md(specs, "B"), label=_("Nombre B"), elem_id="arena-name-b")
            chat_b = gr.Chatbot(label=_("Modelo B"), height=380, buttons=["copy"], elem_id="arena-chat-b")
    status = gr.Markdown("", label=_("Estado"), elem_id="arena-status")
    with gr.Row():
        vote_buttons = [gr.Button(text, interactive=False, elem_id=f"arena-vote-{VOTE_SUFFIX[key]}")
                        for key, text in VOTE_BUTTONS]
    reasons = build_reasons_panel()
    with gr.Accordion(_("Respuesta de referencia (del conjunto de preguntas)"), open=False, visible=False,
                      elem_id="arena-reference") as reference_box:
        reference_md = gr.Markdown("", elem_id="arena-reference-text")
    passages = gr.HTML(passages_html([], heading=PASSAGES_HEADING), label=_("Fragmentos"), elem_id="arena-passages")
    winner_box = gr.Textbox(visible=False, label="Voto")  # only the /arena_vote API endpoint uses it
    state = gr.State(None)  # the round: models, turns, battle id, passages, reference; server-side, per session
    # The browser's note of its round (battle id and session, `ragarena.arena.rounds`), for a reload;
    # made by the page outside the tabs (a component in a tab not yet shown reads as its default).
    saved = saved if saved is not None else gr.BrowserState({}, storage_key="ragarena-arena")
    # The status shown as `Text`, to render it again when the language changes.
    status_shown = gr.State("")
    # Every handler takes the language last; without a switch (a tab built alone) it is always Spanish.
    lang = language if language is not None else gr.State(DEFAULT_LANGUAGE)

    every_spec = ctx.engine.specs  # names are shown for any model a restored round may hold

    def names(round_: ArenaRound | None, reveal: bool, language: str | None = None) -> tuple[str, str]:
        return names_md(every_spec, round_, reveal, language)

    # Gradio inserts `request` and `profile` by position (type hints), so the inputs map to the other
    # parameters in order and the language, the last input, lands in `language`; a direct call without
    # it (tests) gets Spanish. The round state stays the last output.
    def ask(text, mode_label, choice_a, choice_b, round_, request: gr.Request,
            profile: gr.OAuthProfile | None = None, language=DEFAULT_LANGUAGE):
        session = getattr(request, "session_hash", None) if request else None

        def refuse(message):
            warning = _("⚠️ {message}", message=message)
            return (gr.update(), gr.update(), gr.update(), gr.update(), localize(warning, language), gr.update(),
                    gr.update(), *[gr.update() for _button in VOTE_BUTTONS], warning, round_)

        was_votable = bool(round_ and round_.votable)
        # A voted round's buttons carry the highlight: redrawn (disabled, plain) by the first frame.
        was_voted = bool(round_ and round_.voted)
        if not session:
            yield refuse(_("No se reconoce la sesión; recarga la página."))
            return
        problem = question_problem(text)
        if problem:
            yield refuse(problem)
            return
        try:  # no model answers a round that could not be voted
            store.check_daily_cap(session, ip_hash=voters.ip_hash(request), user_hash=voters.user_hash(profile))
            round_ = round_for_question(round_, MODE_KEYS.get(mode_label, battles.ANONYMOUS), choice_a, choice_b,
                                        available)
        except VoteRejected as error:
            yield refuse(message_of(error))
            return
        text = text.strip()
        name_a_md, name_b_md = names(round_, reveal=False, language=language)
        shown_passages = []  # rendered once, by the first frame
        first_frame = [True]

        def frame(round_: ArenaRound, message, answers: dict | None = None, votable: bool = False):
            # Only the first frame may have to redraw the buttons: disable enabled ones, or drop a vote's highlight.
            before = (was_votable or (was_voted and not votable)) if first_frame[0] else False
            first_frame[0] = False
            shown_passages[:] = shown_passages or [passages_html(round_.hits, heading=PASSAGES_HEADING,
                                                                 language=language)]
            chats = [chat_messages(round_.turns, side, (text, answers[side]) if answers else None) for side in "ab"]
            return ("", *chats, shown_passages[0], localize(message, language), name_a_md, name_b_md,
                    *_buttons_to(votable, before), message, round_)

        for turn in play_turn(ctx.engine, round_, text, timeout=settings.arena_timeout()):
            if not turn.done:
                yield frame(turn.round, ANSWERING, turn.answers)
        if turn.failed:
            yield frame(turn.round, failure_status(turn.errors), with_failures(turn.answers, turn.errors, language))
            return
        try:
            round_ = record_turn(store, session, turn)
        except VoteRejected as error:
            yield frame(replace(turn.round, failed=True), _("⚠️ {message}", message=message_of(error)), turn.answers)
            return
        yield frame(round_, CHECK_PANELS, votable=True)

    def reference_for(round_: ArenaRound):
        """The corpus's reference for the round's last question (a `Reference`), or None."""
        if references is None or not round_.turns:
            return None
        *earlier, last = round_.turns
        return references.lookup(last["question"], [t["question"] for t in earlier])

    def restore(saved_value, language=DEFAULT_LANGUAGE):
        """After a reload: the round this browser was on, from the store (voted or not, as stored)."""
        round_ = round_from_saved(store, saved_value)
        if round_ is None:
            return (*[gr.skip() for _output in round_outputs[1:-2]], "", None)
        prior = [turn["question"] for turn in round_.turns[:-1]]
        round_ = replace(round_, hits=tuple(ctx.engine.retrieve(round_.turns[-1]["question"], prior)))
        message = (voted_message(every_spec, round_.winner, round_.model_a, round_.model_b) if round_.voted
                   else CHECK_PANELS)
        return (chat_messages(round_.turns, "a"), chat_messages(round_.turns, "b"),
                passages_html(round_.hits, heading=PASSAGES_HEADING, language=language),
                localize(message, language), *names(round_, round_.voted, language),
                *_buttons(not round_.voted, round_.winner), message, round_)

    def vote(winner, round_, request: gr.Request, profile: gr.OAuthProfile | None = None,
             language=DEFAULT_LANGUAGE):
        session = getattr(request, "session_hash", None) if request else None
        try:
            battle = store.vote(round_.battle_id if round_ else None, battle_owner(round_, session), winner,
                                user_hash=voters.user_hash(profile), ip_hash=voters.ip_hash(request))
        except VoteRejected as error:
            voted = bool(round_ and round_.voted)
            warning = _("⚠️ {message}", message=message_of(error))
            reference = reference_markdown(round_.reference, language) if voted else ""
            return (localize(warning, language), *names(round_, voted, language), reference,
                    *_buttons_to(False, False), round_, *[gr.update() for _panel in range(4)],  # nothing changed
                    warning)
        reference = reference_for(round_)
        round_ = round_.with_vote(winner, reference)
        name_a_md, name_b_md = names(round_, True, language)
        message = voted_message(every_spec, battle["winner"], battle["model_a"], battle["model_b"],
                                excluded=category(battle.get("excluded_reason")) == IDENTITY)
        if screening is not None:
            screening.poke()
        bothbad = winner == "tie (bothbad)"
        reference_text = reference_markdown(reference, language)
        return (localize(message, language), name_a_md, name_b_md, reference_text, *_buttons(False, winner), round_,
                gr.update(visible=True), gr.update(visible=not bothbad), gr.update(visible=bothbad),
                gr.update(visible=bool(reference_text), open=False), message)

    def hide_after_vote_panels():
        # On every new question or round: the reasons and reference belong to the voted battle only.
        return gr.update(visible=False), gr.update(visible=False), [], [], "", ""

    def reset(round_, language=DEFAULT_LANGUAGE):
        # The buttons always: a voted one loses its highlight, an enabled one is disabled.
        return ("", [], [], passages_html([], heading=PASSAGES_HEADING, language=language), "",
                *names(None, False, language), *_buttons(False), "", None)

    round_outputs = [question, chat_a, chat_b, passages, status, name_a, name_b, *vote_buttons, status_shown, state]
    vote_outputs = [status, name_a, name_b, reference_md, *vote_buttons, state, reasons.panel, reasons.good_column,
                    reasons.bad_column, reference_box, status_shown]
    panel_outputs = [reasons.panel, reference_box, reasons.good, reasons.bad, reasons.status, reasons.shown]
    ask_inputs = [question, mode, pick_a, pick_b, state, lang]
    keep = dict(fn=saved_round, inputs=state, outputs=saved, api_name=False, queue=False, show_progress="hidden")
    send.click(ask, ask_inputs, round_outputs, api_name="arena_ask").then(**keep)
    question.submit(ask, ask_inputs, round_outputs, api_name=False).then(**keep)
    ctx.extras.setdefault("on_load", []).append(dict(fn=restore, inputs=[saved, lang], outputs=round_outputs[1:],
                                                     api_name=False, show_progress="hidden"))
    winner_box.submit(vote, [winner_box, state, lang], vote_outputs, api_name="arena_vote")
    for (key, _text), button in zip(VOTE_BUTTONS, vote_buttons):
        button.click(_voter(vote, key), [state, lang], vote_outputs, api_name=f"arena_vote_{VOTE_SUFFIX[key]}")
    new_round.click(reset, [state, lang], round_outputs, api_name="arena_new_round").then(**keep)
    # A conversation box's trash icon ends the round: a half-cleared round cannot be voted.
    for box in (chat_a, chat_b):
        box.clear(reset, [state, lang], round_outputs, api_name=False).then(**keep)
        box.clear(hide_after_vote_panels, None, panel_outputs, api_name=False, queue=False, show_progress="hidden")
    wire_reasons(reasons, store, state, lang)
    for trigger in (send.click, question.submit, new_round.click, mode.change, pick_a.change, pick_b.change):
        trigger(hide_after_vote_panels, None, panel_outputs, api_name=False, queue=False, show_progress="hidden")

    def switch_mode(mode_label, round_, language=DEFAULT_LANGUAGE):
        named = mode_label == NAMED
        return (gr.update(visible=named), gr.update(visible=not named), gr.update(visible=named),
                *reset(round_, language))

    mode.change(switch_mode, [mode, state, lang], [pick_row, intro_anonymous, intro_named, *round_outputs],
                api_name=False).then(**keep)
    pick_a.change(reset, [state, lang], round_outputs, api_name=False)
    pick_b.change(reset, [state, lang], round_outputs, api_name=False)

    if language is None:
        return

    def relocalize(round_, shown_status, shown_reasons, language):
        """What the tab shows that changes with the round, again in the new language (labels are
        relabelled by `ragarena.ui.language.relabel_on_switch`)."""
        voted = bool(round_ and round_.voted)
        hits = round_.hits if round_ else ()
        picks = [gr.update(choices=[(s.label_in(normalize_language(language)), s.id) for s in specs])
                 if english_labels else gr.update() for _pick in range(2)]
        return (*names(round_, voted, language), passages_html(hits, heading=PASSAGES_HEADING, language=language),
                localize(shown_status, language), localize(shown_reasons, language),
                reference_markdown(round_.reference, language) if voted else "", *picks)

    language.change(relocalize, [state, status_shown, reasons.shown, language],
                    [name_a, name_b, passages, status, reasons.status, reference_md, pick_a, pick_b],
                    api_name=False, queue=False, show_progress="hidden")
