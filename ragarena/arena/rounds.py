"""An Arena round: its typed state, how it starts, goes on, takes a vote and comes back after a reload.

A round pits two models (drawn at random, or picked by name in "named" mode) against each other
over a conversation; every completed turn is stored as one battle (`ragarena.arena.turn`), and the
vote applies to the latest one. The round lives server-side in the session's `gr.State`
(`ragarena.ui.arena`); the store still checks every vote (right session, one vote, rate limits).

For a page reloaded in the same browser, the browser keeps only which battle its round was on and
the session it was served to (`gr.BrowserState`, `saved_round`); everything else (models, answers,
vote) comes from the vote store (`round_from_saved`): a restored round that was voted stays voted,
one served to another session is not restored.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from ragarena.arena.votes import VoteStore
from ragarena.core.battles import ANONYMOUS, NAMED
from ragarena.core.i18n import _
from ragarena.core.passages import Hit
from ragarena.core.refusals import VoteRejected, anonymize_session
from ragarena.scoring.reference import Reference


@dataclass(frozen=True)
class ArenaRound:
    mode: str  # ANONYMOUS or NAMED
    model_a: str
    model_b: str
    turns: tuple[dict, ...] = ()  # the completed turns: {"question", "answer_a", "answer_b"}
    battle_id: str | None = None  # the latest turn's battle while it can be voted (None while a turn runs)
    owner: str | None = None  # the session that battle was served to: who may vote on it (a reload keeps it)
    voted: bool = False
    winner: str | None = None
    failed: bool = False  # a model failed or the battle was refused: no vote, the next question starts anew
    hits: tuple[Hit, ...] = ()  # the latest question's passages, to render the panel again in another language
    reference: Reference | None = None  # the corpus's reference for the last question, once voted

    def model(self, side: str) -> str:
        return self.model_a if side == "a" else self.model_b

    @property
    def votable(self) -> bool:
        """A served battle that has no vote yet."""
        return bool(self.battle_id) and not self.voted

    def with_vote(self, winner: str, reference: Reference | None) -> ArenaRound:
        return replace(self, voted=True, winner=winner, reference=reference)


def battle_owner(round_: ArenaRound | None, session: str | None) -> str | None:
    """The session the round's battle was served to (before a reload, this one): who may vote on it."""
    return (round_.owner if round_ else None) or session


def start_round(
    mode: str, choice_a: str | None, choice_b: str | None, available: Sequence[str], rng: random.Random | None = None
) -> ArenaRound:
    """A new round, or VoteRejected saying why the models cannot be drawn/picked."""
    if mode == NAMED:
        if not choice_a or not choice_b:
            raise VoteRejected(_("Elige los dos modelos que quieres comparar."))
        if choice_a == choice_b:
            raise VoteRejected(_("Elige dos modelos distintos."))
        for choice in (choice_a, choice_b):
            if choice not in available:
                raise VoteRejected(_("El modelo «{model}» no está disponible.", model=choice))
        model_a, model_b = choice_a, choice_b
    else:
        if len(available) < 2:
            raise VoteRejected(_("La arena necesita al menos dos modelos disponibles."))
        model_a, model_b = (rng or random).sample(list(available), 2)
    return ArenaRound(mode=NAMED if mode == NAMED else ANONYMOUS, model_a=model_a, model_b=model_b)


def round_for_question(
    current: ArenaRound | None, mode: str, choice_a: str | None, choice_b: str | None, available: Sequence[str]
) -> ArenaRound:
    """The round a new question belongs to: the current one continued (a follow-up), or a new one after
    a vote, a failure, or a change of mode or of picked models. VoteRejected when none can start."""
    stale = (
        current is None
        or current.voted
        or current.failed
        or current.mode != mode
        or (mode == NAMED and (current.model_a, current.model_b) != (choice_a, choice_b))
    )
    if stale:
        return start_round(mode, choice_a, choice_b, available)
    return replace(current, battle_id=None)  # the previous turn can no longer be voted once a new one starts


def saved_round(round_: ArenaRound | None) -> dict:
    """What the browser keeps of a round: its latest battle and the session that was served it."""
    if round_ and round_.battle_id and round_.owner:
        return {"battle_id": round_.battle_id, "session": round_.owner}
    return {}


def round_from_saved(store: VoteStore, saved: Any) -> ArenaRound | None:
    """The round of `saved`'s battle (without passages), or None when there is none, it is unknown,
    or it was served to a session other than the one named."""
    if not isinstance(saved, dict):
        return None
    battle_id, session = saved.get("battle_id"), saved.get("session")
    if not isinstance(battle_id, str) or not isinstance(session, str) or not battle_id or not session:
        return None
    battle = store.get_battle(battle_id)
    if battle is None or battle.get("session_hash") != anonymize_session(session):
        return None
    turns = [dict(turn) for turn in battle.get("conversation") or [] if isinstance(turn, dict)]
    turns.append({"question": battle["question"], "answer_a": battle["answer_a"], "answer_b": battle["answer_b"]})
    winner = battle.get("winner")
    return ArenaRound(
        mode=battle.get("mode") or ANONYMOUS,
        model_a=battle["model_a"],
        model_b=battle["model_b"],
        turns=tuple(turns),
        battle_id=battle_id,
        voted=winner is not None,
        winner=winner,
        owner=session,
    )
