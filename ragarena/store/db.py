"""The vote database engine: one SQLAlchemy Core code path for a SQLite file and for PostgreSQL.

`RAGARENA_DB` is a file path (SQLite, the default: one machine, the Space) or a PostgreSQL URL
(``postgresql://user:password@host:5432/db``: several replicas sharing one store). Both stores
(`ragarena.arena.votes.VoteStore`, `ragarena.answer_ratings.store.AnswerRatings`) read and write only through
`Database.read` / `Database.write` transactions on the tables of `ragarena.store.schema`.

Safety, the same guarantees on both:

* a write transaction that returned is durable: SQLite in WAL mode with ``synchronous=FULL``;
  PostgreSQL with its default ``synchronous_commit=on``;
* writers that must see each other are serialised by the database, not by this process, so the
  rules hold across replicas: SQLite takes the write lock at ``BEGIN IMMEDIATE``; on PostgreSQL the
  stores lock the rows they change (``SELECT ... FOR UPDATE``) and take transaction-scoped
  advisory locks per voter (`Database.lock_keys`) before counting that voter's recent votes;
* the URL's password is never shown: `Database.display` hides it, and error messages are
  scrubbed of it (`redact`).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, Connection, make_url

from ragarena.core.errors import UserError
from ragarena.store import schema

POSTGRES_SCHEMES = ("postgresql", "postgres")


def is_url(target: str | os.PathLike) -> bool:
    return isinstance(target, str) and "://" in target


def postgres_url(text: str) -> URL:
    """The SQLAlchemy URL (psycopg 3 driver) of a ``postgresql://`` address; `UserError` otherwise."""
    try:
        url = make_url(text.strip())
    except Exception:
        url = None
    if url is None or url.get_backend_name() not in POSTGRES_SCHEMES:
        scheme = text.split("://", 1)[0]
        raise UserError(
            f"RAGARENA_DB admite una ruta de archivo (SQLite) o una URL postgresql://; no se reconoce «{scheme}://…»."
        )
    return url.set(drivername="postgresql+psycopg")


def redact(text: str, url: URL | None) -> str:
    """`text` with the URL's password (and its percent-encoded form) replaced by ***."""
    if url is not None and url.password:
        from urllib.parse import quote

        for secret in {str(url.password), quote(str(url.password), safe="")}:
            text = text.replace(secret, "***")
    return text


