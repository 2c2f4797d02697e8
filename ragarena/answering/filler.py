"""Stock filler and needless apologies: what a concise documentation answer must not contain.

The Chat tab marks such answers and the evaluation counts them (`filler_rate`), with this
one function, so the UI and the figures never disagree.
"""

from __future__ import annotations

import re

from ragarena.core.i18n import Text, _
from ragarena.core.text import fold

# Patterns run on folded text (lower case, no accents). Label -> regex. The labels are shown to
# users (Spanish `Text`s, rendered in the reader's language by the UI); the patterns are Spanish.
_ALWAYS = {
    _(
        "según el contexto"
    ): r"\b(segun|conforme a|de acuerdo con|basandome en|en base a|a partir de)\s+(el|la|los|las)\s+"
    r"(contexto|informacion|documentacion|documentos?|fragmentos?|texto|datos)"
    r"|\bsegun lo (que )?(indicado|indica|se indica|dice|se menciona|menciona) en (el|la|los|las)\b"
    r"|\ben (el|la|los|las) (contexto|informacion|documentacion|documentos?|fragmentos?|texto)"
    r" (proporcionad|facilitad|suministrad)[oa]s?\b",
    _("el contexto dice"): r"\b((el|los)\s+(contexto|fragmentos?)\s+((proporcionad|facilitad)os?\s+)?"
    r"|(la|el)\s+(informacion|documentacion|texto)\s+(proporcionad|facilitad)[oa]\s+)"
    r"(indica|menciona|dice|senala|establece|especifica)",
    _("disculpa"): r"\b(lo siento|lo lamento|lamento|disculpa|disculpe|perdona|perdone|me temo que|"
    r"desafortunadamente|lamentablemente|mis disculpas)\b",
    _("relleno de cortesía"): r"(espero que (te|le|os) (sirva|ayude)|no dudes en|buena pregunta|"
    r"espero que (esto|esta (informacion|respuesta)) (te|le|os) (sirva|ayude|resulte util)|"
    r"espero haber(te|le|os)? (sido de ayuda|ayudado)|algo mas en (lo )?que (te |le |os )?pueda ayudar|"
    r"gracias por (tu|su) (pregunta|consulta)|"
    r"^\W*(claro|por supuesto|excelente pregunta)\b)",
    _("se presenta como IA"): r"\bcomo (un )?(modelo de lenguaje|asistente (virtual|de (ia|inteligencia artificial))|"
    r"inteligencia artificial|ia)\b",
}
# Saying the answer is missing is right for an unanswerable question, filler when the passage holds it.
_FALSE_ABSTENTION = (
    r"(no (se )?(encuentra|aparece|figura|menciona|consta|incluye|especifica|tengo|dispongo|hay)"
    r"[^.]*\b(contexto|informacion|documentacion|fragmentos?)\b|no puedo (responder|ayudarte))"
)


def find_filler(answer: str, context_has_answer: bool | None = None) -> list[Text]:
    """Labels of the filler found in `answer` (empty list for a clean answer).

    `context_has_answer=True` (known in evaluation, or asserted by a caller) also flags
    "la información no se encuentra en el contexto" as filler.
    """
    text = fold(answer).strip()
    found = [label for label, pattern in _ALWAYS.items() if re.search(pattern, text)]
    if context_has_answer and re.search(_FALSE_ABSTENTION, text):
        found.append(_("dice que no está cuando sí está"))
    return found


def is_filler(answer: str, context_has_answer: bool | None = None) -> bool:
    return bool(find_filler(answer, context_has_answer))
