"""Does an arena vote count? The one filter in front of everything that learns from votes.

As FastChat's single ``clean_battle_data`` sits in front of all its rating code, `count_votes` sits
in front of ours: the leaderboard (`ragarena.leaderboard.build`), the Bradley-Terry analysis
(`ragarena.scoring.arena_ratings.analyze`), ``ratings FILE``, ``votes-report`` and DPO pairs
(`train.preferences`) all take their battles through it, so they count the same ones. A row is left
out, and counted, for the first of these that applies:

- ``malformed``: not a battle (`ragarena.core.battles.battle_problem`: not an object, no valid
  ``model_a``/``model_b``/``winner``); the row is kept where it was, only not rated;
- ``excluded``: vote hygiene took it out (`ragarena.core.battles.is_excluded`: ``excluded`` true or an
  ``excluded_reason``, e.g. an answer that names its model, or an implausible voter);
- ``named``: the voter saw the model names (``mode == "named"``; Chatbot Arena counts blind votes
  only); battles without a mode (older exports, other arenas) are blind. ``blind_only=False`` lets
  them count (the leaderboard's option).

Works on battle records in the export format; imports nothing of ours but the battle vocabulary.
Screening the voters (which marks ``excluded_reason``) is `ragarena.arena.hygiene`'s, before this.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ragarena.core import battles
from ragarena.core.battles import battle_problem, is_excluded
from ragarena.core.i18n import Text, _, join_text

# Why a row does not count (reason codes, as `VoteCount.left_out` and votes-report name them).
MALFORMED = "malformed"  # not a battle at all
EXCLUDED = "excluded"  # kept, but excluded by vote hygiene
NOT_BLIND = "named"  # voted with the model names in view (a battle of mode `battles.NAMED`)


def _verdict(battle: Any, blind_only: bool) -> tuple[str | None, Text | None]:
    """(reason code or None when the vote counts, the malformed row's problem)."""
    problem = battle_problem(battle)
    if problem is not None:
        return MALFORMED, problem
    if is_excluded(battle):
        return EXCLUDED, None
    if blind_only and battle.get("mode") == battles.NAMED:
        return NOT_BLIND, None
    return None, None


def not_counted_because(battle: Any, *, blind_only: bool = True) -> str | None:
    """`MALFORMED`, `EXCLUDED` or `NOT_BLIND` when the vote does not count (the first that applies),
    None when it does. `blind_only=False` lets named-mode votes count."""
    return _verdict(battle, blind_only)[0]


def counts(battle: Any, *, blind_only: bool = True) -> bool:
    """True when the vote counts for the ratings (and may train a model)."""
    return not_counted_because(battle, blind_only=blind_only) is None


@dataclass
class VoteCount:
    """What `count_votes` found: the battles that count, in their order, and what was left out."""

    counted: list[dict] = field(default_factory=list)
    positions: list[int] = field(default_factory=list)  # each counted battle's index in the input
    named: int = 0
    excluded: int = 0
    malformed: int = 0
    problems: list[Text] = field(default_factory=list)  # "where: why" of each malformed row

    @property
    def total(self) -> int:
        """Every row given, counted or not."""
        return len(self.counted) + self.named + self.excluded + self.malformed

    def left_out(self) -> dict[str, int]:
        return {MALFORMED: self.malformed, EXCLUDED: self.excluded, NOT_BLIND: self.named}

    def notes(self) -> list[Text]:
        """One sentence for each kind of row left out (the leaderboard's and ``ratings``' notes)."""
        notes = []
        if self.excluded:
            notes.append(_("{n} combates excluidos no cuentan.", n=self.excluded))
        if self.named:
            notes.append(
                _(
                    "{named} votos emitidos con los nombres de los modelos a la vista no cuentan "
                    "(solo cuentan los votos a ciegas).",
                    named=self.named,
                )
            )
        if self.malformed:
            notes.append(
                _(
                    "{n} filas no son combates válidos y no cuentan; la primera: {problem}",
                    n=self.malformed,
                    problem=self.problems[0],
                )
            )
        return notes


def count_votes(records: Iterable[Any], *, blind_only: bool = True, where: Sequence[Any] | None = None) -> VoteCount:
    """The battles of `records` that count, and how many were left out and why (`not_counted_because`).

    `where` names each record for the malformed ones' `problems` (e.g. "votos.jsonl, línea 3", as
    `ragarena.core.battles.read_battle_rows` gives); by default "combate N"."""
    votes = VoteCount()
    for index, record in enumerate(records):
        reason, problem = _verdict(record, blind_only)
        if reason is None:
            votes.counted.append(record)
            votes.positions.append(index)
        elif reason == MALFORMED:
            votes.malformed += 1
            label = where[index] if where is not None else _("combate {number}", number=index + 1)
            votes.problems.append(join_text([label, problem], ": "))
        elif reason == EXCLUDED:
            votes.excluded += 1
        else:
            votes.named += 1
    return votes
