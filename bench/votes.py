"""Benchmark: sustained arena votes per second through the real app.

    python bench/votes.py                          # 50 clients x 20 battles (1,000 votes), SQLite
    python bench/votes.py --clients 50 --seconds 60
    python bench/votes.py --clients 20 --battles 10 --docs data/docs
    python bench/votes.py --db postgresql://user:pass@127.0.0.1:5432/arena   # SQLite, then 2 replicas on it
    python bench/votes.py --db throwaway           # the same on a throwaway local cluster (tests/pg_server.py)

Starts `python app.py` on 127.0.0.1 with a fresh vote database in a temporary folder, then
runs N concurrent gradio_client clients (threads), each doing battles: `/arena_ask` (two models
answer, streamed) then `/arena_vote`. Prints the sustained votes per second, the latency of
both calls, the CPU time the server and the clients used, and checks at the end that the
database holds exactly the votes that were acknowledged, none duplicated.

With ``--db`` naming PostgreSQL, the same load runs twice in one run: first on one replica with a
fresh SQLite file (the baseline), then spread over two replicas sharing that PostgreSQL database
(the clients alternate between them); both figures and the stored counts are printed, and the
ratio. The votes are added to that database (use an empty one).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import shutil
import signal
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import app_process  # noqa: E402
from gradio_client import Client  # noqa: E402

from ragarena.arena.votes import VoteStore  # noqa: E402
from ragarena.store.db import is_url  # noqa: E402

QUESTIONS = ["¿A qué hora abre la piscina entre semana?", "¿Es obligatorio el gorro?", "¿Y en agosto?"]
WINNERS = ["model_a", "model_b", "tie", "tie (bothbad)"]


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


_connecting = threading.Semaphore(4)
# gradio_client builds a new SSL context (reading the CA bundle, ~20 ms of CPU) for every HTTP request
# unless it is given one; without this the clients, not the app, are what is measured.
SSL_CONTEXT = ssl.create_default_context()


def connect(url: str, attempts: int = 5) -> Client:
    """A gradio_client Client; a few at a time (each downloads the app's config), retried on a timeout."""
    for attempt in range(attempts):
        try:
            with _connecting:
                return Client(url, verbose=False, ssl_verify=SSL_CONTEXT)
        except Exception:
            if attempt == attempts - 1:
                raise
            time.sleep(1 + attempt)
    raise AssertionError("unreachable")


def start_app(
    folder: Path, docs: Path, concurrency: int, db: str | Path, name: str = "app"
) -> tuple[subprocess.Popen, str]:
    port = app_process.free_port()
    env = {
        **os.environ,
        "GRADIO_SERVER_NAME": "127.0.0.1",
        "GRADIO_SERVER_PORT": str(port),
        "RAGARENA_DOCS": str(docs),
        "RAGARENA_DATA_DIR": str(folder),
        "RAGARENA_DB": str(db),
        "RAGARENA_VOTES_PER_MINUTE": "1000000",
        "RAGARENA_VOTES_PER_DAY": "1000000",
        "RAGARENA_CONCURRENCY": str(concurrency),
    }
    env.pop("RAGARENA_VOTES_REPO", None)
    return app_process.start_app(env, folder, folder / f"{name}.log", port)


def _count(db: str | Path) -> int:
    store = VoteStore(db, create=False)
    try:
        return store.count_votes()
    finally:
        store.close()


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def load(urls: list[str], pids: list[int], args) -> dict:
    """Run the clients (client n on urls[n % len(urls)]); acknowledged votes, latencies, CPU, errors."""
    ask_latency: list[float] = []
    vote_latency: list[float] = []
    acked = [0] * args.clients
    errors: list[str] = []
    ready = threading.Barrier(args.clients + 1)
    stop_at = [float("inf")]

    def user(n: int) -> None:
        try:
            client = connect(urls[n % len(urls)])
        except Exception as error:
            errors.append(f"client {n}: {error!r}")
            ready.abort()
            return
        try:
            ready.wait(timeout=600)
            i = 0
            while (args.seconds is None and i < args.battles) or (
                args.seconds is not None and time.perf_counter() < stop_at[0]
            ):
                t0 = time.perf_counter()
                status = client.predict(QUESTIONS[(n + i) % 2], "Anónimo", None, None, api_name="/arena_ask")[4]
                t1 = time.perf_counter()
                if "Vota" not in status:
                    errors.append(f"client {n}, battle {i}: {status}")
                    return
                status = client.predict(WINNERS[(n + i) % 4], api_name="/arena_vote")[0]
                t2 = time.perf_counter()
                if not status.startswith("✅"):
                    errors.append(f"client {n}, vote {i}: {status}")
                    return
                acked[n] += 1
                ask_latency.append(t1 - t0)
                vote_latency.append(t2 - t1)
                i += 1
        except Exception as error:
            errors.append(f"client {n}: {error!r}")

    threads = [threading.Thread(target=user, args=(n,), daemon=True) for n in range(args.clients)]
    for t in threads:
        t.start()
    with contextlib.suppress(threading.BrokenBarrierError):
        ready.wait(timeout=600)
    server_cpu0 = sum(cpu_seconds(pid) for pid in pids)
    client0 = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    if args.seconds is not None:
        stop_at[0] = started + args.seconds
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    server_cpu = sum(cpu_seconds(pid) for pid in pids) - server_cpu0 if pids else float("nan")
    client1 = resource.getrusage(resource.RUSAGE_SELF)
    client_cpu = (client1.ru_utime - client0.ru_utime) + (client1.ru_stime - client0.ru_stime)
    return {
        "acked": sum(acked),
        "elapsed": elapsed,
        "ask": ask_latency,
        "vote": vote_latency,
        "server_cpu": server_cpu,
        "client_cpu": client_cpu,
        "errors": errors,
    }


def report(label: str, result: dict, db: str | Path, before: int, clients: int) -> tuple[bool, float]:
    """Print one run's figures and check the database; (stored == acknowledged, votes/s)."""
    total, elapsed = result["acked"], result["elapsed"]
    store = VoteStore(db, create=False)
    battles = store.export_battles()[before:]
    store.close()
    ids = {b["battle_id"] for b in battles}

    def ms(values: list[float], q: float) -> str:
        if not values:
            return "-"
        return (
            f"{statistics.quantiles(values, n=100)[int(q) - 1] * 1000:.0f} ms"
            if len(values) > 1
            else f"{values[0] * 1000:.0f} ms"
        )

    rate = total / elapsed if elapsed else 0.0
    print(f"== {label}")
    print(f"clients: {clients}   cpus: {os.cpu_count()}   load average: {os.getloadavg()[0]:.1f}")
    print(f"acknowledged votes: {total} in {elapsed:.1f} s -> {rate:.1f} votes/s sustained ({rate * 2:.1f} requests/s)")
    print(
        f"/arena_ask latency p50 {ms(result['ask'], 50)}, p95 {ms(result['ask'], 95)}; "
        f"/arena_vote latency p50 {ms(result['vote'], 50)}, p95 {ms(result['vote'], 95)}"
    )
    server_cpu, client_cpu = result["server_cpu"], result["client_cpu"]
    print(
        f"CPU: server {server_cpu:.1f} s ({server_cpu / total * 1000 if total else 0:.1f} ms/vote), "
        f"clients {client_cpu:.1f} s ({client_cpu / total * 1000 if total else 0:.1f} ms/vote)"
    )
    ok = len(battles) == total and len(ids) == total and not result["errors"]
    print(f"stored votes: {len(battles)} ({len(ids)} distinct battle ids) -> {'OK' if ok else 'MISMATCH'}")
    for error in result["errors"][:5]:
        print("error:", error)
    return ok, rate


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--battles", type=int, default=20, help="battles (and votes) per client")
    parser.add_argument("--seconds", type=float, default=None, help="run for this long instead of --battles")
    parser.add_argument("--docs", default=str(REPO / "tests" / "fixtures" / "docs"))
    parser.add_argument("--concurrency", type=int, default=64, help="RAGARENA_CONCURRENCY for the app")
    parser.add_argument(
        "--url", default=None, help="use this running app (with --db and --pid) instead of starting one"
    )
    parser.add_argument(
        "--db",
        default=None,
        help="with --url: its vote database (path or URL); otherwise a PostgreSQL URL (or "
        "'throwaway') to compare one SQLite replica with two replicas on it",
    )
    parser.add_argument("--replicas", type=int, default=2, help="replicas on PostgreSQL (default 2)")
    parser.add_argument("--pid", type=int, default=None, help="with --url: its process id, for its CPU time")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (database, app logs)")
    args = parser.parse_args()

    if args.url:
        if not args.db:
            parser.error("--url needs --db")
        before = _count(args.db)
        ok, _ = report(
            f"running app {args.url}",
            load([args.url], [args.pid] if args.pid else [], args),
            args.db,
            before,
            args.clients,
        )
        return 0 if ok else 1
    if args.db and args.db != "throwaway" and not is_url(args.db):
        parser.error("--db without --url must be a postgresql:// URL or 'throwaway'")

    folder = Path(tempfile.mkdtemp(prefix="ragarena-bench-votes-"))
    cluster = None
    all_ok, rates = True, {}
    try:
        sqlite_db = folder / "arena.db"
        process, url = start_app(folder, Path(args.docs), args.concurrency, sqlite_db)
        print(f"app on {url} (pid {process.pid}), database {sqlite_db}", flush=True)
        try:
            result = load([url], [process.pid], args)
        finally:
            stop([process])
        ok, rates["sqlite"] = report("1 replica, SQLite (WAL, synchronous=FULL)", result, sqlite_db, 0, args.clients)
        all_ok &= ok
        if args.db:
            pg_url = args.db
            if args.db == "throwaway":
                sys.path.insert(0, str(REPO / "tests"))
                import pg_server

                cluster = pg_server.start(durable=True)  # fsync on, as a real server
                pg_url = cluster.url(cluster.create_database())
            store = VoteStore(pg_url)  # creates the schema if the database is empty
            shown, before = store.path, store.count_votes()
            store.close()
            processes, urls = [], []
            try:
                for n in range(args.replicas):
                    replica = folder / f"replica-{n}"
                    replica.mkdir()
                    process, url = start_app(replica, Path(args.docs), args.concurrency, pg_url, name="app")
                    processes.append(process)
                    urls.append(url)
                print(f"{args.replicas} replicas on {', '.join(urls)}, database {shown}", flush=True)
                result = load(urls, [p.pid for p in processes], args)
            finally:
                stop(processes)
            ok, rates["postgresql"] = report(
                f"{args.replicas} replicas, PostgreSQL", result, pg_url, before, args.clients
            )
            all_ok &= ok
            if rates["sqlite"]:
                print(
                    f"== {args.replicas} replicas on PostgreSQL / 1 replica on SQLite: "
                    f"{rates['postgresql'] / rates['sqlite']:.2f}x votes/s"
                )
    finally:
        if cluster is not None:
            cluster.stop()
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
        else:
            print(f"kept {folder}")
    return 0 if all_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
