"""An Arena round rebuilt from its stored battle, for a page reloaded in the same browser.

The browser keeps only which battle its round was on and the session it was served to
(`gr.BrowserState`, see `ragarena.ui.arena`); everything else (models, answers, vote) comes
from the vote store, and the store still decides whether a vote counts: a restored round that
was voted stays voted, one served to another session is not restored.
"""

from __future__ import annotations

from typing import Any

from ragarena.arena.votes import VoteStore, anonymize_session


def saved_round(round_: dict | None) -> dict:
    """What the browser keeps of a round: its latest battle and the session that was served it."""
    if round_ and round_.get("battle_id") and round_.get("owner"):
        return {"battle_id": round_["battle_id"], "session": round_["owner"]}
    return {}


def round_from_saved(store: VoteStore, saved: Any) -> dict | None:
    """The round state of `saved`'s battle (`ragarena.ui.arena`'s shape, without passages), or None
    when there is none, it is unknown, or it was served to a session other than the one named."""
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
    return {"mode": battle.get("mode") or "anonymous", "model_a": battle["model_a"], "model_b": battle["model_b"],
            "turns": turns, "battle_id": battle_id, "voted": winner is not None, "failed": False, "winner": winner,
            "owner": session}
