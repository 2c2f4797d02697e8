"""Opening the vote database named by `RAGARENA_DB`: a PostgreSQL URL, or a SQLite file checked first.

A SQLite file is checked read-only before anything is written: a corrupt file, a database of
another program or one written by a newer version raises `UserError` (Spanish) and is left
untouched. A new file is built in a temporary sibling and moved into place, so the configured
path never holds half a schema. Either way the schema is then migrated (`Database.migrate`).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import uuid
from pathlib import Path

from ragarena.core.errors import UserError
from ragarena.store import schema
from ragarena.store.db import Database, is_url

SQLITE_MAGIC = b"SQLite format 3\x00"


def open_database(target: str | os.PathLike, *, create: bool = True) -> Database:
    """The `Database` at `target`, migrated to the current schema; `UserError` when it cannot be used."""
    if is_url(target):
        db = Database(target)
        try:
            db.migrate(create=create)
        except BaseException:
            db.close()
            raise
        return db
    path = Path(target)
    if _needs_creation(path):
        if not create:
            raise UserError(f"No hay base de datos de votos en {path}.")
        _create(path)
    _check_existing(path)
    db = Database(path)
    try:
        db.check_wal()
        db.migrate()
    except BaseException:
        db.close()
        raise
    return db


def _needs_creation(path: Path) -> bool:
    try:
        return path.stat().st_size == 0
    except FileNotFoundError:
        return True
    except OSError as error:
        raise UserError(f"No se puede acceder a la base de datos de votos {path}: {error.strerror}") from None


def _create(path: Path) -> None:
    """Build the schema in a temporary sibling, then move it into place (never over a real file)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UserError(f"No se puede crear la carpeta de datos {path.parent}: {error.strerror}") from None
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        db = Database(tmp, pool_size=1)
        try:
            db.migrate()
        finally:
            db.close()
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        if path.exists() and path.stat().st_size == 0:
            os.replace(tmp, path)  # an empty file holds nothing to keep
        else:
            with contextlib.suppress(FileExistsError):  # someone created the file meanwhile: theirs stays
                os.link(tmp, path)
        _fsync_dir(path.parent)
    except OSError as error:
        raise UserError(f"No se puede crear la base de datos de votos {path}: {error}") from None
    except UserError as error:  # the temporary file could not be opened or given its schema
        raise UserError(f"No se puede crear la base de datos de votos {path}. {error}") from None
    finally:
        for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
            with contextlib.suppress(OSError):  # absent, or a read-only folder: must not hide the error above
                leftover.unlink()


def _check_existing(where: Path) -> None:
    """Refuse (read-only, nothing written) a file that is not a vote database this version can use."""
    try:
        with open(where, "rb") as handle:
            header = handle.read(100)
    except OSError as error:
        raise UserError(f"No se puede leer la base de datos de votos {where}: {error.strerror}") from None
    corrupt = (
        f"El archivo de votos {where} está dañado o no es una base de datos SQLite. "
        "No se ha modificado: muévelo o restaura una copia, o indica otra ruta con RAGARENA_DB."
    )
    if not header.startswith(SQLITE_MAGIC) or len(header) < 100:
        raise UserError(corrupt)
    # Read-only; with no journal beside it, `immutable` also keeps SQLite from creating -wal/-shm files.
    sidecars = any(Path(f"{where}{suffix}").exists() for suffix in ("-wal", "-journal"))
    uri = f"{where.resolve().as_uri()}?mode=ro" + ("" if sidecars else "&immutable=1")
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=30)
    except sqlite3.Error:
        raise UserError(corrupt) from None
    try:
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        check = [row[0] for row in conn.execute("PRAGMA quick_check")]
    except sqlite3.DatabaseError:
        raise UserError(corrupt) from None
    finally:
        conn.close()
    if check != ["ok"]:
        raise UserError(corrupt)
    tables = {t for t in tables if not t.startswith("sqlite_")}
    if app_id != schema.APPLICATION_ID or not tables <= schema.OUR_TABLES or not tables:
        found = ", ".join(sorted(tables)) or "ninguna"
        raise UserError(
            f"{where} es una base de datos SQLite de otro programa (tablas: {found}), no la de votos de "
            "RAG Arena. No se ha modificado: indica otra ruta con RAGARENA_DB o RAGARENA_DATA_DIR."
        )
    if version > schema.SCHEMA_VERSION:
        raise UserError(
            f"La base de datos de votos {where} es de una versión más nueva de RAG Arena (esquema {version}; "
            f"esta versión entiende hasta el {schema.SCHEMA_VERSION}). No se ha modificado: actualiza la aplicación."
        )
    if version < 1:
        raise UserError(corrupt)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
