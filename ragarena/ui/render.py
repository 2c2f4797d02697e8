"""HTML for the retrieved passages and answer metadata; everything user- or model-written is escaped."""

from __future__ import annotations

import html
from typing import Sequence

from ragarena.answering.evidence import Support
from ragarena.answering.metering import format_meta, format_seconds, format_usd
from ragarena.i18n import Text, _, localize
from ragarena.retrieval.bm25 import Hit
from ragarena.selector.candidates import display_text

PASSAGES_HEADING = _("Contexto recuperado")


def passages_html(hits: Sequence[Hit], support: Support | None = None, heading: str | None = None,
                  language: str | None = None) -> str:
    """The passages panel in `language` (Spanish by default). Passage text is data: shown as written,
    without its Markdown markup (`display_text`), and escaped."""
    heading = html.escape(localize(heading or PASSAGES_HEADING, language))
    if not hits:
        empty = localize(_("No se ha recuperado ningún fragmento."), language)
        return f"<div class='ra-passages'><h4>{heading}</h4><p>{html.escape(empty)}</p></div>"
    items = []
    for hit in hits:
        passage = hit.passage
        text = html.escape(display_text(passage.text))
        if support and support.passage_id == passage.id:
            sentence = html.escape(support.sentence)
            text = text.replace(sentence, f"<mark>{sentence}</mark>", 1) if sentence in text else text
        where = html.escape(passage.title + (f" › {passage.section}" if passage.section else ""))
        score = localize(_("puntuación {score}", score=f"{hit.score:.2f}"), language)
        items.append(
            f"<details class='ra-passage' open><summary><b>[{hit.rank}] {where}</b> "
            f"<small>({html.escape(score)} · {html.escape(passage.id)})</small></summary>"
            f"<div style='white-space:pre-wrap'>{text}</div></details>"
        )
    return f"<div class='ra-passages'><h4>{heading}</h4>{''.join(items)}</div>"


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
    return _("{line} <details class='ra-meta'><summary>Detalles</summary>{details}</details>", line=line,
             details=format_meta(meta))
