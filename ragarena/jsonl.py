"""JSON Lines parsing shared by the files people hand to the CLI and the app (battles, scores)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

from ragarena.errors import UserError
from ragarena.i18n import Text, _


def parse_json_lines(text: str, path: str | Path, check: Callable[[object, Text], dict]) -> list[dict]:
    """One record per non-blank line, each passed through `check(record, where)` (which raises
    UserError naming `where`, "file, línea N"); invalid JSON is a UserError with its line."""
    records = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise UserError(_("{path}, línea {number}: JSON no válido ({reason}).", path=str(path), number=number,
                               reason=error.msg)) from None
        except RecursionError:
            raise UserError(_("{path}, línea {number}: JSON anidado a demasiada profundidad.", path=str(path),
                              number=number)) from None
        records.append(check(record, _("{path}, línea {number}", path=str(path), number=number)))
    return records
