"""Leaderboard assembly from synthetic battles and stored scores, and the tab through its HTTP API."""

from __future__ import annotations

import csv
import io
import math
import re
from pathlib import Path

import pandas as pd
import pytest

from ragarena.answering.safe_markdown import plain
from ragarena.leaderboard import build as lb
from ragarena.leaderboard import figures as board_figures
from ragarena.leaderboard import provenance as board_provenance
from ragarena.leaderboard import score_records
from ragarena.leaderboard import table as bt
from ragarena.leaderboard import text as board_text
from ragarena.leaderboard.judge_vs_arena import rank_correlation
from ragarena.scoring import scores

REPO = Path(__file__).resolve().parent.parent
LABELS = {"extractive": "Extractivo", "extractive-lexical": "Extractivo léxico"}


def battles_between(
    a: str, b: str, a_wins: int, b_wins: int, ties: int = 0, start: float = 1_700_000_000.0, **extra
) -> list[dict]:
    outcomes = ["model_a"] * a_wins + ["model_b"] * b_wins + ["tie"] * ties
    return [
        # Alternate sides, as the arena does, so position plays no part.
        (
            {"model_a": a, "model_b": b, "winner": w}
            if n % 2 == 0
            else {"model_a": b, "model_b": a, "winner": {"model_a": "model_b", "model_b": "model_a"}.get(w, w)}
        )
        | {"tstamp": start + n, "question": f"p{n}", "answer_a": "x", "answer_b": "y", **extra}
        for n, w in enumerate(outcomes)
    ]


def synthetic_battles() -> list[dict]:
    """extractive > extractive-lexical > m3, clearly."""
    return (
        battles_between("extractive", "extractive-lexical", 16, 4, 2)
        + battles_between("extractive", "m3", 18, 2, start=1_700_000_100.0)
        + battles_between("extractive-lexical", "m3", 14, 6, start=1_700_000_200.0)
    )


def measured(model: str, overall: float, judge: str = "juez-a", date: str = "2025-01-01T00:00:00Z", **extra) -> dict:
    return scores.validate_record(
        {
            "model": model,
            "kind": "measured",
            "answer_relevance": overall,
            "context_relevance": overall,
            "groundedness": overall,
            "overall": overall,
            "n_items": 30,
            "judge": judge,
            "dataset": "data/qa/x.jsonl",
            "split": "test",
            "date": date,
            "source": f"measured by `python -m ragarena eval --judge {judge}`",
            **extra,
        },
        "prueba",
    )


@pytest.fixture(scope="module")
def published() -> list[dict]:
    return [r for r in scores.load_scores(REPO / "data" / "scores") if r["kind"] == "published"]


def test_no_votes_shows_the_published_study_rows_with_empty_criteria(published):
    board = lb.build_leaderboard([], published, LABELS, bootstrap=50)
    table = board.table
    assert list(table.columns) == list(lb.COLUMNS)
    assert table["label"].tolist() == ["StableLM 2 12B chat + LoRA (publicado)", "GPT-3.5 (publicado)"]
    assert table["overall"].tolist() == [4.52, 3.59]
    for criterion in scores.CRITERIA:
        assert table[criterion].isna().all()
    assert table["rating"].isna().all() and table["votes"].isna().all()
    assert table["n_items"].isna().all()
    assert table["score_kind"].tolist() == ["published", "published"]
    assert all("IIC" in s for s in table["source"])
    assert board.n_votes == 0 and board.correlations == []
    text = board_text.summary_markdown(board)
    assert "Todavía no hay votos" in text and "cifras publicadas del estudio" in text
    assert "al menos dos modelos" in board_text.correlation_markdown(board)
    board_figures.ratings_figure(board)  # empty figures, no error
    board_figures.win_rate_figure(board)


