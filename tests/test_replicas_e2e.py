"""Two app replicas (`python app.py` twice) on one PostgreSQL database, driven with gradio_client: every
acknowledged vote stored once, none lost when a replica is killed, caps held across replicas, and the
URL's password nowhere in the page or the logs."""

from __future__ import annotations

import signal
import threading
import time
import urllib.request

import pytest
from test_arena_e2e import ask, assert_each_vote_once, connect, start_voting, vote, vote_rounds

from ragarena.arena.votes import VoteStore

PASSWORD = "S3cr3t-pw!no-publicar"


@pytest.fixture
def replicas(postgres, app_launcher, fixture_docs):
    """``replicas(**env)``: two apps on one fresh PostgreSQL database (URL with a password), sharing the
    hash salt as a deployment must (the IP digests must match); returns (apps, URL)."""

    def start(**extra: str):
        url = postgres.url(postgres.create_database(), password=PASSWORD)
        env = {
            "RAGARENA_DOCS": str(fixture_docs),
            "RAGARENA_DB": url,
            "RAGARENA_HASH_SALT": "sal-compartida",
            "RAGARENA_RETRIEVAL": "bm25",
            **extra,
        }
        return [app_launcher(env), app_launcher(env)], url

    return start


def stored(url: str) -> list[dict]:
    store = VoteStore(url, create=False)
    try:
        return store.export_battles()
    finally:
        store.close()


def test_50_clients_over_two_replicas_each_vote_20_battles(replicas):
    clients, rounds = 50, 20
    apps, url = replicas(RAGARENA_VOTES_PER_MINUTE="100000", RAGARENA_VOTES_PER_DAY="100000", RAGARENA_CONCURRENCY="64")
    errors = vote_rounds([app.url for app in apps], clients, rounds)  # half the clients on each replica
    assert not errors, errors[:5]
    assert_each_vote_once(stored(url), clients, rounds)  # 1,000 votes, none twice
    # The password of RAGARENA_DB is nowhere in what the replicas serve or log.
    for app in apps:
        page = urllib.request.urlopen(app.url, timeout=10).read().decode(errors="replace")
        config = urllib.request.urlopen(app.url + "config", timeout=10).read().decode(errors="replace")
        assert PASSWORD not in page and PASSWORD not in config and PASSWORD not in app.log()


def test_a_replica_killed_mid_run_loses_no_acknowledged_vote(replicas):
    apps, url = replicas(RAGARENA_VOTES_PER_MINUTE="100000", RAGARENA_VOTES_PER_DAY="100000")
    acked = [0] * 8  # clients 0, 2, 4, 6 on the replica that is killed
    stop = threading.Event()
    threads = start_voting([app.url for app in apps], acked, stop)
    deadline = time.time() + 120
    while sum(acked) < 60 and time.time() < deadline:
        time.sleep(0.05)
    apps[0].process.send_signal(signal.SIGKILL)  # in the middle of rounds and votes
    apps[0].process.wait(timeout=10)
    survivors = sum(acked[1::2])
    while sum(acked[1::2]) < survivors + 20 and time.time() < deadline:  # the other replica keeps serving
        time.sleep(0.05)
    stop.set()
    for t in threads:
        t.join(timeout=60)
    acknowledged = sum(acked)
    assert acknowledged >= 80 and sum(acked[1::2]) >= survivors + 20
    votes = len(stored(url))
    # Every acknowledged vote is there; at most one per client of the killed replica may be stored unacknowledged.
    assert acknowledged <= votes <= acknowledged + 4


def test_a_cap_reached_through_one_replica_holds_on_the_other(replicas):
    apps, url = replicas(RAGARENA_VOTES_PER_DAY="3", RAGARENA_VOTES_PER_MINUTE="100000")
    # Six rounds served (three on each replica) to six tabs of one address, then all voted at once.
    clients = [connect(apps[n % 2].url) for n in range(6)]
    for client in clients:
        assert "Vota" in ask(client)[3]
    barrier = threading.Barrier(len(clients))
    statuses: list[str] = []

    def cast(client) -> None:
        barrier.wait(timeout=60)
        statuses.append(vote(client, "tie")[0])

    threads = [threading.Thread(target=cast, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert sum(s.startswith("✅") for s in statuses) == 3, statuses
    assert sum("desde esta conexión" in s for s in statuses) == 3
    assert len(stored(url)) == 3
    # Reached: no replica serves this address another round.
    for app in apps:
        *_, status, _, _ = ask(connect(app.url))
        assert "máximo de 3 votos en 24 horas" in status and "desde esta conexión" in status
