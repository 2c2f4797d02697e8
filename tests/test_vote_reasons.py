"""Vote reasons (store rules, export, leaderboard counts), reference answers, and the
leaderboard's length-controlled columns."""

from __future__ import annotations

import math

import pytest

from ragarena.answering.safe_markdown import plain
from ragarena.arena import reasons as R
from ragarena.arena.votes import VoteStore
from ragarena.core.errors import UserError
from ragarena.core.refusals import VoteRejected
from ragarena.leaderboard import build as lb
from ragarena.leaderboard import reason_table
from ragarena.leaderboard import text as board_text
from ragarena.retrieval.corpus import all_passages, load_conversations, load_pages
from ragarena.scoring.reference import ReferenceIndex, load_index, normalize, reference_markdown


@pytest.fixture
def store(tmp_path):
    s = VoteStore(tmp_path / "arena.db", votes_per_minute=10_000, votes_per_day=10_000)
    yield s
    s.close()


def serve(store, session="s1"):
    return store.record_battle(
        session_hash=session,
        question="¿A qué hora abre?",
        model_a="m1",
        model_b="m2",
        answer_a="A las 7.",
        answer_b="A las 8.",
    )


def test_reasons_fit_the_vote():
    assert R.check_reasons("model_a", ["basada en el contexto", "respuesta correcta", "respuesta correcta"]) == [
        "respuesta correcta",
        "basada en el contexto",
    ]  # canonical order, no duplicates
    assert R.check_reasons("tie", []) == []
    assert R.check_reasons("tie (bothbad)", ["inventan información"]) == ["inventan información"]
    with pytest.raises(UserError, match="Motivo no válido para «Ambas son malas»"):
        R.check_reasons("tie (bothbad)", ["respuesta correcta"])
    with pytest.raises(UserError, match="Motivo no válido para este voto"):
        R.check_reasons("model_b", ["incorrectas"])
    with pytest.raises(UserError, match="lista"):
        R.check_reasons("model_b", "respuesta correcta")
    assert set(R.CRITERION) == set(R.ALL)


def test_reasons_only_from_the_voting_session_for_its_latest_battle(store):
    battle = serve(store)
    with pytest.raises(VoteRejected, match="Vota primero"):
        store.set_reasons(battle, "s1", ["respuesta correcta"])
    store.vote(battle, "s1", "model_a")
    with pytest.raises(VoteRejected, match="no se sirvió en esta sesión"):
        store.set_reasons(battle, "intrusa", ["respuesta correcta"])
    with pytest.raises(VoteRejected, match="no se sirvió en esta sesión"):
        store.set_reasons("inventado", "s1", ["respuesta correcta"])
    with pytest.raises(VoteRejected, match="No hay ningún voto"):
        store.set_reasons(None, "s1", ["respuesta correcta"])
    assert store.set_reasons(battle, "s1", ["respuesta correcta"])["reasons"] == ["respuesta correcta"]
    # Updatable until the next round; the last call wins; an empty list clears.
    updated = store.set_reasons(battle, "s1", ["contexto recuperado adecuado", "concisa, sin relleno"])
    assert updated["reasons"] == ["concisa, sin relleno", "contexto recuperado adecuado"]
    with pytest.raises(VoteRejected, match="Motivo no válido"):
        store.set_reasons(battle, "s1", ["<script>"])
    assert store.get_battle(battle)["reasons"] == ["concisa, sin relleno", "contexto recuperado adecuado"]
    assert "reasons" not in store.set_reasons(battle, "s1", [])
    store.set_reasons(battle, "s1", ["respuesta correcta"])
    # Another session's new battle does not close this one; this session's next battle does.
    serve(store, "s2")
    store.set_reasons(battle, "s1", ["respuesta correcta", "basada en el contexto"])
    serve(store, "s1")
    with pytest.raises(VoteRejected, match="ya terminó"):
        store.set_reasons(battle, "s1", ["respuesta correcta"])
    [exported] = store.export_battles()
    assert exported["reasons"] == ["respuesta correcta", "basada en el contexto"]


def test_reasons_survive_export_and_import(store, tmp_path):
    battle = serve(store)
    store.vote(battle, "s1", "tie (bothbad)")
    store.set_reasons(battle, "s1", ["incorrectas", "contexto equivocado"])
    copy = VoteStore(tmp_path / "copia.db")
    copy.import_battles(store.export_battles())
    assert copy.export_battles()[0]["reasons"] == ["incorrectas", "contexto equivocado"]
    copy.close()


