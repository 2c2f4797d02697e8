"""`ragarena.leaderboard.board.BoardData`: what the Leaderboard tab shows, computed without Gradio: settings,
voter screening shared with the background screening, caching, warnings and the CSV file."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest
from test_leaderboard import REPO, synthetic_battles
from test_vote_hygiene import arena_log

from ragarena.answering.safe_markdown import plain
from ragarena.arena import hygiene
from ragarena.arena.votes import VoteStore
from ragarena.leaderboard.board import BoardData
from ragarena.ui.context import AppContext


@pytest.fixture
def scores_dir(tmp_path) -> Path:
    folder = tmp_path / "scores"
    folder.mkdir()
    shutil.copy(REPO / "data" / "scores" / "published.jsonl", folder)
    return folder


@pytest.fixture
def ctx(fixture_engine, tmp_path, scores_dir):
    store = VoteStore(tmp_path / "arena.db")
    context = AppContext(
        engine=fixture_engine,
        extras={
            "store": store,
            "scores_path": scores_dir,
            "leaderboard_bootstrap": 20,
            "judge_cache_dir": tmp_path / "judge-cache",
        },
    )
    yield context
    store.close()


def test_the_view_has_every_output_in_the_reader_language(ctx):
    ctx.store.import_battles(synthetic_battles())
    data = BoardData(ctx)
    view = data.view()
    ranked = view.ranked.data
    assert ranked["Modelo"].tolist()[:3] == ["Extractivo", "Extractivo léxico", "m3"]
    assert "**62 votos** entre 3 modelos" in view.summary and view.method.startswith("**En pocas palabras.**")
    assert "- **Extractivo**: Público: 42 votos" in plain(view.provenance)  # as the page shows it
    rows = list(csv.DictReader(io.StringIO(Path(view.csv_path).read_text(encoding="utf-8"))))
    assert [r["model"] for r in rows[:3]] == ["extractive", "extractive-lexical", "m3"]
    english = data.view("en")
    assert english.ranked.data["Model"].tolist()[:2] == ["Extractive", "Extractive (lexical)"]
    assert (
        Path(english.csv_path).name == "rag-arena-leaderboard.csv"
        and Path(view.csv_path).name == "clasificacion-rag-arena.csv"
    )


def test_the_leaderboard_is_rebuilt_only_when_its_inputs_change(ctx, monkeypatch):
    from ragarena.leaderboard import build as lb

    builds = []
    real = lb.build_leaderboard
    monkeypatch.setattr(lb, "build_leaderboard", lambda *a, **k: builds.append(1) or real(*a, **k))
    data = BoardData(ctx)
    ctx.store.import_battles(synthetic_battles()[:30])
    first, _ = data.compute()
    assert data.compute()[0] is first and len(builds) == 1
    ctx.store.import_battles(synthetic_battles()[30:])
    assert data.compute()[0] is not first and len(builds) == 2
    ctx.extras["min_votes"] = 41  # a setting is an input too
    board, _ = data.compute()
    assert len(builds) == 3 and board.min_votes == 41


def test_settings_come_from_extras_else_the_environment(ctx, monkeypatch):
    data = BoardData(ctx)
    monkeypatch.setenv("RAGARENA_MIN_VOTES", "7")
    monkeypatch.setenv("RAGARENA_MIN_RATINGS", "9")
    monkeypatch.setenv("RAGARENA_JUDGE_CACHE", "/tmp/juez")
    del ctx.extras["judge_cache_dir"]
    assert (data.min_votes(), data.min_ratings(), data.judge_cache_dir()) == (7, 9, Path("/tmp/juez"))
    ctx.extras.update(min_votes=3, min_ratings=4)
    assert (data.min_votes(), data.min_ratings(), data.bootstrap()) == (3, 4, 20)
    assert "desde 3 votos del modelo y una media de las personas desde 4 valoraciones" in data.view().method


def test_screening_is_hygiene_screen_store_and_runs_again_only_when_the_votes_change(ctx, monkeypatch):
    calls = []
    real = hygiene.screen_store
    monkeypatch.setattr(
        hygiene, "screen_store", lambda store, battles=None, **k: calls.append(1) or real(store, battles, **k)
    )
    log = arena_log(honest=20, votes_each=30, cheats={"contrario": "contrarian"})
    ctx.store.import_battles([{k: v for k, v in b.items() if k != "battle_id"} for b in log])
    data = BoardData(ctx)
    battles, warning = data.battles()
    assert warning is None and len(calls) == 1
    flagged = [b for b in battles if hygiene.category(b.get("excluded_reason")) == hygiene.IMPLAUSIBLE]
    assert flagged  # saved in the store, as the background screening would
    stored = [
        b for b in ctx.store.export_battles() if hygiene.category(b.get("excluded_reason")) == hygiene.IMPLAUSIBLE
    ]
    assert len(stored) == len(flagged)
    data.battles()
    assert len(calls) == 1  # nothing new: no new test
    ctx.store.import_battles(synthetic_battles()[:2])
    data.battles()
    assert len(calls) == 2


def test_problems_become_warnings_and_the_tab_still_shows(ctx, scores_dir):
    (scores_dir / "roto.jsonl").write_text("{no es json\n", encoding="utf-8")

    class Broken:
        def export_battles(self):
            raise OSError("disco")

    ctx.extras["store"] = Broken()
    ctx.extras["ratings"] = Broken()
    view = BoardData(ctx).view()
    shown = plain(view.summary)  # the warnings go through the one rendering path: read as the page shows them
    assert "⚠️ No se pueden leer los votos (OSError)." in shown
    assert "⚠️ Las puntuaciones guardadas no son válidas" in shown
    assert "⚠️ No se pueden leer las valoraciones de usuarios" in shown
    assert view.ranked.data.empty
