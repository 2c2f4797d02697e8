"""One counting filter in front of every rating (`ragarena.core.vote_filter`): the leaderboard, the
Bradley-Terry analysis, ``votes-report``, ``ratings FILE`` and DPO pairs count the same battles of
the same file, one with named-mode votes, votes excluded by hygiene (an identity leak, an implausible
voter) and a row that is not a battle."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from ragarena import cli
from ragarena.arena import hygiene
from ragarena.core.battles import read_battle_rows
from ragarena.core.vote_filter import EXCLUDED, MALFORMED, NOT_BLIND, count_votes
from ragarena.leaderboard.build import build_leaderboard
from ragarena.scoring.arena_ratings import analyze
from train.preferences import preference_pairs

DOCS = Path(__file__).resolve().parent / "fixtures" / "docs"
PAIRS = [("alfa", "gamma"), ("beta", "gamma"), ("alfa", "beta")]
HONEST, CONTRARIAN = 30, 15  # voters x 3 votes; the contrarian's votes (the sequential test flags them)
TIES = sum(1 for k in range(HONEST) if k % 4 == 0)
#: What every consumer must count in the file `write_file` writes.
EXPECTED = {"counted": 3 * HONEST, "excluded": CONTRARIAN + 1, "named": 2, "malformed": 1}


def battle(number: int, voter: str, model_a: str, model_b: str, winner, **extra) -> dict:
    """A voted battle with its own question and two different answers (so each decisive one is a DPO pair)."""
    return {
        "model_a": model_a,
        "model_b": model_b,
        "winner": winner,
        "tstamp": 1_750_000_000.0 + 60 * number,
        "battle_id": f"b-{number}",
        "session_hash": voter,
        "mode": "anonymous",
        "question": f"¿Pregunta número {number}?",
        "answer_a": f"Respuesta de {model_a} a la {number}.",
        "answer_b": f"Respuesta de {model_b} a la {number}.",
        **extra,
    }


def arena_log() -> list[dict]:
    """Honest voters who mostly pick the stronger model (alfa > beta > gamma, some upsets and ties),
    and a contrarian who always picks the weaker one."""
    log = []
    for k in range(HONEST):
        for n, (a, b) in enumerate(PAIRS):
            upset, tie = n == 1 and k % 6 == 0, n == 2 and k % 4 == 0
            log.append(battle(len(log), f"honesto-{k}", a, b, "tie" if tie else "model_b" if upset else "model_a"))
    for n in range(CONTRARIAN):
        log.append(battle(len(log), "contrario", *PAIRS[n % 3], "model_b"))
    return log


def write_file(path: Path, screened: bool = True) -> Path:
    """An export (`export-votes` screens the voters first) or, with `screened=False`, a copy written at
    vote time (the Hub's), plus two named-mode votes, an identity leak kept but excluded, and an
    unvoted row (``winner`` null) that is not a battle."""
    log = arena_log()
    if screened:
        log, screening = hygiene.screen_battles(log)
        assert {v.voter for v in screening.flagged} == {"contrario"}  # the file holds what it should
        assert hygiene.screen(log).exclusions == {}  # and screening it again adds nothing
    extra = [battle(900 + n, "nombrado", "gamma", "alfa", "model_a", mode="named") for n in range(2)]
    extra.append(
        battle(
            910,
            "otro",
            "alfa",
            "beta",
            "model_b",
            excluded=True,
            excluded_reason="identidad: la respuesta A revela el modelo o su proveedor («openai»)",
        )
    )
    rows = log[:10] + [battle(920, "otro", "alfa", "gamma", None)] + log[10:] + extra
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    return path


def run_cli(capsys, *argv: str):
    assert cli.main(list(argv)) == 0
    return capsys.readouterr()


def test_the_filter_counts_what_it_leaves_out_and_why():
    rows = [
        {"model_a": "x", "model_b": "y", "winner": "model_a"},
        {"model_a": "x", "model_b": "y", "winner": "model_b", "mode": "named"},
        {"model_a": "x", "model_b": "y", "winner": "tie", "mode": "named", "excluded_reason": "identidad: …"},
        {"model_a": "x", "model_b": "x", "winner": "tie"},
        "no es un combate",
    ]
    votes = count_votes(rows, where=["l1", "l2", "l3", "l4", "l5"])
    assert votes.counted == rows[:1] and votes.positions == [0] and votes.total == 5
    assert votes.left_out() == {MALFORMED: 2, EXCLUDED: 1, NOT_BLIND: 1}  # excluded before named: each row once
    assert [p.split(":")[0] for p in votes.problems] == ["l4", "l5"]
    assert "model_a y model_b son el mismo modelo" in votes.problems[0]
    assert count_votes(rows, blind_only=False).counted == rows[:2]  # the leaderboard's option


def test_every_consumer_counts_the_same_battles_of_an_export(tmp_path, capsys):
    path = write_file(tmp_path / "export.jsonl")
    records, _where = read_battle_rows(path)

    board = build_leaderboard(records, bootstrap=0)
    assert {
        "counted": board.n_votes,
        "excluded": board.excluded,
        "named": board.named,
        "malformed": board.malformed,
    } == EXPECTED

    for given in (records, pd.DataFrame(records)):  # a DataFrame goes through the same filter
        ratings = analyze(given, bootstrap=0)
        assert {
            "counted": ratings.n_battles,
            "excluded": ratings.excluded,
            "named": ratings.named,
            "malformed": ratings.malformed,
        } == EXPECTED

    report = json.loads(run_cli(capsys, "votes-report", "--file", str(path), "--json").out)
    assert {
        "counted": report["counted"],
        "excluded": report["excluded"],
        "named": report["named_mode"],
        "malformed": report["malformed"],
    } == EXPECTED
    assert report["pending_by_reason"] == {}  # an export: nothing left to screen
    assert report["malformed_rows"][0].startswith(f"{path}, línea 11: valor de 'winner' no válido ('None')")

    result = run_cli(capsys, "ratings", str(path), "--json", "--bootstrap", "0")
    rows = json.loads(result.out)
    assert sum(row["battles"] for row in rows) == 2 * EXPECTED["counted"]
    # The same battles, not only as many: the same ratings as the leaderboard's.
    on_board = board.table.set_index("model")["rating"].to_dict()
    assert {row["model"]: row["rating"] for row in rows} == pytest.approx(on_board)
    assert "2 votos emitidos con los nombres de los modelos a la vista no cuentan" in result.err
    text = run_cli(capsys, "ratings", str(path), "--bootstrap", "0").out
    assert f"{EXPECTED['counted']} combates, 3 modelos." in text
    assert "16 combates excluidos no cuentan." in text
    assert f"1 filas no son combates válidos y no cuentan; la primera: {path}, línea 11:" in text

    pairs, dpo = preference_pairs(path, DOCS, k=2)
    assert dpo.counted == EXPECTED["counted"] and dpo.screened_now == 0
    assert len(pairs) == dpo.pairs == EXPECTED["counted"] - TIES  # ties are no preference
    assert dict(dpo.skipped) == {
        "voto excluido del ranking": EXPECTED["excluded"],
        "votado con los nombres de los modelos a la vista": EXPECTED["named"],
        "fila que no es un combate válido": EXPECTED["malformed"],
        "empate o ambos malos": TIES,
    }
    assert not {pair.question for pair in pairs} & {
        r["question"] for r in records if r.get("session_hash") in ("contrario", "nombrado", "otro")
    }


def test_dpo_votes_report_and_ratings_screen_a_copy_that_was_never_screened(tmp_path, capsys):
    """The Hub's copy is written at vote time, before any screening: DPO screens it as the vote store
    does, so it trains on the votes the leaderboard counts, and votes-report shows the screening's
    exclusions as pending; `ratings FILE` rates it as the export."""
    export = write_file(tmp_path / "export.jsonl")
    hub = write_file(tmp_path / "hub.jsonl", screened=False)
    assert "votante inverosímil" not in hub.read_text(encoding="utf-8")

    pairs, dpo = preference_pairs(hub, DOCS, k=2)
    assert dpo.counted == build_leaderboard(read_battle_rows(export)[0], bootstrap=0).n_votes == EXPECTED["counted"]
    assert dpo.screened_now == CONTRARIAN
    assert "excluye 15 votos que el archivo no tenía marcados" in " ".join(dpo.lines())
    contrarian = {r["question"] for r in read_battle_rows(hub)[0] if r.get("session_hash") == "contrario"}
    assert len(contrarian) == CONTRARIAN and not contrarian & {pair.question for pair in pairs}

    report = json.loads(run_cli(capsys, "votes-report", "--file", str(hub), "--json").out)
    assert report["counted"] == EXPECTED["counted"]
    assert report["pending_by_reason"] == {hygiene.IMPLAUSIBLE: CONTRARIAN}

    # `ratings FILE` screens it too: the same ratings from the Hub's copy as from the export.
    from_export = json.loads(run_cli(capsys, "ratings", str(export), "--json", "--bootstrap", "0").out)
    result = run_cli(capsys, "ratings", str(hub), "--json", "--bootstrap", "0")
    assert json.loads(result.out) == from_export
    assert f"excluye {CONTRARIAN} votos que el archivo no tenía marcados." in result.err
    assert "16 combates excluidos no cuentan." in result.err
