"""The Leaderboard tab in English: tables, notes, figures, model names and warnings follow the
language switch; the default (no language given, as older API callers do) stays Spanish."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_leaderboard import LABELS, battles_between, measured, synthetic_battles

from ragarena.answer_ratings import judge_agreement
from ragarena.answering.safe_markdown import plain
from ragarena.core.errors import UserError
from ragarena.core.i18n import localize
from ragarena.leaderboard import build as lb
from ragarena.leaderboard import figures as board_figures
from ragarena.leaderboard import reason_table, score_records
from ragarena.leaderboard import table as bt
from ragarena.leaderboard import text as board_text
from ragarena.scoring import scores

REPO = Path(__file__).resolve().parent.parent
LABELS_EN = {"extractive": "Extractive", "extractive-lexical": "Extractive (lexical)"}


@pytest.fixture(scope="module")
def published() -> list[dict]:
    return [r for r in scores.load_scores(REPO / "data" / "scores") if r["kind"] == "published"]


@pytest.fixture(scope="module")
def board(published):
    battles = synthetic_battles() + battles_between("extractive-lexical", "m3", 0, 5, mode="named")
    battles[0] = {**battles[0], "reasons": ["respuesta correcta", "concisa, sin relleno"]}
    records = [*published, measured("extractive", 4.5), measured("extractive-lexical", 3.5), measured("m3", 2.0)]
    return lb.build_leaderboard(battles, records, LABELS, bootstrap=50)


def test_the_table_headers_and_model_names_in_english_and_spanish_by_default(board):
    english = lb.in_language(board, LABELS_EN, "en")
    shown = bt.ranked_frame(english, "en")
    assert list(shown.columns) == [
        "Model",
        "Correct (test)",
        "Words",
        "Filler (%)",
        "False absten\u00adtions (%)",
        "Overall (1-5)",
        "Answer relevance",
        "Context relevance",
        "Grounded\u00adness",
        "Arena (95% CI)",
        "Votes",
        "People 1-5 (n)",
        "Source",
    ]
    names = shown["Model"].tolist()
    assert names[:3] == ["Extractive", "Extractive (lexical)", "m3"]
    assert names[-2:] == ["StableLM 2 12B chat + LoRA (published)", "GPT-3.5 (published)"]
    assert shown["Source"].tolist()[0] == "LLM judge juez-a, 2025-01-01 · public"
    assert shown["Source"].tolist()[-1] == "published"
    detail = bt.detail_frame(english, "en")
    assert list(detail.columns[:5]) == ["Model", "Rank", "Arena", "95% CI: from", "95% CI: to"]
    # The board itself is untouched: Spanish stays the default everywhere.
    spanish = bt.ranked_frame(board)
    assert list(spanish.columns) == bt.headers(bt.RANKED)
    assert spanish["Modelo"].tolist()[:3] == ["Extractivo", "Extractivo léxico", "m3"]
    assert "GPT-3.5 (publicado)" in spanish["Modelo"].tolist()
    assert lb.in_language(board, None, "es") is board
    # The styled table (what the tab sends) formats the English columns too.
    html = bt.ranked_table(english, "en").to_html()
    assert "Arena (95% CI)" in html and "—" in html


def test_the_stored_scores_and_reasons_tables_in_english(board):
    english = lb.in_language(board, LABELS_EN, "en")
    history = score_records.scores_frame(english, "en")
    assert list(history.columns[:3]) == ["Model", "Kind", "Overall (1-5)"]
    assert set(history["Kind"]) == {"LLM judge", "published"}
    # Provenance in the page's language: the published records carry their English text.
    published = history[history["Kind"] == "published"]["Provenance"].tolist()
    assert published and all(
        p.startswith("Published figure, quoted as is: quoted from the IIC study") for p in published
    )
    judged = history[history["Kind"] == "LLM judge"]["Provenance"].tolist()
    assert judged[0].startswith("LLM judge «juez-a» on 30 answers of data/qa/x.jsonl (split test), 2025-01-01.")
    spanish = score_records.scores_frame(board)
    assert spanish["Tipo"].tolist().count("publicada") == 2
    assert all("citado del estudio del IIC" in p for p in spanish[spanish["Tipo"] == "publicada"]["Procedencia"])

    reasons = reason_table.reasons_frame(english.reasons, english.label, "en")
    assert list(reasons.columns[:4]) == ["Model", "Criterion", "Reason", "When winning"]
    assert set(reasons["Reason"]) == {"correct answer", "concise, no filler"}
    assert "Answer relevance" in set(reasons["Criterion"]) and "Extractive" in set(reasons["Model"])
    assert "When losing" in reason_table.reasons_markdown(english.reasons, "en")
    assert "Al perder" in reason_table.reasons_markdown(board.reasons)
    assert reason_table.reasons_markdown(lb.build_leaderboard([], bootstrap=0).reasons, "en").startswith(
        "Nobody has said"
    )


def test_summary_correlation_and_figures_in_english(board):
    english = lb.in_language(board, LABELS_EN, "en")
    summary = board_text.summary_markdown(english, language="en")
    assert "**62 votes** among 3 models · last vote: 2023-11-14" in summary
    assert "5 votes cast with the model names in view do not count" in summary and "Updated:" in summary
    for spanish in ("votos", "Actualizado", "modelos"):
        assert spanish not in summary
    assert "**62 votos** entre 3 modelos" in board_text.summary_markdown(board)
    method = board_text.method_markdown(english, "en")
    assert method.startswith("**In short.** The table ranks the models by **Correct**")
    assert "*Arena*: Bradley-Terry" in method and "(50 resamples)" in method and "from 10 votes" in method
    assert "*Style control* (in the detail)" in method and "*People*:" in method
    assert board_text.method_markdown(board).startswith("**En pocas palabras.**")

    correlation = plain(board_text.correlation_markdown(english, "en"))  # as the page shows it
    assert correlation.startswith("**Rank correlation between the judge and the votes**")
    assert (
        "- Judge «juez-a» (data/qa/x.jsonl, split test), 3 models (Extractive, Extractive (lexical), m3)" in correlation
    )
    assert "Juez «juez-a»" in plain(board_text.correlation_markdown(board))
    few = lb.build_leaderboard(synthetic_battles(), [], LABELS, bootstrap=0)
    assert "at least two models" in board_text.correlation_markdown(few, "en")

    ratings = board_figures.ratings_figure(english, "en")
    assert ratings.layout.title.text == "Arena rating" and ratings.layout.title.subtitle.text == "with its 95% interval"
    assert list(ratings.data[0].x) == ["Extractive", "Extractive (lexical)", "m3"]
    assert "votes<extra>" in ratings.data[0].hovertemplate
    heat = board_figures.win_rate_figure(english, "en")
    assert heat.layout.title.text.startswith("Win rate") and heat.layout.xaxis.title.text == "opponent"
    assert board_figures.win_rate_figure(board).layout.xaxis.title.text == "rival"
    empty = lb.build_leaderboard([], bootstrap=0)
    assert board_figures.ratings_figure(empty, "en").layout.annotations[0].text == "No votes yet"
    assert board_figures.ratings_figure(empty).layout.annotations[0].text == "Todavía no hay votos"


def test_module_messages_render_in_english():
    with pytest.raises(UserError) as caught:
        scores.validate_record({"model": "m", "kind": "medido"}, "prueba")
    assert str(caught.value) == "prueba: «kind» debe ser «measured», «published» o «automatic», no 'medido'."
    assert (
        localize(caught.value, "en") == "prueba: «kind» must be «measured», «published» or «automatic», not 'medido'."
    )

    from ragarena.scoring.arena_ratings import analyze
    from ragarena.scoring.battle_arrays import prepare_battles

    with pytest.raises(UserError) as caught:
        prepare_battles([{"model_a": "a", "model_b": "a", "winner": "tie"}])
    assert localize(caught.value, "en") == "Battle 1: model_a and model_b are the same model ('a')."
    notes = analyze(battles_between("a", "b", 3, 1) + battles_between("a", "b", 1, 0, excluded=True), bootstrap=0).notes
    assert notes == ["1 combates excluidos no cuentan."]
    assert localize(notes, "en") == ["1 excluded battles do not count."]

    assert "No user ratings yet." in judge_agreement.agreement_markdown({}, 0, language="en")
    assert "nothing to compare yet" in judge_agreement.agreement_markdown({}, 4, language="en")
    assert "Todavía no hay valoraciones de usuarios." in judge_agreement.agreement_markdown({}, 0)


def test_agreement_table_in_english():
    pairs = {
        "juez": [
            (
                {"answer_relevance": 4, "context_relevance": 3, "groundedness": 5},
                {"answer_relevance": 5, "context_relevance": 3, "groundedness": 5},
            )
        ]
    }
    text = judge_agreement.agreement_markdown(pairs, 1, language="en")
    assert "**Judge `juez`**: 1 ratings match one of its scores." in text
    assert "| Criterion | n | Mean absolute difference | Bias (judge − people) | Spearman ρ |" in text
    assert "| Answer relevance | 1 | 1.00 | +1.00 | — |" in text and "| Mean of the three |" in text
    assert "| Relevancia de la respuesta | 1 | 1.00 | +1.00 | — |" in judge_agreement.agreement_markdown(pairs, 1)


# --- the tab through its API ----------------------------------------------------------------------


def test_the_tab_endpoints_take_the_language_last_and_default_to_spanish(fixture_engine, tmp_path):
    from conftest import free_port
    from gradio_client import Client

    from ragarena.arena.votes import VoteStore
    from ragarena.ui.app import build_app
    from ragarena.ui.context import AppContext

    store = VoteStore(tmp_path / "arena.db")
    scores_dir = tmp_path / "scores"
    scores_dir.mkdir()
    (scores_dir / "published.jsonl").write_text(
        (REPO / "data" / "scores" / "published.jsonl").read_text(encoding="utf-8"), encoding="utf-8"
    )
    ctx = AppContext(
        engine=fixture_engine,
        extras={
            "store": store,
            "scores_path": scores_dir,
            "leaderboard_bootstrap": 0,
            "judge_cache_dir": tmp_path / "judge-cache",
        },
    )
    demo = build_app(ctx)
    config = demo.config
    ids = {c["props"].get("elem_id"): c["id"] for c in config["components"]}
    [switch] = [c["id"] for c in config["components"] if c["props"].get("elem_id") == "language"]
    by_name = {d.get("api_name"): d for d in config["dependencies"]}
    for name in ("leaderboard_refresh", "leaderboard_agreement", "leaderboard_reasons"):
        assert by_name[name]["inputs"][-1] == switch, name
    # Switching language re-renders the tab's computed outputs (table, notes, figures).
    relabel = [
        d
        for d in config["dependencies"]
        if [switch, "change"] in [list(t) for t in d["targets"]] and ids["leaderboard-table"] in d["outputs"]
    ]
    assert relabel and relabel[0]["inputs"] == [switch]
    demo.queue()
    demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=free_port(), quiet=True)
    try:
        client = Client(demo.local_url, verbose=False)
        store.import_battles(synthetic_battles())
        table, summary, method, detail, provenance, correlation, *_, headline = client.predict(
            "en", api_name="/leaderboard_refresh"
        )
        assert table["headers"][:3] == ["Model", "Correct (test)", "Words"]
        assert headline.startswith("**Today:** in the arena **Extractive** is ahead (")
        assert [row[0] for row in table["data"][:3]] == ["Extractive", "Extractive (lexical)", "m3"]
        assert "GPT-3.5 (published)" in [row[0] for row in table["data"]]
        assert "**62 votes** among 3 models" in summary and "Updated:" in summary
        assert method.startswith("**In short.**") and detail["headers"][:2] == ["Model", "Rank"]
        assert "- **Extractive**: Public: 42 arena votes and 0 Chat ratings." in plain(provenance)
        assert correlation.startswith("Correlation between the judge and the votes")
        assert "No user ratings yet." in client.predict("en", api_name="/leaderboard_agreement")
        text, reasons = client.predict("en", api_name="/leaderboard_reasons")
        assert text.startswith("Nobody has said") and reasons["headers"][:2] == ["Model", "Criterion"]

        # Older callers give no language: Spanish, as before.
        table, summary, *_ = client.predict(api_name="/leaderboard_refresh")
        assert table["headers"][:3] == ["Modelo", "Aciertos (test)", "Palabras"]
        assert [row[0] for row in table["data"][:2]] == ["Extractivo", "Extractivo léxico"]
        assert "**62 votos** entre 3 modelos" in summary
        assert "Todavía no hay valoraciones de usuarios." in client.predict(api_name="/leaderboard_agreement")

        # A warning (a broken score file) reaches the page in the reader's language.
        (scores_dir / "roto.jsonl").write_text("{no es json\n", encoding="utf-8")
        _, summary, *_ = client.predict("en", api_name="/leaderboard_refresh")
        summary = plain(summary)  # the warning quotes the file: drawn through the one rendering path
        assert summary.startswith("⚠️ The stored scores are not valid: ")
        assert "roto.jsonl, line 1: invalid JSON" in summary
        _, summary, *_ = client.predict(api_name="/leaderboard_refresh")
        summary = plain(summary)
        assert summary.startswith("⚠️ Las puntuaciones guardadas no son válidas: ")
        assert "roto.jsonl, línea 1: JSON no válido" in summary
    finally:
        demo.close()
        store.close()
