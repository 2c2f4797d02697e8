import json

from ragarena.cli import main


def test_eval_prints_and_writes_the_contract_shape(fixture_docs, fixture_qa, tmp_path, capsys):
    out = tmp_path / "res" / "eval.json"
    # the lexical model: its figures on this corpus are known (the learned one is tested in test_answer_selector)
    code = main(
        [
            "eval",
            "--docs",
            str(fixture_docs),
            "--qa",
            str(fixture_qa),
            "--split",
            "test",
            "--json",
            str(out),
            "--backend",
            "extractive-lexical",
        ]
    )
    assert code == 0
    printed = json.loads(capsys.readouterr().out)
    written = json.loads(out.read_text(encoding="utf-8"))
    assert printed == written
    assert set(written) == {"n_turns", "retrieval", "answer"}
    assert set(written["retrieval"]) == {"recall@1", "recall@3", "recall@5", "mrr"}
    assert set(written["answer"]) == {
        "token_f1",
        "abstention_accuracy",
        "filler_rate",
        "mean_words",
        "answer_recall",
        "correct_rate",
        "false_abstention_rate",
        "correct_rate_first_turns",
        "correct_rate_follow_ups",
    }
    assert written["n_turns"] == 6  # two test conversations of three turns
    assert written["retrieval"]["recall@3"] == 1.0
    assert written["answer"]["abstention_accuracy"] == 1.0
    assert 0 < written["answer"]["token_f1"] <= 1
    # 4 of the 5 answerable turns hold half the gold answer's terms (the padel price does not);
    # no false abstention; the "not covered" answer to the dogs question is not filler
    assert written["answer"]["correct_rate"] == 0.8 and written["answer"]["false_abstention_rate"] == 0.0
    assert written["answer"]["filler_rate"] == 0.0


def test_eval_predictions_hold_one_line_per_turn(fixture_docs, fixture_qa, tmp_path, capsys):
    out = tmp_path / "pred" / "turns.jsonl"
    assert (
        main(
            [
                "eval",
                "--docs",
                str(fixture_docs),
                "--qa",
                str(fixture_qa),
                "--retrieval",
                "bm25",
                "--predictions",
                str(out),
            ]
        )
        == 0
    )
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [(r["conversation"], r["turn"]) for r in lines] == [
        ("fx-2", 0),
        ("fx-2", 1),
        ("fx-2", 2),
        ("fx-3", 0),
        ("fx-3", 1),
        ("fx-3", 2),
    ]
    first = lines[0]
    assert first["question"] == "¿A qué hora abre la piscina entre semana?" and first["gold_rank"] == 1
    assert first["passages"][0]["rank"] == 1 and first["passages"][0]["id"].startswith("piscina#")
    assert first["gold_answer"] == "De lunes a viernes abre de 7:00 a 22:00."
    assert set(first["metrics"]) == {
        "answer_recall",
        "correct",
        "abstained",
        "false_abstention",
        "filler",
        "token_f1",
        "words",
    }
    assert lines[-1]["answerable"] is False and lines[-1]["metrics"]["answer_recall"] is None
    summary = json.loads(capsys.readouterr().out)["answer"]
    answerable = [r for r in lines if r["answerable"]]
    assert summary["correct_rate"] == round(sum(r["metrics"]["correct"] for r in answerable) / len(answerable), 4)
    # the same count, apart for first questions and follow-ups
    for key, chosen in (
        ("correct_rate_first_turns", [r for r in answerable if r["turn"] == 0]),
        ("correct_rate_follow_ups", [r for r in answerable if r["turn"] > 0]),
    ):
        assert chosen and summary[key] == round(sum(r["metrics"]["correct"] for r in chosen) / len(chosen), 4)


def test_eval_bad_input_gets_a_message_not_a_traceback(fixture_docs, tmp_path, capsys):
    assert main(["eval", "--docs", str(tmp_path / "nope")]) == 2
    assert "No existe la carpeta" in capsys.readouterr().err
    broken = tmp_path / "qa.jsonl"
    broken.write_text("no es json\n", encoding="utf-8")
    assert main(["eval", "--docs", str(fixture_docs), "--qa", str(broken)]) == 2
    assert "línea 1" in capsys.readouterr().err
    assert main(["eval", "--docs", str(fixture_docs), "--qa", str(broken), "--backend", "gpt-9"]) == 2
