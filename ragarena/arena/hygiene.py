"""Vote hygiene: which arena votes count for the ratings, and why the others do not.

A vote is never deleted: a vote that should not count is kept with an ``excluded_reason``
(column of `ragarena.arena.votes`; exported as ``excluded: true`` plus ``excluded_reason``), and every
rating computation (the leaderboard, ``python -m ragarena ratings`` on an export) leaves it out.
A reason is ``"<category>: <detail>"``; ``python -m ragarena votes-report`` counts them per
category and lists the battles.

Two rules live here (the third, the per-session / per-IP / per-user daily cap, refuses the vote
outright in `ragarena.arena.votes.VoteStore.vote`):

1. **Identity** (`identity_leak`): a round in which an answer names its model or provider
   ("soy ChatGPT", "OpenAI", "StableLM", "GPT-4", "Anthropic", "como modelo de lenguaje
   desarrollado por…") is no longer blind. The vote is kept and excluded, category
   ``identidad``. Checked when the vote is cast, on both answers of the voted turn and of the
   earlier turns of the round (the voter saw them too).
2. **Implausible voters** (`sequential_test`, `screen`): a voter (the signed-in user, else the
   session) whose choices are much better explained by coin flips than by the current ratings
   is flagged, and all their votes are excluded, category ``votante inverosímil``. See
   `sequential_test` for the test. Flags are sticky: later votes of a flagged voter are
   excluded too, and a flag is never lifted by a later screening.

`screen_store` runs rule 2 on a vote store and saves the new flags; the leaderboard refresh
(`ragarena.leaderboard.board`, when the votes changed since its last screening), ``export-votes`` and,
every few minutes, the arena after a vote (`PeriodicScreening`) call it. `screen_battles` runs the
same screening on battles read from a file (``votes-report --file``, DPO pairs: a copy such as the
Hub's, written at vote time, was never screened). Whether a vote is excluded is decided in one
place, `ragarena.core.battles.is_excluded`, and whether a vote counts (well formed, not excluded,
blind) in `ragarena.core.vote_filter`.
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ragarena.core.battles import is_excluded
from ragarena.core.text import fold
from ragarena.core.vote_filter import VoteCount, count_votes, counts
from ragarena.scoring.battle_arrays import prepare_battles
from ragarena.scoring.battle_cells import aggregate
from ragarena.scoring.bradley_terry import BASE, SCALE, fit_cells, to_elo

IDENTITY = "identidad"
IMPLAUSIBLE = "votante inverosímil"

# --- rule 1: an answer that says which model or provider wrote it -------------------------

# On folded text (lower case, no accents). Bare "llama" is a Spanish verb ("se llama"), so
# Llama only counts with a version or its maker; "claude" only as a self-presentation.
_IDENTITY = re.compile(
    r"\b(chat ?gpt|gpt(-| )?(3|4|5|o)[\w.]*|gpt\b|openai|open ai|anthropic|stablelm|stable ?lm|stability ?ai"
    r"|llama ?[0-9][\w.]*|meta ai|mistral ai|mixtral|gemini|google deepmind|deepmind|qwen|deepseek"
    r"|soy claude|claude (de anthropic|[0-9])"
    r"|(soy|como) (un |una )?(modelo (de lenguaje|de ia|de inteligencia artificial)|asistente (de|virtual de) "
    r"(ia|inteligencia artificial)|ia|inteligencia artificial) (de|creado|creada|desarrollado|desarrollada|"
    r"entrenado|entrenada|disenado|disenada)\b"
    r"|(he sido|fui) (entrenad|desarrollad|cread|disenad)[oa] por)"
)


def identity_leak(text: str | None) -> str | None:
    """The words by which `text` names a model or its maker (folded), or None."""
    if not text:
        return None
    found = _IDENTITY.search(fold(text))
    return found.group(0).strip() if found else None


def battle_identity_leak(battle: dict) -> str | None:
    """The exclusion reason when an answer of the battle (voted turn or earlier turns of the round)
    names its model or provider, else None."""
    for side in ("a", "b"):
        texts = [battle.get(f"answer_{side}")]
        texts += [turn.get(f"answer_{side}") for turn in battle.get("conversation") or [] if isinstance(turn, dict)]
        for text in texts:
            found = identity_leak(text if isinstance(text, str) else None)
            if found:
                return f"{IDENTITY}: la respuesta {side.upper()} revela el modelo o su proveedor («{found}»)"
    return None


def category(reason: str | None) -> str:
    """The category of an exclusion reason (the text before the first colon)."""
    if not reason:
        return ""
    return str(reason).split(":", 1)[0].strip()


# --- rule 2: a sequential test of each voter against the ratings --------------------------

#: Chance of ever flagging an honest voter that Wald's bound allows (upper boundary log((1-β)/α)).
ALPHA = 0.001
#: Chance of missing a coin-flipping voter at the lower boundary (log(β/(1-α))).
BETA = 0.1
#: Share of coin flips granted to an honest voter (the ratings are estimates, voters disagree).
TEMPER = 0.25


def boundaries(alpha: float = ALPHA, beta: float = BETA) -> tuple[float, float]:
    """Wald's SPRT boundaries (lower, upper) on the log-likelihood ratio."""
    return math.log(beta / (1 - alpha)), math.log((1 - beta) / alpha)


