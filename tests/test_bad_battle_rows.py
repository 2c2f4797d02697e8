"""One bad battle never stops the app: `import-votes` refuses each bad row of issue 27 with its line and
reason (times out of range, "NaN" timings, lone surrogates, markup in model names), and a bad row put in
the database by hand is left out, counted and logged once while the app starts and serves the rest."""

from __future__ import annotations

import json
import sqlite3
import time

import pytest
from gradio_client import Client
from test_votes import serve  # the vote tests' battle, served to a session

from ragarena import cli
from ragarena.arena.votes import VoteStore
from ragarena.core.battles import read_for_import
from ragarena.core.i18n import localize
from ragarena.core.refusals import VoteRejected

GOOD = {"model_a": "extractive", "model_b": "extractive-lexical", "winner": "model_a", "tstamp": 1_750_000_000}
LEAK = "http://127.0.0.1:9/lb.png"
# line -> (row, what its refusal says)
BAD = {
    2: ({"tstamp": 1e300}, "'tstamp' fuera del intervalo admitido (1e+300)"),
    3: ({"tstamp": -1e308}, "'tstamp' fuera del intervalo admitido (-1e+308)"),
    4: ({"timings": {"a": {"total_s": "NaN"}}}, "'timings.a.total_s' debe ser un número de 0 en adelante"),
    5: ({"timings": {"retrieval_s": -1}}, "'timings.retrieval_s' debe ser un número de 0 en adelante"),
    6: ({"question": "q \ud800"}, "'question' tiene un carácter no válido (un sustituto UTF-16 suelto"),
    7: ({"model_a": f"<img src={LEAK}>"}, "'model_a' no es un nombre de modelo válido"),
    8: ({"model_a": f'x"><img src={LEAK}>'}, "'model_a' no es un nombre de modelo válido"),
    9: ({"model_b": f"![m]({LEAK})"}, "'model_b' no es un nombre de modelo válido"),
    10: ({"tstamp": 1.0}, "'tstamp' fuera del intervalo admitido (1)"),
    11: ({"tstamp": time.time() + 3 * 86400}, "'tstamp' fuera del intervalo admitido"),
    12: ({"served_tstamp": 1e300}, "'served_tstamp' fuera del intervalo admitido"),
    13: ({"tstamp": True}, "'tstamp' debe ser un número finito"),
    14: ({"timings": []}, "'timings' debe ser un objeto, no []"),
    15: (
        {"conversation": [{"question": "¿x?", "answer_a": "\udfff"}]},
        "'conversation[0].answer_a' tiene un carácter no válido",
    ),
}


@pytest.fixture
def db(tmp_path, monkeypatch):
    path = tmp_path / "arena.db"
    monkeypatch.setenv("RAGARENA_DB", str(path))
    return path


def bad_file(tmp_path):
    lines = [json.dumps(GOOD)] + [
        json.dumps({**GOOD, "tstamp": 1_750_000_000 + n, **row}) for n, (row, _why) in sorted(BAD.items())
    ]
    lines.append(json.dumps({**GOOD, "winner": "tie", "tstamp": 1_750_000_100}))
    path = tmp_path / "malos.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")  # json.dumps writes "\ud800" as an escape
    return path


def launch(app_launcher, fixture_docs, db):
    return app_launcher({"RAGARENA_DOCS": str(fixture_docs), "RAGARENA_RETRIEVAL": "bm25", "RAGARENA_DB": str(db)})


def test_each_bad_row_is_refused_with_its_line_and_the_app_then_starts_and_shows_the_leaderboard(
    tmp_path, db, capsys, app_launcher, fixture_docs
):
    path = bad_file(tmp_path)
    found = read_for_import(path)
    refused = dict(found.refused)
    assert sorted(refused) == sorted(BAD)
    for line, (_row, why) in BAD.items():
        assert why in refused[line], (line, refused[line])
    assert localize(refused[2], "en").startswith("'tstamp' is out of the accepted range (1e+300)")
    assert localize(refused[6], "en").startswith("'question' holds an invalid character (a lone UTF-16 surrogate")

    assert cli.main(["import-votes", str(path)]) == 2
    captured = capsys.readouterr()
    assert "Importados 2 combates nuevos" in captured.out and "14 filas rechazadas" in captured.out
    assert "Traceback" not in captured.err and "UnicodeEncodeError" not in captured.err
    assert "× 'tstamp' fuera del intervalo admitido (1e+300): debe estar entre el 1 de enero de 2023" in captured.err
    assert (
        "'question' tiene un carácter no válido (un sustituto UTF-16 suelto, como \\ud800); corrige el texto. "
        "Línea 6" in captured.err
    )
    assert "× 'model_a' no es un nombre de modelo válido" in captured.err and "Línea 7" in captured.err

    app = launch(app_launcher, fixture_docs, db)
    client = Client(app.url, verbose=False)
    table, summary, *_ = client.predict(api_name="/leaderboard_refresh")
    assert "**2 votos** entre 2 modelos" in summary and "⚠️" not in summary
    assert {row[0] for row in table["data"]} >= {"Extractivo", "Extractivo léxico"}
    assert LEAK not in json.dumps(table)
    client.close()
    assert "Traceback" not in app.log()


