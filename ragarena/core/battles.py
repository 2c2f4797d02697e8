"""Arena battles in the public format of Chatbot Arena (LMSYS) exports.

A battle is a dict with at least::

    {"model_a": "modelo-1", "model_b": "modelo-2", "winner": "model_a"}

`winner` is one of ``"model_a"``, ``"model_b"``, ``"tie"`` or ``"tie (bothbad)"``. Any other
field (``tstamp``, ``question``, ``answer_a``, ``answer_b``, ``excluded``, ...) is kept as
is. Files are JSON Lines (one battle per line, blank lines ignored) or a single JSON list;
`read_battles` accepts both, `write_battles` writes JSON Lines.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ragarena.core.battle_checks import model_name_problem, strict_problem
from ragarena.core.errors import UserError
from ragarena.core.i18n import Text, _, join_text
from ragarena.core.jsonl import loads, parse_json_lines, write_json_lines

WINNERS = ("model_a", "model_b", "tie", "tie (bothbad)")
#: The two fields that take a vote out of the ratings (vote hygiene, `ragarena.arena.hygiene`).
EXCLUSION_FIELDS = ("excluded", "excluded_reason")
REQUIRED = ("model_a", "model_b", "winner")
ANONYMOUS, NAMED = "anonymous", "named"  # a battle's `mode`: blind, or the names in view
MODES = (ANONYMOUS, NAMED)


def battle_problem(record: Any, strict: bool = False, now: float | None = None) -> Text | None:
    """Why `record` is not a battle (Spanish, without where it is), or None when it is one.

    `strict` (what is stored: `import-votes`, `VoteStore.import_battles`) also applies
    `ragarena.core.battle_checks` (types, plausible times from `now`, default the clock, timings,
    model names, no NaN, infinity or lone surrogate anywhere); readers of a file (ratings, DPO pairs)
    need only the three required fields and skip what they cannot use."""
    if not isinstance(record, dict):
        return _("cada combate debe ser un objeto JSON, no {kind}.", kind=type(record).__name__)
    missing = [key for key in REQUIRED if key not in record]
    if missing:
        return _("faltan los campos {fields}.", fields=", ".join(missing))
    for key in ("model_a", "model_b"):
        problem = model_name_problem(key, record[key], strict)
        if problem:
            return problem
    if record["model_a"] == record["model_b"]:
        return _("model_a y model_b son el mismo modelo ({model}).", model=repr(record["model_a"]))
    if record["winner"] not in WINNERS:
        return _(
            "valor de 'winner' no válido ({value}); se admite {allowed}.",
            value=repr(str(record["winner"])[:80]),
            allowed=", ".join(repr(w) for w in WINNERS),
        )
    if not strict:
        return None
    problem = strict_problem(record, time.time() if now is None else now)
    if problem is None and record.get("mode") is not None and record["mode"] not in MODES:
        problem = _(
            "modo no válido ({mode}); se admite {allowed}.", mode=repr(record["mode"][:40]), allowed=", ".join(MODES)
        )
    return problem


def validate_battle(record: Any, where: str, strict: bool = False, now: float | None = None) -> dict:
    """Check one battle record (`battle_problem`); `where` (e.g. ``"votos.jsonl, línea 3"``) names it in errors."""
    problem = battle_problem(record, strict, now)
    if problem:
        raise UserError(join_text([where, problem], ": "))
    return record


def finite_or_none(value: Any) -> Any:
    """`value` with every NaN or infinite number replaced by None (so what is written is JSON)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: finite_or_none(v) for k, v in value.items()}
    if isinstance(value, list):
        return [finite_or_none(v) for v in value]
    return value


def import_id(record: dict, line: int) -> str:
    """The id of a battle that has none: from its line (or position) and its content, so two identical
    rows of a file are two battles, and importing the same file again adds nothing."""
    content = json.dumps(record, sort_keys=True, ensure_ascii=False, default=str)
    return "imp-" + hashlib.sha256(f"{line}\n{content}".encode()).hexdigest()[:32]


def read_battles(path: str | os.PathLike) -> list[dict]:
    """Read battles from a JSON Lines file or a file holding one JSON list.

    Raises `UserError` (in Spanish, naming the file and the line) for a missing or unreadable
    file, malformed JSON, or a record without a valid ``model_a``/``model_b``/``winner``.
    """
    records, where = read_battle_rows(path)
    return [validate_battle(record, label) for record, label in zip(records, where)]


