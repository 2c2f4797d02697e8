"""Crowd ratings from arena battles, as the leaderboard and the ``ratings`` command show them.

`analyze` runs the whole analysis on a list of battles (or a DataFrame): the battles that count
(`ragarena.core.vote_filter.count_votes`, the filter every rating goes through), as arrays
(`ragarena.scoring.battle_arrays`), aggregated into cells (`ragarena.scoring.battle_cells`), the
Bradley-Terry fit on the Elo scale with bootstrap intervals and the ranks they give
(`ragarena.scoring.bradley_terry`), online Elo, win-rate and battle-count matrices and, with
``style=True``, the length- and filler-controlled ratings (`ragarena.scoring.style_control`).
`compute_ratings` keeps its table and `iter_table_records` turns it into JSON-ready rows.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ragarena.core.errors import UserError
from ragarena.core.i18n import _
from ragarena.core.vote_filter import VoteCount, count_votes
from ragarena.scoring.battle_arrays import TIE, BattleArrays, prepare_battles
from ragarena.scoring.battle_cells import aggregate
from ragarena.scoring.bradley_terry import (
    BASE,
    INIT_RATING,
    SCALE,
    bootstrap_cells,
    bootstrap_intervals,
    fit_cells,
    ranks_from_intervals,
    to_elo,
)
from ragarena.scoring.style_control import StyleFit, style_fit

ELO_K = 4.0


# ---------------------------------------------------------------------------------------
# Online Elo


def online_elo(a, b, outcome, n_models: int, k: float = ELO_K) -> np.ndarray:
    """Sequential Elo in the given battle order, as FastChat's ``compute_online_elo``
    (K=4, base 10, scale 400, start 1000; ties score 0.5)."""
    ratings = [INIT_RATING] * n_models
    score_of = (1.0, 0.0, 0.5)
    for i, j, o in zip(np.asarray(a).tolist(), np.asarray(b).tolist(), np.asarray(outcome).tolist()):
        ri, rj = ratings[i], ratings[j]
        expected = 1.0 / (1.0 + BASE ** ((rj - ri) / SCALE))
        delta = k * (score_of[o] - expected)
        ratings[i] = ri + delta
        ratings[j] = rj - delta
    return np.array(ratings)


# ---------------------------------------------------------------------------------------
# Matrices and the leaderboard


def battle_count_matrix(data: BattleArrays) -> pd.DataFrame:
    """Battles between each pair of models (symmetric, zero diagonal)."""
    n = len(data.models)
    counts = np.bincount(data.a * n + data.b, minlength=n * n).reshape(n, n)
    return pd.DataFrame(counts + counts.T, index=data.models, columns=data.models)


def win_rate_matrix(data: BattleArrays) -> pd.DataFrame:
    """Share of the battles between row and column won by the row model (ties count half);
    NaN on the diagonal and for pairs that never met."""
    n = len(data.models)
    score_a = np.array([1.0, 0.0, 0.5])[data.outcome]
    won = np.bincount(data.a * n + data.b, weights=score_a, minlength=n * n).reshape(n, n)
    won += np.bincount(data.b * n + data.a, weights=1.0 - score_a, minlength=n * n).reshape(n, n)
    counts = battle_count_matrix(data).to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(counts > 0, won / np.maximum(counts, 1), np.nan)
    np.fill_diagonal(rate, np.nan)
    return pd.DataFrame(rate, index=data.models, columns=data.models)


@dataclass
class ArenaRatings:
    """Everything a leaderboard shows.

    `table` has one row per model, sorted by rating: model, rating, ci_low, ci_high, rank,
    battles, wins (outright wins plus half the ties), ties, elo (online Elo), and with style
    control style_rating, style_ci_low, style_ci_high, style_rank.
    """

    table: pd.DataFrame
    win_rate: pd.DataFrame
    battle_counts: pd.DataFrame
    n_battles: int
    excluded: int = 0  # left out by `ragarena.core.vote_filter`: battles excluded by vote hygiene,
    style: StyleFit | None = None
    bootstrap: int = 0
    seed: int | None = None
    notes: list[str] = field(default_factory=list)
    named: int = 0  # votes cast with the model names in view,
    malformed: int = 0  # and rows that are not battles


def analyze(battles: Any, bootstrap: int = 1000, seed: int | None = 0, style: bool = False) -> ArenaRatings:
    """Ratings, intervals, ranks, matrices (and style control) from battles.

    `battles`: battle records (see `ragarena.core.battles`) or a DataFrame of them, which go
    through `ragarena.core.vote_filter.count_votes` (blind votes only) first; a `VoteCount` the
    caller already filtered (the leaderboard, with its own `blind_only`); or `BattleArrays`, taken
    as counted. Raises `UserError` when there is no battle to rate.
    """
    if bootstrap < 0:
        raise UserError("El número de rondas de bootstrap no puede ser negativo.")
    votes, data = _counted(battles, style)
    if len(data) == 0:
        left_out = [
            f"{n} {name}"
            for n, name in (
                (votes.excluded, "excluidos"),
                (votes.malformed, "mal formados"),
                (votes.named, "con los nombres a la vista"),
            )
            if n
        ]
        extra = f" ({', '.join(left_out)})" if left_out else ""
        first = f" La primera fila mal formada: {votes.problems[0]}" if votes.problems else ""
        raise UserError(f"No hay combates que puntuar{extra}.{first}")
    n = len(data.models)
    cells = aggregate(data.a, data.b, data.outcome, n)
    theta = fit_cells(cells)
    rating = to_elo(theta[:n])
    samples = to_elo(bootstrap_cells(cells, bootstrap, seed, start=theta)[:, :n]) if bootstrap > 0 else np.empty((0, n))
    low, high = bootstrap_intervals(samples)
    if bootstrap == 0:
        low, high = rating.copy(), rating.copy()

    counts = battle_count_matrix(data)
    score_a = np.array([1.0, 0.0, 0.5])[data.outcome]
    wins = np.bincount(data.a, weights=score_a, minlength=n) + np.bincount(data.b, weights=1 - score_a, minlength=n)
    is_tie = (data.outcome == TIE).astype(np.int64)
    ties = np.bincount(data.a, weights=is_tie, minlength=n) + np.bincount(data.b, weights=is_tie, minlength=n)
    table = pd.DataFrame(
        {
            "model": data.models,
            "rating": rating,
            "ci_low": low,
            "ci_high": high,
            "rank": ranks_from_intervals(low, high),
            "battles": counts.to_numpy().sum(axis=1),
            "wins": wins,
            "ties": ties.astype(np.int64),
            "elo": online_elo(data.a, data.b, data.outcome, n),
        }
    )
    fit = None
    notes = votes.notes()
    if style:
        fit = style_fit(data, bootstrap, seed)
        table["style_rating"] = fit.rating
        table["style_ci_low"] = fit.ci_low if bootstrap else fit.rating
        table["style_ci_high"] = fit.ci_high if bootstrap else fit.rating
        ranks = ranks_from_intervals(table["style_ci_low"].fillna(-np.inf), table["style_ci_high"].fillna(np.inf))
        table["style_rank"] = pd.array(np.where(np.isnan(fit.rating), pd.NA, ranks), dtype="Int64")
        if fit.skipped:
            notes.append(_("Control de estilo: {n} combates sin las dos respuestas no cuentan.", n=fit.skipped))
    table = table.sort_values(["rating", "model"], ascending=[False, True], ignore_index=True)
    table.attrs.update({"n_battles": len(data), "excluded": votes.excluded})
    if fit is not None:
        table.attrs.update(
            {
                "style_battles": fit.battles,
                "style_skipped": fit.skipped,
                "style_coefficients": fit.coefficients.to_dict("records"),
            }
        )
    return ArenaRatings(
        table,
        win_rate_matrix(data),
        counts,
        len(data),
        votes.excluded,
        fit,
        bootstrap,
        seed,
        notes,
        named=votes.named,
        malformed=votes.malformed,
    )


def _counted(battles: Any, style: bool) -> tuple[VoteCount, BattleArrays]:
    """The battles that count (`count_votes`, unless the caller did it) and their arrays."""
    if isinstance(battles, BattleArrays):
        return VoteCount(), battles
    if isinstance(battles, pd.DataFrame):
        votes = count_votes(battles.to_dict("records"))
        return votes, prepare_battles(battles.iloc[votes.positions], style=style)
    votes = battles if isinstance(battles, VoteCount) else count_votes(battles)
    return votes, prepare_battles(votes.counted, style=style)


def compute_ratings(battles: Any, bootstrap: int = 1000, seed: int | None = 0, style: bool = False) -> pd.DataFrame:
    """The leaderboard table of `analyze` (see `ArenaRatings.table`).

    ``table.attrs`` carries ``n_battles``, ``excluded`` and, with ``style=True``,
    ``style_battles``, ``style_skipped`` and ``style_coefficients`` (list of dicts).
    """
    return analyze(battles, bootstrap=bootstrap, seed=seed, style=style).table


def iter_table_records(table: pd.DataFrame) -> Iterable[dict]:
    """Rows of a ratings table as plain JSON-ready dicts (NaN becomes None)."""
    for row in table.to_dict("records"):
        clean = {}
        for key, value in row.items():
            if value is pd.NA:
                value = None
            elif isinstance(value, (np.integer,)):
                value = int(value)
            elif isinstance(value, (float, np.floating)):
                value = None if math.isnan(value) else float(value)
            clean[key] = value
        yield clean
