"""The JSON files of an output folder (summary, settings); its JSON Lines go through ragarena.core.jsonl."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ragarena.core.errors import UserError


def write_json(path: str | Path, data: dict[str, Any]) -> None:
    Path(path).write_text(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8")


def read_json(path: str | Path) -> dict[str, Any]:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:
        raise UserError(f"No se puede leer «{path}»: {error}") from None
