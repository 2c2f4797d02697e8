"""The vote store on PostgreSQL beside SQLite: copying a store between backends, the URL's password never
shown, the caps held by the database across replicas (two stores on one database), and PostgreSQL
databases that are not ours refused."""

from __future__ import annotations

import json
import random
import threading

import pytest
import sqlalchemy as sa

from ragarena import cli
from ragarena.answer_ratings.store import AnswerRatings
from ragarena.arena.votes import VoteStore
from ragarena.core.errors import UserError
from ragarena.core.refusals import VoteRejected

PASSWORD = "S3cr3t-pw!no-publicar"
QUESTION = "¿A qué hora abre la piscina?"
SCORES = {"answer_relevance": 4, "context_relevance": 5, "groundedness": 3}


class Clock:
    def __init__(self, now: float = 1_700_000_000.0):
        self.now = now

    def __call__(self) -> float:
        self.now += 0.25  # every call a little later, so the order is in the timestamps too
        return self.now


def fill(store: VoteStore, n_votes: int = 60, n_ratings: int = 8, seed: int = 1) -> None:
    """Votes with a clear preference and some excluded, plus rated Chat answers."""
    rng = random.Random(seed)
    models = ["extractive", "extractive-long", "gpt-3.5-turbo"]
    for n in range(n_votes):
        a, b = rng.sample(models, 2)
        battle = store.record_battle(
            session_hash=f"s{n % 7}",
            question=f"{QUESTION} ({n})",
            model_a=a,
            model_b=b,
            answer_a=f"A {n}",
            answer_b=f"B {n}",
            passage_ids=[f"p#{n}"],
        )
        better = min(a, b, key=models.index)
        winner = rng.choice(["model_a" if better == a else "model_b"] * 3 + ["tie", "model_a", "model_b"])
        store.vote(battle, f"s{n % 7}", winner, ip_hash=f"ip{n % 3}")
        if n % 9 == 0:
            store.set_reasons(battle, f"s{n % 7}", [])
    store.exclude({store.export_battles()[0]["battle_id"]: "votante inverosímil (prueba)"})
    ratings = AnswerRatings(store, ratings_per_minute=1000)
    for n in range(n_ratings):
        answer_id = ratings.record_answer(
            session_hash=f"c{n}",
            model=models[n % 3],
            question=QUESTION,
            answer=f"Respuesta {n}",
            conversation=[("Hola", "Hola")],
            passage_ids=[f"p#{n}"],
        )
        ratings.rate(answer_id, f"c{n}", {**SCORES, "groundedness": 1 + n % 5}, f"comentario {n}" if n % 2 else None)
        if n % 3 == 0:
            ratings.rate(answer_id, f"c{n}", SCORES)  # an update: revisions 2


def run_cli(monkeypatch, capsys, db, *args: str) -> str:
    monkeypatch.setenv("RAGARENA_DB", str(db))
    code = cli.main(list(args))
    out = capsys.readouterr()
    assert code == 0, out.err
    return out.out


def ratings_of(monkeypatch, capsys, path) -> list[dict]:
    return json.loads(
        run_cli(
            monkeypatch,
            capsys,
            "unused.db",
            "ratings",
            str(path),
            "--json",
            "--bootstrap",
            "50",
            "--seed",
            "3",
            "--style",
        )
    )


@pytest.mark.parametrize("source_backend", ["sqlite", "postgresql"])
def test_a_store_copied_to_the_other_backend_and_back_rates_the_same(
    source_backend, postgres, tmp_path, monkeypatch, capsys
):
    sqlite_db = tmp_path / "arena.db"
    pg_db = postgres.url(postgres.create_database(), password=PASSWORD)
    source, target = (sqlite_db, pg_db) if source_backend == "sqlite" else (pg_db, sqlite_db)
    store = VoteStore(source, clock=Clock(), votes_per_minute=1000)
    try:
        fill(store)
    finally:
        store.close()
    monkeypatch.delenv("RAGARENA_VOTES_REPO", raising=False)
    votes, answers = tmp_path / "votos.jsonl", tmp_path / "valoraciones.jsonl"
    assert "Exportados 60 combates" in run_cli(monkeypatch, capsys, source, "export-votes", str(votes))
    assert "Exportadas 8 valoraciones" in run_cli(monkeypatch, capsys, source, "export-ratings", str(answers))
    out = run_cli(monkeypatch, capsys, target, "import-votes", str(votes))
    assert "Importados 60 combates nuevos" in out
    out += run_cli(monkeypatch, capsys, target, "import-ratings", str(answers))
    assert "Importadas 8 valoraciones nuevas" in out
    assert "Importadas 0 valoraciones nuevas" in run_cli(monkeypatch, capsys, target, "import-ratings", str(answers))
    again_votes, again_answers = tmp_path / "votos-copia.jsonl", tmp_path / "valoraciones-copia.jsonl"
    out += run_cli(monkeypatch, capsys, target, "export-votes", str(again_votes))
    out += run_cli(monkeypatch, capsys, target, "export-ratings", str(again_answers))
    # The same records, in the same order, byte for byte: so the same ratings and crowd scores.
    assert again_votes.read_bytes() == votes.read_bytes()
    assert again_answers.read_bytes() == answers.read_bytes()
    original, copied = ratings_of(monkeypatch, capsys, votes), ratings_of(monkeypatch, capsys, again_votes)
    assert copied == original and original[0]["model"] == "extractive"
    exported = [json.loads(line) for line in again_answers.read_text(encoding="utf-8").splitlines()]
    assert [r["revisions"] for r in exported].count(2) == 3
    assert sum(1 for line in again_votes.read_text().splitlines() if '"excluded": true' in line) == 1
    for text in (out, votes.read_text(), answers.read_text(), again_votes.read_text()):
        assert PASSWORD not in text


