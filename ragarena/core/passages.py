"""A passage of the documentation and a retrieved passage (`Hit`): what retrieval hands to the
answer models, the Chat's passages panel, the Arena and the evaluation."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Passage:
    id: str  # "<slug>#<n>", stable while the page does not change
    page: str  # slug
    title: str
    section: str
    text: str

    @property
    def indexed_text(self) -> str:
        """What retrieval sees: where the passage lives plus what it says."""
        return f"{self.title}. {self.section}. {self.text}"


@dataclass(frozen=True)
class Hit:
    passage: Passage
    score: float  # the retriever's ranking score: only comparable within one search
    rank: int  # 1-based
    # Cosine similarity of the passage to the question (averaged with the recent questions' for a
    # follow-up), when the retriever embeds: the same scale for every question
    # (`ragarena.retrieval.relevance`). None for BM25 alone.
    similarity: float | None = None
