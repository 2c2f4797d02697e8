"""A throwaway PostgreSQL cluster on a free 127.0.0.1 port, for the tests and `bench/votes.py`.

Uses the server binaries of the machine (Debian's ``postgresql`` package: initdb and pg_ctl under
/usr/lib/postgresql/N/bin, or on PATH). As root, the cluster runs as the ``postgres`` user, as
PostgreSQL refuses to run as root. `start` raises `Unavailable` with the reason when no server
can be started, so callers can skip (or fail, where a server is required).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path


class Unavailable(RuntimeError):
    """No PostgreSQL server could be started here (the message says why)."""


def _bin_dir() -> Path:
    found = shutil.which("pg_ctl")
    candidates = ([str(Path(found).resolve().parent)] if found else []) + sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name), reverse=True
    )
    for folder in candidates:
        if (Path(folder) / "initdb").exists() and (Path(folder) / "pg_ctl").exists():
            return Path(folder)
    raise Unavailable("PostgreSQL server binaries (initdb, pg_ctl) not found: apt-get install postgresql")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """A running cluster: `url(db)` is a psycopg URL; `create_database` gives a fresh, empty database."""

    def __init__(self, folder: Path, port: int, run_as: str | None, bin_dir: Path):
        self.folder, self.port, self.run_as, self.bin_dir = folder, port, run_as, bin_dir

    def url(self, database: str = "postgres", password: str | None = None) -> str:
        auth = "postgres" + (f":{password}" if password else "")
        return f"postgresql://{auth}@127.0.0.1:{self.port}/{database}"

    def admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(sql)

    def create_database(self, prefix: str = "ragarena") -> str:
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        self.admin(f'CREATE DATABASE "{name}"')
        return name

    def drop_database(self, name: str) -> None:
        self.admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        _run(
            self.run_as,
            [str(self.bin_dir / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "immediate", "-w", "stop"],
            check=False,
        )
        shutil.rmtree(self.folder, ignore_errors=True)


def _run(user: str | None, command: list[str], check: bool = True) -> subprocess.CompletedProcess:
    if user:
        command = ["runuser", "-u", user, "--", *command]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    if check and result.returncode != 0:
        raise Unavailable(f"{' '.join(command[-3:])} failed: {(result.stderr or result.stdout).strip()[-500:]}")
    return result


def start(durable: bool = False) -> Cluster:
    """initdb + pg_ctl start in a temporary folder; `durable` keeps fsync on (benchmarks), tests turn it off."""
    bin_dir = _bin_dir()
    run_as = None
    if os.geteuid() == 0:
        import pwd

        try:
            pwd.getpwnam("postgres")
        except KeyError:
            raise Unavailable("running as root and there is no 'postgres' user to run the server") from None
        run_as = "postgres"
    folder = Path(tempfile.mkdtemp(prefix="ragarena-pg-"))
    if run_as:
        shutil.chown(folder, run_as)
    port = _free_port()
    data = folder / "data"
    _run(run_as, [str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"])
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c max_connections=300"
    if not durable:
        options += " -c fsync=off -c full_page_writes=off"
    try:
        _run(
            run_as,
            [
                str(bin_dir / "pg_ctl"),
                "-D",
                str(data),
                "-o",
                options,
                "-l",
                str(folder / "log"),
                "-w",
                "-t",
                "60",
                "start",
            ],
        )
    except Unavailable:
        log = (folder / "log").read_text(errors="replace")[-500:] if (folder / "log").exists() else ""
        shutil.rmtree(folder, ignore_errors=True)
        raise Unavailable(f"pg_ctl start failed: {log}") from None
    return Cluster(folder, port, run_as, bin_dir)