def test_crowd_columns_come_from_the_battles(published):
    battles = synthetic_battles()
    battles += battles_between("extractive", "m3", 3, 0, excluded=True)
    battles += battles_between("extractive-lexical", "m3", 0, 5, mode="named")
    board = lb.build_leaderboard(battles, published, LABELS, bootstrap=200)
    rated = board.table[board.table["rating"].notna()]
    assert rated["model"].tolist() == ["extractive", "extractive-lexical", "m3"]
    assert rated["label"].tolist() == ["Extractivo", "Extractivo léxico", "m3"]
    assert rated["votes"].tolist() == [42, 42, 40]
    assert rated["ties"].tolist() == [2, 2, 0]
    assert rated["wins"].tolist() == [16 + 1 + 18, 4 + 1 + 14, 2 + 6]  # ties count half
    # Rank: 1 + the models whose whole interval lies above this one's.
    expected = [1 + sum(other > high for other in rated["ci_low"]) for high in rated["ci_high"]]
    assert rated["rank"].tolist() == expected and expected[0] == 1 and expected[2] > 1
    assert (rated["ci_low"] <= rated["rating"]).all() and (rated["rating"] <= rated["ci_high"]).all()
    assert math.isclose(rated["rating"].mean(), 1000.0, abs_tol=1e-6)
    # The published rows follow the rated ones.
    assert board.table["label"].tolist()[3:] == ["StableLM 2 12B chat + LoRA (publicado)", "GPT-3.5 (publicado)"]
    assert board.n_votes == 62 and board.excluded == 3
    assert board.last_vote is not None and board.last_vote.timestamp() == 1_700_000_219.0
    text = board_text.summary_markdown(board)
    assert "**62 votos** entre 3 modelos" in text and "2023-11-14" in text
    assert "3 combates excluidos" in text and "5 votos emitidos con los nombres" in text
    # Who is ahead, and how sure: with 42 votes each the leader's interval may or may not clear the next one.
    top, second = board.table.iloc[0], board.table.iloc[1]
    sure = top["ci_low"] > second["ci_high"]
    assert (
        "Arena: **Extractivo** va por delante" in text
        and ("con su intervalo por encima del de Extractivo léxico" in text) == sure
        and ("todavía no es una ventaja segura" in text) == (not sure)
    )
    rate = board.win_rate
    assert rate.loc["extractive", "extractive-lexical"] == pytest.approx(17 / 22)
    assert rate.loc["extractive-lexical", "m3"] == pytest.approx(0.7)


def test_measured_scores_join_their_model_row_and_the_latest_record_wins(published):
    records = [
        *published,
        measured("extractive", 3.0, date="2024-01-01"),
        measured("extractive", 4.4),
        measured("solo-juez", 2.5, label="Modelo del juez"),
    ]
    board = lb.build_leaderboard(synthetic_battles(), records, LABELS, bootstrap=50)
    row = board.table.set_index("model").loc["extractive"]
    assert row["overall"] == 4.4 and row["groundedness"] == 4.4 and row["judge"] == "juez-a"
    assert row["votes"] == 42 and row["score_kind"] == "measured"
    judge_only = board.table.set_index("model").loc["solo-juez"]
    assert judge_only["label"] == "Modelo del juez" and math.isnan(judge_only["rating"])
    shown = bt.ranked_frame(board)
    assert list(shown.columns) == bt.headers(bt.RANKED)
    # Ranked on the judge's overall first: extractive (4.4), solo-juez (2.5), then the arena (m3 has no
    # judge score), then the published references.
    assert shown["Modelo"].tolist()[:4] == ["Extractivo", "Modelo del juez", "Extractivo léxico", "m3"]
    first = shown.iloc[0]
    assert first["Global (1-5)"] == 4.4 and first["Fundamen\u00adtación"] == 4.4
    assert re.fullmatch(r"\d{3,4} \(\d{3,4}–\d{3,4}\)", first["Arena (IC 95 %)"]) and first["Votos"] == 42
    assert first["Fuente"] == "juez LLM juez-a, 2025-01-01 · público"
    assert shown.set_index("Modelo").loc["m3", "Fuente"] == "público"
    assert shown["Fuente"].tolist()[-2:] == ["publicado", "publicado"]
    assert "la mejor media del juez es la de **Extractivo** (4.40 de 5)" in board_text.summary_markdown(board)
    history = score_records.scores_frame(board)
    assert len(history) == len(records)
    assert history.iloc[0]["Modelo"] == "Extractivo" and history.iloc[0]["Global (1-5)"] == 4.4
    assert history.iloc[0]["Procedencia"].startswith("Juez LLM «juez-a» sobre 30 respuestas de data/qa/x.jsonl")
    published_rows = history[history["Tipo"] == "publicada"]
    assert all(
        p.startswith("Cifra publicada, citada tal cual: citado del estudio del IIC")
        for p in published_rows["Procedencia"]
    )


