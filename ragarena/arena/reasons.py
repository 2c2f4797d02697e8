"""Why a voter chose: the reasons a vote may carry, in the study's own terms.

After a vote the arena offers a few tick boxes. For a winner (A or B) or a tie the reasons
say what made the answer(s) good; for "Ambas son malas" they say what was wrong with both.
Each reason belongs to one of the criteria the judge scores (answer relevance, context
relevance, groundedness) or to conciseness (filler), so the leaderboard can set the crowd's
reasons beside the judge's scores.

Stored with the vote (``reasons`` column of `ragarena.arena.votes`, a JSON list) and exported as
``reasons``. The stored values are the Spanish texts below, whatever the reader's language;
`LABELS` holds what the UI shows for each (a `ragarena.core.i18n.Text`, rendered in English on request).
"""

from __future__ import annotations

from collections.abc import Iterable

from ragarena.core.errors import UserError
from ragarena.core.i18n import Text, _

#: What made the chosen answer (or both, for a tie) good.
GOOD = ("respuesta correcta", "concisa, sin relleno", "basada en el contexto", "contexto recuperado adecuado")
#: What was wrong with both answers ("Ambas son malas").
BAD = ("incorrectas", "con relleno", "inventan información", "contexto equivocado")
ALL = GOOD + BAD
#: What the UI shows for each reason (stored values stay the Spanish texts above).
LABELS: dict[str, Text] = {
    "respuesta correcta": _("respuesta correcta"),
    "concisa, sin relleno": _("concisa, sin relleno"),
    "basada en el contexto": _("basada en el contexto"),
    "contexto recuperado adecuado": _("contexto recuperado adecuado"),
    "incorrectas": _("incorrectas"),
    "con relleno": _("con relleno"),
    "inventan información": _("inventan información"),
    "contexto equivocado": _("contexto equivocado"),
}

#: Criterion of each reason (keys of `ragarena.core.criteria.CRITERIA`, plus "conciseness").
CRITERION = {
    "respuesta correcta": "answer_relevance",
    "incorrectas": "answer_relevance",
    "concisa, sin relleno": "conciseness",
    "con relleno": "conciseness",
    "basada en el contexto": "groundedness",
    "inventan información": "groundedness",
    "contexto recuperado adecuado": "context_relevance",
    "contexto equivocado": "context_relevance",
}
CRITERION_NAMES = {
    "answer_relevance": _("Relevancia de la respuesta"),
    "context_relevance": _("Relevancia del contexto"),
    "groundedness": _("Fundamentación"),
    "conciseness": _("Concisión (sin relleno)"),
}


def label(reason: str) -> Text | str:
    """What the UI shows for a stored reason (the value itself when it is not one of ours)."""
    return LABELS.get(reason, reason)


def choices(reasons: Iterable[str]) -> list[tuple[Text | str, str]]:
    """(label, stored value) pairs for a CheckboxGroup: the label follows the language, the value does not."""
    return [(label(reason), reason) for reason in reasons]


def allowed_for(winner: str) -> tuple[str, ...]:
    """The reasons a vote with this `winner` may carry."""
    return BAD if winner == "tie (bothbad)" else GOOD


def check_reasons(winner: str, reasons: Iterable) -> list[str]:
    """The reasons, deduplicated in the canonical order; `UserError` (Spanish) for one that does
    not fit the vote (a reason for a winner on "Ambas son malas", an unknown text...)."""
    if isinstance(reasons, str) or not isinstance(reasons, Iterable):
        raise UserError(_("Los motivos deben ser una lista."))
    given = list(reasons)
    allowed = allowed_for(winner)
    wrong = [r for r in given if r not in allowed]
    if wrong:
        what = _("«Ambas son malas»") if winner == "tie (bothbad)" else _("este voto")
        # The accepted values are listed as stored (Spanish): they are what a client must send.
        raise UserError(
            _(
                "Motivo no válido para {what}: «{reason}». Se admite: {allowed}.",
                what=what,
                reason=str(wrong[0])[:80],
                allowed=", ".join(f"«{r}»" for r in allowed),
            )
        )
    return [r for r in allowed if r in given]
