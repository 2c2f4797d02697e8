"""The Arena tab's words: model names (hidden or revealed), the two conversations as chat messages,
and the status lines of a round (answering, failed, votable, voted), in the reader's language."""

from __future__ import annotations

from ragarena.answering.models import ModelSpec
from ragarena.answering.safe_markdown import literal, safe
from ragarena.arena.reasons import label as reason_label
from ragarena.arena.rounds import ArenaRound
from ragarena.core.battles import NAMED
from ragarena.core.i18n import Text, _, join_text, localize, normalize_language

WINNER_TEXT = {
    "model_a": _("A es mejor"),
    "model_b": _("B es mejor"),
    "tie": _("empate"),
    "tie (bothbad)": _("ambas son malas"),
}
PASSAGES_HEADING = _("Contexto recuperado (el mismo para los dos modelos)")
CHECK_PANELS = _("¿Qué respuesta es mejor? Vota, o haz otra pregunta para seguir la conversación.")
ANSWERING = _("⏳ Los dos modelos están respondiendo…")
INTRO_ANONYMOUS = _(
    "Haz una pregunta: dos modelos elegidos al azar responden con los mismos fragmentos de la "
    "documentación. Sus nombres se muestran después de votar. Puedes seguir la conversación "
    "antes de votar; el voto cuenta para la última respuesta."
)
INTRO_NAMED = _(
    "Elige los dos modelos y haz una pregunta: responden con los mismos fragmentos de la documentación. "
    "Puedes seguir la conversación antes de votar; el voto cuenta para la última respuesta."
)
TOO_FEW_MODELS = _("⚠️ La arena necesita al menos dos modelos disponibles; revisa `models.yaml` y sus claves.")
LOGIN_NOTE = _(
    "Opcional: inicia sesión con Hugging Face para que tus votos cuenten como los de una "
    "persona (solo se guarda un resumen cifrado de tu usuario)."
)


class ModelName(Text):
    """A model's label (shown as typed: `safe_markdown.literal`) that renders in each language with
    `ModelSpec.label_in`.

    A `Text`, so a message holding it (``_("… {label} …", label=ModelName(spec))``) can be
    rendered again in the other language when the reader switches.
    """

    def __new__(cls, label: str, label_en: str = "") -> ModelName:
        name = str.__new__(cls, literal(label))
        name.template, name.params = str(name), {}
        name.label, name.label_en = label, label_en
        return name

    def to(self, language: str) -> str:
        return literal(self.label_en if normalize_language(language) == "en" and self.label_en else self.label)

    def __reduce__(self):
        return (ModelName, (self.label, self.label_en))


def model_name(specs: list[ModelSpec], model_id: str) -> ModelName:
    spec = next((s for s in specs if s.id == model_id), None)
    return ModelName(spec.label, spec.label_en) if spec else ModelName(model_id)


def name_md(specs: list[ModelSpec], side: str, model_id: str | None = None, language: str | None = None) -> str:
    if not model_id:
        return localize(_("### Modelo {side}", side=side), language)
    return localize(_("### Modelo {side}: {label}", side=side, label=model_name(specs, model_id)), language)


def names_md(
    specs: list[ModelSpec], round_: ArenaRound | None, reveal: bool, language: str | None = None
) -> tuple[str, str]:
    """The two headings: "Modelo A"/"Modelo B", with the labels once revealed or when picked by name."""
    if round_ and (reveal or round_.mode == NAMED):
        return name_md(specs, "A", round_.model_a, language), name_md(specs, "B", round_.model_b, language)
    return name_md(specs, "A", language=language), name_md(specs, "B", language=language)


def chat_messages(turns, side: str, current: tuple[str, str] | None = None) -> list[dict]:
    """One side's conversation as Chatbot messages: the round's turns, then the question being answered."""
    messages = []
    for turn in turns:
        messages += [
            {"role": "user", "content": safe(turn["question"])},
            {"role": "assistant", "content": safe(turn[f"answer_{side}"])},
        ]
    if current:
        messages += [{"role": "user", "content": safe(current[0])}, {"role": "assistant", "content": safe(current[1])}]
    return messages


def with_failures(answers: dict[str, str], errors: dict, language: str | None) -> dict[str, str]:
    """The answers with, after a failed model's part, its warning."""
    return {
        side: (answer + "\n\n" if answer else "") + f"⚠️ {localize(errors[side], language)}"
        if side in errors
        else answer
        for side, answer in answers.items()
    }


def failure_status(errors: dict) -> Text:
    """The status after one or both models failed: the round cannot be voted."""
    if len(errors) == 2:
        return _(
            "⚠️ Ha fallado el Modelo A y el Modelo B (Modelo A: {message_a}; Modelo B: {message_b}). "
            "Esta ronda no se puede votar: pulsa «Nueva ronda».",
            message_a=errors["a"],
            message_b=errors["b"],
        )
    [(side, message)] = errors.items()
    return _(
        "⚠️ Ha fallado el Modelo {side} ({message}). Esta ronda no se puede votar: pulsa «Nueva ronda».",
        side=side.upper(),
        message=message,
    )


def voted_message(specs: list[ModelSpec], winner: str, model_a: str, model_b: str, excluded: bool = False) -> Text:
    """The vote's acknowledgement with the revealed names; `excluded`: kept but not counted (an answer named
    its model)."""
    message = _(
        "✅ Voto registrado ({winner}). Modelo A: **{label_a}**, Modelo B: **{label_b}**. Si quieres, "
        "marca por qué debajo. Pulsa «Nueva ronda» o haz otra pregunta para empezar otra.",
        winner=WINNER_TEXT[winner],
        label_a=model_name(specs, model_a),
        label_b=model_name(specs, model_b),
    )
    if excluded:
        message = _(
            "{vote}\n\n⚠️ Una de las respuestas revelaba qué modelo es: el voto se guarda, pero no "
            "cuenta para la clasificación.",
            vote=message,
        )
    return message


def reasons_saved(given: list[str], winner: str | None) -> Text:
    """The acknowledgement of the reasons stored for a vote (none: the vote stays without them)."""
    if given:
        return _("✅ Motivos guardados: {reasons}.", reasons=join_text([reason_label(r) for r in given], ", "))
    return _(
        "✅ Guardado sin motivos: queda tu voto ({winner}) sin explicación.",
        winner=WINNER_TEXT.get(winner, _("registrado")),
    )
