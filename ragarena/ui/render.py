"""HTML for the retrieved passages and the words for what an answer took (time, tokens, cost);
everything user- or model-written is escaped."""

from __future__ import annotations

import math
from collections.abc import Sequence

from ragarena.answering.evidence import Support
from ragarena.answering.metering import AnswerMeta
from ragarena.answering.safe_markdown import html_text
from ragarena.core.i18n import Text, _, join_text, localize
from ragarena.core.passages import Hit
from ragarena.retrieval.relevance import is_relevant
from ragarena.selector.candidates import display_text

PASSAGES_HEADING = _("Contexto recuperado")
#: Each passage's label (`ragarena.retrieval.relevance`), and the one line that says what it means.
RELEVANCE = {True: _("relevante"), False: _("poco relevante")}
RELEVANCE_NOTE = _(
    "«Relevante»: el fragmento se parece a la pregunta al menos tanto como el 95 % de los que "
    "contenían la respuesta en las preguntas de entrenamiento."
)
NO_RELEVANCE_NOTE = _(
    "Fragmentos ordenados por las palabras que comparten con la pregunta (BM25), sin estimación de relevancia."
)


def passages_html(
    hits: Sequence[Hit], support: Support | None = None, heading: str | None = None, language: str | None = None
) -> str:
    """The passages panel in `language` (Spanish by default). Passage text is data: shown as written,
    without its Markdown markup (`display_text`), and escaped."""
    heading = html_text(localize(heading or PASSAGES_HEADING, language))
    if not hits:
        empty = localize(_("No se ha recuperado ningún fragmento."), language)
        return f"<div class='ra-passages'><h4>{heading}</h4><p>{html_text(empty)}</p></div>"
    items = []
    for hit in hits:
        passage = hit.passage
        text = html_text(display_text(passage.text))
        if support and support.passage_id == passage.id:
            sentence = html_text(support.sentence)
            text = text.replace(sentence, f"<mark>{sentence}</mark>", 1) if sentence in text else text
        where = html_text(passage.title + (f" › {passage.section}" if passage.section else ""))
        relevant = is_relevant(hit)
        tag = [] if relevant is None else [html_text(localize(RELEVANCE[relevant], language))]
        items.append(  # a passage that is not about the question comes folded
            f"<details class='ra-passage'{'' if relevant is False else ' open'}><summary><b>[{hit.rank}] {where}</b> "
            f"<small>({' · '.join([*tag, html_text(passage.id)])})</small></summary>"
            f"<div style='white-space:pre-wrap'>{text}</div></details>"
        )
    scale = RELEVANCE_NOTE if any(h.similarity is not None for h in hits) else NO_RELEVANCE_NOTE
    note = f"<p class='ra-relevance'><small>{html_text(localize(scale, language))}</small></p>"
    return f"<div class='ra-passages'><h4>{heading}</h4>{note}{''.join(items)}</div>"


def answer_summary(meta) -> Text | str:
    """What an answer took, in words a visitor reads ("Respondida en 1,8 s"), with the technical line
    (`format_meta`: first word, total, tokens, cost) folded under "Detalles"."""
    if meta is None:
        return ""
    took = format_seconds(meta.total_s)
    if not meta.complete:
        line = _("Respuesta incompleta (se cortó a los {seconds}).", seconds=took)
    elif meta.total_s < 0.05:
        line = _("Respondida al instante.")
    else:
        line = _("Respondida en {seconds}.", seconds=took)
    if meta.cost_usd is not None:
        line = _("{line} Coste estimado: {cost}.", line=line, cost=format_usd(meta.cost_usd))
    return _(
        "{line} <details class='ra-meta'><summary>Detalles</summary>{details}</details>",
        line=line,
        details=format_meta(meta),
    )


def _decimal_text(plain: str) -> Text | str:
    """A number written with a point ("0.42") in the reader's convention: "0,42" in Spanish, "0.42" in English."""
    whole, point, fraction = plain.partition(".")
    return _("{whole},{fraction}", whole=whole, fraction=fraction) if point else plain


def _decimal(value: float, digits: int) -> Text | str:
    return _decimal_text(f"{value:.{digits}f}")


def format_seconds(seconds: float) -> Text:
    """0,42 s · 1,8 s · 12 s (decimal comma in Spanish, point in English)."""
    if seconds < 1:
        return _("{seconds} s", seconds=_decimal(seconds, 2))
    if seconds < 10:
        return _("{seconds} s", seconds=_decimal(seconds, 1))
    return _("{seconds} s", seconds=str(round(seconds)))


def format_usd(amount: float) -> Text:
    """Two significant figures, never scientific notation: 0,0001 · 0,000043 · 0,012 · 1,50 (in
    Spanish, "0,5 $"; in English, "$0.5")."""
    if amount <= 0:
        return _("{amount} $", amount="0")
    if amount >= 1:
        return _("{amount} $", amount=_decimal(amount, 2))
    digits = max(2, 1 - math.floor(math.log10(amount)))
    text = f"{amount:.{digits}f}".rstrip("0").rstrip(".")
    return _("{amount} $", amount=_decimal_text(text))


def format_meta(meta: AnswerMeta | None) -> Text | str:
    """One short line, a Spanish `Text`: "1.ª palabra 0,42 s · total 1,8 s · 37 tokens · ~0,0001 $"
    (``localize(line, "en")``: "first word 0.42 s · total 1.8 s · 37 tokens · ~$0.0001").

    Tokens are the answer's; "≈37 tokens (estimación)" when the server did not report them.
    The cost (input and output) appears only for models with prices, always as an estimate.
    """
    if meta is None:
        return ""
    parts = []
    if meta.ttft_s is not None:
        parts.append(_("1.ª palabra {seconds}", seconds=format_seconds(meta.ttft_s)))
    parts.append(_("total {seconds}", seconds=format_seconds(meta.total_s)))
    if meta.completion_tokens == 1:
        tokens = _("{count} token", count=meta.completion_tokens)
    else:
        tokens = _("{count} tokens", count=meta.completion_tokens)
    parts.append(_("≈{tokens} (estimación)", tokens=tokens) if meta.tokens_estimated else tokens)
    if meta.cost_usd is not None:
        parts.append(_("~{cost}", cost=format_usd(meta.cost_usd)))
    if not meta.complete:
        parts.append(_("incompleta"))
    return join_text(parts, " · ")
