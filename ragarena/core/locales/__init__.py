"""English translations of the UI, keyed by the Spanish template (see `ragarena.core.i18n`).

One module per area (common, chat, arena, leaderboard) so each stays readable next to the
code it translates; each defines ``EN: dict[str, str]``. `catalog` merges them once.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache


@cache
def catalog(language: str) -> dict[str, str]:
    if language != "en":
        return {}
    merged: dict[str, str] = {}
    for module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
        merged.update(importlib.import_module(f"{__name__}.{module}").EN)
    return merged
