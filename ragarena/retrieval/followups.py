"""Retrieval for one turn of a conversation: a follow-up keeps what the question alone would get.

The retrievers read the earlier questions too (the topic usually stays, and "¿y para un jubilado?"
needs it), which drags a question on a new topic back to the old one ("Perdí mi carné, ¿qué hago?"
after two questions on other things). So a follow-up is also retrieved on its own, and that
retrieval's best passage takes the last of the k places when the conversation's retrieval left it
out; the answer model then chooses among them.

Measured on the 267 answerable follow-ups of the bundled train split (hybrid, k = 5): the gold
passage in the top 5 on 0.873 (0.876 with the conversation alone, 0.622 with the question alone;
interleaving the two lists 0.858, the fresh list's first two first 0.858), top 1 and top 3
unchanged (0.543, 0.760).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from ragarena.core.passages import Hit

FRESH_KEPT = 1  # how many of the question-alone retrieval's best passages a follow-up keeps


def search_turn(retriever, question: str, history: Sequence[str], k: int = 5) -> list[Hit]:
    """Top-k passages for `question` after the earlier questions `history` (oldest first)."""
    hits = list(retriever.search(question, list(history), k=k))
    if k < 2 or not any(q.strip() for q in history):
        return hits
    present = {h.passage.id for h in hits}
    missing = [h for h in retriever.search(question, [], k=FRESH_KEPT) if h.passage.id not in present]
    if not missing:
        return hits
    kept = hits[: k - len(missing)]
    # `replace` keeps the passage's similarity (its relevance label in the passages panel).
    return kept + [replace(h, rank=rank) for rank, h in enumerate(missing, start=len(kept) + 1)]
