"""Arena battles in the public format of Chatbot Arena (LMSYS) exports.

A battle is a dict with at least::

    {"model_a": "modelo-1", "model_b": "modelo-2", "winner": "model_a"}

`winner` is one of ``"model_a"``, ``"model_b"``, ``"tie"`` or ``"tie (bothbad)"``. Any other
field (``tstamp``, ``question``, ``answer_a``, ``answer_b``, ``excluded``, ...) is kept as
is. Files are JSON Lines (one battle per line, blank lines ignored) or a single JSON list;
`read_battles` accepts both, `write_battles` writes JSON Lines.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any, Iterable

from ragarena.errors import UserError
from ragarena.jsonl import parse_json_lines

WINNERS = ("model_a", "model_b", "tie", "tie (bothbad)")
#: The two fields that take a vote out of the ratings (vote hygiene, `ragarena.hygiene`).
EXCLUSION_FIELDS = ("excluded", "excluded_reason")
REQUIRED = ("model_a", "model_b", "winner")


def validate_battle(record: Any, where: str) -> dict:
    """Check one battle record; `where` (e.g. ``"votos.jsonl, línea 3"``) names it in errors."""
    if not isinstance(record, dict):
        raise UserError(f"{where}: cada combate debe ser un objeto JSON, no {type(record).__name__}.")
    missing = [key for key in REQUIRED if key not in record]
    if missing:
        raise UserError(f"{where}: faltan los campos {', '.join(missing)}.")
    for key in ("model_a", "model_b"):
        value = record[key]
        if not isinstance(value, str) or not value.strip():
            raise UserError(f"{where}: '{key}' debe ser un nombre de modelo (texto no vacío).")
    if record["model_a"] == record["model_b"]:
        raise UserError(f"{where}: model_a y model_b son el mismo modelo ({record['model_a']!r}).")
    if record["winner"] not in WINNERS:
        allowed = ", ".join(repr(w) for w in WINNERS)
        raise UserError(
            f"{where}: valor de 'winner' no válido ({record['winner']!r}); se admite {allowed}."
        )
    return record


def read_battles(path: str | os.PathLike) -> list[dict]:
    """Read battles from a JSON Lines file or a file holding one JSON list.

    Raises `UserError` (in Spanish, naming the file and the line) for a missing or unreadable
    file, malformed JSON, or a record without a valid ``model_a``/``model_b``/``winner``.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise UserError(f"No existe el archivo de combates: {path}") from None
    except IsADirectoryError:
        raise UserError(f"{path} es una carpeta, no un archivo de combates.") from None
    except UnicodeDecodeError:
        raise UserError(f"{path}: el archivo no está en UTF-8.") from None
    except OSError as error:
        raise UserError(f"No se puede leer {path}: {error.strerror or error}") from None

    stripped = text.lstrip()
    if stripped.startswith("["):
        return _read_json_list(path, text)
    return parse_json_lines(text, path, validate_battle)


def _read_json_list(path: Path, text: str) -> list[dict]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise UserError(f"{path}, línea {error.lineno}: JSON no válido ({error.msg}).") from None
    if not isinstance(data, list):
        raise UserError(f"{path}: se esperaba una lista JSON de combates o JSON Lines.")
    # Line of each element, for error messages: a streaming decode keeps the offsets.
    lines = _element_lines(text)
    records = []
    for index, record in enumerate(data):
        line = lines[index] if index < len(lines) else None
        where = f"{path}, línea {line} (elemento {index + 1})" if line else f"{path}, elemento {index + 1}"
        records.append(validate_battle(record, where))
    return records


def _element_lines(text: str) -> list[int]:
    """1-based line where each top-level element of a JSON list starts ([] if unknown)."""
    decoder = json.JSONDecoder()
    position = text.index("[") + 1
    lines = []
    length = len(text)
    counted, line = 0, 1
    while True:
        while position < length and text[position] in " \t\r\n,":
            position += 1
        if position >= length or text[position] == "]":
            return lines
        line += text.count("\n", counted, position)
        counted = position
        lines.append(line)
        try:
            _, position = decoder.raw_decode(text, position)
        except json.JSONDecodeError:
            return lines


def write_battles(path: str | os.PathLike, records: Iterable[dict]) -> int:
    """Write battles as JSON Lines (UTF-8, non-ASCII kept); returns how many were written.

    Every record is validated first, so a bad one raises `UserError` and nothing is written.
    The file is written to a temporary sibling and renamed, so readers never see half a file.
    """
    path = Path(path)
    records = list(records)
    for index, record in enumerate(records):
        validate_battle(record, f"combate {index + 1}")
    tmp = path.with_name(path.name + ".tmp")
    try:
        with tmp.open("w", encoding="utf-8") as handle:
            for record in records:
                handle.write(json.dumps(record, ensure_ascii=False, default=str))
                handle.write("\n")
        os.replace(tmp, path)
    except OSError as error:
        raise UserError(f"No se puede escribir {path}: {error.strerror or error}") from None
    return len(records)


def _flag_set(value: Any) -> bool:
    """An exclusion field that says "excluded": anything truthy but a missing value (None, NaN)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return False
    return bool(value)


def is_excluded(battle: dict) -> bool:
    """Whether a battle is kept out of every rating: ``excluded`` true or an ``excluded_reason``.

    The one place this is decided: the ratings (`ragarena.ratings`, records and data frames),
    the leaderboard and its reasons table, and the voter screening all ask here.
    """
    return any(_flag_set(battle.get(name)) for name in EXCLUSION_FIELDS)


def excluded_mask(frame) -> Any:
    """`is_excluded` for each row of a pandas DataFrame of battles (a boolean numpy array)."""
    import numpy as np

    flags = [frame[name].map(_flag_set).to_numpy(dtype=bool) for name in EXCLUSION_FIELDS if name in frame.columns]
    return np.logical_or.reduce(flags) if flags else np.zeros(len(frame), dtype=bool)
