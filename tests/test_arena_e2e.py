"""The arena through the real app (`python app.py` on 127.0.0.1), driven with gradio_client."""

from __future__ import annotations

import signal
import sqlite3
import ssl
import subprocess
import sys
import threading
import time
from pathlib import Path

from conftest import REPO, free_port, message_text
from gradio_client import Client

from ragarena.arena.votes import VoteStore
from ragarena.core.refusals import anonymize_session

QUESTION = "¿A qué hora abre la piscina entre semana?"
ANSWERS = {
    "extractive": "La piscina abre de lunes a viernes de 7:00 a 22:00 y los fines de semana de 9:00 a 14:00.",
    # the lexical rule picks the same sentence here
    "extractive-lexical": "La piscina abre de lunes a viernes de 7:00 a 22:00 y los fines de semana de 9:00 a 14:00.",
}
LABELS = {"extractive": "Extractivo", "extractive-lexical": "Extractivo léxico"}
# gradio_client builds a new SSL context (reading the CA bundle, ~20 ms of CPU) for every HTTP
# request unless it is given one: with 50 clients that, not the app, was the bottleneck.
SSL_CONTEXT = ssl.create_default_context()


_CONNECTING = threading.Semaphore(4)  # clients download the app's config a few at a time


def connect(url: str, attempts: int = 5) -> Client:
    for attempt in range(attempts):
        try:
            with _CONNECTING:
                return Client(url, verbose=False, ssl_verify=SSL_CONTEXT)
        except Exception:  # a timeout while 50 clients download the config at once
            if attempt == attempts - 1:
                raise
            time.sleep(1 + attempt)
    raise AssertionError("unreachable")


def arena_env(tmp_path: Path, fixture_docs: Path, **extra: str) -> dict[str, str]:
    return {"RAGARENA_DOCS": str(fixture_docs), "RAGARENA_DB": str(tmp_path / "datos" / "arena.db"), **extra}


def stored(db: Path, voted_only: bool = True) -> list[dict]:
    store = VoteStore(db, create=False)
    try:
        return store.export_battles(voted_only=voted_only)
    finally:
        store.close()


def ask(client: Client, question: str = QUESTION, mode: str = "Anónimo", a: str | None = None, b: str | None = None):
    _, chat_a, chat_b, passages, status, name_a, name_b = client.predict(question, mode, a, b, api_name="/arena_ask")
    return chat_a, chat_b, passages, status, name_a, name_b


def vote(client: Client, winner: str) -> tuple[str, str, str]:
    """(status, name A, name B); the vote endpoints also return the reference answer, fourth."""
    return tuple(client.predict(winner, api_name="/arena_vote"))[:3]


def start_voting(urls: list[str], acked: list[int], stop: threading.Event) -> list[threading.Thread]:
    """One client per slot of `acked` (client n on urls[n % len(urls)]) doing rounds and votes until `stop`;
    acked[n] counts its acknowledged votes. A client whose server is gone just ends."""

    def user(n: int) -> None:
        try:
            client = connect(urls[n % len(urls)])
            while not stop.is_set():
                ask(client)
                if vote(client, "model_a")[0].startswith("✅"):
                    acked[n] += 1
        except Exception:
            pass  # the server is gone

    threads = [threading.Thread(target=user, args=(n,), daemon=True) for n in range(len(acked))]
    for t in threads:
        t.start()
    return threads


def test_a_full_round_with_a_follow_up_then_a_vote(app_launcher, fixture_docs, tmp_path):
    env = arena_env(tmp_path, fixture_docs)
    app = app_launcher(env)
    db = Path(env["RAGARENA_DB"])
    assert db.exists()  # created at start-up
    client = connect(app.url)

    chat_a, chat_b, passages, status, name_a, name_b = ask(client)
    assert (name_a, name_b) == ("### Modelo A", "### Modelo B")  # hidden before the vote
    assert message_text(chat_a[0]) == QUESTION == message_text(chat_b[0])
    answers = {message_text(chat_a[-1]), message_text(chat_b[-1])}
    assert answers == set(ANSWERS.values())  # two different models, both finished
    assert "Piscina cubierta › Horario" in passages and passages.count("Contexto recuperado") == 1
    assert "Vota" in status

    chat_a, chat_b, _, _, _, _ = ask(client, "¿Y en agosto?")  # follow-up: same round, same models
    assert len(chat_a) == 4 and len(chat_b) == 4
    [first, second] = stored(db, voted_only=False)
    assert (first["model_a"], first["model_b"]) == (second["model_a"], second["model_b"])
    assert second["conversation"] == [
        {"question": QUESTION, "answer_a": first["answer_a"], "answer_b": first["answer_b"]}
    ]

    status, name_a, name_b = tuple(client.predict(api_name="/arena_vote_b"))[:3]
    assert status.startswith("✅ Voto registrado")
    [battle] = stored(db)
    assert battle["battle_id"] == second["battle_id"] and battle["winner"] == "model_b"
    assert battle["mode"] == "anonymous" and battle["question"] == "¿Y en agosto?"
    assert name_a == f"### Modelo A: {LABELS[battle['model_a']]}"
    assert name_b == f"### Modelo B: {LABELS[battle['model_b']]}"
    assert battle["answer_a"] == message_text(chat_a[-1]) and battle["answer_b"] == message_text(chat_b[-1])
    assert battle["passage_ids"] and battle["timings"]["a"]["total_s"] >= 0
    assert battle["session_hash"] == anonymize_session(client.session_hash)

    # Asking again after the vote starts a new round, with hidden names and a fresh conversation.
    chat_a, _, _, _, name_a, _ = ask(client)
    assert len(chat_a) == 2 and name_a == "### Modelo A"
    cleared = client.predict(api_name="/arena_new_round")
    assert cleared[1] == [] and cleared[4] == ""


