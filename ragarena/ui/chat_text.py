"""The Chat tab's words: the status line of a complete answer, the rating box's messages and the
bubble of an answer that failed, as Spanish `Text` rendered in the reader's language."""

from __future__ import annotations

from ragarena.core.i18n import Text, _, join_text
from ragarena.ui.chat_layout import RATE_IDS
from ragarena.ui.render import answer_summary

# The bubble of a failed answer (the reason is in the status line, once).
NO_ANSWER = _("⚠️ Sin respuesta: el motivo aparece debajo.")
NOT_STORED = _("⚠️ Esta respuesta no se ha podido guardar, así que no se puede valorar.")
WRITING = _("✍️ Escribiendo la respuesta…")
SCORE_NAMES = {
    "answer_relevance": _("respuesta"),
    "context_relevance": _("contexto"),
    "groundedness": _("fundamentación"),
}


def status_line(meta, flags) -> Text | str:
    """The status under the conversation once an answer is complete: how long it took in plain words,
    the technical figures folded, and any filler."""
    line = answer_summary(meta)
    if not flags:
        return line
    return _("{meta}  \n⚠️ Respuesta con relleno: {flags}.", meta=line, flags=join_text(flags, ", "))


def rating_message(rating: dict) -> Text:
    figures = join_text([Text("{name} {score}", name=SCORE_NAMES[key], score=rating[key]) for key in RATE_IDS], ", ")
    if rating["updated"]:
        return _(
            "✅ Valoración actualizada ({figures}). Puedes cambiarla hasta que hagas otra pregunta.", figures=figures
        )
    return _("✅ Valoración guardada ({figures}). Puedes cambiarla hasta que hagas otra pregunta.", figures=figures)
