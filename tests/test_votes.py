"""The vote store: schema, rules (session, one vote, rate), export/import, bad files, sharing."""

from __future__ import annotations

import json
import sqlite3
import threading
from concurrent.futures import Future
from pathlib import Path
from typing import ClassVar

import pytest

from ragarena import cli
from ragarena.arena.vote_sharing import VoteSharer, sharer_from_env
from ragarena.arena.votes import APPLICATION_ID, SCHEMA_VERSION, VoteStore
from ragarena.core.battles import read_battles, write_battles
from ragarena.core.errors import UserError
from ragarena.core.refusals import VoteRejected, anonymize_session

PUBLIC_KEYS = {
    "model_a",
    "model_b",
    "winner",
    "tstamp",
    "question",
    "answer_a",
    "answer_b",
    "conversation",
    "passage_ids",
    "mode",
    "battle_id",
    "session_hash",
}


class Clock:
    def __init__(self, now: float = 1_700_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def serve(store: VoteStore, session: str = "sesion-1", **overrides) -> str:
    fields = dict(
        session_hash=session,
        question="¿A qué hora abre la piscina?",
        model_a="extractive",
        model_b="extractive-long",
        answer_a="A las 7:00.",
        answer_b="A las 7:00. En agosto cierra.",
        mode="anonymous",
        conversation=[{"question": "Hola", "answer_a": "a", "answer_b": "b"}],
        passage_ids=["piscina#1", "piscina#2"],
        timings={"a": {"total_s": 0.01}, "b": {"total_s": 0.02}},
    )
    fields.update(overrides)
    return store.record_battle(**fields)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture
def store(db_target):
    s = VoteStore(db_target("nested/data/arena.db"), votes_per_minute=1000)
    yield s
    s.close()


@pytest.fixture
def sqlite_store(tmp_path):
    s = VoteStore(tmp_path / "nested" / "data" / "arena.db", votes_per_minute=1000)
    yield s
    s.close()


def test_new_database_is_created_versioned_and_durable(sqlite_store, tmp_path):
    store = sqlite_store
    assert store.path.exists()
    assert [p.name for p in store.path.parent.iterdir() if p.name.endswith(".tmp")] == []
    conn = sqlite3.connect(store.path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    columns = {row[1] for row in conn.execute("PRAGMA table_info(battles)")}
    assert {"reasons", "excluded_reason", "user_hash", "ip_hash", "timings", "conversation"} <= columns
    conn.close()
    with store.db.read() as conn:  # every pooled connection is set so
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("SELECT version FROM ragarena_schema").scalar() == SCHEMA_VERSION
    store.close()
    again = VoteStore(store.path)  # our own database reopens fine
    assert again.count_votes() == 0
    again.close()


def test_a_vote_is_stored_in_the_public_format(store):
    battle_id = serve(store, mode="named")
    assert len(battle_id) >= 32 and battle_id != serve(store)
    assert store.count_votes() == 0 and store.last_vote_time() is None
    battle = store.vote(battle_id, "sesion-1", "tie (bothbad)")
    assert battle["winner"] == "tie (bothbad)" and battle["mode"] == "named"
    [exported] = store.export_battles()
    assert set(exported) >= PUBLIC_KEYS
    assert exported == battle
    assert exported["model_a"] == "extractive" and exported["model_b"] == "extractive-long"
    assert exported["passage_ids"] == ["piscina#1", "piscina#2"]
    assert exported["conversation"][0]["question"] == "Hola"
    assert exported["timings"]["b"]["total_s"] == 0.02
    # The raw Gradio session hash (which would let anyone act as that session) is never stored.
    assert exported["session_hash"] == anonymize_session("sesion-1") != "sesion-1"
    assert store.count_votes() == 1 and store.last_vote_time() == exported["tstamp"]
    assert len(store.export_battles(voted_only=False)) == 2
    assert [b["winner"] for b in store.export_battles(voted_only=False)].count(None) == 1


def test_one_vote_per_battle_and_only_from_the_session_it_was_served_to(store):
    battle_id = serve(store, session="alice")
    with pytest.raises(VoteRejected, match="no se sirvió en esta sesión"):
        store.vote(battle_id, "mallory", "model_a")
    with pytest.raises(VoteRejected, match="no se sirvió en esta sesión"):
        store.vote("0" * 32, "alice", "model_a")
    with pytest.raises(VoteRejected, match="No hay ningún combate"):
        store.vote(None, "alice", "model_a")
    with pytest.raises(VoteRejected, match="Voto no válido"):
        store.vote(battle_id, "alice", "model_c")
    store.vote(battle_id, "alice", "model_b")
    with pytest.raises(VoteRejected, match="Ya has votado"):
        store.vote(battle_id, "alice", "model_a")
    assert [b["winner"] for b in store.export_battles()] == ["model_b"]


def test_concurrent_double_votes_count_once(store):
    battle_id = serve(store)
    results = []

    def attempt():
        try:
            store.vote(battle_id, "sesion-1", "model_a")
            results.append("ok")
        except VoteRejected:
            results.append("refused")

    threads = [threading.Thread(target=attempt) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("ok") == 1 and store.count_votes() == 1


def test_many_threads_share_one_store(store):
    def worker(n):
        for _i in range(25):
            store.vote(serve(store, session=f"s{n}"), f"s{n}", "tie")

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    battles = store.export_battles()
    assert len(battles) == 400 == store.count_votes()
    assert len({b["battle_id"] for b in battles}) == 400


def test_votes_per_minute_limit_per_session(db_target, monkeypatch):
    monkeypatch.setenv("RAGARENA_VOTES_PER_MINUTE", "3")
    clock = Clock()
    store = VoteStore(db_target(), clock=clock)
    assert store.votes_per_minute == 3
    for _ in range(3):
        store.vote(serve(store), "sesion-1", "model_a")
        clock.now += 1
    pending = serve(store)
    with pytest.raises(VoteRejected, match="último minuto"):
        store.vote(pending, "sesion-1", "model_a")
    store.vote(serve(store, session="otra"), "otra", "model_a")  # the limit is per session
    clock.now += 60
    store.vote(pending, "sesion-1", "model_a")  # refused votes can be cast later
    assert store.count_votes() == 5
    store.close()


@pytest.mark.parametrize("value", ["0", "-1", "muchos"])
def test_bad_votes_per_minute_setting_is_a_user_error(tmp_path, monkeypatch, value):
    monkeypatch.setenv("RAGARENA_VOTES_PER_MINUTE", value)
    with pytest.raises(UserError, match="RAGARENA_VOTES_PER_MINUTE"):
        VoteStore(tmp_path / "arena.db")


def test_questions_over_the_limit_or_empty_are_refused(store):
    with pytest.raises(VoteRejected, match="demasiado larga"):
        serve(store, question="a" * 2001)
    with pytest.raises(VoteRejected, match="Escribe una pregunta"):
        serve(store, question="  ")
    with pytest.raises(VoteRejected, match="sesión"):
        serve(store, session="")
    assert store.count_battles() == 0


def test_export_import_roundtrip_is_idempotent(store, tmp_path, db_target):
    for n, winner in enumerate(["model_a", "model_b", "tie", "tie (bothbad)"]):
        store.vote(serve(store, session=f"s{n}", question=f"¿Pregunta {n} con eñe?"), f"s{n}", winner)
    serve(store)  # not voted: not exported
    exported = store.export_battles()
    path = tmp_path / "votos.jsonl"
    assert write_battles(path, exported) == 4
    other = VoteStore(db_target("otra/arena.db"))
    assert other.import_battles(read_battles(path)) == 4
    assert other.import_battles(read_battles(path)) == 0
    assert other.export_battles() == exported
    # Records without battle_id (e.g. from another arena) are idempotent too.
    foreign = [
        {"model_a": "x", "model_b": "y", "winner": "model_a", "tstamp": 1_700_000_000.5},
        {"model_a": "y", "model_b": "x", "winner": "tie"},
    ]
    assert other.import_battles(foreign) == 2
    assert other.import_battles(foreign) == 0
    assert other.count_votes() == 6
    with pytest.raises(UserError, match="winner"):
        other.import_battles([{"model_a": "x", "model_b": "y", "winner": "nadie"}])
    with pytest.raises(UserError, match="modo no válido"):
        other.import_battles([{"model_a": "x", "model_b": "y", "winner": "tie", "mode": "raro"}])
    assert other.count_votes() == 6
    other.close()


def test_cli_export_and_import(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("RAGARENA_DB", raising=False)
    monkeypatch.setenv("RAGARENA_DATA_DIR", str(tmp_path / "origen"))
    assert cli.main(["export-votes", str(tmp_path / "x.jsonl")]) == 2  # no database yet: nothing created
    assert "No hay base de datos de votos" in capsys.readouterr().err
    assert not (tmp_path / "origen").exists()

    source = VoteStore(tmp_path / "origen" / "arena.db")
    for n in range(3):
        source.vote(serve(source, session=f"s{n}"), f"s{n}", "model_a")
    source.close()
    out = tmp_path / "salida.jsonl"
    assert cli.main(["export-votes", str(out)]) == 0
    assert "Exportados 3" in capsys.readouterr().out
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 3 and all(set(line) >= PUBLIC_KEYS for line in lines)

    monkeypatch.setenv("RAGARENA_DB", str(tmp_path / "destino" / "votos.db"))
    as_list = tmp_path / "lista.json"
    as_list.write_text(json.dumps(lines, ensure_ascii=False), encoding="utf-8")
    assert cli.main(["import-votes", str(as_list)]) == 0
    assert "Importados 3 combates nuevos" in capsys.readouterr().out
    assert cli.main(["import-votes", str(out)]) == 0
    assert "Importados 0 combates nuevos" in capsys.readouterr().out
    bad = tmp_path / "malo.jsonl"
    bad.write_text('{"model_a": "x"}\n', encoding="utf-8")
    assert cli.main(["import-votes", str(bad)]) == 2
    assert "faltan los campos" in capsys.readouterr().err
    check = VoteStore(tmp_path / "destino" / "votos.db")
    assert check.count_votes() == 3
    check.close()


def _foreign_db(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE clientes (id INTEGER PRIMARY KEY, nombre TEXT)")
    conn.execute("INSERT INTO clientes (nombre) VALUES ('Ana')")
    conn.commit()
    conn.close()


def _newer_db(path: Path) -> None:
    VoteStore(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()


def _truncated_db(path: Path) -> None:
    _foreign_db(path)
    data = bytearray(path.read_bytes())
    data[100:] = b"\xff" * (len(data) - 100)  # a valid header, garbage pages
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: p.write_bytes(b"esto no es una base de datos\n" * 50), "dañado"),
        (lambda p: p.write_bytes(b"SQLite format 3\x00"), "dañado"),
        (_truncated_db, "dañado"),
        (_foreign_db, "otro programa"),
        (_newer_db, "versión más nueva"),
    ],
)
def test_corrupt_or_foreign_files_are_refused_and_left_untouched(tmp_path, make, message):
    folder = tmp_path / "datos"
    folder.mkdir()
    path = folder / "arena.db"
    make(path)
    before = snapshot(folder)
    with pytest.raises(UserError, match=message) as error:
        VoteStore(path)
    assert "No se ha modificado" in str(error.value)
    assert str(path) in str(error.value)
    assert snapshot(folder) == before


def test_an_empty_file_becomes_a_new_database(tmp_path):
    path = tmp_path / "arena.db"
    path.touch()
    store = VoteStore(path)
    assert store.count_votes() == 0
    store.close()


# --- sharing on the Hub (offline: the scheduler never reaches the network) ---------------------

TOKEN = "hf_secretoSecretoNoPublicar123"


class FakeScheduler:
    instances: ClassVar[list[FakeScheduler]] = []

    def __init__(self, **kwargs):
        self.kwargs = kwargs
        self.lock = threading.Lock()
        FakeScheduler.instances.append(self)


def test_votes_are_written_for_the_commit_scheduler(tmp_path, monkeypatch, capsys):
    import huggingface_hub

    monkeypatch.setattr(huggingface_hub, "CommitScheduler", FakeScheduler)
    monkeypatch.setenv("RAGARENA_VOTES_REPO", "ayuntamiento/votos-arena")
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    sharer = sharer_from_env(tmp_path)
    scheduler = FakeScheduler.instances[-1]
    assert scheduler.kwargs["repo_id"] == "ayuntamiento/votos-arena"
    assert scheduler.kwargs["repo_type"] == "dataset"
    assert scheduler.kwargs["token"] == TOKEN
    assert Path(scheduler.kwargs["folder_path"]) == tmp_path / "votes_hub"

    store = VoteStore(tmp_path / "arena.db", sharer=sharer)
    first = store.vote(serve(store), "sesion-1", "model_b")
    store.vote(serve(store), "sesion-1", "tie")
    with pytest.raises(VoteRejected):
        store.vote(first["battle_id"], "sesion-1", "model_a")  # refused votes are not shared
    [shared] = list((tmp_path / "votes_hub").iterdir())
    lines = [json.loads(line) for line in shared.read_text(encoding="utf-8").splitlines()]
    assert [line["winner"] for line in lines] == ["model_b", "tie"]
    assert lines[0] == first
    everything = shared.read_text() + json.dumps(store.export_battles()) + capsys.readouterr().err
    assert TOKEN not in everything
    store.close()


def test_sharing_with_the_real_commit_scheduler_class_sends_nothing(tmp_path, monkeypatch):
    """The installed huggingface_hub's CommitScheduler, with an HfApi stand-in that records calls."""
    from functools import partial

    from huggingface_hub import CommitScheduler

    class RecordingApi:
        def __init__(self):
            self.calls = []

        def create_repo(self, **kwargs):
            self.calls.append(("create_repo", kwargs))
            return type("RepoUrl", (), {"repo_id": kwargs["repo_id"]})()

        def run_as_future(self, fn, *args, **kwargs):
            self.calls.append(("run_as_future", fn.__name__))
            future = Future()
            future.set_result(None)
            return future

        def create_commit(self, **kwargs):
            self.calls.append(("create_commit", kwargs["repo_id"]))

    api = RecordingApi()
    monkeypatch.setenv("RAGARENA_VOTES_REPO", "ayuntamiento/votos-arena")
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    sharer = sharer_from_env(tmp_path, scheduler_factory=partial(CommitScheduler, hf_api=api))
    assert isinstance(sharer, VoteSharer)
    try:
        assert api.calls[0] == (
            "create_repo",
            {"repo_id": "ayuntamiento/votos-arena", "private": None, "repo_type": "dataset", "exist_ok": True},
        )
        store = VoteStore(tmp_path / "arena.db", sharer=sharer)
        store.vote(serve(store), "sesion-1", "model_a")
        [shared] = list((tmp_path / "votes_hub").iterdir())
        assert json.loads(shared.read_text(encoding="utf-8"))["winner"] == "model_a"
        assert all(name != "create_commit" for name, _ in api.calls)  # nothing pushed (no network anyway)
        store.close()
    finally:
        sharer.scheduler.stop()


def test_sharing_is_off_without_both_settings_and_survives_a_failing_scheduler(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("RAGARENA_VOTES_REPO", raising=False)
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    assert sharer_from_env(tmp_path) is None
    monkeypatch.setenv("RAGARENA_VOTES_REPO", "ayuntamiento/votos-arena")
    monkeypatch.delenv("HF_TOKEN")
    assert sharer_from_env(tmp_path) is None
    monkeypatch.setenv("HF_TOKEN", TOKEN)

    def offline(**kwargs):
        raise OSError(f"sin red (token {kwargs['token']})")

    assert sharer_from_env(tmp_path, scheduler_factory=offline) is None
    err = capsys.readouterr().err
    assert "no se compartirán" in err and TOKEN not in err
