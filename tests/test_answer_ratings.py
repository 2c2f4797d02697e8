"""People's 1-5 ratings of Chat answers: storage and migration, rules, aggregation, agreement with the
judge, the export-ratings command, and the whole path through the real app with gradio_client."""

from __future__ import annotations

import json
import math
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa
from scipy import stats

from ragarena import settings
from ragarena.answer_ratings import judge_agreement
from ragarena.answer_ratings import rules as rating_rules
from ragarena.answer_ratings import stats as rating_stats
from ragarena.answer_ratings.judge_agreement import judge_item
from ragarena.answer_ratings.store import AnswerRatings
from ragarena.arena import votes
from ragarena.arena.votes import VoteStore
from ragarena.core.criteria import CRITERIA
from ragarena.core.errors import UserError
from ragarena.core.refusals import VoteRejected, anonymize_session
from ragarena.leaderboard import build as lb
from ragarena.leaderboard import text as board_text
from ragarena.leaderboard.answer_rating_means import ANSWER_RATING_COLUMNS, answer_rating_means
from ragarena.scoring import judge_cache
from ragarena.store import schema as store_schema

QUESTION = "¿A qué hora abre la piscina entre semana?"
ANSWER = "La piscina abre de lunes a viernes de 7:00 a 22:00 y los fines de semana de 9:00 a 14:00."
GOOD = {"answer_relevance": 5, "context_relevance": 4, "groundedness": 3}


