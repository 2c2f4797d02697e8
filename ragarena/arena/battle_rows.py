"""A battle as the vote database stores it and as the public export format writes it, and the
conversion both ways (`ragarena.arena.battles` defines and checks the public format).

The JSON columns (conversation, passage ids, timings, reasons) are text in the database so that
SQLite and PostgreSQL store them alike. The IP digest has a column but never leaves the database.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from ragarena.arena.battles import ANONYMOUS, MODES, import_id, validate_battle
from ragarena.errors import UserError
from ragarena.store.schema import battles

COLUMNS = ("id", "served_at", "session_hash", "question", "conversation", "passage_ids", "model_a", "model_b",
           "answer_a", "answer_b", "timings", "mode", "winner", "voted_at", "reasons", "excluded_reason",
           "user_hash")
SELECT = sa.select(*[battles.c[name] for name in COLUMNS])


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def record_from_row(row) -> dict:
    """The public record of a `SELECT` row (a salted user digest when set; never the IP digest)."""
    data = dict(zip(COLUMNS, row))
    record = {
        "model_a": data["model_a"], "model_b": data["model_b"], "winner": data["winner"],
        "tstamp": data["voted_at"] if data["voted_at"] is not None else data["served_at"],
        "question": data["question"], "answer_a": data["answer_a"], "answer_b": data["answer_b"],
        "conversation": json.loads(data["conversation"]), "passage_ids": json.loads(data["passage_ids"]),
        "mode": data["mode"], "battle_id": data["id"], "session_hash": data["session_hash"],
        "served_tstamp": data["served_at"], "timings": json.loads(data["timings"]),
    }
    if data["reasons"] is not None:
        record["reasons"] = json.loads(data["reasons"])
    if data["excluded_reason"] is not None:
        record["excluded"] = True
        record["excluded_reason"] = data["excluded_reason"]
    if data["user_hash"] is not None:
        record["user_hash"] = data["user_hash"]  # a salted digest; the IP digest is never exported
    return record


def row_from_record(record: dict, position: int, now: float) -> dict:
    """The database row of a voted battle in the public format (checked strictly; UserError naming
    the `position`-th battle otherwise). Without `battle_id` its id comes from its position and
    content (`battles.import_id`); without times it is dated `now`."""
    where = f"combate {position}"
    validate_battle(record, where, strict=True)
    mode = record.get("mode") or ANONYMOUS
    if mode not in MODES:
        raise UserError(f"{where}: modo no válido ({mode!r}); se admite {', '.join(MODES)}.")
    battle_id = record.get("battle_id") or import_id(record, position)
    tstamp = _number(record.get("tstamp"), where, "tstamp")
    served = _number(record.get("served_tstamp"), where, "served_tstamp")
    excluded = record.get("excluded_reason") or record.get("excluded") or None
    if excluded is not None and not isinstance(excluded, str):
        excluded = "excluido"
    return dict(zip(COLUMNS, (
        str(battle_id), served if served is not None else (tstamp if tstamp is not None else now),
        str(record.get("session_hash") or ""), str(record.get("question") or ""),
        dumps(record.get("conversation") or []), dumps(record.get("passage_ids") or []),
        record["model_a"], record["model_b"], str(record.get("answer_a") or ""),
        str(record.get("answer_b") or ""), dumps(record.get("timings") or {}), mode, record["winner"],
        tstamp if tstamp is not None else now,
        None if record.get("reasons") is None else dumps(record["reasons"]), excluded,
        str(record["user_hash"]) if record.get("user_hash") else None,
    )))


def _number(value: Any, where: str, key: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise UserError(f"{where}: '{key}' debe ser un número (segundos desde 1970).")
    return float(value)
