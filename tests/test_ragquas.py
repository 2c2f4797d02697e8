"""The RagQuAS converter on a small sample written here in the dataset's shape (never downloaded)."""

import json

import pytest

from ragarena.cli import main
from ragarena.retrieval.corpus import load_conversations, load_pages

ROWS = [
    {
        "topic": "Becas universitarias",
        "variant": "simple",
        "question": "¿Cuál es el plazo para pedir la beca general?",
        "answer": "Del 1 de abril al 15 de mayo.",
        "context_1": "El plazo de solicitud de la beca general va del 1 de abril al 15 de mayo.",
        "link_1": "https://example.org/becas/beca-general",
        "text_1": "Información sobre becas. El plazo de solicitud de la beca general va del 1 de abril al 15 de mayo. "
        "La resolución se publica en septiembre.",
        "context_2": "La resolución se publica en septiembre.",
        "link_2": "https://example.org/becas/beca-general",
        "text_2": "Información sobre becas. El plazo de solicitud de la beca general va del 1 de abril al 15 de mayo. "
        "La resolución se publica en septiembre.",
    },
    {
        "topic": "Becas universitarias",
        "variant": "coloquial",
        "question": "oye y cuándo publican la resolución de la beca?",
        "answer": "En septiembre.",
        "context_1": "La resolución se publica en septiembre.",
        "link_1": "https://example.org/becas/beca-general",
        "text_1": "Información sobre becas. El plazo de solicitud de la beca general va del 1 de abril al 15 de mayo. "
        "La resolución se publica en septiembre.",
        "context_2": None,
        "link_2": None,
        "text_2": None,
    },
    {
        "topic": "Transporte",
        "variant": "simple",
        "question": "¿Cuánto cuesta el abono joven?",
        "answer": "20 euros al mes.",
        "context_1": "El abono joven cuesta 20 euros al mes.",
        "link_1": "https://example.org/transporte/abono-joven",
        "text_1": "Tarifas. El abono joven cuesta 20 euros al mes.",
        "context_2": "",
        "link_2": "",
        "text_2": "",
    },
    {
        "topic": "Transporte",
        "question": "¿Y el abono senior?",
        "answer": "x",
        "context_1": "Texto que no aparece en la fuente.",
        "link_1": "https://example.org/transporte/senior",
        "text_1": "Tarifas senior: 10 euros.",
    },
]


@pytest.mark.parametrize("form", ["jsonl", "json", "parquet"])
def test_converted_sample_is_valid_data_and_evaluates(tmp_path, form, capsys):
    source = tmp_path / f"ragquas.{form}"
    if form == "jsonl":
        source.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in ROWS), encoding="utf-8")
    elif form == "json":
        source.write_text(json.dumps(ROWS, ensure_ascii=False), encoding="utf-8")
    else:
        pd = pytest.importorskip("pandas")
        pytest.importorskip("pyarrow")
        pd.DataFrame(ROWS).to_parquet(source)
    out = tmp_path / "out"
    assert main(["import-ragquas", str(source), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "fila 4: context_1 no es un fragmento literal" in printed
    pages = {p.slug: p for p in load_pages(out / "docs")}
    # One page per source link, however many rows cite it.
    assert sorted(pages) == ["abono-joven", "beca-general", "senior"]
    assert pages["beca-general"].title == "Becas universitarias"
    conversations = load_conversations(out / "qa" / "conversations.jsonl")
    assert [c.id for c in conversations] == ["ragquas-1", "ragquas-2", "ragquas-3"]
    assert all(len(c.turns) == 1 and c.split in ("train", "test") for c in conversations)
    assert conversations[1].turns[0].context == "La resolución se publica en septiembre."
    assert main(["validate-data", "--docs", str(out / "docs"), "--qa", str(out / "qa" / "conversations.jsonl")]) == 0
    assert (
        main(["eval", "--docs", str(out / "docs"), "--qa", str(out / "qa" / "conversations.jsonl"), "--split", "all"])
        == 0
    )
    figures = json.loads(capsys.readouterr().out.split("Datos válidos.\n", 1)[1])
    assert figures["n_turns"] == 3
    assert figures["retrieval"]["recall@1"] == 1.0


def test_missing_or_broken_source_gets_a_message(tmp_path, capsys):
    assert main(["import-ragquas", str(tmp_path / "nada.parquet"), "--out", str(tmp_path / "o")]) == 2
    assert "No existe el archivo" in capsys.readouterr().err
    broken = tmp_path / "roto.jsonl"
    broken.write_text('{"question": "a"}\n{roto\n', encoding="utf-8")
    assert main(["import-ragquas", str(broken), "--out", str(tmp_path / "o")]) == 2
    assert "línea 2" in capsys.readouterr().err
