"""Checks on what users type, with the Spanish message shown when it is refused (a `Text`:
the UI renders it in the reader's language, see `ragarena.core.i18n`)."""

from __future__ import annotations

import re

from ragarena.core.i18n import Text, _

MAX_QUESTION_CHARS = 2000
_MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z!][^>]*>|javascript:|on\w+\s*=", re.IGNORECASE)


def question_problem(question: str | None, max_chars: int = MAX_QUESTION_CHARS) -> Text | None:
    """None when the question can be answered, else why not (Spanish `Text`, for the user)."""
    text = (question or "").strip()
    if not text:
        return _("Escribe una pregunta antes de enviar.")
    if len(text) > max_chars:
        return _(
            "La pregunta es demasiado larga ({length} caracteres); el máximo es {max_chars}.",
            length=len(text),
            max_chars=max_chars,
        )
    if has_lone_surrogate(text):
        return _("La pregunta contiene caracteres no válidos; escríbela de nuevo como texto normal.")
    if _MARKUP.search(text):
        return _("La pregunta contiene HTML o código; escríbela como texto normal, sin etiquetas.")
    return None


def has_lone_surrogate(text: str) -> bool:
    """Whether `text` holds a lone surrogate (``"\\ud800"`` in JSON): no keyboard types one, and no
    database or UTF-8 file can store it."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
