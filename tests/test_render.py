"""The passages panel as a reader sees it: the documentation's words, not its Markdown."""

from ragarena.answering.evidence import supporting_sentence
from ragarena.core.passages import Hit, Passage
from ragarena.ui.render import passages_html

SEDES = Passage(
    id="13-sedes#2",
    page="13-sedes",
    title="Sedes y horarios",
    section="Bibliotecas de barrio",
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


def test_each_passage_says_whether_it_is_relevant_on_a_scale_of_its_own():
    from ragarena.retrieval.relevance import RELEVANT_SIMILARITY

    close, far = Hit(SEDES, 0.2, 1, RELEVANT_SIMILARITY + 0.01), Hit(SEDES, 0.96, 2, RELEVANT_SIMILARITY - 0.05)
    panel = passages_html([close, far])
    assert "(relevante · 13-sedes#2)" in panel and "(poco relevante · 13-sedes#2)" in panel
    assert "0.96" not in panel  # the retriever's score, relative to the best hit, is not shown
    assert panel.count("<details class='ra-passage' open>") == 1  # the one not about the question comes folded
    assert "«Relevante»: el fragmento se parece a la pregunta" in panel
    english = passages_html([close, far], language="en")
    assert "(relevant · 13-sedes#2)" in english and "(barely relevant · 13-sedes#2)" in english
    # BM25 alone has no similarity: no label, and the line says so.
    keyword = passages_html([Hit(SEDES, 7.5, 1)])
    assert "(13-sedes#2)" in keyword and "relevante" not in keyword.replace("sin estimación de relevancia", "")
    assert "sin estimación de relevancia" in keyword


def test_an_off_topic_question_gets_no_relevant_passage_and_a_covered_one_does():
    import pytest

    from ragarena.answering.engine import Engine
    from ragarena.retrieval.embeddings import EmbeddingsUnavailable, create_embedder
    from ragarena.retrieval.relevance import is_relevant

    try:
        create_embedder()
    except EmbeddingsUnavailable as error:
        pytest.skip(f"no embeddings on this platform: {error}")
    engine = Engine(retrieval_mode="hybrid")
    engine.retriever.dense.wait_ready()
    off_topic = engine.retrieve("¿Quién ganó el último mundial de fútbol?", [])
    assert off_topic and not any(is_relevant(hit) for hit in off_topic)
    assert "(relevante ·" not in passages_html(off_topic)
    covered = engine.retrieve("¿Cuántos documentos puedo tener prestados a la vez?", [])
    assert is_relevant(covered[0]) and covered[0].passage.page == "02-prestamo"