class Clock:
    def __init__(self, now: float = 1_700_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def store(db_target, clock):
    store = VoteStore(db_target(), clock=clock)
    yield store
    store.close()


@pytest.fixture
def ratings(store):
    return AnswerRatings(store, ratings_per_minute=3)


def answer(
    ratings: AnswerRatings,
    session: str = "sesion-1",
    model: str = "extractive",
    question: str = QUESTION,
    text: str = ANSWER,
    **extra,
) -> str:
    return ratings.record_answer(
        session_hash=session,
        model=model,
        question=question,
        answer=text,
        passage_ids=extra.pop("passage_ids", ["piscina#1"]),
        **extra,
    )


# --- storage ------------------------------------------------------------------------------------


def test_an_answer_and_its_rating_are_stored_with_everything_and_an_anonymous_session(db_target, store, ratings, clock):
    answer_id = answer(ratings, conversation=[("¿Hay piscina?", "Sí, cubierta.")], passage_ids=["piscina#1", "b#2"])
    assert len(answer_id) == 32 and ratings.count_answers() == 1 and ratings.count_ratings() == 0
    clock.now += 5
    record = ratings.rate(answer_id, "sesion-1", GOOD, "  Útil,\x00 pero <b>larga</b>\r\n ")
    assert record["updated"] is False
    [exported] = ratings.export_ratings()
    assert exported == {
        "answer_id": answer_id,
        "model": "extractive",
        "question": QUESTION,
        "conversation": [{"question": "¿Hay piscina?", "answer": "Sí, cubierta."}],
        "passage_ids": ["piscina#1", "b#2"],
        "answer": ANSWER,
        **GOOD,
        "overall": 4.0,
        "comment": "Útil, pero <b>larga</b>",  # stored as plain text; control characters gone
        "session_hash": anonymize_session("sesion-1"),
        "served_tstamp": clock.now - 5,
        "first_tstamp": clock.now,
        "tstamp": clock.now,
        "revisions": 1,
    }
    assert "sesion-1" not in json.dumps(exported)

    # Sending again updates the same rating (one per answer).
    clock.now += 10
    again = ratings.rate(answer_id, "sesion-1", {**GOOD, "groundedness": 1}, None)
    assert again["updated"] is True and again["groundedness"] == 1 and again["comment"] is None
    [exported] = ratings.export_ratings()
    assert (exported["revisions"], exported["first_tstamp"], exported["tstamp"]) == (2, clock.now - 10, clock.now)
    assert ratings.scores() == [{"model": "extractive", **GOOD, "groundedness": 1}]

    # Durable: another connection (another worker, or after a restart) sees it.
    other = VoteStore(db_target())
    try:
        assert AnswerRatings(other).export_ratings() == [exported]
    finally:
        other.close()


# The SQLite schemas as released (versions 1 and 2), to check that their files are migrated.
V1_SCHEMA = """
CREATE TABLE battles (
    id TEXT PRIMARY KEY, served_at REAL NOT NULL, session_hash TEXT NOT NULL, question TEXT NOT NULL,
    conversation TEXT NOT NULL DEFAULT '[]', passage_ids TEXT NOT NULL DEFAULT '[]', model_a TEXT NOT NULL,
    model_b TEXT NOT NULL, answer_a TEXT NOT NULL, answer_b TEXT NOT NULL, timings TEXT NOT NULL DEFAULT '{}',
    mode TEXT NOT NULL CHECK (mode IN ('anonymous', 'named')),
    winner TEXT CHECK (winner IS NULL OR winner IN ('model_a', 'model_b', 'tie', 'tie (bothbad)')),
    voted_at REAL, reasons TEXT, excluded_reason TEXT, user_hash TEXT, ip_hash TEXT);
CREATE INDEX battles_session_votes ON battles (session_hash, voted_at);
CREATE INDEX battles_votes ON battles (voted_at) WHERE winner IS NOT NULL;
"""
V2_TABLES = """
CREATE TABLE chat_answers (
    id TEXT PRIMARY KEY, served_at REAL NOT NULL, session_hash TEXT NOT NULL, model TEXT NOT NULL,
    question TEXT NOT NULL, conversation TEXT NOT NULL DEFAULT '[]', passage_ids TEXT NOT NULL DEFAULT '[]',
    answer TEXT NOT NULL);
CREATE INDEX chat_answers_session ON chat_answers (session_hash, served_at);
CREATE TABLE answer_ratings (
    answer_id TEXT PRIMARY KEY REFERENCES chat_answers (id), session_hash TEXT NOT NULL,
    answer_relevance INTEGER NOT NULL CHECK (answer_relevance BETWEEN 1 AND 5),
    context_relevance INTEGER NOT NULL CHECK (context_relevance BETWEEN 1 AND 5),
    groundedness INTEGER NOT NULL CHECK (groundedness BETWEEN 1 AND 5), comment TEXT,
    first_rated_at REAL NOT NULL, rated_at REAL NOT NULL, revisions INTEGER NOT NULL DEFAULT 1);
CREATE INDEX answer_ratings_time ON answer_ratings (rated_at);
"""


def legacy_database(path: Path, version: int) -> None:
    """A vote file as versions 1 or 2 of RAG Arena wrote it: two votes of session "s" (same time) and,
    in version 2, a rated answer and a later one."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA application_id = 1380009793")
    conn.execute(f"PRAGMA user_version = {version}")
    conn.executescript(V1_SCHEMA + (V2_TABLES if version >= 2 else ""))
    conn.execute("PRAGMA journal_mode = WAL")
    for battle_id in ("zz-first", "aa-second"):  # same served_at: the insertion order decides which is latest
        conn.execute(
            "INSERT INTO battles (id, served_at, session_hash, question, model_a, model_b, answer_a, "
            "answer_b, mode, winner, voted_at) VALUES (?, 100.0, ?, 'q', 'a', 'b', 'x', 'y', "
            "'anonymous', 'model_a', 101.0)",
            (battle_id, anonymize_session("s")),
        )
    if version >= 2:
        for answer_id in ("zz-answer", "aa-answer"):
            conn.execute(
                "INSERT INTO chat_answers (id, served_at, session_hash, model, question, answer) "
                "VALUES (?, 50.0, ?, 'extractive', 'q', 'r')",
                (answer_id, anonymize_session("s")),
            )
        conn.execute(
            "INSERT INTO answer_ratings VALUES ('zz-answer', ?, 5, 4, 3, 'bien', 60.0, 60.0, 1)",
            (anonymize_session("s"),),
        )
    conn.close()


@pytest.mark.parametrize("version", [1, 2])
def test_a_database_of_an_older_schema_is_migrated_and_keeps_everything(tmp_path, monkeypatch, version):
    db = tmp_path / f"v{version}.db"
    legacy_database(db, version)
    store = VoteStore(db, clock=Clock(1000.0))  # opening migrates, in place
    try:
        assert [b["battle_id"] for b in store.export_battles()] == ["aa-second", "zz-first"]
        assert store.count_votes() == 2
        ratings = AnswerRatings(store)
        if version >= 2:
            [kept] = ratings.export_ratings()
            assert (kept["answer_id"], kept["comment"], kept["answer_relevance"]) == ("zz-answer", "bien", 5)
            # The insertion order survived: the answer stored last is the session's latest.
            with pytest.raises(VoteRejected, match="solo se puede valorar la última"):
                ratings.rate("zz-answer", "s", GOOD)
            assert ratings.rate("aa-answer", "s", GOOD)["updated"] is False
        # ... and so did the battles' order: reasons only for the latest one (stored last, same time).
        with pytest.raises(VoteRejected, match="Esa ronda ya terminó"):
            store.set_reasons("zz-first", "s", [])
        store.set_reasons("aa-second", "s", [])
        answer_id = answer(ratings, session="s")
        assert ratings.rate(answer_id, "s", GOOD)["updated"] is False
        new_battle = store.record_battle(
            session_hash="s", question=QUESTION, model_a="a", model_b="b", answer_a="x", answer_b="y"
        )
        store.vote(new_battle, "s", "tie")
        assert store.count_votes() == 3
    finally:
        store.close()
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == votes.SCHEMA_VERSION == 3
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert {"battles_session_votes", "battles_votes", "battles_ip_votes", "chat_answers_session"} <= indexes
    conn.close()
    again = VoteStore(db)  # a second opening has nothing to do
    try:
        assert AnswerRatings(again).count_ratings() == (3 if version >= 2 else 1)
        assert again.count_votes() == 3
    finally:
        again.close()
    # An application of an older schema now refuses the file as newer, and does not touch it.
    monkeypatch.setattr(store_schema, "SCHEMA_VERSION", 2)
    before = db.read_bytes()
    with pytest.raises(UserError, match="versión más nueva"):
        VoteStore(db)
    assert db.read_bytes() == before


def test_a_new_database_is_created_at_the_current_version(store):
    tables = set(sa.inspect(store.db.engine).get_table_names())
    assert tables == {"battles", "chat_answers", "answer_ratings", "rating_events", "ragarena_schema"}
    with store.db.read() as conn:
        assert store_schema.stored_version(conn) == votes.SCHEMA_VERSION


# --- rules --------------------------------------------------------------------------------------


def test_a_rating_must_name_the_latest_answer_served_to_the_same_session(ratings):
    answer_id = answer(ratings, session="s1")
    for forged in ("0" * 32, "", None):
        with pytest.raises(VoteRejected):
            ratings.rate(forged, "s1", GOOD)
    with pytest.raises(VoteRejected, match="no se produjo en esta sesión"):
        ratings.rate(answer_id, "s2", GOOD)  # another session
    with pytest.raises(VoteRejected, match="haz una pregunta primero"):
        ratings.rate(answer_id, None, GOOD)
    ratings.rate(answer_id, "s1", GOOD)
    answer(ratings, session="s1", question="¿Y en agosto?")  # the user moved on
    with pytest.raises(VoteRejected, match="solo se puede valorar la última respuesta"):
        ratings.rate(answer_id, "s1", GOOD)
    with pytest.raises(VoteRejected, match="sesión"):
        ratings.record_answer(session_hash="", model="m", question=QUESTION, answer="x")
    with pytest.raises(VoteRejected, match="demasiado larga"):
        ratings.record_answer(session_hash="s1", model="m", question="a" * 2001, answer="x")
    assert ratings.count_ratings() == 1


@pytest.mark.parametrize(
    "scores, message",
    [
        ({**GOOD, "groundedness": None}, "Valora los tres criterios"),
        ({"answer_relevance": 5, "context_relevance": 4}, "Valora los tres criterios"),
        ({**GOOD, "groundedness": 0}, "entero del 1 al 5"),
        ({**GOOD, "groundedness": 6}, "entero del 1 al 5"),
        ({**GOOD, "groundedness": 2.5}, "entero del 1 al 5"),
        ({**GOOD, "groundedness": True}, "entero del 1 al 5"),
        ({**GOOD, "groundedness": "mucho"}, "entero del 1 al 5"),
        (None, "Valora los tres criterios"),
    ],
)
def test_scores_must_be_three_integers_from_1_to_5(ratings, scores, message):
    answer_id = answer(ratings)
    with pytest.raises(VoteRejected, match=message):
        ratings.rate(answer_id, "sesion-1", scores)
    assert ratings.count_ratings() == 0


def test_scores_given_as_digits_are_accepted(ratings):
    answer_id = answer(ratings)
    assert (
        ratings.rate(answer_id, "sesion-1", {"answer_relevance": "5", "context_relevance": 4.0, "groundedness": 1})[
            "answer_relevance"
        ]
        == 5
    )


def test_comments_are_limited_and_stored_inert(ratings):
    answer_id = answer(ratings)
    with pytest.raises(VoteRejected, match=r"demasiado largo.*1001.*máximo 1000"):
        ratings.rate(answer_id, "sesion-1", GOOD, "x" * 1001)
    with pytest.raises(VoteRejected, match="texto"):
        ratings.rate(answer_id, "sesion-1", GOOD, ["no"])
    assert ratings.count_ratings() == 0
    script = "<script>alert(1)</script>" + "y" * 975
    assert len(script) == 1000
    assert ratings.rate(answer_id, "sesion-1", GOOD, script)["comment"] == script
    assert ratings.rate(answer_id, "sesion-1", GOOD, "   ")["comment"] is None


def test_rate_limit_per_session_counts_updates_too(ratings, clock, db_target):
    answer_id = answer(ratings)
    for _ in range(3):  # 3 a minute in this fixture
        ratings.rate(answer_id, "sesion-1", GOOD)
        clock.now += 1
    with pytest.raises(VoteRejected, match="3 valoraciones en el último minuto"):
        ratings.rate(answer_id, "sesion-1", GOOD)
    # The database counts, not the process: another replica on the same database refuses too.
    replica = VoteStore(db_target(), clock=clock)
    try:
        with pytest.raises(VoteRejected, match="3 valoraciones en el último minuto"):
            AnswerRatings(replica, ratings_per_minute=3).rate(answer_id, "sesion-1", GOOD)
    finally:
        replica.close()
    other = answer(ratings, session="sesion-2")
    ratings.rate(other, "sesion-2", GOOD)  # other sessions are not affected
    clock.now += 58  # a minute after the first one
    assert ratings.rate(answer_id, "sesion-1", GOOD)["revisions"] == 4
    # Only the last minute is kept in the log behind the limit.
    with ratings.db.read() as conn:
        kept = conn.execute(
            sa.select(store_schema.rating_events.c.rated_at).where(
                store_schema.rating_events.c.session_hash == anonymize_session("sesion-1")
            )
        ).all()
    assert sorted(t for (t,) in kept) == [clock.now - 59, clock.now]  # the ones of 61 and 60 s ago are gone


def test_rate_limit_from_the_environment(store, monkeypatch):
    monkeypatch.setenv("RAGARENA_RATINGS_PER_MINUTE", "7")
    assert AnswerRatings(store).ratings_per_minute == 7
    monkeypatch.delenv("RAGARENA_RATINGS_PER_MINUTE")
    assert AnswerRatings(store).ratings_per_minute == settings.DEFAULT_RATINGS_PER_MINUTE == 20
    monkeypatch.setenv("RAGARENA_RATINGS_PER_MINUTE", "cero")
    with pytest.raises(UserError, match="RAGARENA_RATINGS_PER_MINUTE"):
        AnswerRatings(store)
    monkeypatch.setenv("RAGARENA_MIN_RATINGS", "0")
    with pytest.raises(UserError, match="RAGARENA_MIN_RATINGS"):
        settings.min_ratings()


# --- aggregation --------------------------------------------------------------------------------


T_19 = 2.093024054408263  # t(0.975, 19)


def test_t_interval_on_known_data():
    values = [1, 2, 3, 4, 5] * 4  # n = 20, mean 3, s = sqrt(40 / 19)
    mean, low, high = rating_stats.t_interval(values)
    half = T_19 * math.sqrt(40 / 19) / math.sqrt(20)
    assert mean == 3 and low == pytest.approx(3 - half) and high == pytest.approx(3 + half)
    assert half == pytest.approx(0.679, abs=1e-3)
    assert rating_stats.t_interval([5] * 20) == (5, 5, 5)
    assert rating_stats.t_interval([5] * 19 + [4]) == pytest.approx((4.95, 4.845, 5.0), abs=1e-3)  # clipped at 5
    mean, low, high = rating_stats.t_interval([4])
    assert mean == 4 and math.isnan(low) and math.isnan(high)
    assert all(math.isnan(v) for v in rating_stats.t_interval([]))


def crowd(model: str, triples) -> list[dict]:
    return [{"model": model, "answer_relevance": a, "context_relevance": c, "groundedness": g} for a, c, g in triples]


def test_crowd_criteria_means_intervals_and_the_minimum_count():
    rated = crowd("extractive", [(v, 5, 4) for v in [1, 2, 3, 4, 5] * 4]) + crowd("extractive-long", [(4, 4, 4)] * 19)
    figures = answer_rating_means(rated, min_ratings=20)
    assert figures["extractive-long"] == {"crowd_n": 19}  # too few: the count, no means
    ext = figures["extractive"]
    half = T_19 * math.sqrt(40 / 19) / math.sqrt(20)
    assert ext["crowd_n"] == 20
    assert (
        ext["crowd_answer_relevance"],
        ext["crowd_answer_relevance_ci_low"],
        ext["crowd_answer_relevance_ci_high"],
    ) == pytest.approx((3, 3 - half, 3 + half))
    assert (ext["crowd_context_relevance"], ext["crowd_context_relevance_ci_low"]) == (5, 5)
    assert ext["crowd_groundedness"] == 4
    # Overall: the interval of each rating's mean of the three, (v + 9) / 3.
    assert ext["crowd_overall"] == pytest.approx(4)
    assert ext["crowd_overall_ci_high"] - ext["crowd_overall"] == pytest.approx(half / 3)
    assert answer_rating_means(rated, min_ratings=19)["extractive-long"]["crowd_overall"] == 4


def test_crowd_columns_in_the_leaderboard_table_display_and_csv(published_records):
    rated = (
        crowd("extractive", [(v, 5, 4) for v in [1, 2, 3, 4, 5] * 4])
        + crowd("extractive-long", [(4, 4, 4)] * 3)
        + crowd("sin-otras-cifras", [(2, 2, 2)] * 20)
    )
    labels = {"extractive": "Extractivo", "extractive-long": "Extractivo ampliado"}
    measured = {
        "model": "extractive",
        "kind": "measured",
        "answer_relevance": 4.0,
        "context_relevance": 4.0,
        "groundedness": 4.0,
        "overall": 4.0,
        "n_items": 10,
        "judge": "juez",
        "dataset": "d",
        "split": "test",
        "date": "2025-01-01T00:00:00Z",
        "source": "measured",
    }
    board = lb.build_leaderboard(
        [], [measured, *published_records], labels, bootstrap=0, answer_ratings=rated, min_ratings=20
    )
    assert list(board.table.columns) == list(lb.COLUMNS) and board.n_ratings == 43 and board.min_ratings == 20
    table = board.table.set_index("label")
    assert table.loc["Extractivo", "overall"] == 4.0 and table.loc["Extractivo", "crowd_n"] == 20  # same row
    assert table.loc["Extractivo", "crowd_answer_relevance"] == 3
    assert table.loc["Extractivo ampliado", "crowd_n"] == 3
    assert math.isnan(table.loc["Extractivo ampliado", "crowd_overall"])
    published = [label for label in table.index if label.endswith("(publicado)")]
    assert published and table.loc[published, "crowd_n"].isna().all()  # quoted figures get no crowd figures

    from ragarena.leaderboard import table as bt

    ranked = bt.ranked_frame(board).set_index("Modelo")
    assert ranked.loc["Extractivo", "Personas 1-5 (n)"] == "4.00 (n = 20)"  # (3 + 5 + 4) / 3
    assert ranked.loc["Extractivo ampliado", "Personas 1-5 (n)"] == "3 valoraciones: pocas"
    assert ranked.loc["sin-otras-cifras", "Fuente"] == "público"
    detail = bt.detail_frame(board).set_index("Modelo")
    half = T_19 * math.sqrt(40 / 19) / math.sqrt(20)
    assert detail.loc["Extractivo", "Personas: relevancia respuesta"] == f"3.00 ({3 - half:.2f}–{3 + half:.2f})"
    assert detail.loc["Extractivo", "Personas: relevancia contexto"] == "5.00 (5.00–5.00)"
    assert detail.loc["Extractivo ampliado", "Personas: relevancia respuesta"] == "3 valoraciones: pocas"
    assert "—" in bt.ranked_table(board).to_html()
    csv_text = lb.to_csv(board)
    assert ",".join(ANSWER_RATING_COLUMNS) in csv_text.splitlines()[0]
    method = board_text.method_markdown(board)
    assert "43 en total" in method and "t de Student" in method and "20 valoraciones" in method


@pytest.fixture(scope="module")
def published_records():
    from ragarena.scoring import scores

    return [
        r
        for r in scores.load_scores(Path(__file__).resolve().parent.parent / "data" / "scores")
        if r["kind"] == "published"
    ]


# --- agreement with the judge ----------------------------------------------------------------------


def judgement(a: int, c: int, g: int) -> dict:
    return {key: {"score": s, "justification": "porque sí"} for key, s in zip(CRITERIA, (a, c, g))}


def test_the_rated_item_is_the_one_the_eval_judge_scores(fixture_engine):
    from ragarena.scoring.evaluation import TurnResult
    from ragarena.scoring.judge_cache import cache_key
    from ragarena.scoring.judge_rubric import item_from_turn

    history = (("¿Hay piscina?", "Sí, cubierta."),)
    hits = fixture_engine.retrieve(QUESTION, [q for q, _ in history])
    turn = TurnResult("c1", 1, QUESTION, history, tuple(hits), "", "", True, ANSWER, None)
    rating = {
        "question": QUESTION,
        "answer": ANSWER,
        "passage_ids": [h.passage.id for h in hits],
        "conversation": [{"question": q, "answer": a} for q, a in history],
    }
    item = judge_item(rating, fixture_engine.passages_by_id)
    assert cache_key("juez", item) == cache_key("juez", item_from_turn(turn))
    assert judge_item({**rating, "passage_ids": ["ya-no-existe#1"]}, fixture_engine.passages_by_id) is None


def test_agreement_on_constructed_data(tmp_path, fixture_engine, store):
    from ragarena.leaderboard.board import BoardData
    from ragarena.scoring.judge_cache import JudgeCache, cache_key
    from ragarena.ui.context import AppContext

    ratings = AnswerRatings(store)
    people = [(1, 3, 5), (2, 3, 4), (3, 3, 3), (4, 3, 2), (5, 3, 1)]
    judged = [(2, 4, 1), (2, 3, 2), (4, 2, 3), (5, 5, 4), (5, 1, 5)]
    passages = [p.id for p in fixture_engine.passages[:2]]
    cache = JudgeCache(tmp_path / "judge-cache")
    for n, (mine, theirs) in enumerate(zip(people, judged)):
        question, text = f"¿Pregunta {n}?", f"Respuesta {n}."
        answer_id = answer(ratings, session=f"s{n}", question=question, text=text, passage_ids=passages)
        ratings.rate(answer_id, f"s{n}", dict(zip(CRITERIA, mine)))
        item = judge_item(
            {"question": question, "answer": text, "passage_ids": passages, "conversation": []},
            fixture_engine.passages_by_id,
        )
        cache.put(cache_key("juez-a", item), judgement(*theirs), judge="juez-a", question=question)
    # Not the same item: another answer to the same question, and another judge's score of an unrated one.
    other = judge_item(
        {"question": "¿Pregunta 0?", "answer": "Otra respuesta.", "passage_ids": passages, "conversation": []},
        fixture_engine.passages_by_id,
    )
    cache.put(cache_key("juez-b", other), judgement(1, 1, 1), judge="juez-b", question="¿Pregunta 0?")
    answer_id = answer(ratings, session="s9", question="¿Sin juez?", text="Nada.", passage_ids=passages)
    ratings.rate(answer_id, "s9", GOOD)

    entries, judges = judge_cache.read_cache(tmp_path / "judge-cache")
    assert judges == ["juez-a", "juez-b"]
    pairs = judge_agreement.match_judgements(ratings.export_ratings(), entries, judges, fixture_engine.passages_by_id)
    assert list(pairs) == ["juez-a"] and len(pairs["juez-a"]) == 5
    result = {item["criterion"]: item for item in judge_agreement.agreement(pairs["juez-a"])}
    ans = result["answer_relevance"]
    assert ans["n"] == 5 and ans["mad"] == pytest.approx(0.6) and ans["bias"] == pytest.approx(0.6)
    assert ans["spearman"] == pytest.approx(stats.spearmanr([2, 2, 4, 5, 5], [1, 2, 3, 4, 5]).statistic)
    assert math.isnan(result["context_relevance"]["spearman"])  # people gave every answer a 3
    assert result["context_relevance"]["mad"] == pytest.approx(1.2)
    assert result["groundedness"]["spearman"] == pytest.approx(-1.0)
    assert result["groundedness"]["mad"] == pytest.approx(2.4) and result["groundedness"]["bias"] == 0
    overall = result["overall"]
    judge_means = [sum(j) / 3 for j in judged]
    people_means = [sum(p) / 3 for p in people]
    assert overall["mad"] == pytest.approx(sum(abs(a - b) for a, b in zip(judge_means, people_means)) / 5)
    assert judge_agreement.agreement([])[0]["n"] == 0

    ctx = AppContext(
        engine=fixture_engine, extras={"store": store, "ratings": ratings, "judge_cache_dir": tmp_path / "judge-cache"}
    )
    agreement_text = lambda ctx: BoardData(ctx).agreement()  # noqa: E731  (memoised in ctx.extras)
    text = agreement_text(ctx)
    assert "**Jurado `juez-a`**: 5 valoraciones" in text
    assert "| Relevancia de la respuesta | 5 | 0.60 | +0.60 |" in text
    assert "| Fundamentación | 5 | 2.40 | +0.00 | -1.00 |" in text
    assert "| Relevancia del contexto | 5 | 1.20 | +0.00 | — |" in text
    assert agreement_text(ctx) is text  # memoised until a rating or the cache changes
    empty = AppContext(
        engine=fixture_engine, extras={"store": store, "ratings": ratings, "judge_cache_dir": tmp_path / "no-hay"}
    )
    assert "ninguna de las respuestas valoradas (6)" in agreement_text(empty)


# --- export-ratings -----------------------------------------------------------------------------


def test_export_ratings_command(tmp_path, monkeypatch, capsys):
    from ragarena.cli import main

    db = tmp_path / "datos" / "arena.db"
    monkeypatch.setenv("RAGARENA_DB", str(db))
    assert main(["export-ratings", str(tmp_path / "nada.jsonl")]) == 2
    assert "No hay base de datos de votos" in capsys.readouterr().err
    store = VoteStore(db)
    ratings = AnswerRatings(store)
    first = answer(ratings, session="a")
    ratings.rate(first, "a", GOOD, "Bien")
    answer(ratings, session="b")  # served, never rated: not exported
    store.close()
    out = tmp_path / "valoraciones.jsonl"
    assert main(["export-ratings", str(out)]) == 0
    assert "Exportadas 1 valoraciones" in capsys.readouterr().out
    [record] = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert record["answer_id"] == first and record["comment"] == "Bien" and record["model"] == "extractive"
    assert record["session_hash"] == anonymize_session("a") and record["question"] == QUESTION


# --- the real app -------------------------------------------------------------------------------


def column(table: dict, header: str, label: str):
    index = table["headers"].index(header)
    [row] = [row for row in table["data"] if row[0] == label]
    return row[index]


def test_rate_a_chat_answer_through_the_app_and_see_it_on_the_leaderboard(app_launcher, fixture_docs, tmp_path):
    from conftest import message_text
    from test_arena_e2e import connect

    db = tmp_path / "datos" / "arena.db"
    app = app_launcher(
        {
            "RAGARENA_DOCS": str(fixture_docs),
            "RAGARENA_DB": str(db),
            "RAGARENA_RATINGS_PER_MINUTE": "3",
            "RAGARENA_BOOTSTRAP": "0",
        }
    )
    client = connect(app.url)

    def rate(a=4, c=5, g=3, comment=""):
        return client.predict(a, c, g, comment, api_name="/chat_rate")

    assert "haz una pregunta primero" in rate()  # nothing served yet
    _, chat, _, _ = client.predict(QUESTION, [], "extractive", api_name="/chat")
    assert message_text(chat[-1]) == ANSWER
    assert rate(comment="primero").startswith("✅ Valoración guardada (respuesta 4, contexto 5")
    # Sending again replaces the whole rating (the page keeps the comment box as it was).
    assert rate(2, 5, 3, "<img src=x onerror=alert(1)>").startswith("✅ Valoración actualizada (respuesta 2")
    too_long = rate(comment="x" * 1001)
    assert too_long.startswith("⚠️") and "demasiado largo" in too_long

    table = client.predict(api_name="/leaderboard_refresh")[0]
    assert column(table, "Personas 1-5 (n)", "Extractivo") == "1 valoración: pocas"  # fewer than 20: no mean
    assert "ninguna de las respuestas valoradas (1)" in client.predict(api_name="/leaderboard_agreement")

    # A follow-up: the new answer is the one rated (the previous one keeps its rating).
    _, chat, _, _ = client.predict("¿Y en agosto?", chat, "extractive", api_name="/chat")
    assert rate(5, 5, 5).startswith("✅ Valoración guardada")
    assert "3 valoraciones en el último minuto" in rate(5, 5, 5)  # 3 a minute here; refusals do not count
    store = VoteStore(db, create=False)
    try:
        exported = AnswerRatings(store).export_ratings()
    finally:
        store.close()
    first, second = exported
    assert (first["answer_relevance"], first["revisions"], first["comment"]) == (2, 2, "<img src=x onerror=alert(1)>")
    assert first["session_hash"] == anonymize_session(client.session_hash) and first["passage_ids"]
    assert second["question"] == "¿Y en agosto?" and second["conversation"] == [
        {"question": QUESTION, "answer": ANSWER}
    ]

    # A new conversation ends the chance to rate; another session was served nothing.
    client.predict(api_name="/new_conversation")
    assert "haz una pregunta primero" in rate()
    other = connect(app.url)
    assert "haz una pregunta primero" in other.predict(5, 5, 5, "", api_name="/chat_rate")


def test_the_chat_tab_has_the_rating_controls_for_a_browser(fixture_engine, tmp_path):
    from ragarena.ui.app import build_app
    from ragarena.ui.context import AppContext

    store = VoteStore(tmp_path / "arena.db")
    try:
        config = build_app(AppContext(engine=fixture_engine, extras={"store": store, "min_ratings": 20})).config
    finally:
        store.close()
    ids = {c["props"].get("elem_id"): c for c in config["components"]}
    for elem_id in (
        "chat-rate",
        "chat-rate-answer",
        "chat-rate-context",
        "chat-rate-grounded",
        "chat-rate-comment",
        "chat-rate-send",
        "chat-rate-status",
        "leaderboard-agreement",
    ):
        assert elem_id in ids, elem_id
    assert ids["chat-rate-answer"]["props"]["label"] == "¿Responde a la pregunta?"
    assert ids["chat-rate-context"]["props"]["label"] == "¿El contexto recuperado es el adecuado?"
    assert ids["chat-rate-grounded"]["props"]["label"] == "¿La respuesta se apoya solo en el contexto?"
    assert ids["chat-rate-comment"]["props"]["max_length"] == rating_rules.MAX_COMMENT
    by_name = {d.get("api_name"): d for d in config["dependencies"]}
    rate = by_name["chat_rate"]
    assert [list(t) for t in rate["targets"]] == [[ids["chat-rate-send"]["id"], "click"]]
    assert rate["outputs"][0] == ids["chat-rate-status"]["id"]  # then a State (the message, for a language switch)
    # After an answer (and a new conversation) the rating box is synced: shown, emptied or hidden.
    for name in ("chat", "new_conversation"):
        index = config["dependencies"].index(by_name[name])
        assert any(
            d.get("trigger_after") == index and ids["chat-rate"]["id"] in d["outputs"] for d in config["dependencies"]
        )