def test_named_mode_and_refusals(app_launcher, fixture_docs, tmp_path):
    env = arena_env(tmp_path, fixture_docs, RAGARENA_VOTES_PER_MINUTE="2")
    app = app_launcher(env)
    db = Path(env["RAGARENA_DB"])
    client = connect(app.url)

    # Forged: a session that was served nothing cannot vote.
    status, _, _ = vote(client, "model_a")
    assert "No hay ningún combate" in status

    *_, status, _, _ = ask(client, "a" * 2001)
    assert "demasiado larga" in status
    *_, status, _, _ = ask(client, mode="Elegir modelos", a="extractive", b="extractive")
    assert "dos modelos distintos" in status
    assert stored(db, voted_only=False) == []

    chat_a, chat_b, _, _, name_a, _name_b = ask(client, mode="Elegir modelos", a="extractive-lexical", b="extractive")
    assert name_a == "### Modelo A: Extractivo léxico"  # named: shown from the start
    assert message_text(chat_a[-1]) == ANSWERS["extractive-lexical"]
    assert message_text(chat_b[-1]) == ANSWERS["extractive"]
    status, _, _ = vote(client, "tie")
    assert status.startswith("✅")
    # Repeated: the same battle takes one vote.
    status, _, _ = vote(client, "model_a")
    assert "Ya has votado" in status
    status, _, _ = tuple(client.predict(api_name="/arena_vote_bothbad"))[:3]
    assert "Ya has votado" in status
    # A vote the page makes up is refused.
    ask(client)
    status, _, _ = vote(client, "model_c")
    assert "Voto no válido" in status
    [battle] = stored(db)
    assert (battle["model_a"], battle["model_b"], battle["winner"], battle["mode"]) == (
        "extractive-lexical",
        "extractive",
        "tie",
        "named",
    )

    # Rate limit (2 a minute here): the second vote passes, the third is refused.
    assert vote(client, "model_a")[0].startswith("✅")
    ask(client)
    assert "último minuto" in vote(client, "model_a")[0]
    assert len(stored(db)) == 2

    # Another session cannot vote this session's battle (it lives in this session's state).
    other = connect(app.url)
    assert "No hay ningún combate" in vote(other, "model_b")[0]
    assert len(stored(db)) == 2


def test_a_failing_model_is_reported_and_the_round_cannot_be_voted(app_launcher, fixture_docs, tmp_path):
    models = tmp_path / "models.yaml"
    models.write_text(
        "models:\n"
        "  - {id: extractive, label: Extractivo, kind: extractive}\n"
        "  - {id: roto, label: Roto, kind: openai, model: x, base_url_env: ROTO_URL, api_key_env: ROTO_KEY,"
        " max_retries: 0}\n",
        encoding="utf-8",
    )  # a server that is not there
    env = arena_env(
        tmp_path,
        fixture_docs,
        RAGARENA_MODELS=str(models),
        ROTO_URL=f"http://127.0.0.1:{free_port()}/v1",
        ROTO_KEY="clave",
    )
    app = app_launcher(env)
    client = connect(app.url)
    chat_a, chat_b, _, status, _, _ = ask(client, mode="Elegir modelos", a="extractive", b="roto")
    assert "Ha fallado el Modelo B" in status and "no se puede votar" in status
    assert message_text(chat_a[-1]) == ANSWERS["extractive"]
    assert "⚠️" in message_text(chat_b[-1])
    assert "No hay ningún combate" in vote(client, "model_a")[0]
    assert stored(Path(env["RAGARENA_DB"]), voted_only=False) == []


