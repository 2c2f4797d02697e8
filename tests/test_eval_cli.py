import json

from ragarena.cli import main


def test_eval_prints_and_writes_the_contract_shape(fixture_docs, fixture_qa, tmp_path, capsys):
    out = tmp_path / "res" / "eval.json"
    code = main(["eval", "--docs", str(fixture_docs), "--qa", str(fixture_qa), "--split", "test", "--json", str(out)])
    assert code == 0
    printed = json.loads(capsys.readouterr().out)
    written = json.loads(out.read_text(encoding="utf-8"))
    assert printed == written
    assert set(written) == {"n_turns", "retrieval", "answer"}
    assert set(written["retrieval"]) == {"recall@1", "recall@3", "recall@5", "mrr"}
    assert set(written["answer"]) == {"token_f1", "abstention_accuracy", "filler_rate", "mean_words",
                                      "answer_recall", "correct_rate", "false_abstention_rate"}
    assert written["n_turns"] == 6  # two test conversations of three turns
    assert written["retrieval"]["recall@3"] == 1.0
    assert written["answer"]["abstention_accuracy"] == 1.0
    assert 0 < written["answer"]["token_f1"] <= 1


def test_eval_bad_input_gets_a_message_not_a_traceback(fixture_docs, tmp_path, capsys):
    assert main(["eval", "--docs", str(tmp_path / "nope")]) == 2
    assert "No existe la carpeta" in capsys.readouterr().err
    broken = tmp_path / "qa.jsonl"
    broken.write_text("no es json\n", encoding="utf-8")
    assert main(["eval", "--docs", str(fixture_docs), "--qa", str(broken)]) == 2
    assert "línea 1" in capsys.readouterr().err
    assert main(["eval", "--docs", str(fixture_docs), "--qa", str(broken), "--backend", "gpt-9"]) == 2
