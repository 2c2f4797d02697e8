"""Which sentence of the retrieved passages an answer rests on, for highlighting in the UI."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ragarena.core.passages import Hit
from ragarena.core.text_metrics import token_f1
from ragarena.selector.candidates import sentences

# Below this token F1 no sentence really supports the answer: highlight nothing.
MIN_SUPPORT = 0.3


@dataclass(frozen=True)
class Support:
    passage_id: str
    sentence: str
    overlap: float


def supporting_sentence(answer: str, hits: Sequence[Hit]) -> Support | None:
    best: Support | None = None
    for hit in hits:
        for sentence in sentences(hit.passage.text):
            overlap = token_f1(answer, sentence)
            if overlap >= MIN_SUPPORT and (best is None or overlap > best.overlap):
                best = Support(hit.passage.id, sentence, overlap)
    return best