def test_small_samples_say_so_and_wide_intervals_are_not_shown_as_ranges(published):
    few = battles_between("extractive", "extractive-lexical", 4, 2)  # 6 votes each
    board = lb.build_leaderboard(
        few,
        published,
        LABELS,
        bootstrap=100,
        min_votes=10,
        answer_ratings=[{"model": "extractive", "answer_relevance": 5, "context_relevance": 4, "groundedness": 5}] * 3,
        min_ratings=5,
    )
    shown = bt.ranked_frame(board).set_index("Modelo")
    assert shown.loc["Extractivo", "Arena (IC 95 %)"] == "6 votos: pocos"
    assert shown.loc["Extractivo", "Personas 1-5 (n)"] == "3 valoraciones: pocas"
    assert shown.loc["Extractivo léxico", "Personas 1-5 (n)"] == "—"
    detail = bt.detail_frame(board).set_index("Modelo")
    assert detail.loc["Extractivo", "Arena"] == "6 votos: pocos" and detail.loc["Extractivo", "IC 95 %: desde"] == "—"
    assert pd.isna(detail.loc["Extractivo", "Rango"])
    assert "Ningún modelo tiene aún 10 votos" in str(board_figures.ratings_figure(board).layout.annotations[0].text)
    # Enough votes, but an interval wider than the scale's unit (400 Elo points): no range shown.
    row = {"votes": 12, "rating": 1100.0, "ci_low": 700.0, "ci_high": 1500.0}
    assert bt.arena_cell(row, 10) == "1100 (IC muy amplio)"
    assert bt.arena_cell({**row, "ci_low": 1000.0, "ci_high": 1210.0}, 10) == "1100 (1000–1210)"
    assert bt.arena_cell({**row, "votes": 1}, 10) == "1 voto: pocos"
    crowd_row = {"crowd_n": 25, "crowd_overall": 3.0, "crowd_overall_ci_low": 1.0, "crowd_overall_ci_high": 5.0}
    assert bt.answer_rating_cell(crowd_row, 20) == "3.00 (n = 25, IC muy amplio)"
    assert bt.answer_rating_cell(crowd_row, 20, with_count=False) == "3.00 (IC muy amplio)"
    assert (
        bt.arena_cell(row, 10, "en") == "1100 (very wide CI)"
        and bt.arena_cell({**row, "votes": 6}, 10, "en") == "6 votes: too few"
    )


def test_min_votes_comes_from_the_environment(monkeypatch):
    from ragarena import settings
    from ragarena.core.errors import UserError

    monkeypatch.delenv("RAGARENA_MIN_VOTES", raising=False)
    assert settings.min_votes() == lb.MIN_VOTES == 10
    monkeypatch.setenv("RAGARENA_MIN_VOTES", "3")
    assert settings.min_votes() == 3
    monkeypatch.setenv("RAGARENA_MIN_VOTES", "cero")
    with pytest.raises(UserError, match="RAGARENA_MIN_VOTES"):
        settings.min_votes()


def test_automatic_eval_figures_join_their_model_row_with_their_provenance(published):
    shipped = scores.load_scores(REPO / "data" / "scores")
    board = lb.build_leaderboard(synthetic_battles(), shipped, LABELS, bootstrap=0)
    row = board.table.set_index("model").loc["extractive"]
    [record] = [r for r in shipped if r["kind"] == "automatic" and r["model"] == "extractive"]
    assert row["mean_words"] == record["mean_words"] and row["filler_rate"] == record["filler_rate"]
    assert row["eval_command"] == record["command"] and row["retrieval"] == "hybrid"
    shown = bt.ranked_frame(board).set_index("Modelo")
    assert shown.loc["Extractivo", "Palabras"] == round(record["mean_words"], 1)
    assert shown.loc["Extractivo", "Relleno (%)"] == round(100 * record["filler_rate"])
    assert shown.loc["Extractivo", "Fuente"] == f"eval automática, {record['date'][:10]} · público"
    # How often it is right, as its own column (a percentage; the displayed cell adds its n).
    assert shown.loc["Extractivo", "Aciertos (test)"] == round(100 * record["correct_rate"])
    assert row["n_answerable"] == record["n_answerable"]
    provenance = plain(board_provenance.provenance_markdown(board))  # as the page shows it
    assert (
        "Eval automática de 120 turnos de data/qa/conversations.jsonl (split test, recuperación hybrid)" in provenance
    )
    assert f"`{record['command']}`" in provenance and "Público: 42 votos de la arena y 0 valoraciones" in provenance
    english = plain(board_provenance.provenance_markdown(lb.in_language(board, None, "en"), "en"))
    assert "Automatic eval of 120 turns" in english and "Published figure, quoted as is: quoted from the IIC" in english


