"""What every tab shares: the RAG engine and, lazily, the stores."""

from __future__ import annotations

from dataclasses import dataclass, field

from ragarena.engine import Engine


@dataclass
class AppContext:
    engine: Engine
    extras: dict = field(default_factory=dict)  # stores and settings that later tabs add