def test_the_url_password_never_appears_in_messages_or_errors(postgres, tmp_path, monkeypatch, capsys):
    url = postgres.url(postgres.create_database(), password=PASSWORD)
    store = VoteStore(url)
    assert PASSWORD not in str(store.path) and "***" in str(store.path)
    store.close()
    assert PASSWORD not in run_cli(monkeypatch, capsys, url, "export-votes", str(tmp_path / "v.jsonl"))
    assert PASSWORD not in run_cli(monkeypatch, capsys, url, "votes-report")
    unreachable = f"postgresql://postgres:{PASSWORD}@127.0.0.1:1/arena"
    missing = postgres.url("no_existe", password=PASSWORD)
    for bad in (unreachable, missing):
        with pytest.raises(UserError) as error:
            VoteStore(bad)
        assert PASSWORD not in str(error.value) and "base de datos de votos" in str(error.value)
        monkeypatch.setenv("RAGARENA_DB", bad)
        assert cli.main(["export-votes", str(tmp_path / "x.jsonl")]) == 2
        err = capsys.readouterr().err
        assert PASSWORD not in err and "No se puede conectar" in err and "Traceback" not in err
    with pytest.raises(UserError, match="no se reconoce «mysql://…»"):
        VoteStore(f"mysql://root:{PASSWORD}@127.0.0.1/arena")


def test_an_empty_postgresql_database_is_not_created_by_a_reading_command(postgres, monkeypatch, capsys):
    name = postgres.create_database()
    monkeypatch.setenv("RAGARENA_DB", postgres.url(name))
    assert cli.main(["export-ratings", "/tmp/nada.jsonl"]) == 2
    assert "No hay base de datos de votos" in capsys.readouterr().err
    engine = sa.create_engine(postgres.url(name).replace("postgresql://", "postgresql+psycopg://"))
    try:
        assert sa.inspect(engine).get_table_names() == []
    finally:
        engine.dispose()


def test_postgresql_tables_of_another_program_or_a_newer_schema_are_refused(postgres):
    url = postgres.url(postgres.create_database())
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE battles (id INTEGER PRIMARY KEY, nombre TEXT)")
        with pytest.raises(UserError, match=r"tablas de otro programa.*battles"):
            VoteStore(url)
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE battles")
        VoteStore(url).close()
        with engine.begin() as conn:
            conn.exec_driver_sql("UPDATE ragarena_schema SET version = version + 1")
        with pytest.raises(UserError, match="versión más nueva"):
            VoteStore(url)
    finally:
        engine.dispose()


def test_caps_and_one_vote_hold_across_two_stores_on_one_database(db_target):
    """Two stores on one database (two replicas): 8 threads race through both; the database decides."""
    replicas = [VoteStore(db_target(), votes_per_minute=1000, votes_per_day=5) for _ in range(2)]
    try:
        for round_ in range(4):  # a few rounds, so that the race is really run
            ip = f"misma-ip-{round_}"
            # The daily cap per IP: 20 battles of 20 sessions from one address, voted at once through both.
            battles = [
                (
                    replicas[n % 2].record_battle(
                        session_hash=f"s{round_}-{n}",
                        question=QUESTION,
                        model_a="a",
                        model_b="b",
                        answer_a="x",
                        answer_b="y",
                    ),
                    f"s{round_}-{n}",
                )
                for n in range(20)
            ]
            # One battle voted from both replicas at once counts once.
            double = replicas[0].record_battle(
                session_hash=f"d{round_}", question=QUESTION, model_a="a", model_b="b", answer_a="x", answer_b="y"
            )
            accepted, refused = [], []
            barrier = threading.Barrier(8)

            def worker(k: int) -> None:
                barrier.wait()
                store = replicas[k % 2]
                for battle_id, session in [(double, f"d{round_}")] + battles[k::8]:
                    try:
                        accepted.append(store.vote(battle_id, session, "tie", ip_hash=ip)["battle_id"])
                    except VoteRejected as error:
                        refused.append(str(error))

            threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert len(accepted) == 5 == len(set(accepted))  # the cap, and none twice
            assert len(refused) == 23
            assert all("desde esta conexión" in r or "Ya has votado" in r for r in refused), set(refused)
        assert replicas[1].count_votes() == 20
    finally:
        for store in replicas:
            store.close()