def test_rows_follow_the_captions_order_and_the_best_figure_of_each_column_is_marked(published):
    shipped = [r for r in scores.load_scores(REPO / "data" / "scores") if r["kind"] == "automatic"]
    judged = measured("gpt-6-luna", 4.1, label="OpenAI · gpt-6-luna")  # a judge's score, no correct_rate
    board = lb.build_leaderboard([], [*published, judged, *shipped], LABELS, bootstrap=0)
    rates = {r["model"]: r["correct_rate"] for r in shipped}
    by_rate = sorted(rates, key=rates.get, reverse=True)
    # As the caption says: by how often each model is right, then the rows without it by Global, published last.
    assert board.table["model"].tolist() == [*by_rate, "gpt-6-luna", "stablelm-2-12b-finetuned", "gpt-3.5"]
    assert "Ordenados por **Aciertos**" in lb.ORDER_CAPTION
    import gradio as gr

    shown = gr.Dataframe(interactive=False).postprocess(bt.ranked_table(board))
    cells = {row[0]: dict(zip(shown.headers, row)) for row in shown.metadata["display_value"]}
    best, second = by_rate[0], by_rate[1]
    [record] = [r for r in shipped if r["model"] == best]
    first_cell = cells[LABELS[best]]["Aciertos (test)"]
    assert first_cell == f"★ {100 * rates[best]:.0f} % (n\u00a0=\u00a0{record['n_answerable']})"
    assert not cells[LABELS[second]]["Aciertos (test)"].startswith("★")
    # Fewer false abstentions is better; the published 4.52 is not "best" against a Global measured here.
    lower = min(shipped, key=lambda r: r["false_abstention_rate"])["model"]
    assert cells[LABELS[lower]]["Falsas absten\u00adciones (%)"].startswith("★")
    assert not cells["StableLM 2 12B chat + LoRA (publicado)"]["Global (1-5)"].startswith("★")
    styles = dict(zip(shown.headers, shown.metadata["styling"][0]))
    assert "font-weight: 700" in styles["Aciertos (test)"]
    # The sentence above the table, computed from the same figures.
    headline = board_text.headline_markdown(board)
    assert (
        f"**{LABELS[best]}** acierta más a menudo ({100 * rates[best]:.0f} % de {record['n_answerable']} "
        f"preguntas con respuesta) que **{LABELS[second]}** ({100 * rates[second]:.0f} %)"
    ) in headline
    assert "la arena necesita al menos 10 votos más" in headline
    assert "is right more often" in board_text.headline_markdown(board, "en")
    with_votes = lb.build_leaderboard(synthetic_battles()[:14], shipped, LABELS, bootstrap=0, min_votes=10)
    assert board_text.votes_for_an_interval(with_votes) == 0
    assert "en la arena va por delante" in board_text.headline_markdown(with_votes)
    few = lb.build_leaderboard(synthetic_battles()[:4], shipped, LABELS, bootstrap=0, min_votes=10)
    assert "al menos 6 votos más" in board_text.headline_markdown(few)


def test_each_published_row_gets_its_own_records_provenance(published):
    # The file lists the lower figure first; the table shows the higher one first.
    first, second = (dict(r) for r in sorted(published, key=lambda r: r["overall"]))
    first["source"], second["source"] = "fuente de la cifra baja", "fuente de la cifra alta"
    board = lb.build_leaderboard([], [first, second], LABELS, bootstrap=0)
    assert board.table["overall"].tolist() == [second["overall"], first["overall"]]
    lines = board_provenance.provenance_markdown(board).splitlines()
    assert "fuente de la cifra alta" in lines[0] and "fuente de la cifra baja" in lines[1]


