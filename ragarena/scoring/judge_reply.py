"""Reading the judge's reply: ``{criterion: {"score": 1-5, "justification": str}}`` or `JudgeOutputError`.

The rubric (`ragarena.scoring.judge_rubric`) asks for one JSON object; servers that ignore
``response_format`` wrap it in code fences or chatter, which is tolerated. The error's Spanish
message says what was wrong, and is sent back to the judge when it is asked again.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from ragarena.core.criteria import CRITERIA
from ragarena.core.jsonl import loads


class JudgeOutputError(ValueError):
    """The judge's reply is not the JSON asked for; the message (Spanish) says why."""


_SCORE_KEYS = ("score", "puntuacion", "puntuación", "nota")
_JUSTIFICATION_KEYS = ("justification", "justificacion", "justificación", "razon", "razón")
_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$", re.IGNORECASE)


def _first(mapping: dict, keys: Sequence[str]) -> Any:
    for key in keys:
        if key in mapping:
            return mapping[key]
    return None


def parse_judgement(text: str | None) -> dict[str, dict]:
    """``{criterion: {"score": int 1-5, "justification": str}}`` from the judge's reply.

    Tolerates code fences and text around one JSON object (servers that ignore
    ``response_format``); raises `JudgeOutputError` otherwise.
    """
    if not text or not text.strip():
        raise JudgeOutputError("la respuesta está vacía")
    body = _FENCE.sub("", text.strip())
    try:
        data = loads(body)
    except json.JSONDecodeError:
        start, end = body.find("{"), body.rfind("}")
        if start < 0 or end <= start:
            raise JudgeOutputError("no contiene un objeto JSON") from None
        try:
            data = loads(body[start : end + 1])
        except json.JSONDecodeError as error:
            raise JudgeOutputError(f"el JSON no es válido ({error.msg})") from None
    if not isinstance(data, dict):
        raise JudgeOutputError("se esperaba un objeto JSON")
    result = {}
    for criterion in CRITERIA:
        entry = data.get(criterion)
        if entry is None:
            raise JudgeOutputError(f'falta el criterio "{criterion}"')
        if not isinstance(entry, dict):
            raise JudgeOutputError(f'"{criterion}" debe ser un objeto con "justification" y "score"')
        score = _first(entry, _SCORE_KEYS)
        if isinstance(score, str) and score.strip().isdigit():
            score = int(score.strip())
        if isinstance(score, float) and score.is_integer():
            score = int(score)
        if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
            raise JudgeOutputError(f'"{criterion}.score" debe ser un entero del 1 al 5, no {score!r}')
        justification = _first(entry, _JUSTIFICATION_KEYS)
        if not isinstance(justification, str) or not justification.strip():
            raise JudgeOutputError(f'falta "{criterion}.justification" (una frase que explique la nota)')
        result[criterion] = {"score": score, "justification": justification.strip()}
    return result
