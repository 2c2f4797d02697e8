import json

from conftest import REPO

from ragarena.cli import main


def write(path, records):
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n", encoding="utf-8")


def turn(question, context, answer, answerable=True):
    return {"question": question, "context": context, "answer": answer, "answerable": answerable}


def test_fixture_data_is_valid(fixture_docs, fixture_qa, capsys):
    assert main(["validate-data", "--docs", str(fixture_docs), "--qa", str(fixture_qa)]) == 0
    out = capsys.readouterr().out
    assert "3 páginas" in out and "3 conversaciones" in out and "Datos válidos." in out


def test_every_problem_is_reported_with_file_and_line(fixture_docs, tmp_path, capsys):
    qa = tmp_path / "qa.jsonl"
    good = turn("¿Horario?", "En agosto permanece cerrada por mantenimiento.", "Cerrada en agosto.")
    write(
        qa,
        [
            {"id": "a", "split": "train", "turns": [good]},
            {"id": "a", "split": "test", "turns": [good]},  # repeated id
            {"id": "b", "split": "dev", "turns": [good]},  # unknown split
            {"id": "c", "split": "train", "turns": [turn("¿Y?", "Texto que no está en ninguna página.", "No.")]},
            {"id": "d", "split": "train", "turns": [turn("¿Parking?", "algo", "No.", answerable=False)]},
            {"id": "e", "split": "train", "turns": [turn("¿Gorro?", "", "Sí.")]},
        ],
    )
    with qa.open("a", encoding="utf-8") as f:
        f.write("{no es json\n")
    assert main(["validate-data", "--docs", str(fixture_docs), "--qa", str(qa), "--expect", "test=2"]) == 1
    out = capsys.readouterr().out
    assert f"{qa}:2: id «a» repetido (ya en la línea 1)" in out
    assert f"{qa}:3: «split» debe ser train o test" in out
    assert f"{qa}:4: turno 1: el contexto no es un fragmento literal" in out
    assert f"{qa}:5: turno 1: una pregunta sin respuesta" in out
    assert f"{qa}:6: turno 1: una pregunta con respuesta debe tener contexto" in out
    assert f"{qa}:7: JSON no válido" in out
    assert "el split «test» tiene 1 conversaciones; se esperaban 2" in out
    assert "aviso: " in out and "páginas sin ninguna respuesta en test: abonos.md, reservas.md" in out


def test_missing_files_are_reported_not_raised(tmp_path, capsys):
    assert main(["validate-data", "--docs", str(tmp_path / "no"), "--qa", str(tmp_path / "no.jsonl")]) == 1
    out = capsys.readouterr().out
    assert "no existe la carpeta de documentación" in out and "no se puede leer" in out


def test_bundled_corpus_is_valid_with_the_published_sizes(capsys):
    code = main(
        [
            "validate-data",
            "--docs",
            str(REPO / "data" / "docs"),
            "--qa",
            str(REPO / "data" / "qa" / "conversations.jsonl"),
            "--expect",
            "train=160",
            "--expect",
            "test=40",
            "--turns",
            "3",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert "27 páginas" in out and "200 conversaciones" in out and "600 turnos" in out
    assert "aviso" not in out  # every page answers something in both splits