def test_reason_counts_per_model_when_it_won_lost_or_tied():
    battles = [
        {"model_a": "m1", "model_b": "m2", "winner": "model_a", "reasons": ["respuesta correcta"]},
        {
            "model_a": "m2",
            "model_b": "m1",
            "winner": "model_b",
            "reasons": ["respuesta correcta", "concisa, sin relleno"],
        },
        {"model_a": "m1", "model_b": "m2", "winner": "model_b", "reasons": ["basada en el contexto"]},
        {"model_a": "m1", "model_b": "m3", "winner": "tie (bothbad)", "reasons": ["inventan información"]},
        {"model_a": "m2", "model_b": "m3", "winner": "tie", "reasons": ["contexto recuperado adecuado"]},
        {"model_a": "m1", "model_b": "m2", "winner": "model_a"},  # no reasons: not counted
        {
            "model_a": "m1",
            "model_b": "m2",
            "winner": "model_a",
            "reasons": ["respuesta correcta"],
            "excluded": True,
            "excluded_reason": "identidad: …",
        },  # excluded: not counted
    ]
    counts = reason_table.reason_counts(battles)
    assert list(counts.columns) == list(reason_table.REASON_COLUMNS)
    rows = {(r["model"], r["reason"]): r for r in counts.to_dict("records")}
    m1_correct = rows[("m1", "respuesta correcta")]
    assert (m1_correct["won"], m1_correct["lost"], m1_correct["tied"]) == (2, 0, 0)
    assert m1_correct["won_share"] == 1.0
    assert m1_correct["lost_share"] == 0.0  # m1 lost once (with reasons), never on this point
    assert rows[("m2", "respuesta correcta")]["lost"] == 2
    assert rows[("m2", "basada en el contexto")]["won"] == 1 and rows[("m1", "basada en el contexto")]["lost"] == 1
    # "Both bad": the reasons count against both.
    assert rows[("m1", "inventan información")]["lost"] == 1 and rows[("m3", "inventan información")]["lost"] == 1
    assert rows[("m1", "inventan información")]["lost_share"] == 0.5  # m1 lost twice with reasons
    assert rows[("m2", "contexto recuperado adecuado")]["tied"] == 1
    assert math.isnan(rows[("m3", "inventan información")]["won_share"])  # m3 never won with reasons
    assert rows[("m1", "respuesta correcta")]["criterion"] == "answer_relevance"
    assert [r for m, r in rows if m == "m1"] == [
        "respuesta correcta",
        "concisa, sin relleno",
        "basada en el contexto",
        "inventan información",
    ]

    board = lb.build_leaderboard(battles, labels={"m1": "Modelo uno"}, bootstrap=0)
    shown = reason_table.reasons_frame(board.reasons, board.label)
    assert list(shown.columns) == list(reason_table.REASON_HEADERS.values())
    first = shown.iloc[0]
    assert first["Modelo"] == "Modelo uno" and first["Criterio"] == "Relevancia de la respuesta"
    assert first["% de sus victorias con motivos"] == 100
    assert "Al perder" in reason_table.reasons_markdown(board.reasons)
    assert "nadie ha indicado" in reason_table.reasons_markdown(lb.build_leaderboard([], bootstrap=0).reasons)
    empty = lb.build_leaderboard([], bootstrap=0)
    assert reason_table.reasons_frame(empty.reasons, empty.label).empty


def test_leaderboard_has_length_controlled_columns_with_ranks():
    from test_ratings import verbosity_log

    board = lb.build_leaderboard(verbosity_log(3000), bootstrap=50)
    table = board.table.set_index("model")
    others = [m for m in table.index if m != "verboso"]
    raw_gap = table.loc["verboso", "rating"] - table.loc[others, "rating"].mean()
    style_gap = table.loc["verboso", "style_rating"] - table.loc[others, "style_rating"].mean()
    assert raw_gap > 60 and abs(style_gap) < raw_gap / 3
    assert table.loc["verboso", "rank"] == 1
    assert (table["style_ci_low"] <= table["style_rating"]).all()
    assert (table["style_rating"] <= table["style_ci_high"]).all()
    from ragarena.leaderboard import table as bt

    shown = bt.detail_frame(board)
    for header in (
        "Control de estilo",
        "Control de estilo: desde",
        "Control de estilo: hasta",
        "Rango (control de estilo)",
    ):
        assert header in shown.columns
    assert shown["Rango (control de estilo)"].notna().all()
    method = board_text.method_markdown(board)
    assert "*Control de estilo* (en el detalle)" in method and "longitud +" in method
    csv_text = lb.to_csv(board)
    assert "style_rating,style_ci_low,style_ci_high,style_rank" in csv_text.splitlines()[0]


# --- reference answers -----------------------------------------------------------------------


def test_normalize():
    assert normalize("  ¿Cuánto   CUESTA el abono, al mes?! ") == "cuanto cuesta el abono al mes"
    assert normalize("Préstamo-interbibliotecario") == "prestamo interbibliotecario"


def test_reference_lookup(fixture_qa, fixture_docs):
    index = ReferenceIndex(load_conversations(fixture_qa), all_passages(load_pages(fixture_docs)))
    first = index.lookup("¿a que hora abre la PISCINA entre semana")
    assert first and first.answer == "De lunes a viernes abre de 7:00 a 22:00." and first.turn == 1
    assert first.where == "Piscina cubierta › Horario"
    # A follow-up needs its conversation: the same earlier questions (normalised).
    follow = index.lookup("¿Y en agosto?", ["A qué hora abre la piscina entre semana"])
    assert follow and follow.answer == "En agosto está cerrada por mantenimiento."
    assert index.lookup("¿Y en agosto?") is None
    assert index.lookup("¿Y en agosto?", ["¿cuánto cuesta el abono al mes?"]) is None
    assert index.lookup("¿Qué tal?") is None
    text = reference_markdown(first)
    assert "De lunes a viernes abre de 7:00 a 22:00." in plain(text) and "Fragmento de referencia" in text
    assert "Piscina cubierta › Horario" in text
    unanswerable = index.lookup(
        "¿Hay cafetería dentro?", ["cuanto cuesta el abono al mes", "¿Y para un jubilado de 70 años?"]
    )
    assert unanswerable and not unanswerable.answerable
    assert "la documentación no responde" in reference_markdown(unanswerable)
    assert reference_markdown(None) == ""


def test_reference_index_of_a_missing_file_is_none(tmp_path, capsys):
    assert load_index(tmp_path / "no.jsonl") is None
    assert "sin respuestas de referencia" in capsys.readouterr().err
