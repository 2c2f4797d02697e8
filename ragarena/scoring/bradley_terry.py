"""The Bradley-Terry fit of arena battles, on the Elo scale, with bootstrap intervals.

Scale
-----
All ratings are on the Elo scale used by Chatbot Arena: the probability that model *i*
beats model *j* is ``1 / (1 + 10 ** ((R_j - R_i) / 400))`` (base 10, scale 400), and the
maximum-likelihood ratings are shifted so that their **mean is 1000**. A tie (``"tie"`` or
``"tie (bothbad)"``) counts as half a win for each side.

Method
------
The fit works on battles aggregated into cells (`ragarena.scoring.battle_cells`), whose
log-likelihood is exactly the per-battle one, so the fit is the exact maximum likelihood
estimate. It is found by Newton's method on the natural (log-odds) scale, batched in numpy,
until the largest step is below 1e-10. A vanishing ridge (1e-6 on the log-odds scale, i.e.
worth a millionth of a battle) keeps the estimate finite when a model has won or lost
everything; otherwise its effect is far below 0.001 points. Covariates (style control,
`ragarena.scoring.style_control`) enter the same Newton steps.

Resampling battles with replacement is the same as drawing the counts of the (pair,
outcome) categories from a multinomial distribution with the observed frequencies, so the
bootstrap draws those counts directly (rounds vectorised in chunks, spread over threads)
and refits each round with Newton steps started from the point estimate, stopping once a
step is below 1e-4: Newton converges quadratically, so the error left is about 1e-8 log-odds
(1e-6 points). Intervals are the 2.5 and 97.5 percentiles of the bootstrap ratings. Rounds
are split into fixed chunks with seeds spawned from `seed`, so a given seed gives the same
intervals whatever the number of threads.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from scipy.special import expit

from ragarena.scoring.battle_cells import Cells

BASE = 10.0
SCALE = 400.0
INIT_RATING = 1000.0
#: Elo points per unit of log-odds.
ELO_PER_LOGIT = SCALE / math.log(BASE)

RIDGE = 1e-6

_CHUNK_ELEMENTS = 100_000  # bootstrap chunk: rounds x cells, kept small so the arrays stay in cache


def _newton(
    cells: Cells, W: np.ndarray, N: np.ndarray, start: np.ndarray, tol: float, max_iter: int = 200
) -> np.ndarray:
    """Maximise the Bradley-Terry log-likelihood for each row of `W` / `N` (rounds x cells).

    `W` is the weight of "lo wins" (wins + half the ties), `N` the battles of each cell.
    Parameters per row: theta (n_models, log-odds, mean 0) then beta (n_features).
    """
    n, k = cells.n_models, cells.n_features
    P = len(cells.lo)
    B = W.shape[0]
    params = np.array(np.broadcast_to(start, (B, n + k)), dtype=float)
    grouped = len(cells.pair) != P
    incidence = np.zeros((P, n))
    incidence[np.arange(P), cells.lo] = 1.0
    incidence[np.arange(P), cells.hi] = -1.0
    degree = np.abs(incidence)
    X = cells.X
    Xt = np.ascontiguousarray(X.T)
    off_lo = cells.lo * (n + k) + cells.hi
    off_hi = cells.hi * (n + k) + cells.lo
    diag = np.arange(n) * (n + k + 1)
    rows = np.arange(B)

    def per_pair(values):
        return np.add.reduceat(values, cells.starts, axis=1) if grouped else values

    for _ in range(max_iter):
        m = len(rows)
        if m == B:
            Wr, Nr, pr = W, N, params
        else:
            Wr, Nr, pr = W[rows], N[rows], params[rows]
        theta = pr[:, :n]
        logit = theta[:, cells.lo] - theta[:, cells.hi]
        if grouped:
            logit = np.take(logit, cells.pair, axis=1)
        if k:
            logit += pr[:, n:] @ Xt
        # In-place steps: the (rounds x cells) arrays are the whole cost.
        prob = expit(logit, out=logit)
        expected = np.multiply(Nr, prob)
        resid = np.subtract(Wr, expected)
        weight = np.multiply(expected, np.subtract(1.0, prob, out=prob), out=expected)
        spare = prob
        grad = np.empty((m, n + k))
        grad[:, :n] = per_pair(resid) @ incidence - RIDGE * theta
        w_pair = per_pair(weight)
        H = np.zeros((m, (n + k) * (n + k)))
        H[:, off_lo] = -w_pair
        H[:, off_hi] = -w_pair
        H[:, diag] = w_pair @ degree + RIDGE
        H = H.reshape(m, n + k, n + k)
        H[:, :n, :n] += 1.0 / n  # fixes the free shift of theta (the gradient has none)
        if k:
            grad[:, n:] = resid @ X - RIDGE * pr[:, n:]
            for f in range(k):
                wx = np.multiply(weight, X[:, f], out=spare)
                cross = per_pair(wx) @ incidence
                H[:, :n, n + f] = cross
                H[:, n + f, :n] = cross
                H[:, n + f, n:] = wx @ X
                H[:, n + f, n + f] += RIDGE
        step = np.linalg.solve(H, grad[:, :, None])[:, :, 0]
        size = np.abs(step).max(axis=1)
        step *= np.minimum(1.0, 2.0 / np.maximum(size, 1e-300))[:, None]  # trust region
        pr = pr + step
        pr[:, :n] -= pr[:, :n].mean(axis=1, keepdims=True)
        params[rows] = pr
        rows = rows[size >= tol]
        if len(rows) == 0:
            break
    return params


def _weights(counts: np.ndarray):
    """(W, N): weight of "lo wins" (ties count half) and battles, per cell."""
    counts = np.asarray(counts, dtype=float)
    return counts[..., 0] + 0.5 * counts[..., 2], counts.sum(axis=-1)


def fit_cells(cells: Cells, tol: float = 1e-10) -> np.ndarray:
    """Maximum-likelihood (theta, beta) on the log-odds scale, theta with mean 0."""
    W, N = _weights(cells.counts)
    return _newton(cells, W[None], N[None], np.zeros(cells.n_models + cells.n_features), tol)[0]


def bootstrap_cells(
    cells: Cells,
    rounds: int,
    seed: int | None = 0,
    start: np.ndarray | None = None,
    method: str = "multinomial",
    workers: int | None = None,
    tol: float = 1e-4,
) -> np.ndarray:
    """(rounds x params) refits on bootstrap resamples of the battles behind `cells`.

    ``method="multinomial"`` draws the counts of every (cell, outcome) category from the
    multinomial law of resampling all battles with replacement (exactly the classic
    bootstrap). ``method="poisson"`` gives each category an independent Poisson count with
    the observed mean (the Poisson bootstrap: the same limit, cheaper for many cells and
    parallel across threads). Rounds run in fixed chunks, each with its own seed spawned
    from `seed`, so results do not depend on the number of threads.
    """
    if method not in ("multinomial", "poisson"):
        raise ValueError(f"unknown bootstrap method {method!r}")
    if start is None:
        start = fit_cells(cells)
    if rounds <= 0:
        return np.empty((0, len(start)))
    counts = cells.counts
    total = int(counts.sum())
    C = len(counts)
    # Categories ordered (outcome, cell), so one round's draws reshape to (3, cells).
    observed = np.ascontiguousarray(counts.T).reshape(-1)
    probs = observed / total
    chunk = int(max(1, min(200, _CHUNK_ELEMENTS // max(C, 1))))
    sizes = [min(chunk, rounds - s) for s in range(0, rounds, chunk)]
    seeds = np.random.SeedSequence(seed).spawn(len(sizes))

    def run(job):
        size, seq = job
        rng = np.random.default_rng(seq)
        if method == "multinomial":
            draws = rng.multinomial(total, probs, size=size)
        else:
            draws = rng.poisson(observed, size=(size, len(observed)))
        draws = draws.reshape(size, 3, C).astype(float)
        N = draws.sum(axis=1)
        W = draws[:, 0] + 0.5 * draws[:, 2]
        return _newton(cells, W, N, start, tol)

    workers = workers or min(len(sizes), os.cpu_count() or 1, 8)
    if workers <= 1:
        results = [run(job) for job in zip(sizes, seeds)]
    else:
        with ThreadPoolExecutor(workers) as pool:
            results = list(pool.map(run, zip(sizes, seeds)))
    return np.concatenate(results)


def to_elo(theta: np.ndarray) -> np.ndarray:
    """Log-odds strengths (mean 0) to the Elo scale (mean 1000)."""
    return INIT_RATING + ELO_PER_LOGIT * np.asarray(theta)


def bootstrap_intervals(samples: np.ndarray):
    """(low, high): the 2.5 and 97.5 percentiles of bootstrap samples (rounds x values), NaN without rounds."""
    if len(samples) == 0:
        nan = np.full(samples.shape[1], np.nan)
        return nan, nan
    low, high = np.percentile(samples, [2.5, 97.5], axis=0)
    return low, high


def ranks_from_intervals(ci_low: Sequence[float], ci_high: Sequence[float]) -> np.ndarray:
    """Rank of each model: 1 + how many models have a ci_low above its ci_high."""
    low = np.asarray(ci_low, dtype=float)
    high = np.asarray(ci_high, dtype=float)
    return 1 + (low[None, :] > high[:, None]).sum(axis=1)
