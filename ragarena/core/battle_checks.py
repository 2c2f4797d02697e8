"""What a battle must hold before it is stored (`import-votes`, `VoteStore.import_battles`): the strict
checks of `ragarena.core.battles.battle_problem` beyond the three required fields.

Rules, each a refusal with its reason (Spanish, English through `ragarena.core.i18n`):

* ``tstamp`` and ``served_tstamp``: seconds since 1970, from 2023-01-01 00:00 UTC (`EARLIEST_TSTAMP`:
  no arena vote is older) to one day after the importing machine's clock (`FUTURE_SLACK_S`: clocks
  drift, a vote from next year is a mistake);
* ``timings``: an object of finite numbers from 0 up, booleans, null or such objects (a side's ``a``/``b``);
  text such as ``"NaN"`` is refused;
* model names: letters, digits, spaces and ``. - _ / : + @ ( )`` (`MODEL_NAME`), up to 200 characters,
  without ``://`` — names are shown on the leaderboard, so no markup and no address ever comes in;
* no NaN or infinite number anywhere, and no text with a lone surrogate (``"\\ud800"`` in JSON), which
  no database or file can store as UTF-8;
* the optional fields' types (`OPTIONAL`).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from ragarena.core.i18n import Text, _
from ragarena.core.question_check import has_lone_surrogate

EARLIEST_TSTAMP = 1_672_531_200.0  # 2023-01-01T00:00:00Z
FUTURE_SLACK_S = 24 * 3600.0
MAX_MODEL_NAME = 200
MODEL_NAME = re.compile(r"[\w .\-/:+@()]+")
NUMBER, TEXT = "número", "texto"
TIME_FIELDS = ("tstamp", "served_tstamp")
# Optional fields and what they must hold when present (None is always allowed).
OPTIONAL = {
    "tstamp": NUMBER,
    "served_tstamp": NUMBER,
    "question": TEXT,
    "answer_a": TEXT,
    "answer_b": TEXT,
    "battle_id": TEXT,
    "session_hash": TEXT,
    "user_hash": TEXT,
    "excluded_reason": TEXT,
    "mode": TEXT,
    "conversation": list,
    "passage_ids": list,
    "reasons": list,
    "timings": dict,
    "excluded": (bool, str),
}
_TYPE_NAMES = {list: _("una lista"), dict: _("un objeto"), (bool, str): _("true/false o un texto"), TEXT: _("un texto")}


def model_name_problem(key: str, value: Any, strict: bool = True) -> Text | None:
    """Why `value` cannot be the model name `key` (``model_a``/``model_b``), None when it can; not
    `strict` (a file only read), any non-empty text will do."""
    if not isinstance(value, str) or not value.strip():
        return _("'{key}' debe ser un nombre de modelo (texto no vacío).", key=key)
    if not strict:
        return None
    if len(value) > MAX_MODEL_NAME or not MODEL_NAME.fullmatch(value) or "://" in value:
        return _(
            "'{key}' no es un nombre de modelo válido ({value}): solo letras, cifras, espacios y . - _ / : + @ ( ), "
            "hasta {max} caracteres, sin direcciones.",
            key=key,
            value=_shown(value),
            max=MAX_MODEL_NAME,
        )
    return None


def strict_problem(record: dict, now: float) -> Text | None:
    """Why `record` (a dict with valid required fields) cannot be stored, None when it can; `now` is
    the importing machine's clock (epoch seconds), for the latest plausible time."""
    for key, kind in OPTIONAL.items():
        value = record.get(key)
        if value is None:
            continue
        if kind == NUMBER:
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                return _("'{key}' debe ser un número finito (segundos desde 1970).", key=key)
        elif not isinstance(value, str if kind == TEXT else kind):
            return _("'{key}' debe ser {kind}, no {value}.", key=key, kind=_TYPE_NAMES[kind], value=_shown(value))
    for key in TIME_FIELDS:
        problem = time_problem(key, record.get(key), now)
        if problem:
            return problem
    if record.get("battle_id") == "":
        return _("'battle_id' no puede estar vacío.")
    return unstorable_problem(record) or timings_problem(record.get("timings"))


def unstorable_problem(record: Any) -> Text | None:
    """Why `record` holds something no database or JSON file can store (a NaN or infinite number, text
    with a lone surrogate), naming where; None when there is nothing of the kind. Also `import-ratings`."""
    found = _bad_value(record)
    if found is None:
        return None
    path, kind = found
    if kind == "surrogate":
        return _(
            "'{path}' tiene un carácter no válido (un sustituto UTF-16 suelto, como \\ud800); corrige el texto.",
            path=path,
        )
    return _("'{path}' tiene un número no finito (NaN o infinito), que JSON no admite.", path=path)


def time_problem(key: str, value: Any, now: float) -> Text | None:
    """Why the finite number `value` is not a plausible time for `key`, None when it is (or is missing)."""
    if value is None:
        return None
    if not EARLIEST_TSTAMP <= value <= now + FUTURE_SLACK_S:
        return _(
            "'{key}' fuera del intervalo admitido ({value}): debe estar entre el 1 de enero de 2023 y un día "
            "después de hoy, en segundos desde 1970 (UTC).",
            key=key,
            value=f"{value:.6g}",
        )
    return None


def timings_problem(timings: Any) -> Text | None:
    """Why a battle's ``timings`` object holds something other than times, counts and flags."""
    stack = [("timings", timings or {})]
    while stack:
        where, item = stack.pop()
        if isinstance(item, dict):
            stack.extend((f"{where}.{key}", value) for key, value in item.items())
        elif not (
            item is None
            or isinstance(item, bool)
            or (isinstance(item, (int, float)) and math.isfinite(item) and item >= 0)
        ):
            return _(
                "'{path}' debe ser un número de 0 en adelante, true/false o null, no {value}.",
                path=where,
                value=_shown(item),
            )
    return None


def _bad_value(value: Any) -> tuple[str, str] | None:
    """(dotted path, "number" or "surrogate") of the first NaN or infinite number, or text (value or key)
    with a lone surrogate, inside `value`; None when there is none."""
    stack = [("", value)]
    while stack:  # iterative: a deeply nested record must not overflow the stack
        where, item = stack.pop()
        if isinstance(item, float) and not math.isfinite(item):
            return where or "valor", "number"
        if isinstance(item, str) and has_lone_surrogate(item):
            return where or "valor", "surrogate"
        if isinstance(item, dict):
            for key, child in item.items():
                path = f"{where}.{key}" if where else str(key)
                if has_lone_surrogate(str(key)):
                    return path.encode("utf-8", "backslashreplace").decode(), "surrogate"
                stack.append((path, child))
        elif isinstance(item, list):
            stack.extend((f"{where}[{i}]", v) for i, v in enumerate(item))
    return None


def _shown(value: Any) -> str:
    """A short, printable (ASCII-escaped when needed) rendering of a value for a message."""
    if isinstance(value, float):
        return repr(value)
    return json.dumps(value, ensure_ascii=False)[:40].encode("utf-8", "backslashreplace").decode()
