"""Benchmark: crowd ratings on a large synthetic arena log.

    python bench/ratings.py                      # 1,000,000 battles, 20 models, 1,000 rounds
    python bench/ratings.py --battles 100000 --rounds 200 --baseline-rounds 1

Times, on the same synthetic battles and in the same run:

* ours: Bradley-Terry on aggregated pair counts (Newton) + multinomial bootstrap, starting
  from a DataFrame of battles (model_a, model_b, winner);
* the conventional approach: a per-battle logistic regression (scikit-learn, one row per
  battle, duplicated so that a tie is one win each way, as in the Chatbot Arena notebook's
  ``compute_mle_elo``), refitted on ``battles.sample(frac=1, replace=True)`` for every
  bootstrap round. It is too slow for 1,000 rounds, so a few rounds are timed and the total
  is extrapolated linearly (said so in the output);
* ours, style-controlled (length + filler covariates) with the same number of rounds.

Needs scikit-learn for the baseline (``--no-baseline`` skips it).
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ragarena.scoring.arena_ratings import compute_ratings
from ragarena.scoring.battle_arrays import prepare_battles
from ragarena.scoring.battle_cells import LENGTH_STEP, aggregate
from ragarena.scoring.bradley_terry import (
    BASE,
    ELO_PER_LOGIT,
    INIT_RATING,
    SCALE,
    bootstrap_cells,
    fit_cells,
    to_elo,
)
from ragarena.scoring.style_control import style_covariates, style_fit

WINNER_NAMES = np.array(["model_a", "model_b", "tie"], dtype=object)


def synthetic_log(n_battles: int, n_models: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """Battles among models of known strength; voters also like long, filler-free answers."""
    rng = np.random.default_rng(seed)
    strength = rng.normal(0, 120, n_models)  # Elo points
    strength -= strength.mean()
    names = np.array([f"modelo-{k:02d}" for k in range(n_models)], dtype=object)
    a = rng.integers(0, n_models, n_battles)
    b = (a + rng.integers(1, n_models, n_battles)) % n_models
    typical = rng.normal(math.log(150), 0.4, n_models)
    words_a = np.maximum(1, np.rint(np.exp(typical[a] + rng.normal(0, 0.6, n_battles))))
    words_b = np.maximum(1, np.rint(np.exp(typical[b] + rng.normal(0, 0.6, n_battles))))
    filler_rate = rng.uniform(0.02, 0.3, n_models)
    filler_a = (rng.random(n_battles) < filler_rate[a]).astype(float)
    filler_b = (rng.random(n_battles) < filler_rate[b]).astype(float)
    logit = (
        (strength[a] - strength[b]) / ELO_PER_LOGIT
        + 0.8 * (words_a - words_b) / (words_a + words_b)
        - 0.4 * (filler_a - filler_b)
    )
    win_a = rng.random(n_battles) < 1 / (1 + np.exp(-logit))
    tie = rng.random(n_battles) < 0.15
    outcome = np.where(tie, 2, np.where(win_a, 0, 1))
    frame = pd.DataFrame(
        {
            "model_a": names[a],
            "model_b": names[b],
            "winner": WINNER_NAMES[outcome],
            "words_a": words_a,
            "words_b": words_b,
            "filler_a": filler_a,
            "filler_b": filler_b,
        }
    )
    return frame, strength + INIT_RATING


# ---------------------------------------------------------------------------------------
# The conventional approach (per-battle logistic regression, refitted per round)


def conventional_mle(df: pd.DataFrame) -> pd.Series:
    from sklearn.linear_model import LogisticRegression

    models = pd.concat([df["model_a"], df["model_b"]]).unique()
    models = pd.Series(np.arange(len(models)), index=models)
    df = pd.concat([df, df], ignore_index=True)  # every battle twice: a tie is one win each way
    n, p = len(df), len(models)
    X = np.zeros((n, p))
    X[np.arange(n), models[df["model_a"]].to_numpy()] = math.log(BASE)
    X[np.arange(n), models[df["model_b"]].to_numpy()] = -math.log(BASE)
    y = np.zeros(n)
    y[(df["winner"] == "model_a").to_numpy()] = 1.0
    tie = ((df["winner"] == "tie") | (df["winner"] == "tie (bothbad)")).to_numpy().copy()
    tie[n // 2 :] = False
    y[tie] = 1.0
    # C=inf is scikit-learn's spelling of penalty=None since 1.8.
    lr = LogisticRegression(fit_intercept=False, C=np.inf, tol=1e-8)
    lr.fit(X, y)
    return pd.Series(SCALE * lr.coef_[0] + INIT_RATING, index=models.index)


# ---------------------------------------------------------------------------------------


def ours_plain(frame: pd.DataFrame, rounds: int, seed: int):
    data = prepare_battles(frame[["model_a", "model_b", "winner"]])
    n = len(data.models)
    cells = aggregate(data.a, data.b, data.outcome, n)
    theta = fit_cells(cells)
    samples = bootstrap_cells(cells, rounds, seed, start=theta)
    return data.models, to_elo(theta[:n]), to_elo(samples[:, :n])


def ours_style(frame: pd.DataFrame, rounds: int, seed: int):
    data = prepare_battles(frame, style=True)  # words_*/filler_* columns: no text to parse
    return data, style_fit(data, rounds, seed)


def timed(fn, *args):
    """(wall seconds, value); the process CPU seconds (all threads) in `timed.last_cpu`."""
    cpu = time.process_time()
    start = time.perf_counter()
    value = fn(*args)
    wall = time.perf_counter() - start
    timed.last_cpu = time.process_time() - cpu
    return wall, value


def fmt_times(times: list[float], cpu: list[float] | None = None) -> str:
    best = min(times)
    text = f"{best:.2f} s"
    if len(times) > 1:
        text += f" (mejor de {len(times)}; todas: {', '.join(f'{t:.2f}' for t in times)})"
    if cpu:
        text += f"; CPU del proceso: {min(cpu):.2f} s"
    return text


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--battles", type=int, default=1_000_000)
    parser.add_argument("--models", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=1000, help="bootstrap rounds (default 1000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3, help="runs of our timings; the best is reported")
    parser.add_argument(
        "--baseline-rounds",
        type=int,
        default=2,
        help="bootstrap rounds actually run for the conventional approach (default 2)",
    )
    parser.add_argument("--no-baseline", action="store_true", help="skip the scikit-learn baseline")
    args = parser.parse_args(argv)

    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    print(
        f"CPU: {os.cpu_count()} núcleos; carga media al empezar: "
        f"{', '.join(f'{x:.2f}' for x in load) if load else 'desconocida'}"
    )
    t_gen, (frame, truth) = timed(synthetic_log, args.battles, args.models, args.seed)
    print(
        f"Datos: {args.battles:,} combates sintéticos entre {args.models} modelos (semilla {args.seed}), "
        f"generados en {t_gen:.2f} s; {args.rounds} rondas de bootstrap."
    )

    # Ours: plain Bradley-Terry + bootstrap.
    plain_times, plain_cpu = [], []
    for _ in range(max(1, args.repeat)):
        t, (models, rating, samples) = timed(ours_plain, frame, args.rounds, args.seed)
        plain_times.append(t)
        plain_cpu.append(timed.last_cpu)
    t_ours = min(plain_times)
    low, high = np.percentile(samples, [2.5, 97.5], axis=0)
    truth_by_model = dict(zip([f"modelo-{k:02d}" for k in range(args.models)], truth))
    true_of = np.array([truth_by_model[m] for m in models])
    corr_raw = np.corrcoef(rating, true_of)[0, 1]
    print()
    print(
        f"[nuestro] BT sobre conteos agregados + {args.rounds} rondas de bootstrap multinomial: "
        f"{fmt_times(plain_times, plain_cpu)}"
    )
    print(
        f"          anchura media del IC 95 %: {np.mean(high - low):.2f} puntos; "
        f"correlación con la fuerza real: {corr_raw:.4f} (la longitud la confunde)"
    )
    t_full, _table = timed(compute_ratings, frame[["model_a", "model_b", "winner"]], args.rounds, args.seed)
    print(f"          clasificación completa (compute_ratings: + Elo en línea, matrices): {t_full:.2f} s")

    # Conventional approach.
    if not args.no_baseline:
        try:
            import sklearn
        except ImportError:
            print("\n[convencional] omitido: falta scikit-learn (pip install scikit-learn)")
        else:
            t_fit, reference = timed(conventional_mle, frame[["model_a", "model_b", "winner"]])
            rng_state = np.random.RandomState(args.seed)
            round_times = []
            for _ in range(args.baseline_rounds):
                start = time.perf_counter()
                conventional_mle(
                    frame[["model_a", "model_b", "winner"]].sample(frac=1.0, replace=True, random_state=rng_state)
                )
                round_times.append(time.perf_counter() - start)
            per_round = statistics.mean(round_times) if round_times else t_fit
            estimate = t_fit + args.rounds * per_round
            diff = max(abs(reference[m] - r) for m, r in zip(models, rating))
            print()
            print(
                f"[convencional] regresión logística por combate (scikit-learn {sklearn.__version__}, "
                f"{2 * args.battles:,} filas), reajustada en cada ronda:"
            )
            print(
                f"          ajuste: {t_fit:.2f} s; {len(round_times)} rondas medidas: "
                f"{', '.join(f'{t:.2f}' for t in round_times)} s"
            )
            print(
                f"          ESTIMADO para ajuste + {args.rounds} rondas (extrapolación lineal de "
                f"{len(round_times)} rondas medidas): {estimate:.0f} s"
            )
            print(f"          diferencia máxima con nuestro ajuste: {diff:.4f} puntos")
            print(f"          razón convencional / nuestro: {estimate / t_ours:,.0f}x")

    # Ours: style control.
    style_times, style_cpu = [], []
    for _ in range(max(1, args.repeat)):
        t, (data, fit) = timed(ours_style, frame, args.rounds, args.seed)
        style_times.append(t)
        style_cpu.append(timed.last_cpu)
    mask, X = style_covariates(data)
    n = len(data.models)
    quantised = aggregate(data.a[mask], data.b[mask], data.outcome[mask], n, X)
    exact = aggregate(data.a[mask], data.b[mask], data.outcome[mask], n, X, step=1e-6)
    p_q, p_e = fit_cells(quantised), fit_cells(exact)
    coef = fit.coefficients.set_index("feature")
    print()
    print(
        f"[nuestro] control de estilo (longitud + relleno) + {args.rounds} rondas de bootstrap Poisson: "
        f"{fmt_times(style_times, style_cpu)}"
    )
    print(
        f"          {len(quantised.counts):,} celdas (par, longitud en pasos de {LENGTH_STEP}, relleno) "
        f"frente a {len(exact.counts):,} sin cuantizar (paso 1e-6); diferencia del ajuste: "
        f"{np.abs(p_q[:n] - p_e[:n]).max() * ELO_PER_LOGIT:.4f} puntos, "
        f"coeficientes {np.abs(p_q[n:] - p_e[n:]).max():.1e}"
    )
    for feature, real in (("length", 0.8), ("filler", -0.4)):
        row = coef.loc[feature]
        print(
            f"          coeficiente {feature}: {row['coef']:+.4f} [{row['coef_ci_low']:+.4f}, "
            f"{row['coef_ci_high']:+.4f}] (verdadero {real:+.1f}; los empates lo atenúan)"
        )
    corr_style = np.corrcoef(fit.rating, [truth_by_model[m] for m in data.models])[0, 1]
    print(f"          correlación con la fuerza real: {corr_style:.4f} (sin control: {corr_raw:.4f})")
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    if load:
        print(
            f"\nCarga media al terminar: {', '.join(f'{x:.2f}' for x in load)} "
            f"(con más de {os.cpu_count()} procesos listos, los tiempos de reloj crecen)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