def vote_rounds(urls: list[str], clients: int, rounds: int) -> list[str]:
    """`clients` clients (client n on urls[n % len(urls)]) start together and each votes `rounds` battles;
    returns what went wrong (empty when every vote was acknowledged)."""
    errors: list[str] = []
    barrier = threading.Barrier(clients)
    winners = ["model_a", "model_b", "tie", "tie (bothbad)"]

    def user(n: int) -> None:
        try:
            client = connect(urls[n % len(urls)])
            barrier.wait(timeout=180)
            for i in range(rounds):
                *_, status, _, _ = ask(client, QUESTION if i % 2 else "¿Es obligatorio el gorro?")
                if "Vota" not in status:
                    errors.append(f"cliente {n}, ronda {i}: {status}")
                    return
                status = vote(client, winners[(n + i) % 4])[0]
                if not status.startswith("✅"):
                    errors.append(f"cliente {n}, voto {i}: {status}")
                    return
        except Exception as error:  # reported by the caller
            errors.append(f"cliente {n}: {error!r}")

    threads = [threading.Thread(target=user, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=900)
    return errors


def assert_each_vote_once(battles: list[dict], clients: int, rounds: int) -> None:
    """Exactly clients x rounds votes stored, none twice, `rounds` per session."""
    assert len(battles) == clients * rounds
    assert len({b["battle_id"] for b in battles}) == clients * rounds
    per_session: dict[str, int] = {}
    for battle in battles:
        per_session[battle["session_hash"]] = per_session.get(battle["session_hash"], 0) + 1
    assert sorted(per_session.values()) == [rounds] * clients


def test_50_concurrent_clients_each_vote_20_battles(app_launcher, fixture_docs, tmp_path):
    clients, rounds = 50, 20
    env = arena_env(
        tmp_path,
        fixture_docs,
        RAGARENA_VOTES_PER_MINUTE="100000",
        RAGARENA_VOTES_PER_DAY="100000",
        RAGARENA_CONCURRENCY="64",
    )
    app = app_launcher(env)
    started = time.perf_counter()
    errors = vote_rounds([app.url], clients, rounds)
    elapsed = time.perf_counter() - started
    assert not errors, errors[:5]
    assert_each_vote_once(stored(Path(env["RAGARENA_DB"])), clients, rounds)
    print(f"\n{clients * rounds} votes in {elapsed:.1f}s ({clients * rounds / elapsed:.1f} votes/s)")


def test_sigkill_loses_no_acknowledged_vote(app_launcher, fixture_docs, tmp_path):
    env = arena_env(tmp_path, fixture_docs, RAGARENA_VOTES_PER_MINUTE="100000", RAGARENA_VOTES_PER_DAY="100000")
    app = app_launcher(env)
    acked = [0] * 8
    stop = threading.Event()
    threads = start_voting([app.url], acked, stop)
    deadline = time.time() + 60
    while sum(acked) < 80 and time.time() < deadline:
        time.sleep(0.05)
    app.process.send_signal(signal.SIGKILL)  # in the middle of rounds and votes
    app.process.wait(timeout=10)
    stop.set()
    for t in threads:
        t.join(timeout=30)
    acknowledged = sum(acked)
    assert acknowledged >= 80
    db = Path(env["RAGARENA_DB"])
    store = VoteStore(db, create=False)  # reopens (recovers the WAL) and passes the integrity check
    try:
        votes = store.count_votes()
    finally:
        store.close()
    # Every acknowledged vote is there; at most one per client may have been stored but not acknowledged.
    assert acknowledged <= votes <= acknowledged + len(acked)
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def _start_with(db: Path, fixture_docs: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    env = {
        "PATH": "/usr/bin:/bin",
        "RAGARENA_DOCS": str(fixture_docs),
        "RAGARENA_DB": str(db),
        "RAGARENA_DATA_DIR": str(tmp_path / "runtime"),
        "GRADIO_ANALYTICS_ENABLED": "False",
        "HF_HUB_OFFLINE": "1",
    }
    return subprocess.run(
        [sys.executable, str(REPO / "app.py")], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120
    )


def test_corrupt_or_foreign_database_stops_the_app_and_is_never_overwritten(fixture_docs, tmp_path):
    folder = tmp_path / "datos"
    folder.mkdir()
    corrupt = folder / "corrupta.db"
    corrupt.write_bytes(b"no soy SQLite\n" * 100)
    foreign = folder / "ajena.db"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE pedidos (id INTEGER PRIMARY KEY, total REAL)")
        conn.execute("INSERT INTO pedidos (total) VALUES (12.5)")
    conn.close()
    for db, message in [
        (corrupt, "está dañado o no es una base de datos SQLite"),
        (foreign, "es una base de datos SQLite de otro programa (tablas: pedidos)"),
    ]:
        before = db.read_bytes()
        siblings = sorted(p.name for p in folder.iterdir())
        result = _start_with(db, fixture_docs, tmp_path)
        assert result.returncode == 2, result.stderr[-2000:]
        assert message in result.stderr and "No se ha modificado" in result.stderr
        assert "Traceback" not in result.stderr
        assert db.read_bytes() == before
        assert sorted(p.name for p in folder.iterdir()) == siblings  # no -wal, -shm or temporary file
