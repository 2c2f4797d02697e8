"""The one JSON Lines writer (`ragarena.core.jsonl.write_json_lines`) and its reader agree, byte for byte."""

from __future__ import annotations

import datetime
import math

import pytest

from ragarena.core.jsonl import dumps_line, parse_json_lines, write_json_lines

RECORDS = [{"pregunta": "¿Abre en agosto?", "n": 1}, {"lista": [1.5, None, True], "vacío": {}}]


def read(path):
    return parse_json_lines(path.read_text(encoding="utf-8"), path, lambda record, where: record)


@pytest.mark.parametrize("atomic", [False, True])
def test_round_trip_keeps_non_ascii_and_leaves_no_temporary_file(tmp_path, atomic):
    path = tmp_path / "datos.jsonl"
    path.write_text("lo que había\n", encoding="utf-8")
    assert write_json_lines(path, iter(RECORDS), atomic=atomic) == 2
    assert read(path) == RECORDS
    assert path.read_bytes() == (
        '{"pregunta": "¿Abre en agosto?", "n": 1}\n{"lista": [1.5, null, true], "vacío": {}}\n'.encode()
    )
    assert [p.name for p in tmp_path.iterdir()] == ["datos.jsonl"]


def test_append_adds_lines_and_ends_a_cut_last_line_first(tmp_path):
    path = tmp_path / "caché.jsonl"
    assert write_json_lines(path, RECORDS[:1], append=True) == 1  # a missing file is created
    assert write_json_lines(path, RECORDS[1:], append=True) == 1
    assert read(path) == RECORDS
    path.write_bytes(path.read_bytes() + b'{"cortado": 1}')  # a write cut short: no final newline
    write_json_lines(path, [{"nuevo": 2}], append=True)
    assert read(path) == [*RECORDS, {"cortado": 1}, {"nuevo": 2}]


def test_a_record_json_cannot_hold_leaves_the_file_as_it_was(tmp_path):
    path = tmp_path / "votos.jsonl"
    write_json_lines(path, RECORDS)
    before = path.read_bytes()
    with pytest.raises(ValueError):
        write_json_lines(path, [{"x": math.nan}], append=True, allow_nan=False)
    with pytest.raises(ValueError):
        write_json_lines(path, [RECORDS[0], {"x": math.inf}], atomic=True, allow_nan=False)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["votos.jsonl"]


def test_default_converts_what_json_has_no_type_for():
    when = datetime.date(2025, 5, 1)
    assert dumps_line({"fecha": when}, default=str) == '{"fecha": "2025-05-01"}\n'
    with pytest.raises(TypeError):
        dumps_line({"fecha": when})


def test_append_and_atomic_exclude_each_other(tmp_path):
    with pytest.raises(ValueError):
        write_json_lines(tmp_path / "x.jsonl", [], append=True, atomic=True)
