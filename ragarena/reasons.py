"""Why a voter chose: the reasons a vote may carry, in the study's own terms.

After a vote the arena offers a few tick boxes. For a winner (A or B) or a tie the reasons
say what made the answer(s) good; for "Ambas son malas" they say what was wrong with both.
Each reason belongs to one of the criteria the judge scores (answer relevance, context
relevance, groundedness) or to conciseness (filler), so the leaderboard can set the crowd's
reasons beside the judge's scores.

Stored with the vote (``reasons`` column of `ragarena.votes`, a JSON list) and exported as
``reasons``.
"""

from __future__ import annotations

from typing import Iterable

from ragarena.errors import UserError

#: What made the chosen answer (or both, for a tie) good.
GOOD = ("respuesta correcta", "concisa, sin relleno", "basada en el contexto", "contexto recuperado adecuado")
#: What was wrong with both answers ("Ambas son malas").
BAD = ("incorrectas", "con relleno", "inventan información", "contexto equivocado")
ALL = GOOD + BAD

#: Criterion of each reason (keys of `ragarena.scores.CRITERIA`, plus "conciseness").
CRITERION = {
    "respuesta correcta": "answer_relevance", "incorrectas": "answer_relevance",
    "concisa, sin relleno": "conciseness", "con relleno": "conciseness",
    "basada en el contexto": "groundedness", "inventan información": "groundedness",
    "contexto recuperado adecuado": "context_relevance", "contexto equivocado": "context_relevance",
}
CRITERION_NAMES = {
    "answer_relevance": "Relevancia de la respuesta", "context_relevance": "Relevancia del contexto",
    "groundedness": "Fundamentación", "conciseness": "Concisión (sin relleno)",
}


def allowed_for(winner: str) -> tuple[str, ...]:
    """The reasons a vote with this `winner` may carry."""
    return BAD if winner == "tie (bothbad)" else GOOD


def check_reasons(winner: str, reasons: Iterable) -> list[str]:
    """The reasons, deduplicated in the canonical order; `UserError` (Spanish) for one that does
    not fit the vote (a reason for a winner on "Ambas son malas", an unknown text...)."""
    if isinstance(reasons, str) or not isinstance(reasons, Iterable):
        raise UserError("Los motivos deben ser una lista.")
    given = list(reasons)
    allowed = allowed_for(winner)
    wrong = [r for r in given if r not in allowed]
    if wrong:
        what = "«Ambas son malas»" if winner == "tie (bothbad)" else "este voto"
        raise UserError(f"Motivo no válido para {what}: «{str(wrong[0])[:80]}». Se admite: "
                        + ", ".join(f"«{r}»" for r in allowed) + ".")
    return [r for r in allowed if r in given]