def test_rank_correlation_on_a_constructed_case():
    crowd = {"a": 1100.0, "b": 1000.0, "c": 900.0, "d": 950.0}
    same = rank_correlation({"a": 4.5, "b": 4.0, "c": 2.0, "d": 3.0}, crowd)
    assert same["n"] == 4 and same["spearman"] == pytest.approx(1.0) and same["kendall"] == pytest.approx(1.0)
    reverse = rank_correlation({"a": 1.0, "b": 2.0, "c": 4.0, "d": 3.0}, crowd)
    assert reverse["spearman"] == pytest.approx(-1.0) and reverse["kendall"] == pytest.approx(-1.0)
    one_swap = rank_correlation({"a": 4.5, "b": 3.0, "c": 2.0, "d": 4.0}, crowd)
    # crowd order a > b > d > c, judge order a > d > b > c: one discordant pair of six.
    assert one_swap["kendall"] == pytest.approx(4 / 6) and one_swap["spearman"] == pytest.approx(0.8)
    assert rank_correlation({"a": 4.0, "z": 3.0}, crowd) is None  # only one model in both
    flat = rank_correlation({"a": 3.0, "b": 3.0}, crowd)
    assert math.isnan(flat["spearman"])


def test_correlation_between_the_judge_and_the_crowd_per_judge(published):
    records = [
        *published,
        measured("extractive", 4.5),
        measured("extractive-lexical", 3.5),
        measured("m3", 2.0),
        measured("extractive", 2.0, judge="juez-b"),
        measured("extractive-lexical", 3.0, judge="juez-b"),
        measured("m3", 4.0, judge="juez-b"),
    ]
    board = lb.build_leaderboard(synthetic_battles(), records, LABELS, bootstrap=50)
    by_judge = {c["judge"]: c for c in board.correlations}
    assert set(by_judge) == {"juez-a", "juez-b"}
    assert by_judge["juez-a"]["n"] == 3 and by_judge["juez-a"]["spearman"] == pytest.approx(1.0)
    assert by_judge["juez-b"]["kendall"] == pytest.approx(-1.0)
    text = plain(board_text.correlation_markdown(board))
    assert "Juez «juez-a»" in text and "Spearman ρ = 1.00" in text and "Kendall τ = -1.00" in text
    assert "Extractivo, Extractivo léxico, m3" in text
    # Published figures never enter the correlation, and models need enough votes.
    few = lb.build_leaderboard(synthetic_battles(), records, LABELS, bootstrap=0, min_votes=41)
    assert [c["models"] for c in few.correlations] == [["extractive", "extractive-lexical"]] * 2  # m3 has 40 votes
    assert lb.build_leaderboard(synthetic_battles(), records, LABELS, bootstrap=0, min_votes=43).correlations == []
    assert "al menos dos modelos" in board_text.correlation_markdown(
        lb.build_leaderboard(synthetic_battles(), records, LABELS, bootstrap=0, min_votes=43)
    )


def test_csv_has_every_column_and_empty_cells_for_missing_figures(published):
    records = [*published, measured("extractive", 4.25)]
    board = lb.build_leaderboard(synthetic_battles(), records, LABELS, bootstrap=50)
    text = lb.to_csv(board)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == list(lb.COLUMNS)
    by_label = {row["label"]: row for row in rows}
    gpt = by_label["GPT-3.5 (publicado)"]
    assert gpt["overall"] == "3.59" and gpt["model"] == "gpt-3.5" and gpt["score_kind"] == "published"
    assert all(gpt[c] == "" for c in (*scores.CRITERIA, "rating", "ci_low", "ci_high", "votes", "rank", "n_items"))
    assert "Instituto de Ingeniería del Conocimiento" in gpt["source"]
    assert by_label["StableLM 2 12B chat + LoRA (publicado)"]["overall"] == "4.52"
    top = rows[0]
    assert top["model"] == "extractive" and top["rank"] == "1" and top["votes"] == "42"
    assert top["overall"] == "4.25" and top["judge"] == "juez-a"
    assert float(top["ci_low"]) <= float(top["rating"]) <= float(top["ci_high"])
    assert by_label["m3"]["overall"] == "" and by_label["m3"]["votes"] == "40"