def sequential_test(
    p_chosen: Sequence[float], alpha: float = ALPHA, beta: float = BETA, temper: float = TEMPER
) -> tuple[float, int | None, float]:
    """Wald's sequential probability ratio test of one voter: ratings against coin flips.

    `p_chosen[t]` is the probability that the current Bradley-Terry ratings give to the answer
    the voter chose in their t-th decisive vote (A or B better; ties and "both bad" carry no
    preference and are not tested). The two hypotheses about the voter are

    * H0, honest: the choice follows the ratings, tempered: P(choice) = (1 - λ)·p + λ/2 with
      λ = `temper` (an honest voter may disagree with the crowd, and the ratings are only
      estimates);
    * H1, implausible: the choice is a coin flip, P = 1/2 whatever the models. A voter who
      picks at random, or always the same side, or systematically the weaker model, is far
      better explained by H1 (a voter who always picks the weaker model even more so: the
      ratio grows by log(1/2 / P0) > 0 at every such vote).

    The statistic is the log-likelihood ratio Λ_t = Σ log(1/2 / P0(choice)), updated vote by
    vote. Wald's SPRT stops at B = log(β/(1-α)) (accept H0) or A = log((1-β)/α) (accept H1);
    its error rates are at most about α and β. A voter can change behaviour, so instead of
    stopping at B the test restarts there (Λ_t = max(B, Λ_{t-1} + llr_t): Page's CUSUM with
    the SPRT's floor), and a voter is flagged the first time Λ_t ≥ A. With α = 0.001 (A ≈ 6.8)
    and β = 0.1 (B ≈ -2.3), λ = 0.25, in simulation (200 decisive votes per voter): facing two
    models 200 Elo points apart, a coin-flipping voter is caught after a median of 74 votes and
    a voter who always picks the weaker model after 14, and no honest voter out of 2,000 is
    flagged; among five models spread over 200 points, 0 % of honest voters and 0.4 % of voters
    who follow the ratings only part of the way (P = 0.6·p + 0.2) are flagged, while every
    contrarian voter is (after a median of 30 votes) but only a third of the coin-flippers are:
    models that close leave a random voter little to contradict. When all models are rated
    alike, P0 ≈ 1/2 and the test, rightly, learns nothing (tests in tests/test_vote_hygiene.py).

    Returns (final Λ, number of tested votes when the voter was flagged or None, highest Λ).
    """
    lower, upper = boundaries(alpha, beta)
    statistic, peak, flagged_at = 0.0, 0.0, None
    for t, p in enumerate(p_chosen, start=1):
        p0 = (1 - temper) * min(max(float(p), 1e-9), 1 - 1e-9) + temper / 2
        statistic = max(lower, statistic + math.log(0.5 / p0))
        peak = max(peak, statistic)
        if flagged_at is None and statistic >= upper:
            flagged_at = t
    return statistic, flagged_at, peak