def read_battle_rows(path: str | os.PathLike) -> tuple[list[Any], list[str]]:
    """Every record of a battles file (JSON Lines or a JSON list), unchecked, and where each is
    ("votos.jsonl, línea 3"): for the readers that leave out and count what is not a battle
    (`ragarena.core.vote_filter.count_votes`) instead of refusing the file. A file that cannot be read
    or holds invalid JSON raises `UserError` (the file itself is broken)."""
    path = Path(path)
    text = _read_text(path)
    if text.lstrip().startswith("["):
        rows = [(record, where) for record, where, _line in _json_list(path, text)]
    else:
        rows = parse_json_lines(text, path, lambda record, where: (record, where))
    return [record for record, _where in rows], [where for _record, where in rows]


@dataclass
class ImportFile:
    """What `read_for_import` found: the battles to add (each with a ``battle_id``) and the rows
    refused, as (line, reason)."""

    records: list[dict] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)

    def refused_by_reason(self) -> dict[str, list[int]]:
        grouped: dict[str, list[int]] = {}
        for line, reason in self.refused:
            grouped.setdefault(reason, []).append(line)
        return grouped


def read_for_import(path: str | os.PathLike) -> ImportFile:
    """Every row of a battles file (JSON Lines or a JSON list), for `import-votes`: the good ones with
    a ``battle_id`` (`import_id` from the line and content when they have none), the bad ones with
    their line and reason; nothing is dropped without a reason. A file that cannot be read at all
    (missing, not UTF-8, a JSON list that does not parse) raises `UserError`."""
    path = Path(path)
    text = _read_text(path)
    result = ImportFile()
    if text.lstrip().startswith("["):
        rows = [(record, line or index + 1) for index, (record, _where, line) in enumerate(_json_list(path, text))]
    else:
        rows = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                rows.append((loads(line), number))
            except json.JSONDecodeError as error:
                result.refused.append((number, _("JSON no válido ({reason}).", reason=error.msg)))
    seen: dict[str, int] = {}
    now = time.time()
    for record, line in rows:
        problem = battle_problem(record, strict=True, now=now)
        if problem is None and record.get("battle_id") is not None and str(record["battle_id"]) in seen:
            problem = _("'battle_id' repetido (ya está en la línea {line}).", line=seen[str(record["battle_id"])])
        if problem:
            result.refused.append((line, problem))
            continue
        record = dict(record)
        record["battle_id"] = record.get("battle_id") or import_id(record, line)
        seen[record["battle_id"]] = line
        result.records.append(record)
    return result


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise UserError(f"No existe el archivo de combates: {path}") from None
    except IsADirectoryError:
        raise UserError(f"{path} es una carpeta, no un archivo de combates.") from None
    except UnicodeDecodeError:
        raise UserError(f"{path}: el archivo no está en UTF-8.") from None
    except OSError as error:
        raise UserError(f"No se puede leer {path}: {error.strerror or error}") from None


def _json_list(path: Path, text: str) -> list[tuple[Any, str, int | None]]:
    """(element, where, line) for each element of a file holding one JSON list."""
    try:
        data = loads(text)
    except json.JSONDecodeError as error:
        raise UserError(f"{path}, línea {error.lineno}: JSON no válido ({error.msg}).") from None
    if not isinstance(data, list):
        raise UserError(f"{path}: se esperaba una lista JSON de combates o JSON Lines.")
    # Line of each element, for error messages: a streaming decode keeps the offsets.
    lines = _element_lines(text)
    elements = []
    for index, record in enumerate(data):
        line = lines[index] if index < len(lines) else None
        where = f"{path}, línea {line} (elemento {index + 1})" if line else f"{path}, elemento {index + 1}"
        elements.append((record, where, line))
    return elements


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
    # A NaN or infinity stored by an older version is written as null: the file is always JSON.
    records = [finite_or_none(record) for record in records]
    for index, record in enumerate(records):
        validate_battle(record, f"combate {index + 1}")
    try:
        return write_json_lines(path, records, atomic=True, default=str, allow_nan=False)
    except OSError as error:
        raise UserError(f"No se puede escribir {path}: {error.strerror or error}") from None


def _flag_set(value: Any) -> bool:
    """An exclusion field that says "excluded": anything truthy but a missing value (None, NaN)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return False
    return bool(value)


def is_excluded(battle: dict) -> bool:
    """Whether a battle is kept out of every rating: ``excluded`` true or an ``excluded_reason``.

    The one place this is decided; whether a vote counts (this, blind, well formed) is
    `ragarena.core.vote_filter`'s, which every rating asks.
    """
    return any(_flag_set(battle.get(name)) for name in EXCLUSION_FIELDS)
