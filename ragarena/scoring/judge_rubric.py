"""The judge's rubric: what it is asked about one answer, and the messages that ask it.

Each item (question, conversation history, retrieved passages, answer) is sent once with a Spanish
rubric scoring answer relevance, context relevance and groundedness from 1 to 5; the reply must be
one JSON object (read by `ragarena.scoring.judge_reply.parse_judgement`), and a malformed one is
re-asked with `RETRY_PROMPT`. `RUBRIC_HASH` is part of every judge cache key
(`ragarena.scoring.judge_cache.cache_key`), so changing the rubric asks again.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from ragarena.core.passages import Passage

JUDGE_SYSTEM_PROMPT = """\
Eres un evaluador estricto e imparcial de un asistente que responde preguntas sobre una \
documentación en español (un sistema RAG: para cada pregunta se recuperan fragmentos de la \
documentación y el asistente debe responder solo con lo que dicen).

Recibirás la conversación previa (si la hay), los fragmentos recuperados para la pregunta \
actual, la pregunta y la respuesta del asistente. Puntúa tres criterios con un entero del 1 \
al 5. Juzga cada criterio por separado: una respuesta puede estar bien fundamentada y no \
responder a lo preguntado, o al revés. Usa la conversación previa para entender las \
preguntas de seguimiento («¿Y por teléfono?»).

1. answer_relevance (relevancia de la respuesta): ¿responde a la pregunta que se hizo, de \
forma directa y concisa?
   5 = responde exactamente a lo preguntado, directa y brevemente, sin rodeos ni relleno.
   4 = responde a lo preguntado, pero con algún detalle de más o alguna fórmula innecesaria \
(«Según la información proporcionada…»).
   3 = responde solo en parte, o la respuesta queda enterrada en texto que sobra.
   2 = trata el tema, pero no responde a la pregunta concreta.
   1 = no responde a la pregunta o habla de otra cosa.
   Si los fragmentos no contienen la respuesta, decir claramente que la documentación no \
incluye esa información es responder bien (5). Decirlo cuando los fragmentos sí contienen \
la respuesta es no responder (1 o 2).

2. context_relevance (relevancia del contexto): ¿los fragmentos recuperados son los que \
hacen falta para responder a la pregunta? Este criterio juzga la recuperación, no la \
respuesta.
   5 = contienen toda la información necesaria y casi ningún fragmento es ajeno a la pregunta.
   4 = contienen toda la información necesaria, pero varios fragmentos no vienen al caso.
   3 = contienen solo parte de la información necesaria.
   2 = tratan el tema de la pregunta, pero no contienen la información que se pide.
   1 = no tienen relación con la pregunta.
   Si ningún fragmento contiene la respuesta (también cuando la documentación no cubre la \
pregunta), la puntuación no pasa de 2.

3. groundedness (fundamentación): ¿todo lo que afirma la respuesta está respaldado por los \
fragmentos? No juzgues si es cierto en el mundo, sino si se apoya en el texto recuperado.
   5 = cada afirmación se apoya en los fragmentos; no inventa nada ni añade información \
superflua que no esté en ellos.
   4 = lo esencial se apoya en los fragmentos; algún detalle menor es una paráfrasis libre \
o una inferencia evidente.
   3 = mezcla información respaldada con alguna afirmación que los fragmentos no respaldan.
   2 = la parte principal de la respuesta no se apoya en los fragmentos.
   1 = la respuesta es inventada o contradice los fragmentos.
   Decir que la documentación no incluye la información está fundamentado (5) si los \
fragmentos no la contienen; si la contienen, es una afirmación falsa sobre el contexto (1 o 2).

Responde solo con un objeto JSON, sin texto antes ni después y sin bloques de código, con \
exactamente esta forma (la justificación, una o dos frases en español, va antes de la \
puntuación):
{"answer_relevance": {"justification": "...", "score": 1-5}, \
"context_relevance": {"justification": "...", "score": 1-5}, \
"groundedness": {"justification": "...", "score": 1-5}}"""

RETRY_PROMPT = (
    "Tu respuesta anterior no es válida: {reason}. Responde de nuevo solo con el objeto JSON pedido, "
    'con las claves "answer_relevance", "context_relevance" y "groundedness", cada una con '
    '"justification" (texto) y "score" (un entero del 1 al 5).'
)

RUBRIC_HASH = hashlib.sha256(JUDGE_SYSTEM_PROMPT.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class JudgeItem:
    """One answer to judge. `passages` are the retrieved passages as the judge sees them (`passage_text`)."""

    question: str
    answer: str
    passages: tuple[str, ...] = ()
    history: tuple[tuple[str, str], ...] = ()
    id: str = ""  # for reports: e.g. "conv-3, turno 2"


def passage_text(passage: Passage) -> str:
    """A passage as the judge sees it: its title (and section), then its text."""
    if passage.section:
        return f"{passage.title} — {passage.section}\n{passage.text}"
    return f"{passage.title}\n{passage.text}"


def item_from_turn(result) -> JudgeItem:
    """A `JudgeItem` from an `evaluation.TurnResult`."""
    passages = tuple(passage_text(hit.passage) for hit in result.hits)
    return JudgeItem(
        result.question,
        result.answer,
        passages,
        tuple(result.history),
        f"{result.conversation_id}, turno {result.turn + 1}",
    )


def build_judge_messages(item: JudgeItem) -> list[dict[str, str]]:
    if item.history:
        history = "\n".join(f"Usuario: {q}\nAsistente: {a}" for q, a in item.history)
    else:
        history = "(ninguna: es la primera pregunta)"
    if item.passages:
        passages = "\n\n".join(f"[{n}] {text}" for n, text in enumerate(item.passages, start=1))
    else:
        passages = "(no se recuperó ningún fragmento)"
    user = (
        f"Conversación previa:\n{history}\n\n"
        f"Fragmentos recuperados:\n{passages}\n\n"
        f"Pregunta: {item.question}\n\n"
        f"Respuesta del asistente:\n{item.answer}"
    )
    return [{"role": "system", "content": JUDGE_SYSTEM_PROMPT}, {"role": "user", "content": user}]