@dataclass
class VoterResult:
    voter: str  # user_hash, else session_hash (both one-way digests)
    battles: int  # the voter's battles (all modes, excluded or not)
    tested: int  # decisive blind votes tested
    statistic: float  # final Λ
    peak: float  # highest Λ
    flagged_at: int | None
    already_flagged: bool = False


@dataclass
class Screening:
    """What `screen` found: the ratings it used, one result per voter, and the new exclusions."""

    ratings: dict[str, float]
    voters: list[VoterResult]
    exclusions: dict[str, str] = field(default_factory=dict)  # battle key -> reason (new ones only)
    alpha: float = ALPHA
    beta: float = BETA
    temper: float = TEMPER

    @property
    def flagged(self) -> list[VoterResult]:
        return [v for v in self.voters if v.flagged_at is not None or v.already_flagged]


def battle_key(battle: dict, index: int) -> str:
    """A battle's id, or its position in the list for records without one."""
    return str(battle.get("battle_id") or f"#{index + 1}")


def voter_of(battle: dict) -> str:
    return str(battle.get("user_hash") or battle.get("session_hash") or "")


def current_ratings(battles: Iterable[dict]) -> dict[str, float]:
    """Plain Bradley-Terry ratings (Elo scale, no bootstrap) of the blind, counted votes."""
    counted = count_votes(battles).counted
    if not counted:
        return {}
    data = prepare_battles(counted)
    n = len(data.models)
    theta = fit_cells(aggregate(data.a, data.b, data.outcome, n))
    return dict(zip(data.models, to_elo(theta[:n]).tolist()))


def screen(
    battles: Sequence[dict],
    alpha: float = ALPHA,
    beta: float = BETA,
    temper: float = TEMPER,
    ratings: dict[str, float] | None = None,
) -> Screening:
    """Run `sequential_test` on every voter of `battles` (export format, any order).

    `ratings` defaults to `current_ratings(battles)`. A voter flagged now, or flagged by an
    earlier screening (a vote of theirs already excluded as implausible), gets an exclusion for
    each of their votes not excluded yet. Returns the new exclusions only; nothing is changed.
    """
    battles = list(battles)
    if ratings is None:
        ratings = current_ratings(battles)
    upper = boundaries(alpha, beta)[1]
    by_voter: dict[str, list[tuple[int, dict]]] = {}
    for index, battle in enumerate(battles):
        if not isinstance(battle, dict):  # a row that is not a battle (a file's): the filter counts it
            continue
        voter = voter_of(battle)
        if voter and battle.get("winner"):
            by_voter.setdefault(voter, []).append((index, battle))
    results, exclusions = [], {}
    for voter, items in sorted(by_voter.items()):
        items.sort(key=lambda item: (_number(item[1].get("tstamp")), item[0]))
        already = any(category(b.get("excluded_reason")) == IMPLAUSIBLE for _, b in items)
        p_chosen = []
        for _, battle in items:
            winner = battle["winner"]
            if (
                winner not in ("model_a", "model_b")
                or not counts(battle)
                or battle.get("model_a") not in ratings
                or battle.get("model_b") not in ratings
            ):
                continue
            p_a = 1.0 / (1.0 + BASE ** ((ratings[battle["model_b"]] - ratings[battle["model_a"]]) / SCALE))
            p_chosen.append(p_a if winner == "model_a" else 1.0 - p_a)
        statistic, flagged_at, peak = sequential_test(p_chosen, alpha, beta, temper)
        results.append(VoterResult(voter, len(items), len(p_chosen), statistic, peak, flagged_at, already))
        if flagged_at is not None or already:
            if flagged_at is not None:
                reason = (
                    f"{IMPLAUSIBLE}: prueba secuencial (SPRT) contra la clasificación; log-razón azar/"
                    f"clasificación {peak:.1f} ≥ {upper:.1f} en {flagged_at} votos decididos"
                )
            else:
                reason = f"{IMPLAUSIBLE}: votante ya señalado por la prueba secuencial (SPRT)"
            for index, battle in items:
                if not is_excluded(battle):
                    exclusions[battle_key(battle, index)] = reason
    return Screening(ratings, results, exclusions, alpha, beta, temper)


