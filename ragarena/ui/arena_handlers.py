"""The Arena tab's event handlers, each returning its updates keyed by component (`ArenaLayout`).

What a handler leaves out of its dict Gradio counts as ``gr.skip()``: the component keeps its
value. That costs the session what the ``gr.update()`` it stands for cost before (a new component,
`ragarena.ui.sessions`): no more, no less.

Gradio inserts `request` and `profile` by position (type hints), so the inputs map to the other
parameters in order and the language, the last input, lands in `language`; a direct call without it
(tests) gets Spanish.
"""

from __future__ import annotations

from dataclasses import replace

import gradio as gr

from ragarena import settings
from ragarena.answering.models import ModelSpec
from ragarena.arena import voters
from ragarena.arena.hygiene import IDENTITY, PeriodicScreening, category
from ragarena.arena.rounds import ArenaRound, battle_owner, round_for_question, round_from_saved
from ragarena.arena.turn import play_turn, record_turn
from ragarena.core import battles
from ragarena.core.i18n import DEFAULT_LANGUAGE, _, localize, message_of, normalize_language
from ragarena.core.question_check import question_problem
from ragarena.core.refusals import VoteRejected
from ragarena.scoring.reference import reference_markdown
from ragarena.ui.arena_layout import MODE_OF_LABEL, NAMED_LABEL, ArenaLayout
from ragarena.ui.arena_text import (
    ANSWERING,
    CHECK_PANELS,
    PASSAGES_HEADING,
    chat_messages,
    failure_status,
    names_md,
    voted_message,
    with_failures,
)
from ragarena.ui.context import AppContext, bind_once
from ragarena.ui.render import passages_html


