"""What one rating of a Chat answer may hold: the three criteria as integers 1-5 and a plain-text comment.

The Chat tab asks `CRITERION_QUESTIONS`; `check_scores` and `clean_comment` turn what it sends (or
an imported record) into what the store keeps, or refuse it with a `VoteRejected` whose Spanish
message is shown to the user. Comments are plain text: the app never renders them as HTML or
Markdown; control characters other than line breaks and tabs are removed.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

from ragarena.core.criteria import CRITERIA
from ragarena.core.i18n import _
from ragarena.core.refusals import VoteRejected

MAX_COMMENT = 1000
#: The questions the Chat tab asks, one per criterion.
CRITERION_QUESTIONS = {
    "answer_relevance": _("¿Responde a la pregunta?"),
    "context_relevance": _("¿El contexto recuperado es el adecuado?"),
    "groundedness": _("¿La respuesta se apoya solo en el contexto?"),
}


def check_scores(scores: Mapping[str, Any] | None) -> dict[str, int]:
    """The three criteria as integers 1-5, or `VoteRejected` saying what is wrong."""
    scores = scores or {}
    if any(scores.get(c) is None or scores.get(c) == "" for c in CRITERIA):
        raise VoteRejected(_("Valora los tres criterios (del 1 al 5) antes de enviar la valoración."))
    clean = {}
    for criterion in CRITERIA:
        value = scores[criterion]
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value.strip())
        elif isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 5:
            raise VoteRejected(_("Puntuación no válida: cada criterio se valora con un número entero del 1 al 5."))
        clean[criterion] = value
    return clean


def clean_comment(comment: Any) -> str | None:
    """The comment stripped of control characters (line breaks and tabs stay); None when empty.

    Raises `VoteRejected` when it is not text or is longer than `MAX_COMMENT` characters.
    """
    if comment is None:
        return None
    if not isinstance(comment, str):
        raise VoteRejected(_("El comentario debe ser texto."))
    text = "".join(ch for ch in comment if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cs"))
    text = text.replace("\r", "").strip()
    if len(text) > MAX_COMMENT:
        raise VoteRejected(
            _(
                "El comentario es demasiado largo ({length} caracteres; máximo {max_chars}).",
                length=len(text),
                max_chars=MAX_COMMENT,
            )
        )
    return text or None
