"""Does an arena vote count? The one predicate for everything that learns from votes.

A vote counts when it was cast blind and vote hygiene did not exclude it:

- ``mode == "named"``: the voter saw the model names (Chatbot Arena counts blind votes only);
  battles without a mode (older exports, other arenas) are blind.
- excluded (`ragarena.arena.battles.is_excluded`: ``excluded`` true or an ``excluded_reason``, e.g. an
  answer that names its model, or an implausible voter).

The leaderboard's ratings and DPO training (`train/`) both ask here, so a vote the board leaves
out never becomes a training pair. Works on battle dicts in the export format.
"""

from __future__ import annotations

from typing import Any, Mapping

from ragarena.arena import battles
from ragarena.arena.battles import is_excluded

NAMED = battles.NAMED  # voted with the model names in view (the battle's mode)
EXCLUDED = "excluded"  # kept, but excluded by vote hygiene


def not_counted_because(battle: Mapping[str, Any], *, blind_only: bool = True) -> str | None:
    """`NAMED` or `EXCLUDED` when the vote does not count, None when it does. `blind_only=False`
    lets named votes count (the leaderboard's option)."""
    if blind_only and battle.get("mode") == battles.NAMED:
        return NAMED
    if is_excluded(dict(battle)):
        return EXCLUDED
    return None


def counts(battle: Mapping[str, Any], *, blind_only: bool = True) -> bool:
    """True when the vote counts for the ratings (and may train a model)."""
    return not_counted_because(battle, blind_only=blind_only) is None