def test_figures_show_ratings_with_intervals_and_the_win_matrix():
    board = lb.build_leaderboard(synthetic_battles(), [], LABELS, bootstrap=100)
    ratings = board_figures.ratings_figure(board).data[0]
    assert list(ratings.x) == ["Extractivo", "Extractivo léxico", "m3"]
    rated = board.table[board.table["rating"].notna()]
    assert list(ratings.error_y.array) == pytest.approx((rated["ci_high"] - rated["rating"]).tolist())
    heat = board_figures.win_rate_figure(board).data[0]
    assert list(heat.x) == ["Extractivo", "Extractivo<br>léxico", "m3"]  # wrapped under narrow columns
    assert list(heat.y) == ["Extractivo", "Extractivo léxico", "m3"]
    assert heat.z[0][1] == pytest.approx(17 / 22) and math.isnan(heat.z[0][0])


# --- the tab -----------------------------------------------------------------------------------


def test_tab_refreshes_from_the_vote_store_without_a_restart(fixture_engine, tmp_path):
    from conftest import free_port
    from gradio_client import Client

    from ragarena.arena.votes import VoteStore
    from ragarena.ui.app import build_app
    from ragarena.ui.context import AppContext

    db = tmp_path / "arena.db"
    store = VoteStore(db)
    scores_dir = tmp_path / "scores"
    scores_dir.mkdir()
    (scores_dir / "published.jsonl").write_text(
        (REPO / "data" / "scores" / "published.jsonl").read_text(encoding="utf-8"), encoding="utf-8"
    )
    ctx = AppContext(
        engine=fixture_engine, extras={"store": store, "scores_path": scores_dir, "leaderboard_bootstrap": 100}
    )
    demo = build_app(ctx)
    # The tab refreshes itself when selected (same outputs as the button).
    config = demo.config
    [tab] = [c["id"] for c in config["components"] if c["type"] == "tabitem" and c["props"].get("id") == "leaderboard"]
    [button] = [d for d in config["dependencies"] if d.get("api_name") == "leaderboard_refresh"]
    [on_select] = [d for d in config["dependencies"] if [tab, "select"] in [list(t) for t in d["targets"]]]
    assert on_select["outputs"] == button["outputs"]
    demo.queue()
    demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=free_port(), quiet=True)
    try:
        client = Client(demo.local_url, verbose=False)
        table, summary, method, *_, csv_path, history, headline = client.predict(api_name="/leaderboard_refresh")
        assert [row[0] for row in table["data"]] == ["StableLM 2 12B chat + LoRA (publicado)", "GPT-3.5 (publicado)"]
        assert table["headers"][:3] == ["Modelo", "Aciertos (test)", "Palabras"]
        assert "Todavía no hay votos" in summary and "En pocas palabras" in method
        assert headline == "**Hoy:** la arena necesita al menos 10 votos más para dar puntuaciones con intervalo."

        # Votes arrive (through another connection, as from another worker): the next refresh shows them.
        VoteStore(db).import_battles(synthetic_battles())
        (
            table,
            summary,
            method,
            detail,
            provenance,
            _correlation,
            _ratings_plot,
            _heatmap,
            csv_path,
            history,
            headline,
        ) = client.predict(api_name="/leaderboard_refresh")
        models = [row[0] for row in table["data"]]
        assert models[:3] == ["Extractivo", "Extractivo léxico", "m3"]
        votes = table["headers"].index("Votos")
        assert [row[votes] for row in table["data"][:3]] == [42, 42, 40]
        assert "**Extractivo**" in provenance and detail["headers"][:3] == ["Modelo", "Rango", "Arena"]
        assert "**62 votos** entre 3 modelos" in summary
        rows = list(csv.DictReader(io.StringIO(Path(csv_path).read_text(encoding="utf-8"))))
        assert [r["label"] for r in rows][:3] == models[:3]
        assert len(history["data"]) == 2
    finally:
        demo.close()
        store.close()
