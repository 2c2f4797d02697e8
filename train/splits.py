"""Which data may be trained on: the requested splits, never `test`, and no test question.

The test split measures the model, so it is refused as a training or evaluation split, a
conversation id found in two splits is refused, and DPO drops votes on test questions.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ragarena.core.errors import UserError
from ragarena.core.text import fold
from ragarena.retrieval.corpus import Conversation, load_conversations

FORBIDDEN_SPLIT = "test"


def parse_splits(value: str) -> list[str]:
    splits = [part.strip() for part in str(value).split(",") if part.strip()]
    if not splits:
        raise UserError("Indica al menos un split de entrenamiento (p. ej. --set split=train).")
    if FORBIDDEN_SPLIT in splits:
        raise UserError(
            f"No se entrena con el split «{FORBIDDEN_SPLIT}»: es el que mide el modelo. "
            "Usa split=train (y eval_split=dev si el archivo tiene uno)."
        )
    return splits


def check_splits(conversations: Sequence[Conversation]) -> None:
    """Refuse a conversation id that is in more than one split (test data leaking into training)."""
    splits_of: dict[str, set[str]] = {}
    for conversation in conversations:
        splits_of.setdefault(conversation.id, set()).add(conversation.split)
    leaked = sorted(cid for cid, splits in splits_of.items() if len(splits) > 1)
    if leaked:
        shown = ", ".join(f"{cid} ({'/'.join(sorted(splits_of[cid]))})" for cid in leaked[:5])
        more = f" y {len(leaked) - 5} más" if len(leaked) > 5 else ""
        raise UserError(
            f"Hay conversaciones en varios splits: {shown}{more}. Un id del split de prueba no puede "
            "estar también en entrenamiento; corrige el archivo de conversaciones."
        )


def test_questions(conversations_path: str | Path | None) -> set[str]:
    """Folded questions of the test split (empty when the file is absent)."""
    if not conversations_path or not Path(conversations_path).is_file():
        return set()
    conversations = load_conversations(conversations_path)
    return {squash(fold(turn.question)) for c in conversations if c.split == FORBIDDEN_SPLIT for turn in c.turns}


def squash(text: str) -> str:
    """Text with its whitespace runs made single spaces, for comparisons that ignore layout."""
    return " ".join(text.split())
