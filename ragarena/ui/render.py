"""HTML for the retrieved passages and answer metadata; everything user- or model-written is escaped."""

from __future__ import annotations

import html
from typing import Sequence

from ragarena.evidence import Support
from ragarena.retrieval import Hit


def passages_html(hits: Sequence[Hit], support: Support | None = None, heading: str = "Contexto recuperado") -> str:
    if not hits:
        return f"<div class='ra-passages'><h4>{html.escape(heading)}</h4><p>No se ha recuperado ningún fragmento.</p></div>"
    items = []
    for hit in hits:
        passage = hit.passage
        text = html.escape(passage.text)
        if support and support.passage_id == passage.id:
            sentence = html.escape(support.sentence)
            text = text.replace(sentence, f"<mark>{sentence}</mark>", 1) if sentence in text else text
        where = html.escape(passage.title + (f" › {passage.section}" if passage.section else ""))
        items.append(
            f"<details class='ra-passage' open><summary><b>[{hit.rank}] {where}</b> "
            f"<small>(puntuación {hit.score:.2f} · {html.escape(passage.id)})</small></summary>"
            f"<div style='white-space:pre-wrap'>{text}</div></details>"
        )
    return f"<div class='ra-passages'><h4>{html.escape(heading)}</h4>{''.join(items)}</div>"
