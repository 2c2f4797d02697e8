"""`import-votes` never drops a row silently: rows without an id all import (and only once), every
refused row is reported with its line and reason, and exports are always valid JSON."""

from __future__ import annotations

import json
import sqlite3

import pytest

from ragarena import cli
from ragarena.arena.votes import VoteStore

MODELS = ["extractive", "extractive-long", "gpt-3.5-turbo"]
WINNERS = ["model_a", "model_b", "tie", "tie (bothbad)"]


def strict_json(line: str):
    """json.loads that refuses NaN and Infinity, as any non-Python JSON reader does."""

    def refuse(constant):
        raise ValueError(f"not JSON: {constant}")

    return json.loads(line, parse_constant=refuse)


@pytest.fixture
def db(tmp_path, monkeypatch):
    path = tmp_path / "arena.db"
    monkeypatch.setenv("RAGARENA_DB", str(path))
    return path


def public_rows(n: int) -> list[dict]:
    """Battles in the public format without battle_id or tstamp: many rows are identical (same
    models, same winner), as in a real export of an arena without ids."""
    rows = []
    for i in range(n):
        a, b = MODELS[i % 3], MODELS[(i // 3) % 2 + 1 if i % 3 == 0 else 0]
        rows.append({"model_a": a, "model_b": b, "winner": WINNERS[(i // 7) % 4]})
    return rows


def test_a_file_without_ids_imports_all_its_rows_once(tmp_path, db, capsys):
    rows = public_rows(3000)
    distinct = {json.dumps(r, sort_keys=True) for r in rows}
    assert len(distinct) < 100  # the old content-only ids kept one battle per distinct row
    path = tmp_path / "publico.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    assert cli.main(["import-votes", str(path)]) == 0
    out = capsys.readouterr().out
    print(out)
    assert "Importados 3000 combates nuevos" in out and "(0 ya estaban)" in out
    assert cli.main(["import-votes", str(path)]) == 0
    assert "Importados 0 combates nuevos" in capsys.readouterr().out
    store = VoteStore(db)
    assert store.count_votes() == 3000
    assert sorted(b["winner"] for b in store.export_battles()) == sorted(r["winner"] for r in rows)
    store.close()


BAD = {
    3: '{"model_a": "x", "model_b": "y", "winner": "tie", "tstamp": NaN}',
    4: '{"model_a": "x", "model_b": "y", "winner": "tie", "tstamp": Infinity}',
    5: '{"model_a": "x", "model_b": "y", "winner": "tie", "tstamp": 1e999}',
    6: '{"model_a": "x", "model_b": "y", "winner": "tie", "conversation": 5}',
    7: '{"model_a": "x", "model_b": "y", "winner": "tie", "reasons": "x"}',
    8: '{"model_a": "x", "model_b": "y", "winner": "tie", "passage_ids": 7}',
    9: '{"model_a": "x", "model_b": "y", "winner": "tie", "timings": {"total_s": -Infinity}}',
    10: '{"model_a": "x", "model_b": "y", "winner": "tie", "tstamp": "ayer"}',
    11: '{"model_a": "x", "model_b": "y", "winner": "nadie"}',
    12: '{"model_a": "x", "model_b": "y", "winner": "tie", "battle_id": "b-1"}',
    13: '{"model_a": "x", "model_b": "y", "winner": "tie", ',
    14: "[" * 100_000 + "]" * 100_000,
}


def test_bad_rows_are_refused_with_their_line_and_reason_and_the_rest_imported(tmp_path, db, capsys):
    good = [
        '{"model_a": "x", "model_b": "y", "winner": "model_a", "tstamp": 1700000000}',
        '{"model_a": "x", "model_b": "y", "winner": "model_a", "battle_id": "b-1"}',
    ]
    path = tmp_path / "mezcla.jsonl"
    path.write_text("\n".join(good + [BAD[n] for n in sorted(BAD)]) + "\n", encoding="utf-8")
    from ragarena.core.battles import read_for_import

    found = read_for_import(path)
    assert len(found.records) == 2
    refused = dict(found.refused)
    assert sorted(refused) == sorted(BAD)
    for line in (3, 4, 5):
        assert "'tstamp' debe ser un número finito" in refused[line]
    assert "'conversation' debe ser una lista, no 5" in refused[6]
    assert "'reasons' debe ser una lista" in refused[7]
    assert "'passage_ids' debe ser una lista, no 7" in refused[8]
    assert "'timings.total_s' tiene un número no finito" in refused[9]
    assert "'tstamp' debe ser un número finito" in refused[10]
    assert "'winner'" in refused[11]
    assert "repetido (ya está en la línea 2)" in refused[12]
    assert "JSON no válido" in refused[13]
    assert "demasiada profundidad" in refused[14]

    assert cli.main(["import-votes", str(path)]) == 2  # refused rows: not a silent success
    captured = capsys.readouterr()
    assert "Importados 2 combates nuevos" in captured.out and "12 filas rechazadas" in captured.out
    print(captured.err)
    assert "4 × 'tstamp' debe ser un número finito (segundos desde 1970). Líneas 3, 4, 5, 10" in captured.err
    assert "1 × 'conversation' debe ser una lista, no 5. Línea 6" in captured.err and "Línea 14" in captured.err
    assert "Traceback" not in captured.err

    out = tmp_path / "export.jsonl"
    assert cli.main(["export-votes", str(out)]) == 0
    exported = [strict_json(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(exported) == 2


def test_an_export_is_valid_json_and_leaves_out_a_row_with_a_time_that_is_no_date(tmp_path, db, capsys):
    """An older version could store NaN in a battle's timings (written as null) or an infinite vote
    time: that row is left out of the export and counted, the rest exported, nothing deleted."""
    store = VoteStore(db)
    store.import_battles(
        [
            {"model_a": "x", "model_b": "y", "winner": "tie", "tstamp": 1_700_000_000.0},
            {"model_a": "x", "model_b": "y", "winner": "model_a", "tstamp": 1_700_000_001.0},
        ]
    )
    store.close()
    conn = sqlite3.connect(db)
    conn.execute("UPDATE battles SET timings = '{\"total_s\": NaN}'")
    conn.execute("UPDATE battles SET voted_at = 9e999 WHERE winner = 'model_a'")
    conn.commit()
    conn.close()
    out = tmp_path / "export.jsonl"
    assert cli.main(["export-votes", str(out)]) == 0
    [record] = [strict_json(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert record["winner"] == "tie" and record["timings"] == {"total_s": None}
    captured = capsys.readouterr()
    assert "Exportados 1 combates" in captured.out
    assert "1 filas guardadas no son combates válidos" in captured.err and "Traceback" not in captured.err
    assert sqlite3.connect(db).execute("SELECT COUNT(*) FROM battles").fetchone() == (2,)


def test_a_json_list_file_refuses_rows_with_their_line(tmp_path, db, capsys):
    path = tmp_path / "lista.json"
    path.write_text(
        '[\n{"model_a": "x", "model_b": "y", "winner": "tie"},\n'
        '{"model_a": "x", "model_b": "y", "winner": "tie", "reasons": "x"}\n]\n',
        encoding="utf-8",
    )
    assert cli.main(["import-votes", str(path)]) == 2
    captured = capsys.readouterr()
    assert "Importados 1 combates nuevos" in captured.out
    assert "'reasons' debe ser una lista" in captured.err and "Línea 3" in captured.err
