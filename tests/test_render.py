"""The passages panel as a reader sees it: the documentation's words, not its Markdown."""

from ragarena.answering.evidence import supporting_sentence
from ragarena.retrieval.bm25 import Hit
from ragarena.retrieval.corpus import Passage
from ragarena.ui.render import passages_html

SEDES = Passage(
    id="13-sedes#2", page="13-sedes", title="Sedes y horarios", section="Bibliotecas de barrio",
    text="Hay tres bibliotecas de barrio:\n\n- **Barrio del Carmen**: calle Alfarería 12.\n"
         "- **San Isidro**: avenida de los Labradores 3.\n\nEl **bibliobús** para en `Las Eras` <los martes>.",
)


def test_passages_show_text_without_markdown_markup_and_escape_html():
    panel = passages_html([Hit(SEDES, 1.0, 1)])
    assert "**" not in panel and "`" not in panel
    assert "• Barrio del Carmen: calle Alfarería 12." in panel
    assert "El bibliobús para en Las Eras &lt;los martes&gt;." in panel


def test_the_quoted_sentence_is_highlighted_even_where_the_source_has_bold():
    hits = [Hit(SEDES, 1.0, 1)]
    support = supporting_sentence("San Isidro: avenida de los Labradores 3.", hits)
    panel = passages_html(hits, support)
    assert "<mark>San Isidro: avenida de los Labradores 3.</mark>" in panel