class ArenaHandlers:
    """The handlers of one Arena tab, over its layout `ui` and the app's store and engine."""

    def __init__(
        self, ctx: AppContext, ui: ArenaLayout, specs: list[ModelSpec], references, screening: PeriodicScreening | None
    ):
        self.ctx, self.ui, self.store = ctx, ui, ctx.store
        self.available = [s.id for s in specs]
        self.specs = specs
        # Model labels come from models.yaml (`label_en`), not from the catalog: re-sent on a switch when any differs.
        self.english_labels = any(s.label_en and s.label_en != s.label for s in specs)
        self.every_spec = ctx.engine.specs  # names are shown for any model a restored round may hold
        self.references, self.screening = references, screening
        bind_once(self, "ask", "restore", "vote", "hide_after_vote_panels", "reset", "switch_mode", "relocalize")

    # --- pieces of an answer -------------------------------------------------------------------

    def names(self, round_: ArenaRound | None, reveal: bool, language: str | None = None) -> dict:
        name_a, name_b = names_md(self.every_spec, round_, reveal, language)
        return {self.ui.name_a: name_a, self.ui.name_b: name_b}

    def buttons(self, votable: bool, chosen: str | None = None) -> dict:
        """Vote button updates; the `chosen` one (after a vote) stays highlighted, the others lose it."""
        return {
            button: gr.update(interactive=votable, elem_classes=["ra-voted"] if key == chosen else [])
            for key, button in self.ui.vote_buttons.items()
        }

    def buttons_to(self, votable: bool, was_votable: bool) -> dict:
        """Button updates only when their state changes: each update rebuilds the component server-side."""
        return self.buttons(votable) if votable != was_votable else {}

    def status(self, message, language) -> dict:
        """The status line, and the `Text` behind it for a switch of language."""
        return {self.ui.status: localize(message, language), self.ui.status_shown: message}

    def passages(self, hits, language) -> str:
        return passages_html(hits, heading=PASSAGES_HEADING, language=language)

    # --- a question ----------------------------------------------------------------------------

    def ask(
        self,
        text,
        mode_label,
        choice_a,
        choice_b,
        round_,
        request: gr.Request,
        profile: gr.OAuthProfile | None = None,
        language=DEFAULT_LANGUAGE,
    ):
        session = getattr(request, "session_hash", None) if request else None

        def refuse(message):
            return {**self.status(_("⚠️ {message}", message=message), language), self.ui.state: round_}

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
            self.store.check_daily_cap(session, ip_hash=voters.ip_hash(request), user_hash=voters.user_hash(profile))
            round_ = round_for_question(
                round_, MODE_OF_LABEL.get(mode_label, battles.ANONYMOUS), choice_a, choice_b, self.available
            )
        except VoteRejected as error:
            yield refuse(message_of(error))
            return
        yield from self._answer(round_, text.strip(), session, was_votable, was_voted, language)

    def _answer(self, round_: ArenaRound, text: str, session: str, was_votable: bool, was_voted: bool, language):
        """The frames of one turn: both answers as they stream, then the round votable (or failed)."""
        fixed = {self.ui.question: "", **self.names(round_, reveal=False, language=language)}
        shown_passages = []  # rendered once, by the first frame

        def frame(round_: ArenaRound, message, answers: dict | None = None, votable: bool = False):
            # Only the first frame may have to redraw the buttons: disable enabled ones, or drop a vote's highlight.
            before = (was_votable or (was_voted and not votable)) if not shown_passages else False
            shown_passages[:] = shown_passages or [self.passages(round_.hits, language)]
            chat_a, chat_b = [
                chat_messages(round_.turns, side, (text, answers[side]) if answers else None) for side in "ab"
            ]
            return {
                **fixed,
                self.ui.chat_a: chat_a,
                self.ui.chat_b: chat_b,
                self.ui.passages: shown_passages[0],
                **self.status(message, language),
                **self.buttons_to(votable, before),
                self.ui.state: round_,
            }

        for turn in play_turn(self.ctx.engine, round_, text, timeout=settings.arena_timeout()):
            if not turn.done:
                yield frame(turn.round, ANSWERING, turn.answers)
        if turn.failed:
            yield frame(turn.round, failure_status(turn.errors), with_failures(turn.answers, turn.errors, language))
            return
        try:
            round_ = record_turn(self.store, session, turn)
        except VoteRejected as error:
            yield frame(replace(turn.round, failed=True), _("⚠️ {message}", message=message_of(error)), turn.answers)
            return
        yield frame(round_, CHECK_PANELS, votable=True)

    # --- a reload, a vote, a new round ---------------------------------------------------------

    def restore(self, saved_value, language=DEFAULT_LANGUAGE):
        """After a reload: the round this browser was on, from the store (voted or not, as stored)."""
        round_ = round_from_saved(self.store, saved_value)
        if round_ is None:
            return {self.ui.status_shown: "", self.ui.state: None}
        prior = [turn["question"] for turn in round_.turns[:-1]]
        round_ = replace(round_, hits=tuple(self.ctx.engine.retrieve(round_.turns[-1]["question"], prior)))
        message = (
            voted_message(self.every_spec, round_.winner, round_.model_a, round_.model_b)
            if round_.voted
            else CHECK_PANELS
        )
        return {
            self.ui.chat_a: chat_messages(round_.turns, "a"),
            self.ui.chat_b: chat_messages(round_.turns, "b"),
            self.ui.passages: self.passages(round_.hits, language),
            **self.status(message, language),
            **self.names(round_, round_.voted, language),
            **self.buttons(not round_.voted, round_.winner),
            self.ui.state: round_,
        }

    def reference_for(self, round_: ArenaRound):
        """The corpus's reference for the round's last question (a `Reference`), or None."""
        if self.references is None or not round_.turns:
            return None
        *earlier, last = round_.turns
        return self.references.lookup(last["question"], [t["question"] for t in earlier])

    def vote(
        self, winner, round_, request: gr.Request, profile: gr.OAuthProfile | None = None, language=DEFAULT_LANGUAGE
    ):
        session = getattr(request, "session_hash", None) if request else None
        try:
            battle = self.store.vote(
                round_.battle_id if round_ else None,
                battle_owner(round_, session),
                winner,
                user_hash=voters.user_hash(profile),
                ip_hash=voters.ip_hash(request),
            )
        except VoteRejected as error:  # nothing changed: the panels and the buttons stay as they are
            voted = bool(round_ and round_.voted)
            return {
                **self.status(_("⚠️ {message}", message=message_of(error)), language),
                **self.names(round_, voted, language),
                self.ui.reference_md: reference_markdown(round_.reference, language) if voted else "",
                self.ui.state: round_,
            }
        reference = self.reference_for(round_)
        round_ = round_.with_vote(winner, reference)
        message = voted_message(
            self.every_spec,
            battle["winner"],
            battle["model_a"],
            battle["model_b"],
            excluded=category(battle.get("excluded_reason")) == IDENTITY,
        )
        if self.screening is not None:
            self.screening.poke()
        bothbad = winner == "tie (bothbad)"
        reference_text = reference_markdown(reference, language)
        reasons = self.ui.reasons
        return {
            **self.status(message, language),
            **self.names(round_, True, language),
            self.ui.reference_md: reference_text,
            **self.buttons(False, winner),
            self.ui.state: round_,
            reasons.panel: gr.update(visible=True),
            reasons.good_column: gr.update(visible=not bothbad),
            reasons.bad_column: gr.update(visible=bothbad),
            self.ui.reference_box: gr.update(visible=bool(reference_text), open=False),
        }

    def voter(self, winner: str):
        """`vote` for one button's `winner`."""

        def vote_for(round_, request: gr.Request, profile: gr.OAuthProfile | None = None, language=DEFAULT_LANGUAGE):
            return self.vote(winner, round_, request, profile, language)

        return vote_for

    def hide_after_vote_panels(self):
        # On every new question or round: the reasons and reference belong to the voted battle only.
        reasons = self.ui.reasons
        return {
            reasons.panel: gr.update(visible=False),
            self.ui.reference_box: gr.update(visible=False),
            reasons.good: [],
            reasons.bad: [],
            reasons.status: "",
            reasons.shown: "",
        }

    def reset(self, round_, language=DEFAULT_LANGUAGE):
        # The buttons always: a voted one loses its highlight, an enabled one is disabled.
        return {
            self.ui.question: "",
            self.ui.chat_a: [],
            self.ui.chat_b: [],
            self.ui.passages: self.passages([], language),
            **self.status("", language),
            **self.names(None, False, language),
            **self.buttons(False),
            self.ui.state: None,
        }

    def switch_mode(self, mode_label, round_, language=DEFAULT_LANGUAGE):
        named = mode_label == NAMED_LABEL
        return {
            self.ui.pick_row: gr.update(visible=named),
            self.ui.intro_anonymous: gr.update(visible=not named),
            self.ui.intro_named: gr.update(visible=named),
            **self.reset(round_, language),
        }

    def relocalize(self, round_, shown_status, shown_reasons, language):
        """What the tab shows that changes with the round, again in the new language (labels are
        relabelled by `ragarena.ui.language.relabel_on_switch`)."""
        voted = bool(round_ and round_.voted)
        hits = round_.hits if round_ else ()
        picks = {}
        if self.english_labels:
            choices = [(s.label_in(normalize_language(language)), s.id) for s in self.specs]
            picks = {self.ui.pick_a: gr.update(choices=choices), self.ui.pick_b: gr.update(choices=choices)}
        return {
            **self.names(round_, voted, language),
            self.ui.passages: self.passages(hits, language),
            self.ui.status: localize(shown_status, language),
            self.ui.reasons.status: localize(shown_reasons, language),
            self.ui.reference_md: reference_markdown(round_.reference, language) if voted else "",
            **picks,
        }
