"""Checks on what users type, with the Spanish message shown when it is refused."""

from __future__ import annotations

import re

MAX_QUESTION_CHARS = 2000
_MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z!][^>]*>|javascript:|on\w+\s*=", re.IGNORECASE)


def question_problem(question: str | None, max_chars: int = MAX_QUESTION_CHARS) -> str | None:
    """None when the question can be answered, else why not (Spanish, for the user)."""
    text = (question or "").strip()
    if not text:
        return "Escribe una pregunta antes de enviar."
    if len(text) > max_chars:
        return f"La pregunta es demasiado larga ({len(text)} caracteres); el máximo es {max_chars}."
    if _MARKUP.search(text):
        return "La pregunta contiene HTML o código; escríbela como texto normal, sin etiquetas."
    return None