class Database:
    """An engine on a SQLite file or a PostgreSQL database, migrated to `schema.SCHEMA_VERSION` on opening.

    `display` names it for people (the path, or the URL without its password).
    """

    def __init__(self, target: str | os.PathLike, *, pool_size: int = 10):
        self.url: URL | None = None
        if is_url(target):
            self.url = postgres_url(str(target))
            self.display = self.url.set(drivername=self.url.get_backend_name()).render_as_string(hide_password=True)
            self.engine = sa.create_engine(
                self.url,
                pool_size=pool_size,
                max_overflow=pool_size,
                pool_timeout=120,
                pool_pre_ping=True,
                connect_args={"connect_timeout": 10},
            )
        else:
            self.display = str(target)
            self.engine = sa.create_engine(
                f"sqlite:///{Path(target)}",
                pool_size=pool_size,
                max_overflow=pool_size,
                pool_timeout=120,
                connect_args={"check_same_thread": False, "timeout": 30},
            )
            sa.event.listen(self.engine, "connect", _sqlite_connect)
            sa.event.listen(self.engine, "begin", _sqlite_begin)
        self.dialect = self.engine.dialect.name

    @property
    def is_postgres(self) -> bool:
        return self.dialect == "postgresql"

    # --- transactions ------------------------------------------------------------------------

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only transaction (SQLite: a WAL snapshot; PostgreSQL: READ COMMITTED)."""
        with self._errors(), self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction, committed (durably) when the block ends, rolled back on any error.

        On SQLite it holds the database's write lock from the start (``BEGIN IMMEDIATE``), so
        concurrent writers, in this process or another, queue instead of failing half-way.
        """
        with self._errors(), self.engine.connect() as conn:
            conn.execution_options(ragarena_write=True)
            with conn.begin():
                yield conn

    def lock_keys(self, conn: Connection, *keys: str | None) -> None:
        """Serialise, until the transaction ends, the transactions that name any of `keys`.

        PostgreSQL: one advisory lock per key, taken in a fixed order (so two transactions never
        wait for each other in a cycle). SQLite needs none: ``BEGIN IMMEDIATE`` already serialises writers.
        """
        if not self.is_postgres:
            return
        for lock_id in sorted({_lock_id(k) for k in keys if k}):
            conn.execute(sa.select(sa.func.pg_advisory_xact_lock(lock_id)))

    def insert(self, table: sa.Table):
        """The dialect's INSERT (with ``on_conflict_do_nothing`` / ``on_conflict_do_update``: the same API on both)."""
        return (postgresql if self.is_postgres else sqlite).insert(table)

    def text_order(self, column):
        """`column` ordered byte-wise on both backends (PostgreSQL's default collation sorts by language rules)."""
        return column.collate("C") if self.is_postgres else column

    # --- opening -----------------------------------------------------------------------------

    def migrate(self, create: bool = True) -> None:
        """Create (unless `create` is False) or update the schema, in one transaction holding the write lock.

        Raises `UserError` when the database belongs to a newer RAG Arena, or holds tables named
        like ours without our version mark (another program's); nothing is changed then.
        """
        with self.write() as conn:
            if self.is_postgres:  # replicas starting together: one migrates, the others then find it done
                conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_lock_id("ragarena:schema"))))
            version = schema.stored_version(conn)
            if version > schema.SCHEMA_VERSION:
                raise UserError(
                    f"La base de datos de votos {self.display} es de una versión más nueva de RAG Arena (esquema "
                    f"{version}; esta versión entiende hasta el {schema.SCHEMA_VERSION}). No se ha modificado: "
                    "actualiza la aplicación."
                )
            if version == 0 and not create:
                raise UserError(f"No hay base de datos de votos en {self.display}.")
            if version == 0 and self.is_postgres:
                clash = schema.OUR_TABLES & set(sa.inspect(conn).get_table_names())
                if clash:
                    raise UserError(
                        f"La base de datos {self.display} ya tiene tablas de otro programa con los nombres de las de "
                        f"RAG Arena ({', '.join(sorted(clash))}). No se ha modificado: indica otra base de datos "
                        "en RAGARENA_DB."
                    )
            if version < schema.SCHEMA_VERSION:
                schema.migrate(conn, version)

    def check_wal(self) -> None:
        if self.is_postgres:
            return
        with self.read() as conn:
            mode = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
        if str(mode).lower() != "wal":
            raise UserError(f"La base de datos de votos {self.display} no admite el modo WAL (¿sistema de archivos?).")

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def _errors(self):
        """Database errors as `UserError` without the password; refusals (`UserError`) pass through."""
        try:
            yield
        except sa.exc.DBAPIError as error:
            reason = str(getattr(error, "orig", None) or error).strip().splitlines()
            reason = reason[0] if reason else type(error).__name__
            action = "conectar con" if isinstance(error, sa.exc.OperationalError) else "usar"
            raise UserError(
                redact(f"No se puede {action} la base de datos de votos {self.display}: {reason}", self.url)
            ) from None
        except sa.exc.SQLAlchemyError as error:
            raise UserError(
                redact(f"Error en la base de datos de votos {self.display}: {type(error).__name__}: {error}", self.url)
            ) from None


def _lock_id(key: str) -> int:
    return int.from_bytes(hashlib.sha256(f"ragarena:{key}".encode()).digest()[:8], "big", signed=True)


def voter_keys(*pairs: tuple[str, str | None]) -> Iterable[str | None]:
    """Lock keys for (kind, value) pairs, such as ("session", digest); None when the value is unset."""
    return [f"{kind}:{value}" if value else None for kind, value in pairs]


def _sqlite_connect(dbapi_conn, _record) -> None:
    # SQLAlchemy's documented recipe: let it emit BEGIN itself (see `_sqlite_begin`), not the driver.
    dbapi_conn.isolation_level = None
    dbapi_conn.execute("PRAGMA busy_timeout = 30000")
    dbapi_conn.execute("PRAGMA journal_mode = WAL")
    dbapi_conn.execute("PRAGMA synchronous = FULL")  # a committed vote survives a power cut


def _sqlite_begin(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("ragarena_write") else "BEGIN")
