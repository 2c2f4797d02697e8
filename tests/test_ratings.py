"""Crowd ratings: Bradley-Terry, bootstrap, ranks, style control, battle files and the CLI."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy.optimize import minimize

from ragarena import cli
from ragarena.core.battles import read_battles, write_battles
from ragarena.core.errors import UserError
from ragarena.scoring import bradley_terry
from ragarena.scoring.arena_ratings import analyze, compute_ratings, online_elo
from ragarena.scoring.battle_arrays import prepare_battles
from ragarena.scoring.battle_cells import aggregate
from ragarena.scoring.bradley_terry import bootstrap_cells, ranks_from_intervals

LN10 = math.log(10.0)


def synthetic_battles(n_battles, strengths, seed=0, tie_rate=0.15):
    """Battles among models with known Elo strengths (ties at random)."""
    rng = np.random.default_rng(seed)
    models = list(strengths)
    battles = []
    for _ in range(n_battles):
        i, j = rng.choice(len(models), size=2, replace=False)
        a, b = models[i], models[j]
        p = 1.0 / (1.0 + 10 ** ((strengths[b] - strengths[a]) / 400))
        if rng.random() < tie_rate:
            winner = "tie" if rng.random() < 0.5 else "tie (bothbad)"
        else:
            winner = "model_a" if rng.random() < p else "model_b"
        battles.append({"model_a": a, "model_b": b, "winner": winner})
    return battles


STRENGTHS = {"alfa": 1100, "beta": 1040, "gamma": 1000, "delta": 960, "epsilon": 900}


def independent_mle(battles, covariates=None):
    """Per-battle maximum likelihood with scipy: one row per battle, ties as y = 1/2."""
    models = sorted({b["model_a"] for b in battles} | {b["model_b"] for b in battles})
    index = {m: k for k, m in enumerate(models)}
    a = np.array([index[b["model_a"]] for b in battles])
    b = np.array([index[b["model_b"]] for b in battles])
    y = np.array([{"model_a": 1.0, "model_b": 0.0}.get(r["winner"], 0.5) for r in battles])
    Z = np.zeros((len(battles), 0)) if covariates is None else np.asarray(covariates, dtype=float)
    n, k = len(models), Z.shape[1]

    def nll(params):
        r = np.concatenate([[0.0], params[: n - 1]])  # first model pinned; shifted below
        z = (r[a] - r[b]) * LN10 / 400 + Z @ params[n - 1 :]
        # -[y log s(z) + (1-y) log(1-s(z))] = log(1+e^z) - y z
        loss = np.logaddexp(0.0, z) - y * z
        s = 1.0 / (1.0 + np.exp(-z))
        g = s - y
        grad_r = (np.bincount(a, g, n) - np.bincount(b, g, n)) * LN10 / 400
        return loss.sum(), np.concatenate([grad_r[1:], Z.T @ g])

    result = minimize(nll, np.zeros(n - 1 + k), jac=True, method="BFGS", options={"gtol": 1e-9, "maxiter": 10_000})
    r = np.concatenate([[0.0], result.x[: n - 1]])
    r = r - r.mean() + 1000.0
    return dict(zip(models, r)), result.x[n - 1 :]


def ratings_of(table, column="rating"):
    return dict(zip(table["model"], table[column]))


def test_bt_matches_independent_per_battle_mle():
    battles = synthetic_battles(4000, STRENGTHS, seed=1)
    ours = ratings_of(compute_ratings(battles, bootstrap=0))
    reference, _ = independent_mle(battles)
    for model in STRENGTHS:
        assert abs(ours[model] - reference[model]) < 1.0, (model, ours[model], reference[model])
    assert abs(np.mean(list(ours.values())) - 1000.0) < 1e-6
    # And it recovers the generating strengths (centred) within sampling error.
    truth = np.array(list(STRENGTHS.values()), dtype=float)
    truth += 1000 - truth.mean()
    assert max(abs(ours[m] - t) for m, t in zip(STRENGTHS, truth)) < 30


def test_swapping_sides_gives_the_same_ratings():
    battles = synthetic_battles(1500, STRENGTHS, seed=2)
    flip = {"model_a": "model_b", "model_b": "model_a", "tie": "tie", "tie (bothbad)": "tie (bothbad)"}
    swapped = [{"model_a": b["model_b"], "model_b": b["model_a"], "winner": flip[b["winner"]]} for b in battles]
    one = ratings_of(compute_ratings(battles, bootstrap=0))
    two = ratings_of(compute_ratings(swapped, bootstrap=0))
    for model in one:
        assert one[model] == pytest.approx(two[model], abs=1e-6)


def test_ties_count_as_half_a_win_each():
    battles = synthetic_battles(1500, STRENGTHS, seed=3, tie_rate=0.3)
    # Doubling every battle and replacing each pair of ties by one win each way leaves the
    # likelihood (ties as half wins) exactly squared: same maximum.
    doubled = []
    for b in battles:
        if b["winner"].startswith("tie"):
            doubled += [dict(b, winner="model_a"), dict(b, winner="model_b")]
        else:
            doubled += [b, b]
    one = ratings_of(compute_ratings(battles, bootstrap=0))
    two = ratings_of(compute_ratings(doubled, bootstrap=0))
    for model in one:
        assert one[model] == pytest.approx(two[model], abs=1e-6)
    # "tie (bothbad)" is a tie like any other.
    plain = [dict(b, winner="tie") if b["winner"].startswith("tie") else b for b in battles]
    three = ratings_of(compute_ratings(plain, bootstrap=0))
    for model in one:
        assert one[model] == pytest.approx(three[model], abs=1e-6)
    # Only ties between two models: equal ratings; wins count the ties as halves.
    table = compute_ratings([{"model_a": "x", "model_b": "y", "winner": "tie"}] * 4, bootstrap=0)
    assert table["rating"].tolist() == pytest.approx([1000.0, 1000.0])
    assert table["wins"].tolist() == [2.0, 2.0] and table["ties"].tolist() == [4, 4]


def test_intervals_contain_estimate_and_shrink_with_more_data():
    small = compute_ratings(synthetic_battles(600, STRENGTHS, seed=4), bootstrap=200, seed=0)
    large = compute_ratings(synthetic_battles(6000, STRENGTHS, seed=5), bootstrap=200, seed=0)
    for table in (small, large):
        assert (table["ci_low"] <= table["rating"]).all()
        assert (table["rating"] <= table["ci_high"]).all()
    width_small = (small["ci_high"] - small["ci_low"]).mean()
    width_large = (large["ci_high"] - large["ci_low"]).mean()
    assert width_large < 0.6 * width_small  # ~1/sqrt(10) expected


def test_seeded_bootstrap_is_reproducible(monkeypatch):
    battles = synthetic_battles(800, STRENGTHS, seed=6)
    one = compute_ratings(battles, bootstrap=150, seed=7)
    two = compute_ratings(battles, bootstrap=150, seed=7)
    other = compute_ratings(battles, bootstrap=150, seed=8)
    assert one.equals(two)
    assert not np.allclose(one["ci_low"], other["ci_low"])
    # The same draws whatever the number of threads (small chunks: many of them).
    monkeypatch.setattr(bradley_terry, "_CHUNK_ELEMENTS", 100)
    data = prepare_battles(battles)
    cells = aggregate(data.a, data.b, data.outcome, len(data.models))
    for method in ("multinomial", "poisson"):
        serial = bootstrap_cells(cells, 120, seed=3, method=method, workers=1)
        threaded = bootstrap_cells(cells, 120, seed=3, method=method, workers=2)
        assert np.array_equal(serial, threaded)


def test_ranks_from_intervals():
    #            alfa         beta          gamma         delta
    low = [1100.0, 1040.0, 1050.0, 900.0]
    high = [1120.0, 1060.0, 1070.0, 950.0]
    assert ranks_from_intervals(low, high).tolist() == [1, 2, 2, 4]
    # Through compute_ratings: two clearly separated models and two tied in the middle.
    battles = (
        [{"model_a": "top", "model_b": m, "winner": "model_a"} for m in ("mid1", "mid2") for _ in range(60)]
        + [{"model_a": "top", "model_b": m, "winner": "model_b"} for m in ("mid1", "mid2") for _ in range(6)]
        + [{"model_a": "mid1", "model_b": "mid2", "winner": w} for w in ("model_a", "model_b") for _ in range(40)]
        + [{"model_a": m, "model_b": "low", "winner": "model_a"} for m in ("mid1", "mid2") for _ in range(60)]
        + [{"model_a": m, "model_b": "low", "winner": "model_b"} for m in ("mid1", "mid2") for _ in range(6)]
    )
    table = compute_ratings(battles, bootstrap=200, seed=0)
    assert dict(zip(table["model"], table["rank"])) == {"top": 1, "mid1": 2, "mid2": 2, "low": 4}


def test_table_columns_counts_and_matrices():
    battles = [
        {"model_a": "x", "model_b": "y", "winner": "model_a"},
        {"model_a": "y", "model_b": "x", "winner": "model_b"},
        {"model_a": "x", "model_b": "y", "winner": "model_a"},
        {"model_a": "x", "model_b": "y", "winner": "tie (bothbad)"},
        {"model_a": "y", "model_b": "z", "winner": "model_a"},
        {"model_a": "x", "model_b": "z", "winner": "model_b", "excluded": True},
    ]
    result = analyze(battles, bootstrap=20, seed=0)
    table = result.table
    assert list(table.columns) == ["model", "rating", "ci_low", "ci_high", "rank", "battles", "wins", "ties", "elo"]
    rows = table.set_index("model")
    assert rows.loc["x", "battles"] == 4 and rows.loc["x", "wins"] == 3.5 and rows.loc["x", "ties"] == 1
    assert rows.loc["y", "battles"] == 5 and rows.loc["y", "wins"] == 1.5
    assert result.excluded == 1 and table.attrs["n_battles"] == 5
    assert result.win_rate.loc["x", "y"] == pytest.approx(0.875)
    assert result.win_rate.loc["y", "x"] == pytest.approx(0.125)
    assert math.isnan(result.win_rate.loc["x", "z"]) and math.isnan(result.win_rate.loc["x", "x"])
    assert result.battle_counts.loc["x", "y"] == 4 and result.battle_counts.loc["y", "z"] == 1
    assert table["rating"].is_monotonic_decreasing


def test_online_elo_follows_fastchat_updates():
    data = prepare_battles(
        [
            {"model_a": "a", "model_b": "b", "winner": "model_a"},
            {"model_a": "b", "model_b": "a", "winner": "tie"},
        ]
    )
    elo = online_elo(data.a, data.b, data.outcome, 2)
    ra, rb = 1000 + 4 * 0.5, 1000 - 4 * 0.5  # first battle: expected 0.5, a scores 1
    expected_b = 1 / (1 + 10 ** ((ra - rb) / 400))
    rb2, ra2 = rb + 4 * (0.5 - expected_b), ra - 4 * (0.5 - expected_b)
    assert elo.tolist() == pytest.approx([ra2, rb2])


def test_no_battles_is_a_user_error():
    with pytest.raises(UserError, match="No hay combates"):
        compute_ratings([])
    with pytest.raises(UserError, match="excluidos"):
        compute_ratings([{"model_a": "x", "model_b": "y", "winner": "tie", "excluded": True}])


# ---------------------------------------------------------------------------------------
# Style control


def _text(words, filler=False):
    return ("Según el contexto, " if filler else "") + " ".join(["x"] * max(words, 1))


def verbosity_log(n_battles=6000, seed=0):
    """Equal true strengths; one model writes long answers and voters prefer longer ones."""
    rng = np.random.default_rng(seed)
    models = ["verboso", "conciso1", "conciso2", "conciso3"]
    typical = {"verboso": 150, "conciso1": 50, "conciso2": 50, "conciso3": 50}
    battles = []
    for _ in range(n_battles):
        i, j = rng.choice(len(models), size=2, replace=False)
        a, b = models[i], models[j]
        la = int(typical[a] * rng.lognormal(0, 0.6))
        lb = int(typical[b] * rng.lognormal(0, 0.6))
        p = 1 / (1 + math.exp(-2.5 * (la - lb) / (la + lb)))
        winner = "tie" if rng.random() < 0.1 else "model_a" if rng.random() < p else "model_b"
        battles.append({"model_a": a, "model_b": b, "winner": winner, "answer_a": _text(la), "answer_b": _text(lb)})
    return battles


def test_length_control_removes_most_of_a_verbose_models_advantage():
    table = compute_ratings(verbosity_log(), bootstrap=100, seed=0, style=True)
    rows = table.set_index("model")
    others = [m for m in rows.index if m != "verboso"]
    raw_gap = rows.loc["verboso", "rating"] - rows.loc[others, "rating"].mean()
    controlled_gap = rows.loc["verboso", "style_rating"] - rows.loc[others, "style_rating"].mean()
    print(f"\nbrecha bruta del modelo verboso: {raw_gap:.1f} puntos; con control de longitud: {controlled_gap:.1f}")
    assert raw_gap > 60
    assert abs(controlled_gap) < raw_gap / 3
    coefficients = {c["feature"]: c for c in table.attrs["style_coefficients"]}
    length = coefficients["length"]
    assert length["coef_ci_low"] < length["coef"] < length["coef_ci_high"]
    assert length["coef_ci_low"] > 1.0  # truth 2.5 on the log-odds scale, ties as half wins
    assert {"style_rating", "style_ci_low", "style_ci_high", "style_rank"} <= set(table.columns)
    assert (table["style_ci_low"] <= table["style_rating"]).all()
    assert (table["style_rating"] <= table["style_ci_high"]).all()


def test_style_fit_matches_per_battle_mle_and_skips_battles_without_answers():
    rng = np.random.default_rng(11)
    strengths = {"m1": 1050, "m2": 1000, "m3": 950}
    battles = synthetic_battles(3000, strengths, seed=12)
    covariates = []
    for k, battle in enumerate(battles):
        la, lb = int(rng.integers(10, 400)), int(rng.integers(10, 400))
        fa, fb = bool(rng.random() < 0.2), bool(rng.random() < 0.2)
        if k % 10 == 0:
            continue  # no answers: skipped by the style fit
        battle["answer_a"], battle["answer_b"] = _text(la, fa), _text(lb, fb)
        covariates.append(((la - lb) / (la + lb), float(fa) - float(fb)))
    result = analyze(battles, bootstrap=30, seed=0, style=True)
    assert result.style.skipped == 300 and result.style.battles == 2700
    assert result.table.attrs["style_skipped"] == 300
    with_answers = [b for b in battles if "answer_a" in b]
    reference, beta = independent_mle(with_answers, covariates)
    ours = ratings_of(result.table, "style_rating")
    for model in strengths:
        assert abs(ours[model] - reference[model]) < 1.0
    coef = result.style.coefficients.set_index("feature")["coef"]
    assert coef["length"] == pytest.approx(beta[0], abs=0.02)
    assert coef["filler"] == pytest.approx(beta[1], abs=0.02)


# ---------------------------------------------------------------------------------------
# Battle files


def test_read_battles_jsonl_and_json_list(tmp_path):
    records = [
        {"model_a": "x", "model_b": "y", "winner": "model_a", "tstamp": 1.5, "question": "¿Qué es?"},
        {"model_a": "y", "model_b": "x", "winner": "tie (bothbad)", "excluded": True},
    ]
    jsonl = tmp_path / "votos.jsonl"
    jsonl.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n\n", encoding="utf-8")
    assert read_battles(jsonl) == records
    as_list = tmp_path / "votos.json"
    as_list.write_text(json.dumps(records, ensure_ascii=False, indent=2), encoding="utf-8")
    assert read_battles(as_list) == records
    out = tmp_path / "copia.jsonl"
    assert write_battles(out, records) == 2
    assert read_battles(out) == records
    assert "¿Qué es?" in out.read_text(encoding="utf-8")


def test_read_battles_rejects_bad_lines(tmp_path):
    path = tmp_path / "malo.jsonl"
    path.write_text(
        '{"model_a": "x", "model_b": "y", "winner": "model_a"}\n\n'
        '{"model_a": "x", "model_b": "y", "winner": "empate"}\n',
        encoding="utf-8",
    )
    with pytest.raises(UserError, match=r"malo\.jsonl, línea 3.*winner"):
        read_battles(path)
    path.write_text('{"model_a": "x", "model_b": "y", "winner": "tie"}\n{"model_a": "x",\n', encoding="utf-8")
    with pytest.raises(UserError, match="línea 2"):
        read_battles(path)
    path.write_text('{"model_a": "x", "winner": "tie"}\n', encoding="utf-8")
    with pytest.raises(UserError, match="model_b"):
        read_battles(path)
    listing = tmp_path / "malo.json"
    listing.write_text(
        '[\n  {"model_a": "x", "model_b": "y", "winner": "tie"},\n'
        '  {"model_a": "x", "model_b": "y", "winner": "gana"}\n]',
        encoding="utf-8",
    )
    with pytest.raises(UserError, match="línea 3"):
        read_battles(listing)
    with pytest.raises(UserError, match="No existe"):
        read_battles(tmp_path / "no_existe.jsonl")


# ---------------------------------------------------------------------------------------
# CLI


def test_cli_ratings_json(tmp_path, capsys):
    path = tmp_path / "combates.jsonl"
    write_battles(path, verbosity_log(600, seed=3))
    assert cli.main(["ratings", str(path), "--json", "--bootstrap", "50", "--seed", "1"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["model"] for r in rows] and len(rows) == 4
    types = {
        "model": str,
        "rating": float,
        "ci_low": float,
        "ci_high": float,
        "battles": int,
        "wins": float,
        "ties": int,
    }
    for row in rows:
        for key, kind in types.items():
            assert isinstance(row[key], kind), (key, row[key])
        assert row["ci_low"] <= row["rating"] <= row["ci_high"]
    assert [r["rating"] for r in rows] == sorted((r["rating"] for r in rows), reverse=True)
    assert sum(r["battles"] for r in rows) == 2 * 600

    assert cli.main(["ratings", str(path), "--json", "--bootstrap", "20", "--style"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert all(isinstance(r["style_rating"], float) and isinstance(r["style_rank"], int) for r in rows)

    assert cli.main(["ratings", str(path), "--bootstrap", "20", "--style"]) == 0
    text = capsys.readouterr().out
    assert "verboso" in text and "longitud" in text


def test_cli_ratings_errors(tmp_path, capsys):
    assert cli.main(["ratings", str(tmp_path / "falta.jsonl")]) == 2
    assert "No existe" in capsys.readouterr().err
    empty = tmp_path / "vacio.jsonl"
    empty.write_text("", encoding="utf-8")
    assert cli.main(["ratings", str(empty)]) == 2
    assert "ningún combate" in capsys.readouterr().err
    bad = tmp_path / "roto.jsonl"
    bad.write_text("esto no es json\n", encoding="utf-8")
    assert cli.main(["ratings", str(bad)]) == 2
    assert "línea 1" in capsys.readouterr().err
