"""Style control: arena ratings at equal answer length and equal filler.

Style control adds per-battle covariates to the logit (a contextual Bradley-Terry, as in
Chatbot Arena's style control): the normalised difference in answer length in words,
``(len_a - len_b) / (len_a + len_b)``, and the difference of the filler flags
``is_filler(answer_a) - is_filler(answer_b)`` from `ragarena.answering.filler`. The ratings then
estimate each model's strength at equal length and equal filler; the coefficients say what
length and filler are worth in votes. Battles without both answers are left out of this
fit. Cells are (pair, length bin of width 0.05, filler difference) with the mean length
difference of their battles (`ragarena.scoring.battle_cells`), so the fit works on some 10^4
cells instead of 10^6 battles; against the unquantised per-battle fit this moves ratings by
about 0.01 points. Its bootstrap gives every (cell, outcome) category a Poisson count (the
Poisson bootstrap, with the same limit as resampling battles, cheaper and thread-parallel for
many cells).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ragarena.scoring.battle_arrays import BattleArrays
from ragarena.scoring.battle_cells import LENGTH_STEP, aggregate
from ragarena.scoring.bradley_terry import ELO_PER_LOGIT, bootstrap_cells, bootstrap_intervals, fit_cells, to_elo

STYLE_FEATURES = ("length", "filler")


@dataclass
class StyleFit:
    """Length-controlled fit: ratings (Elo scale) and covariate coefficients.

    `coefficients` has one row per covariate (``length``, ``filler``) with the log-odds
    coefficient, its value in Elo points and 95% bootstrap intervals of both.
    """

    rating: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    coefficients: pd.DataFrame
    battles: int
    skipped: int


def style_covariates(data: BattleArrays) -> tuple[np.ndarray, np.ndarray]:
    """(mask of battles with both answers, covariates battles x 2 from model_a's side)."""
    if data.words_a is None:
        raise ValueError("prepare_battles(..., style=True) is needed for style control")
    wa, wb = data.words_a, data.words_b
    mask = ~(np.isnan(wa) | np.isnan(wb) | np.isnan(data.filler_a) | np.isnan(data.filler_b))
    total = wa + wb
    with np.errstate(invalid="ignore", divide="ignore"):
        length = np.where(total > 0, (wa - wb) / np.where(total > 0, total, 1.0), 0.0)
    X = np.column_stack([length, data.filler_a - data.filler_b])
    return mask, X[mask]


def style_fit(data: BattleArrays, bootstrap: int = 1000, seed: int | None = 0, step: float = LENGTH_STEP) -> StyleFit:
    """Contextual Bradley-Terry with length and filler covariates, with bootstrap intervals.

    Battles without both answers are skipped (`skipped`). Models that appear in no usable
    battle get NaN.
    """
    n = len(data.models)
    mask, X = style_covariates(data)
    used = int(mask.sum())
    nan = np.full(n, np.nan)
    empty = pd.DataFrame(
        {
            "feature": list(STYLE_FEATURES),
            "coef": np.nan,
            "coef_ci_low": np.nan,
            "coef_ci_high": np.nan,
            "elo": np.nan,
            "elo_ci_low": np.nan,
            "elo_ci_high": np.nan,
        }
    )
    if used == 0:
        return StyleFit(nan, nan, nan, empty, 0, len(data) - used)
    cells = aggregate(data.a[mask], data.b[mask], data.outcome[mask], n, X, step)
    params = fit_cells(cells)
    samples = bootstrap_cells(cells, bootstrap, seed, start=params, method="poisson")
    present = np.zeros(n, dtype=bool)
    present[cells.lo] = True
    present[cells.hi] = True
    # Mean 1000 over the models in the style fit (others are NaN).
    theta = params[:n] - params[:n][present].mean()
    rating = np.where(present, to_elo(theta), np.nan)
    boot = samples[:, :n] - samples[:, :n][:, present].mean(axis=1, keepdims=True)
    low, high = bootstrap_intervals(to_elo(boot))
    blow, bhigh = bootstrap_intervals(samples[:, n:])
    coefficients = pd.DataFrame(
        {
            "feature": list(STYLE_FEATURES),
            "coef": params[n:],
            "coef_ci_low": blow,
            "coef_ci_high": bhigh,
            "elo": ELO_PER_LOGIT * params[n:],
            "elo_ci_low": ELO_PER_LOGIT * blow,
            "elo_ci_high": ELO_PER_LOGIT * bhigh,
        }
    )
    return StyleFit(
        rating, np.where(present, low, np.nan), np.where(present, high, np.nan), coefficients, used, len(data) - used
    )
