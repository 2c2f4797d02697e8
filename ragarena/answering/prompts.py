"""The Spanish instructions and the formatting of question + passages + history into chat messages.

Serving (OpenAI, TGI) and fine-tuning (`train/`) both call `build_messages`, so the model
is trained on exactly the prompts it will be served.
"""

from __future__ import annotations

from collections.abc import Sequence

from ragarena.core.passages import Passage

# What every model (and the gold data) says when the documentation does not cover a question.
NOT_COVERED_ANSWER = "La documentación no incluye información sobre eso."

SYSTEM_PROMPT = (
    "Eres el asistente de la documentación. Responde en español, de forma correcta y concisa, "
    "usando solo la información de los fragmentos de documentación que se te dan.\n"
    "- Ve directo a la respuesta: una o dos frases como máximo.\n"
    "- No empieces con «Según el contexto», «De acuerdo con la información proporcionada» ni fórmulas "
    "parecidas, no te disculpes y no añadas información que no esté en los fragmentos.\n"
    "- No menciones los fragmentos, el contexto ni quién eres.\n"
    f"- Si los fragmentos no contienen la respuesta, responde exactamente: «{NOT_COVERED_ANSWER}»"
)


def format_passages(passages: Sequence[Passage]) -> str:
    """Number the passages and say where each comes from, as the model will see them."""
    return "\n\n".join(
        f"[{number}] {p.title} — {p.section}\n{p.text}" if p.section else f"[{number}] {p.title}\n{p.text}"
        for number, p in enumerate(passages, start=1)
    )


def build_messages(
    question: str,
    passages: Sequence[Passage],
    history: Sequence[tuple[str, str]] = (),
) -> list[dict[str, str]]:
    """Chat messages for one turn.

    `history` holds the earlier (question, answer) pairs of the conversation, oldest first;
    they become plain user/assistant turns, so follow-ups ("¿Y por teléfono?") make sense.
    The passages retrieved for the current turn go with the current question.
    """
    messages = [{"role": "system", "content": SYSTEM_PROMPT}]
    for previous_question, previous_answer in history:
        messages.append({"role": "user", "content": previous_question})
        messages.append({"role": "assistant", "content": previous_answer})
    context = format_passages(passages) if passages else "(ningún fragmento encontrado)"
    messages.append({"role": "user", "content": f"Documentación:\n{context}\n\nPregunta: {question}"})
    return messages
