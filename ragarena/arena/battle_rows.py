"""A battle as the vote database stores it and as the public export format writes it, and the
conversion both ways (`ragarena.core.battles` defines and checks the public format).

The JSON columns (conversation, passage ids, timings, reasons) are text in the database so that
SQLite and PostgreSQL store them alike. The IP digest has a column but never leaves the database.
Reading never trusts a row: one that is not a battle (`row_problem`: a hand-made insert, an older
version) raises `UnreadableRow`, and `RowReader` sets it aside (counted, logged once) so that the rest is served.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import sqlalchemy as sa

from ragarena.core.battle_checks import model_name_problem
from ragarena.core.battles import ANONYMOUS, MODES, WINNERS, import_id, validate_battle
from ragarena.store.schema import battles

COLUMNS = (
    "id",
    "served_at",
    "session_hash",
    "question",
    "conversation",
    "passage_ids",
    "model_a",
    "model_b",
    "answer_a",
    "answer_b",
    "timings",
    "mode",
    "winner",
    "voted_at",
    "reasons",
    "excluded_reason",
    "user_hash",
)
SELECT = sa.select(*[battles.c[name] for name in COLUMNS])
log = logging.getLogger(__name__)


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


class UnreadableRow(ValueError):
    """A stored row that is not a battle (written by hand or by an older version); the message says
    why, without the row's content."""


def record_from_row(row) -> dict:
    """The public record of a `SELECT` row (a salted user digest when set; never the IP digest);
    `UnreadableRow` when the row cannot be one (`row_problem`)."""
    data = dict(zip(COLUMNS, row))
    try:
        decoded = {key: _json_column(data[key], kind) for key, kind in JSON_COLUMNS.items()}
    except ValueError as error:
        raise UnreadableRow(str(error)) from None
    problem = row_problem(data)
    if problem:
        raise UnreadableRow(problem)
    record = {
        "model_a": data["model_a"],
        "model_b": data["model_b"],
        "winner": data["winner"],
        "tstamp": data["voted_at"] if data["voted_at"] is not None else data["served_at"],
        "question": data["question"],
        "answer_a": data["answer_a"],
        "answer_b": data["answer_b"],
        "conversation": decoded["conversation"],
        "passage_ids": decoded["passage_ids"],
        "mode": data["mode"],
        "battle_id": data["id"],
        "session_hash": data["session_hash"],
        "served_tstamp": data["served_at"],
        "timings": decoded["timings"],
    }
    if decoded["reasons"] is not None:
        record["reasons"] = decoded["reasons"]
    if data["excluded_reason"] is not None:
        record["excluded"] = True
        record["excluded_reason"] = data["excluded_reason"]
    if data["user_hash"] is not None:
        record["user_hash"] = data["user_hash"]  # a salted digest; the IP digest is never exported
    return record


#: The JSON text columns and the type each holds (None allowed only for ``reasons``).
JSON_COLUMNS = {"conversation": list, "passage_ids": list, "timings": dict, "reasons": list}
#: Stored times the app can show as dates: from 1970 to the end of year 9999 (UTC).
LATEST_READABLE = 253_402_300_799.0


def _json_column(text: Any, kind: type) -> Any:
    if text is None and kind is list:
        return None
    try:
        value = json.loads(text)
    except (TypeError, ValueError, RecursionError):
        raise ValueError("columna JSON ilegible") from None
    if not isinstance(value, kind):
        raise ValueError(f"columna JSON de tipo {type(value).__name__}, no {kind.__name__}")
    return value


def row_problem(data: dict) -> str | None:
    """Why a stored row (column -> value) is not a battle the app can read, None when it is: model
    names, winner, mode and text columns of the right types, times that are dates (`LATEST_READABLE`)."""
    for key in ("model_a", "model_b"):
        problem = model_name_problem(key, data[key], strict=False)
        if problem:
            return problem
    if data["model_a"] == data["model_b"]:
        return "model_a y model_b son el mismo modelo"
    if (data["winner"] is not None and data["winner"] not in WINNERS) or data["mode"] not in MODES:
        return "'winner' o 'mode' no válido"
    for key in ("id", "session_hash", "question", "answer_a", "answer_b"):
        if not isinstance(data[key], str):
            return f"'{key}' no es texto"
    for key in ("served_at", "voted_at"):
        value = data[key]
        if value is None and key == "voted_at":
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= LATEST_READABLE:
            return f"'{key}' no es una fecha (segundos desde 1970 hasta el año 9999)"
    return None


class RowReader:
    """Turns stored rows into public records, setting aside the rows that are not battles: `unreadable`
    counts them (latest read), and each is logged once per process, by a short id prefix and its
    reason (never its content: a row may hold digests)."""

    def __init__(self):
        self.unreadable = 0
        self._logged: set[str] = set()

    def records(self, rows, count: bool = True) -> list[dict]:
        records, unreadable = [], []
        for row in rows:
            try:
                records.append(record_from_row(row))
            except UnreadableRow as error:
                unreadable.append((str(row[0]), str(error)))
        if count:
            self.unreadable = len(unreadable)
        new = [(battle_id, reason) for battle_id, reason in unreadable if battle_id not in self._logged]
        if new:
            self._logged.update(battle_id for battle_id, _reason in new)
            log.warning(
                "%d stored battle row(s) are not battles and are left out (the rest is served): %s",
                len(new),
                "; ".join(f"{battle_id[:8]}…: {reason}" for battle_id, reason in new[:20]),
            )
        return records


def row_from_record(record: dict, position: int, now: float) -> dict:
    """The database row of a voted battle in the public format (checked strictly; `UserError` naming
    the `position`-th battle otherwise). Without `battle_id` its id comes from its position and
    content (`battles.import_id`); without times it is dated `now`."""
    validate_battle(record, f"combate {position}", strict=True, now=now)  # times, types, mode: all checked
    mode = record.get("mode") or ANONYMOUS
    battle_id = record.get("battle_id") or import_id(record, position)
    tstamp, served = (None if record.get(key) is None else float(record[key]) for key in ("tstamp", "served_tstamp"))
    excluded = record.get("excluded_reason") or record.get("excluded") or None
    if excluded is not None and not isinstance(excluded, str):
        excluded = "excluido"
    return dict(
        zip(
            COLUMNS,
            (
                str(battle_id),
                served if served is not None else (tstamp if tstamp is not None else now),
                str(record.get("session_hash") or ""),
                str(record.get("question") or ""),
                dumps(record.get("conversation") or []),
                dumps(record.get("passage_ids") or []),
                record["model_a"],
                record["model_b"],
                str(record.get("answer_a") or ""),
                str(record.get("answer_b") or ""),
                dumps(record.get("timings") or {}),
                mode,
                record["winner"],
                tstamp if tstamp is not None else now,
                None if record.get("reasons") is None else dumps(record["reasons"]),
                excluded,
                str(record["user_hash"]) if record.get("user_hash") else None,
            ),
        )
    )