def insert_raw(db, battle_id: str, **columns) -> None:
    """A row written straight into the database, as a hand edit or an older version could."""
    row = {
        "id": battle_id,
        "served_at": 1_750_000_000.0,
        "session_hash": "s",
        "question": "¿x?",
        "conversation": "[]",
        "passage_ids": "[]",
        "model_a": "extractive",
        "model_b": "extractive-lexical",
        "answer_a": "a",
        "answer_b": "b",
        "timings": "{}",
        "mode": "anonymous",
        "winner": "model_b",
        "voted_at": 1_750_000_001.0,
        **columns,
    }
    conn = sqlite3.connect(db)
    conn.execute(f"INSERT INTO battles ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})", list(row.values()))
    conn.commit()
    conn.close()


def test_a_bad_row_already_in_the_database_is_left_out_counted_and_logged_once(
    tmp_path, db, capsys, app_launcher, fixture_docs
):
    store = VoteStore(db)
    store.import_battles([GOOD, {**GOOD, "winner": "tie", "tstamp": 1_750_000_100}])
    store.close()
    insert_raw(db, "roto-tiempo", voted_at=1e300)
    insert_raw(db, "roto-negativo", voted_at=-1e308)
    insert_raw(db, "roto-json", conversation="{no es json")
    insert_raw(db, "roto-nombre", model_a="")

    store = VoteStore(db)
    assert [b["winner"] for b in store.export_battles()] == ["model_a", "tie"]
    assert store.reader.unreadable == 4
    store.close()

    out = tmp_path / "export.jsonl"
    assert cli.main(["export-votes", str(out)]) == 0
    assert len(out.read_text(encoding="utf-8").splitlines()) == 2
    assert "4 filas guardadas no son combates válidos" in capsys.readouterr().err
    assert cli.main(["votes-report"]) == 0
    report = capsys.readouterr()
    assert "Votos en" in report.out and "4 filas guardadas no son combates válidos" in report.out
    assert cli.main(["ratings", str(out)]) == 0
    capsys.readouterr()

    app = launch(app_launcher, fixture_docs, db)
    client = Client(app.url, verbose=False)
    for language, warning in (
        ("es", "⚠️ 4 votos guardados no se pueden leer y no cuentan"),
        ("en", "⚠️ 4 stored votes cannot be read and do not count"),
    ):
        _table, summary, *_ = client.predict(language, api_name="/leaderboard_refresh")
        assert warning in summary and ("**2 votos**" in summary or "**2 votes**" in summary)
    client.close()
    log = app.log()
    assert "Traceback" not in log
    assert log.count("are not battles and are left out") == 1, log
    assert "roto-tie…: 'voted_at' no es una fecha" in log and "roto-jso…: columna JSON ilegible" in log
    assert "¿x?" not in log  # reasons only, never a row's content
    assert sqlite3.connect(db).execute("SELECT COUNT(*) FROM battles").fetchone() == (6,)  # nothing deleted


def test_import_ratings_refuses_a_lone_surrogate_and_a_time_out_of_range_with_a_message(tmp_path, db, capsys):
    rating = {
        "answer_id": "r-1",
        "model": "extractive",
        "question": "¿x?",
        "answer": "a",
        "answer_relevance": 3,
        "context_relevance": 4,
        "groundedness": 5,
        "served_tstamp": 1_750_000_000,
        "first_tstamp": 1_750_000_001,
        "tstamp": 1_750_000_002,
    }
    cases = {
        "q \ud800": "'question' tiene un carácter no válido (un sustituto UTF-16 suelto",
        1e300: "'served_tstamp' fuera del intervalo admitido (1e+300)",
    }
    for bad, why in cases.items():
        key = "question" if isinstance(bad, str) else "served_tstamp"
        path = tmp_path / "valoraciones.jsonl"
        path.write_text(json.dumps({**rating, key: bad}) + "\n", encoding="utf-8")
        assert cli.main(["import-ratings", str(path)]) == 2
        err = capsys.readouterr().err
        assert f"valoración 1: {why}" in err and "Traceback" not in err
    path.write_text(json.dumps(rating) + "\n", encoding="utf-8")
    assert cli.main(["import-ratings", str(path)]) == 0


def test_reports_read_from_a_file_take_any_time_without_a_traceback(tmp_path, capsys):
    path = tmp_path / "excluidos.jsonl"
    path.write_text(
        "".join(
            json.dumps({**GOOD, "tstamp": t, "excluded_reason": "prueba"}) + "\n"
            for t in (1e300, -1e308, 1_750_000_000)
        ),
        encoding="utf-8",
    )
    assert cli.main(["votes-report", "--file", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Combates excluidos (3)" in out and "2025-06-15 15:06" in out and out.count("—  ") >= 2
    from ragarena.leaderboard.build import parse_tstamp

    assert [parse_tstamp(v) for v in (1e300, -1e308, float("nan"), "1e300", "ayer")] == [None] * 5


def test_voting_on_a_row_broken_by_hand_is_refused_with_a_message_and_counts_nothing(db):
    store = VoteStore(db, votes_per_minute=100)
    battle_id = serve(store, session="s")
    with sqlite3.connect(db) as conn:  # as a hand-made edit would leave it
        conn.execute("UPDATE battles SET timings = '[1, 2]' WHERE id = ?", (battle_id,))
    with pytest.raises(VoteRejected) as refused:
        store.vote(battle_id, "s", "model_a")
    assert localize(refused.value.args[0], "en").startswith("That battle is stored in an invalid form")
    assert sqlite3.connect(db).execute("SELECT winner FROM battles WHERE id = ?", (battle_id,)).fetchone() == (None,)
    good = serve(store, session="s")
    assert store.vote(good, "s", "model_b")["winner"] == "model_b"  # the store goes on
    store.close()
