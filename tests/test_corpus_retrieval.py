import pytest

from ragarena.core.errors import UserError
from ragarena.core.text import analyze
from ragarena.retrieval.bm25 import Retriever
from ragarena.retrieval.corpus import Page, load_conversations, load_pages, split_passages


def test_pages_split_along_sections_keep_title_and_section(fixture_docs):
    pages = {p.slug: p for p in load_pages(fixture_docs)}
    passages = split_passages(pages["piscina"])
    assert pages["piscina"].title == "Piscina cubierta"
    sections = [p.section for p in passages]
    assert sections == ["", "Horario", "Normas de uso", "Cursos de natación"]
    horario = passages[1]
    assert horario.title == "Piscina cubierta"
    assert "En agosto permanece cerrada" in horario.text
    assert "##" not in horario.text and "gorro" not in horario.text


def test_long_sections_split_by_paragraph_without_cutting_one():
    paragraphs = [f"Párrafo {i} " + "palabra " * 40 for i in range(4)]
    page = Page(slug="p", title="T", text="# T\n\n## S\n\n" + "\n\n".join(paragraphs))
    passages = split_passages(page, max_words=90)
    assert len(passages) == 2
    assert all(p.section == "S" for p in passages)
    joined = "\n\n".join(p.text for p in passages)
    assert all(paragraph.strip() in joined for paragraph in paragraphs)


def test_analyze_folds_accents_and_stems():
    assert analyze(["préstamo"]) == analyze(["prestamos"]) == analyze(["Préstamos"])
    assert analyze(["días"]) == analyze(["dia"])
    assert analyze(["¿Cuánto cuesta?"])[0] == ["cuest"]


def test_retrieval_ranks_the_passage_that_answers(fixture_engine):
    hits = fixture_engine.retrieve("¿A qué hora abre la piscina?")
    assert hits[0].passage.id == "piscina#1"
    assert hits[0].score > hits[1].score > 0


def test_follow_up_uses_the_earlier_questions(fixture_engine):
    alone = fixture_engine.retrieve("¿Y por teléfono?", [])
    follow_up = fixture_engine.retrieve("¿Y por teléfono?", ["¿Cómo reservo una pista de pádel?"])
    assert follow_up[0].passage.page == "reservas"
    assert "teléfono" in follow_up[0].passage.text
    # The history changes the ranking: without it only the word "teléfono" counts.
    assert [h.passage.id for h in alone] != [h.passage.id for h in follow_up] or alone[0].passage.page == "reservas"


def test_unknown_words_retrieve_nothing(fixture_engine):
    assert fixture_engine.retrieve("xyzzy plugh") == []


def test_missing_docs_folder_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="No existe la carpeta"):
        load_pages(tmp_path / "nada")
    with pytest.raises(UserError, match="no contiene páginas"):
        load_pages(tmp_path)


def test_malformed_conversation_line_names_file_and_line(tmp_path):
    bad = tmp_path / "qa.jsonl"
    bad.write_text('{"id": "a", "split": "train", "turns": []}\n{roto\n', encoding="utf-8")
    with pytest.raises(UserError, match="línea 2"):
        load_conversations(bad)


def test_retriever_refuses_an_empty_corpus():
    with pytest.raises(ValueError):
        Retriever([])
