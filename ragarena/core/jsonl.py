"""JSON Lines parsing shared by the files people hand to the CLI and the app (battles, scores)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

from ragarena.core.errors import UserError
from ragarena.core.i18n import Text, _


def loads(text: str):
    """`json.loads`, with a value nested too deep for Python's parser (a `RecursionError`) reported
    like any other invalid JSON: a `json.JSONDecodeError` whose ``msg`` says so."""
    try:
        return json.loads(text)
    except RecursionError:
        raise json.JSONDecodeError("JSON anidado a demasiada profundidad", text[:100], 0) from None


def parse_json_lines(text: str, path: str | Path, check: Callable[[object, Text], dict]) -> list[dict]:
    """One record per non-blank line, each passed through `check(record, where)` (which raises
    UserError naming `where`, "file, línea N"); invalid JSON is a UserError with its line."""
    records = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = loads(line)
        except json.JSONDecodeError as error:
            raise UserError(_("{path}, línea {number}: JSON no válido ({reason}).", path=str(path), number=number,
                               reason=error.msg)) from None
        records.append(check(record, _("{path}, línea {number}", path=str(path), number=number)))
    return records