def apply(battles: Sequence[dict], exclusions: dict[str, str]) -> list[dict]:
    """Copies of `battles` with the exclusions of `screen` marked (``excluded``, ``excluded_reason``)."""
    out = []
    for index, battle in enumerate(battles):
        reason = exclusions.get(battle_key(battle, index)) if isinstance(battle, dict) else None
        out.append({**battle, "excluded": True, "excluded_reason": reason} if reason else battle)
    return out


def screen_battles(battles: Iterable[Any], **options: Any) -> tuple[list, Screening]:
    """`screen` the battles and mark its new exclusions (`apply`): what a vote store's screening
    would leave counting. Rows that are not battles pass through unmarked (`count_votes` counts them)."""
    battles = list(battles)
    result = screen(battles, **options)
    return apply(battles, result.exclusions), result


def count_screened(battles: Iterable[Any], where: Sequence[Any] | None = None) -> tuple[VoteCount, Screening]:
    """What counts in a file of battles once it is screened as the vote store is (`screen_battles`,
    then `count_votes`; `where` names its rows): how `ratings FILE` and DPO pairs read a file."""
    screened, screening = screen_battles(battles)
    return count_votes(screened, where=where), screening


def screened_now_note(count: int) -> str:
    """What a reader of a file says of the votes its screening excluded (none: "")."""
    if not count:
        return ""
    return (
        f"La prueba secuencial de los votantes (la misma que aplica la base de votos) excluye {count} votos "
        "que el archivo no tenía marcados."
    )


def screen_store(store, battles: Sequence[dict] | None = None, **options: Any) -> tuple[list[dict], Screening]:
    """Screen the voted battles of a `VoteStore`, save the new flags, and return the battles
    (export format, flags applied) with the screening. `battles` is the store's export when the
    caller has just read it (the leaderboard), else it is read here.

    The one screening of the app: the background `PeriodicScreening`, the leaderboard refresh
    (`ragarena.leaderboard.board.BoardData`) and ``export-votes`` all run this."""
    screened, result = screen_battles(store.export_battles() if battles is None else battles, **options)
    if result.exclusions:
        store.exclude(result.exclusions)
    return screened, result


class PeriodicScreening:
    """Runs `screen_store` in a background thread: at the first `poke`, then at most once every
    `every` seconds. `clock` is a monotonic clock; its origin is arbitrary (on Linux, the boot),
    so "never ran" is kept as None rather than as a time."""

    def __init__(self, store, every: float, clock: Callable[[], float] = time.monotonic):
        self.store = store
        self.every = every
        self._clock = clock
        self._lock = threading.Lock()
        self._last: float | None = None
        self._running = False

    def poke(self) -> bool:
        """Start a screening unless one ran recently or is running; True when one started."""
        with self._lock:
            now = self._clock()
            if self._running or (self._last is not None and now - self._last < self.every):
                return False
            self._running, self._last = True, now
        threading.Thread(target=self._run, name="ragarena-screening", daemon=True).start()
        return True

    def _run(self) -> None:
        try:
            screen_store(self.store)
        except Exception as error:  # screening must never disturb voting
            import sys

            print(f"Aviso: no se pudo revisar a los votantes ({type(error).__name__}: {error}).", file=sys.stderr)
        finally:
            with self._lock:
                self._running = False


def _number(value: Any) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return math.inf
