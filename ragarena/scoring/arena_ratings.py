"""Crowd ratings from arena battles: Bradley-Terry with bootstrap intervals, online Elo,
win-rate matrices and length-controlled ("style control") ratings.

Scale
-----
All ratings are on the Elo scale used by Chatbot Arena: the probability that model *i*
beats model *j* is ``1 / (1 + 10 ** ((R_j - R_i) / 400))`` (base 10, scale 400), and the
maximum-likelihood ratings are shifted so that their **mean is 1000**. A tie (``"tie"`` or
``"tie (bothbad)"``) counts as half a win for each side.

Method
------
The Bradley-Terry fit never looks at one row per battle: battles are aggregated into cells,
one per unordered pair of models, holding how many times each side won and how many ties
there were. The log-likelihood on those cells is exactly the per-battle log-likelihood, so
the fit is the exact maximum likelihood estimate. It is found by Newton's method on the
natural (log-odds) scale, batched in numpy, until the largest step is below 1e-10. A
vanishing ridge (1e-6 on the log-odds scale, i.e. worth a millionth of a battle) keeps the
estimate finite when a model has won or lost everything; otherwise its effect is far below
0.001 points.

Resampling battles with replacement is the same as drawing the counts of the (pair,
outcome) categories from a multinomial distribution with the observed frequencies, so the
bootstrap draws those counts directly (rounds vectorised in chunks, spread over threads)
and refits each round with Newton steps started from the point estimate, stopping once a
step is below 1e-4: Newton converges quadratically, so the error left is about 1e-8 log-odds
(1e-6 points). Intervals are the 2.5 and 97.5 percentiles of the bootstrap ratings. Rounds
are split into fixed chunks with seeds spawned from `seed`, so a given seed gives the same
intervals whatever the number of threads.

Style control adds per-battle covariates to the logit (a contextual Bradley-Terry, as in
Chatbot Arena's style control): the normalised difference in answer length in words,
``(len_a - len_b) / (len_a + len_b)``, and the difference of the filler flags
``is_filler(answer_a) - is_filler(answer_b)`` from `ragarena.answering.filler`. The ratings then
estimate each model's strength at equal length and equal filler; the coefficients say what
length and filler are worth in votes. Battles without both answers are left out of this
fit. Cells are (pair, length bin of width 0.05, filler difference) with the mean length
difference of their battles, so the fit works on some 10^4 cells instead of 10^6 battles;
against the unquantised per-battle fit this moves ratings by about 0.01 points. Its
bootstrap gives every (cell, outcome) category a Poisson count (the Poisson bootstrap,
with the same limit as resampling battles, cheaper and thread-parallel for many cells).
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd
from scipy.special import expit

from ragarena.arena.battles import WINNERS, excluded_mask, is_excluded
from ragarena.errors import UserError
from ragarena.i18n import _

BASE = 10.0
SCALE = 400.0
INIT_RATING = 1000.0
ELO_K = 4.0
#: Elo points per unit of log-odds.
ELO_PER_LOGIT = SCALE / math.log(BASE)

RIDGE = 1e-6
LENGTH_STEP = 0.05
STYLE_FEATURES = ("length", "filler")

# Outcome codes, from model_a's side.
A_WINS, B_WINS, TIE = 0, 1, 2
_OUTCOME = {"model_a": A_WINS, "model_b": B_WINS, "tie": TIE, "tie (bothbad)": TIE}

_DENSE_KEYS = 4_000_000  # aggregate by bincount (no sort) when the possible cells are this few
_CHUNK_ELEMENTS = 100_000  # bootstrap chunk: rounds x cells, kept small so the arrays stay in cache


# ---------------------------------------------------------------------------------------
# Battles as arrays


@dataclass
class BattleArrays:
    """Battles as arrays: model indices into `models`, outcome codes and style inputs.

    `outcome` is 0 when model_a won, 1 when model_b won, 2 for a tie. `words_*` and
    `filler_*` are NaN for battles without both answers (or all None when not asked for).
    """

    models: list[str]
    a: np.ndarray
    b: np.ndarray
    outcome: np.ndarray
    words_a: np.ndarray | None = None
    words_b: np.ndarray | None = None
    filler_a: np.ndarray | None = None
    filler_b: np.ndarray | None = None
    excluded: int = 0

    def __len__(self) -> int:
        return len(self.a)


def prepare_battles(battles: Any, style: bool = False) -> BattleArrays:
    """Turn battle records (list of dicts), a DataFrame or a `BattleArrays` into arrays.

    Records whose ``excluded`` field is true, or that carry an ``excluded_reason`` (vote
    hygiene, `ragarena.arena.hygiene`), are left out (counted in ``.excluded``).
    With ``style=True`` the word counts and filler flags of ``answer_a``/``answer_b`` are
    computed; a DataFrame may instead carry numeric ``words_a``, ``words_b``, ``filler_a``,
    ``filler_b`` columns.
    """
    if isinstance(battles, BattleArrays):
        return battles
    if isinstance(battles, pd.DataFrame):
        return _from_frame(battles, style)
    return _from_records(list(battles), style)


def _from_records(records: list[dict], style: bool) -> BattleArrays:
    index: dict[str, int] = {}
    a, b, outcome = [], [], []
    texts_a, texts_b = [], []
    excluded = 0
    for number, record in enumerate(records, start=1):
        if not isinstance(record, dict):
            raise UserError(_("Combate {number}: se esperaba un objeto con model_a, model_b y winner.", number=number))
        if is_excluded(record):
            excluded += 1
            continue
        try:
            model_a, model_b, winner = record["model_a"], record["model_b"], record["winner"]
        except KeyError as error:
            raise UserError(_("Combate {number}: falta el campo {field}.", number=number,
                              field=error.args[0])) from None
        code = _OUTCOME.get(winner)
        if code is None:
            raise UserError(_("Combate {number}: valor de 'winner' no válido ({winner}).", number=number,
                              winner=repr(winner)))
        if not (isinstance(model_a, str) and isinstance(model_b, str)):
            raise UserError(_("Combate {number}: model_a y model_b deben ser nombres de modelo (texto).",
                              number=number))
        if model_a == model_b:
            raise UserError(_("Combate {number}: model_a y model_b son el mismo modelo ({model}).", number=number,
                              model=repr(model_a)))
        a.append(index.setdefault(model_a, len(index)))
        b.append(index.setdefault(model_b, len(index)))
        outcome.append(code)
        if style:
            texts_a.append(record.get("answer_a"))
            texts_b.append(record.get("answer_b"))
    data = _sorted_models(list(index), np.array(a, dtype=np.int64), np.array(b, dtype=np.int64),
                          np.array(outcome, dtype=np.int8), excluded)
    if style:
        data.words_a, data.words_b, data.filler_a, data.filler_b = _text_features(texts_a, texts_b)
    return data


def _from_frame(frame: pd.DataFrame, style: bool) -> BattleArrays:
    missing = [c for c in ("model_a", "model_b", "winner") if c not in frame.columns]
    if missing:
        raise UserError(f"Faltan las columnas {', '.join(missing)} en los combates.")
    mask = excluded_mask(frame)
    excluded = int(mask.sum())
    if excluded:
        frame = frame.loc[~mask]
    # Factorize first: mapping a few distinct values is much faster than mapping every row.
    winner_codes, winner_values = pd.factorize(frame["winner"], use_na_sentinel=False)
    lookup = np.array([_OUTCOME.get(w, -1) if isinstance(w, str) else -1 for w in winner_values], dtype=np.int8)
    if (lookup < 0).any():
        bad = winner_values[int(np.flatnonzero(lookup < 0)[0])]
        raise UserError(f"Valor de 'winner' no válido ({bad!r}); se admite {', '.join(map(repr, WINNERS))}.")
    codes = lookup[winner_codes] if len(lookup) else np.zeros(0, dtype=np.int8)
    names = pd.concat([frame["model_a"], frame["model_b"]], ignore_index=True)
    labels, uniques = pd.factorize(names, sort=True)
    n = len(frame)
    a, b = labels[:n].astype(np.int64), labels[n:].astype(np.int64)
    if (a == b).any():
        raise UserError("Hay combates en los que model_a y model_b son el mismo modelo.")
    data = BattleArrays([str(m) for m in uniques], a, b, codes, excluded=excluded)
    if style:
        if {"words_a", "words_b", "filler_a", "filler_b"} <= set(frame.columns):
            data.words_a = frame["words_a"].to_numpy(dtype=float)
            data.words_b = frame["words_b"].to_numpy(dtype=float)
            data.filler_a = frame["filler_a"].to_numpy(dtype=float)
            data.filler_b = frame["filler_b"].to_numpy(dtype=float)
        else:
            column = lambda name: frame[name].tolist() if name in frame.columns else [None] * n  # noqa: E731
            data.words_a, data.words_b, data.filler_a, data.filler_b = _text_features(
                column("answer_a"), column("answer_b"))
    return data


def _sorted_models(names: list[str], a, b, outcome, excluded) -> BattleArrays:
    order = sorted(range(len(names)), key=lambda i: names[i])
    remap = np.empty(len(names), dtype=np.int64)
    remap[order] = np.arange(len(names))
    return BattleArrays([names[i] for i in order], remap[a] if len(a) else a,
                        remap[b] if len(b) else b, outcome, excluded=excluded)


def word_count(text: str) -> int:
    """Words of an answer, split on whitespace."""
    return len(text.split())


def _text_features(texts_a: Sequence, texts_b: Sequence):
    from ragarena.answering.filler import is_filler

    n = len(texts_a)
    out = [np.full(n, np.nan) for _ in range(4)]
    flags: dict[str, float] = {}  # answers repeat (same question, same model): check each once

    def filler(text: str) -> float:
        value = flags.get(text)
        if value is None:
            value = flags[text] = float(is_filler(text))
        return value

    for k, (ta, tb) in enumerate(zip(texts_a, texts_b)):
        if isinstance(ta, str) and isinstance(tb, str):
            out[0][k] = word_count(ta)
            out[1][k] = word_count(tb)
            out[2][k] = filler(ta)
            out[3][k] = filler(tb)
    return tuple(out)


# ---------------------------------------------------------------------------------------
# Aggregated cells


@dataclass
class Cells:
    """Battles aggregated per unordered pair ``lo < hi`` (and per covariate value).

    ``counts[c] = (lo wins, hi wins, ties)``; ``X[c]`` holds the covariates seen from the
    ``lo`` side (empty with no covariates). Cells are sorted by pair; ``starts`` marks where
    each pair's cells begin, ``pair`` gives each cell's pair.
    """

    n_models: int
    lo: np.ndarray      # (P,) first model of each pair
    hi: np.ndarray      # (P,) second model
    pair: np.ndarray    # (C,) pair of each cell
    starts: np.ndarray  # (P,) first cell of each pair
    X: np.ndarray       # (C, k)
    counts: np.ndarray  # (C, 3)

    @property
    def n_features(self) -> int:
        return self.X.shape[1]


def _canonical(a, b, outcome):
    """Pair each battle as (lo, hi) with lo < hi and the outcome seen from lo; also the flip."""
    flip = a > b
    lo = np.where(flip, b, a)
    hi = np.where(flip, a, b)
    out = outcome.astype(np.int64)
    out = np.where(flip & (out != TIE), 1 - out, out)
    return lo, hi, out, flip


def aggregate(a: np.ndarray, b: np.ndarray, outcome: np.ndarray, n_models: int,
              X: np.ndarray | None = None, step: float = LENGTH_STEP) -> Cells:
    """Aggregate battles into cells.

    Without `X` there is one cell per pair of models that met. With `X` (battles x k
    covariates, from model_a's side; negated for battles stored from model_b's side) a cell
    is a pair plus one bin of width `step` per covariate, and the cell's covariates are the
    mean of its battles' values (integer-valued covariates such as the filler difference
    stay exact).
    """
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    lo, hi, out, flip = _canonical(a, b, np.asarray(outcome))
    pair_key = lo * n_models + hi
    if X is None or X.shape[1] == 0:
        if n_models * n_models <= _DENSE_KEYS:
            dense = np.bincount(pair_key * 3 + out, minlength=3 * n_models * n_models).reshape(-1, 3)
            cells = np.flatnonzero(dense.any(axis=1))
            counts = dense[cells]
        else:
            cells, inverse = np.unique(pair_key, return_inverse=True)
            counts = np.bincount(inverse * 3 + out, minlength=3 * len(cells)).reshape(-1, 3)
        P = len(cells)
        return Cells(n_models, cells // n_models, cells % n_models, np.arange(P),
                     np.arange(P), np.zeros((P, 0)), counts)
    X = np.where(flip[:, None], -np.asarray(X, dtype=float), np.asarray(X, dtype=float))
    q = np.rint(X / step).astype(np.int64)
    # One key per (pair, bins), pair first, so cells come out sorted by pair: a single
    # integer when it fits in 62 bits, else rows of integers (slower).
    offsets = q.min(axis=0)
    spans = q.max(axis=0) - offsets + 1
    space = math.prod(int(s) for s in spans) * n_models * n_models
    if space <= 2 ** 62:
        key = pair_key.copy()
        for f in range(q.shape[1]):
            key = key * spans[f] + (q[:, f] - offsets[f])
        if space <= _DENSE_KEYS:  # few possible cells: count them in place, no sort
            dense = np.bincount(key * 3 + out, minlength=3 * space).reshape(-1, 3)
            cells = np.flatnonzero(dense.any(axis=1))
            counts = dense[cells]
            sums = [np.bincount(key, weights=X[:, f], minlength=space)[cells] for f in range(X.shape[1])]
        else:
            cells, inverse = np.unique(key, return_inverse=True)
        rest = cells
        for f in reversed(range(q.shape[1])):
            rest = rest // spans[f]
    else:
        rows, inverse = np.unique(np.column_stack([pair_key, q]), axis=0, return_inverse=True)
        inverse = inverse.reshape(-1)
        rest = rows[:, 0]
    C = len(rest)
    if not (space <= _DENSE_KEYS):
        counts = np.bincount(inverse * 3 + out, minlength=3 * C).reshape(-1, 3)
        sums = [np.bincount(inverse, weights=X[:, f], minlength=C) for f in range(X.shape[1])]
    size = counts.sum(axis=1)
    Xc = np.column_stack([total / size for total in sums])
    pairs, starts, pair_index = np.unique(rest, return_index=True, return_inverse=True)
    return Cells(n_models, pairs // n_models, pairs % n_models, pair_index, starts, Xc, counts)


# ---------------------------------------------------------------------------------------
# Newton's method on cells, batched over bootstrap rounds


def _newton(cells: Cells, W: np.ndarray, N: np.ndarray, start: np.ndarray,
            tol: float, max_iter: int = 200) -> np.ndarray:
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


def bootstrap_cells(cells: Cells, rounds: int, seed: int | None = 0, start: np.ndarray | None = None,
                    method: str = "multinomial", workers: int | None = None, tol: float = 1e-4) -> np.ndarray:
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


# ---------------------------------------------------------------------------------------
# Online Elo and ranks


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


def ranks_from_intervals(ci_low: Sequence[float], ci_high: Sequence[float]) -> np.ndarray:
    """Rank of each model: 1 + how many models have a ci_low above its ci_high."""
    low = np.asarray(ci_low, dtype=float)
    high = np.asarray(ci_high, dtype=float)
    return 1 + (low[None, :] > high[:, None]).sum(axis=1)


def _intervals(samples: np.ndarray):
    if len(samples) == 0:
        nan = np.full(samples.shape[1], np.nan)
        return nan, nan
    low, high = np.percentile(samples, [2.5, 97.5], axis=0)
    return low, high


# ---------------------------------------------------------------------------------------
# Style control


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


def style_fit(data: BattleArrays, bootstrap: int = 1000, seed: int | None = 0,
              step: float = LENGTH_STEP) -> StyleFit:
    """Contextual Bradley-Terry with length and filler covariates, with bootstrap intervals.

    Battles without both answers are skipped (`skipped`). Models that appear in no usable
    battle get NaN.
    """
    n = len(data.models)
    mask, X = style_covariates(data)
    used = int(mask.sum())
    nan = np.full(n, np.nan)
    empty = pd.DataFrame({"feature": list(STYLE_FEATURES), "coef": np.nan, "coef_ci_low": np.nan,
                          "coef_ci_high": np.nan, "elo": np.nan, "elo_ci_low": np.nan, "elo_ci_high": np.nan})
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
    low, high = _intervals(to_elo(boot))
    blow, bhigh = _intervals(samples[:, n:])
    coefficients = pd.DataFrame({
        "feature": list(STYLE_FEATURES), "coef": params[n:], "coef_ci_low": blow, "coef_ci_high": bhigh,
        "elo": ELO_PER_LOGIT * params[n:], "elo_ci_low": ELO_PER_LOGIT * blow,
        "elo_ci_high": ELO_PER_LOGIT * bhigh,
    })
    return StyleFit(rating, np.where(present, low, np.nan), np.where(present, high, np.nan),
                    coefficients, used, len(data) - used)


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
    excluded: int = 0
    style: StyleFit | None = None
    bootstrap: int = 0
    seed: int | None = None
    notes: list[str] = field(default_factory=list)


def analyze(battles: Any, bootstrap: int = 1000, seed: int | None = 0, style: bool = False) -> ArenaRatings:
    """Ratings, intervals, ranks, matrices (and style control) from battles.

    `battles`: list of battle dicts (see `ragarena.arena.battles`), a DataFrame or `BattleArrays`.
    Raises `UserError` when there is no battle to rate.
    """
    if bootstrap < 0:
        raise UserError("El número de rondas de bootstrap no puede ser negativo.")
    data = prepare_battles(battles, style=style)
    if len(data) == 0:
        extra = f" ({data.excluded} excluidos)" if data.excluded else ""
        raise UserError(f"No hay combates que puntuar{extra}.")
    n = len(data.models)
    cells = aggregate(data.a, data.b, data.outcome, n)
    theta = fit_cells(cells)
    rating = to_elo(theta[:n])
    samples = to_elo(bootstrap_cells(cells, bootstrap, seed, start=theta)[:, :n]) if bootstrap > 0 \
        else np.empty((0, n))
    low, high = _intervals(samples)
    if bootstrap == 0:
        low, high = rating.copy(), rating.copy()

    counts = battle_count_matrix(data)
    score_a = np.array([1.0, 0.0, 0.5])[data.outcome]
    wins = np.bincount(data.a, weights=score_a, minlength=n) + np.bincount(data.b, weights=1 - score_a, minlength=n)
    is_tie = (data.outcome == TIE).astype(np.int64)
    ties = np.bincount(data.a, weights=is_tie, minlength=n) + np.bincount(data.b, weights=is_tie, minlength=n)
    table = pd.DataFrame({
        "model": data.models,
        "rating": rating,
        "ci_low": low,
        "ci_high": high,
        "rank": ranks_from_intervals(low, high),
        "battles": counts.to_numpy().sum(axis=1),
        "wins": wins,
        "ties": ties.astype(np.int64),
        "elo": online_elo(data.a, data.b, data.outcome, n),
    })
    fit = None
    notes = []
    if data.excluded:
        notes.append(_("{n} combates excluidos no cuentan.", n=data.excluded))
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
    table.attrs.update({"n_battles": len(data), "excluded": data.excluded})
    if fit is not None:
        table.attrs.update({"style_battles": fit.battles, "style_skipped": fit.skipped,
                            "style_coefficients": fit.coefficients.to_dict("records")})
    return ArenaRatings(table, win_rate_matrix(data), counts, len(data), data.excluded, fit,
                        bootstrap, seed, notes)


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
