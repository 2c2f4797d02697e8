"""The arena's vote store (SQLite) and the rules the server enforces on votes.

One row per battle: the question, the two answers, the models behind them and, once the
user has voted, the winner in the public format of `ragarena.battles`
(``model_a``/``model_b``/``tie``/``tie (bothbad)``).

Durability and safety:

* WAL journal with ``synchronous=FULL``: a vote acknowledged to the user (``vote`` returned)
  survives a crash of the process or of the machine.
* One connection guarded by a lock, so Gradio's worker threads can share one store.
* The file is checked read-only before anything is written: a corrupt file, a database of
  another program or one written by a newer version raises `UserError` (Spanish) and is left
  untouched. A new database is built in a temporary sibling and moved into place, so the
  configured path never holds half a schema.

Rules (refusals raise `VoteRejected`, whose message is shown to the user):

* a vote must name a battle served to the same session, and a battle takes one vote;
* a session may vote at most ``RAGARENA_VOTES_PER_MINUTE`` times a minute (default 20);
* at most ``RAGARENA_VOTES_PER_DAY`` votes (default 200) in 24 hours per session and per IP
  address (``ip_hash``, salted digest), or per Hugging Face user when signed in (``user_hash``);
  see `ragarena.voters`;
* a vote on a round in which an answer names its model or provider is kept but excluded from
  the ratings (``excluded_reason``; `ragarena.hygiene`), as are, later, the votes of voters the
  sequential test flags (`exclude`); nothing is ever deleted;
* the reasons of a vote (`set_reasons`, `ragarena.reasons`) are accepted from the session that
  voted, for its latest battle only (until its next round), and may be changed until then;
* a question must pass `ragarena.validation.question_problem` (length, markup).

Sharing: with ``RAGARENA_VOTES_REPO`` and ``HF_TOKEN`` set, every vote is also appended as a
JSON line (export format) to a folder that a `huggingface_hub.CommitScheduler` pushes to that
dataset repository (see `VoteSharer`).
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import sqlite3
import sys
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterable

from ragarena import settings
from ragarena.battles import MODES, WINNERS, import_id, validate_battle
from ragarena.errors import UserError
from ragarena.i18n import _
from ragarena.validation import question_problem

SCHEMA_VERSION = 2  # 1: battles; 2: + chat_answers, answer_ratings (ragarena.answer_ratings)
# PRAGMA application_id of a RAG Arena vote database ("RAGA"): tells ours from other SQLite files.
APPLICATION_ID = 0x52414741
DEFAULT_VOTES_PER_MINUTE = 20
DEFAULT_VOTES_PER_DAY = 200
DAY_S = 24 * 3600.0
SQLITE_MAGIC = b"SQLite format 3\x00"

_SCHEMA = """
CREATE TABLE battles (
    id              TEXT PRIMARY KEY,
    served_at       REAL NOT NULL,
    session_hash    TEXT NOT NULL,
    question        TEXT NOT NULL,
    conversation    TEXT NOT NULL DEFAULT '[]',
    passage_ids     TEXT NOT NULL DEFAULT '[]',
    model_a         TEXT NOT NULL,
    model_b         TEXT NOT NULL,
    answer_a        TEXT NOT NULL,
    answer_b        TEXT NOT NULL,
    timings         TEXT NOT NULL DEFAULT '{}',
    mode            TEXT NOT NULL CHECK (mode IN ('anonymous', 'named')),
    winner          TEXT CHECK (winner IS NULL OR winner IN ('model_a', 'model_b', 'tie', 'tie (bothbad)')),
    voted_at        REAL,
    reasons         TEXT,
    excluded_reason TEXT,
    user_hash       TEXT,
    ip_hash         TEXT
);
CREATE INDEX battles_session_votes ON battles (session_hash, voted_at);
CREATE INDEX battles_votes ON battles (voted_at) WHERE winner IS NOT NULL;
"""
# Version 2: the Chat tab's answers and the ratings people give them (see `ragarena.answer_ratings`).
_SCHEMA_V2 = """
CREATE TABLE chat_answers (
    id            TEXT PRIMARY KEY,
    served_at     REAL NOT NULL,
    session_hash  TEXT NOT NULL,
    model         TEXT NOT NULL,
    question      TEXT NOT NULL,
    conversation  TEXT NOT NULL DEFAULT '[]',
    passage_ids   TEXT NOT NULL DEFAULT '[]',
    answer        TEXT NOT NULL
);
CREATE INDEX chat_answers_session ON chat_answers (session_hash, served_at);
CREATE TABLE answer_ratings (
    answer_id         TEXT PRIMARY KEY REFERENCES chat_answers (id),
    session_hash      TEXT NOT NULL,
    answer_relevance  INTEGER NOT NULL CHECK (answer_relevance BETWEEN 1 AND 5),
    context_relevance INTEGER NOT NULL CHECK (context_relevance BETWEEN 1 AND 5),
    groundedness      INTEGER NOT NULL CHECK (groundedness BETWEEN 1 AND 5),
    comment           TEXT,
    first_rated_at    REAL NOT NULL,
    rated_at          REAL NOT NULL,
    revisions         INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX answer_ratings_time ON answer_ratings (rated_at);
"""
# What takes a database from version N-1 to N (run in one transaction by `VoteStore._migrate`).
_MIGRATIONS = {2: _SCHEMA_V2}
_OUR_TABLES = {"battles", "chat_answers", "answer_ratings"}

_COLUMNS = ("id", "served_at", "session_hash", "question", "conversation", "passage_ids", "model_a", "model_b",
            "answer_a", "answer_b", "timings", "mode", "winner", "voted_at", "reasons", "excluded_reason",
            "user_hash")


class VoteRejected(UserError):
    """The server refused a vote or a question; the message (a Spanish `ragarena.i18n.Text`, which
    the UI renders in the reader's language with `localize`) is meant for the user."""


def anonymize_session(session_hash: str) -> str:
    """What is stored (and exported) for a Gradio session: a one-way digest, never the session itself.

    Knowing a live session hash would let anyone act as that session, so it is never published.
    """
    return hashlib.sha256(f"ragarena-session:{session_hash}".encode()).hexdigest()[:24]


def check_question(question: str | None) -> str:
    """The question stripped, or `VoteRejected` with the reason (too long, empty, markup)."""
    problem = question_problem(question)
    if problem:
        raise VoteRejected(problem)
    return (question or "").strip()


def votes_per_minute_from_env() -> int:
    return positive_int_from_env("RAGARENA_VOTES_PER_MINUTE", DEFAULT_VOTES_PER_MINUTE)


def votes_per_day_from_env() -> int:
    return positive_int_from_env("RAGARENA_VOTES_PER_DAY", DEFAULT_VOTES_PER_DAY)


def positive_int_from_env(name: str, default: int) -> int:
    return settings.positive_int(name, default)


class VoteStore:
    """Battles and votes in one SQLite file; safe to share between threads."""

    def __init__(self, path: str | os.PathLike, *, votes_per_minute: int | None = None,
                 sharer: "VoteSharer | None" = None, create: bool = True,
                 clock: Callable[[], float] = time.time, votes_per_day: int | None = None):
        self.path = Path(path)
        self.votes_per_minute = votes_per_minute if votes_per_minute is not None else votes_per_minute_from_env()
        self.votes_per_day = votes_per_day if votes_per_day is not None else votes_per_day_from_env()
        self.sharer = sharer
        self._clock = clock
        self._lock = threading.Lock()
        if self._needs_creation():
            if not create:
                raise UserError(f"No hay base de datos de votos en {self.path}.")
            self._create()
        self._check_existing()
        try:
            self._conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
            self._conn.execute("PRAGMA busy_timeout = 30000")
            mode = self._conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            self._conn.execute("PRAGMA synchronous = FULL")
        except sqlite3.Error as error:
            raise UserError(f"No se puede abrir la base de datos de votos {self.path}: {error}") from None
        if str(mode).lower() != "wal":
            raise UserError(f"La base de datos de votos {self.path} no admite el modo WAL (sistema de archivos?).")
        self._migrate()

    # --- opening -----------------------------------------------------------------------------

    def _needs_creation(self) -> bool:
        try:
            return self.path.stat().st_size == 0
        except FileNotFoundError:
            return True
        except OSError as error:
            raise UserError(f"No se puede acceder a la base de datos de votos {self.path}: {error.strerror}") from None

    def _create(self) -> None:
        """Build the schema in a temporary sibling, then move it into place (never over a real file)."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise UserError(f"No se puede crear la carpeta de datos {self.path.parent}: {error.strerror}") from None
        tmp = self.path.with_name(f".{self.path.name}.{uuid.uuid4().hex}.tmp")
        try:
            conn = sqlite3.connect(tmp, isolation_level=None)
            try:
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                conn.executescript("BEGIN;" + _SCHEMA + "".join(_MIGRATIONS.values()) + "COMMIT;")
                conn.execute("PRAGMA journal_mode = WAL")
            finally:
                conn.close()
            with open(tmp, "rb") as handle:
                os.fsync(handle.fileno())
            if self.path.exists() and self.path.stat().st_size == 0:
                os.replace(tmp, self.path)  # an empty file holds nothing to keep
            else:
                try:
                    os.link(tmp, self.path)  # fails if someone created the file meanwhile
                except FileExistsError:
                    pass
            _fsync_dir(self.path.parent)
        except (OSError, sqlite3.Error) as error:
            raise UserError(f"No se puede crear la base de datos de votos {self.path}: {error}") from None
        finally:
            for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
                try:
                    leftover.unlink()
                except OSError:  # absent, or a read-only folder: must not hide the error above
                    pass

    def _check_existing(self) -> None:
        """Refuse (read-only, nothing written) a file that is not a vote database of this version."""
        where = self.path
        try:
            with open(where, "rb") as handle:
                header = handle.read(100)
        except OSError as error:
            raise UserError(f"No se puede leer la base de datos de votos {where}: {error.strerror}") from None
        corrupt = (f"El archivo de votos {where} está dañado o no es una base de datos SQLite. "
                   "No se ha modificado: muévelo o restaura una copia, o indica otra ruta con RAGARENA_DB.")
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
        if app_id != APPLICATION_ID or not tables <= _OUR_TABLES or not tables:
            found = ", ".join(sorted(tables)) or "ninguna"
            raise UserError(
                f"{where} es una base de datos SQLite de otro programa (tablas: {found}), no la de votos de "
                "RAG Arena. No se ha modificado: indica otra ruta con RAGARENA_DB o RAGARENA_DATA_DIR."
            )
        if version > SCHEMA_VERSION:
            raise UserError(
                f"La base de datos de votos {where} es de una versión más nueva de RAG Arena (esquema {version}; "
                f"esta versión entiende hasta el {SCHEMA_VERSION}). No se ha modificado: actualiza la aplicación."
            )
        if version < 1:
            raise UserError(corrupt)

    def _migrate(self) -> None:
        """Bring a database of an older schema up to `SCHEMA_VERSION`: all steps in one transaction.

        Only adds tables; an older RAG Arena then refuses the file as "newer", never misreads it.
        """
        with self._lock:
            if self._conn.execute("PRAGMA user_version").fetchone()[0] >= SCHEMA_VERSION:
                return
            try:
                with immediate_transaction(self._conn):
                    # Read again under the write lock: another process may have migrated meanwhile.
                    version = self._conn.execute("PRAGMA user_version").fetchone()[0]
                    for step in range(version + 1, SCHEMA_VERSION + 1):
                        for statement in filter(str.strip, _MIGRATIONS[step].split(";")):
                            self._conn.execute(statement)
                    self._conn.execute(f"PRAGMA user_version = {max(version, SCHEMA_VERSION)}")
            except sqlite3.Error as error:
                self._conn.close()
                raise UserError(f"No se puede actualizar el esquema de la base de datos de votos {self.path}: "
                                f"{error}") from None

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    # --- writing -----------------------------------------------------------------------------

    def record_battle(self, *, session_hash: str, question: str, model_a: str, model_b: str, answer_a: str,
                      answer_b: str, mode: str = "anonymous", conversation: list | None = None,
                      passage_ids: list[str] | None = None, timings: dict | None = None,
                      served_at: float | None = None) -> str:
        """Store a battle whose two answers are complete; returns its new (unguessable) id."""
        if not session_hash:
            raise VoteRejected(_("No se reconoce la sesión; recarga la página."))
        question = check_question(question)
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
        if model_a == model_b:
            raise ValueError("a battle needs two different models")
        battle_id = secrets.token_hex(16)
        row = (battle_id, served_at if served_at is not None else self._clock(), anonymize_session(session_hash),
               question, _dumps(conversation or []), _dumps(list(passage_ids or [])), model_a, model_b,
               answer_a, answer_b, _dumps(timings or {}), mode)
        with self._lock:
            self._conn.execute(
                "INSERT INTO battles (id, served_at, session_hash, question, conversation, passage_ids, model_a, "
                "model_b, answer_a, answer_b, timings, mode) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", row)
        return battle_id

    def vote(self, battle_id: str, session_hash: str, winner: str, *, user_hash: str | None = None,
             ip_hash: str | None = None) -> dict:
        """Record the vote of `session_hash` on `battle_id`; returns the battle (export format).

        Raises `VoteRejected` for an unknown winner, a battle not served to this session, a battle
        already voted, a session over its votes-per-minute limit, or a voter over the daily cap
        (`user_hash` when signed in, else the session and `ip_hash`; see `ragarena.voters`). A
        round whose answers name their model is stored with an ``excluded_reason``. Once this
        returns, the vote is on disk (WAL, synchronous=FULL).
        """
        from ragarena.hygiene import battle_identity_leak

        if winner not in WINNERS:
            raise VoteRejected(_("Voto no válido: elige A, B, empate o ambas son malas."))
        if not battle_id or not session_hash:
            raise VoteRejected(_("No hay ningún combate que votar en esta sesión; haz una pregunta primero."))
        session = anonymize_session(session_hash)
        with self._lock:
            with immediate_transaction(self._conn):
                row = self._conn.execute(
                    "SELECT session_hash, winner, answer_a, answer_b, conversation FROM battles WHERE id = ?",
                    (battle_id,)).fetchone()
                if row is None or row[0] != session:
                    raise VoteRejected(_("Ese combate no existe o no se sirvió en esta sesión; no se ha contado el voto."))
                if row[1] is not None:
                    raise VoteRejected(_("Ya has votado en este combate: solo se admite un voto por combate."))
                now = self._clock()
                recent = self._conn.execute(
                    "SELECT COUNT(*) FROM battles WHERE session_hash = ? AND voted_at > ? AND winner IS NOT NULL",
                    (session, now - 60.0)).fetchone()[0]
                if recent >= self.votes_per_minute:
                    raise VoteRejected(_(
                        "Has votado {recent} veces en el último minuto (máximo {limit}); "
                        "espera un poco antes de volver a votar.", recent=recent, limit=self.votes_per_minute))
                self._check_daily_cap(session, ip_hash, user_hash, now)
                leak = battle_identity_leak({"answer_a": row[2], "answer_b": row[3],
                                             "conversation": json.loads(row[4])})
                self._conn.execute(
                    "UPDATE battles SET winner = ?, voted_at = ?, user_hash = ?, ip_hash = ?, "
                    "excluded_reason = COALESCE(excluded_reason, ?) WHERE id = ? AND winner IS NULL",
                    (winner, now, user_hash, ip_hash, leak, battle_id))
                battle = self._export_row(self._battle_row(battle_id))
        if self.sharer is not None:
            self.sharer.share(battle)
        return battle

    def _check_daily_cap(self, session: str, ip_hash: str | None, user_hash: str | None, now: float) -> None:
        """`VoteRejected` when the voter has used up `votes_per_day` in the last 24 hours (caller holds the lock).

        Signed in, the cap is per user (whatever the session or connection); otherwise it is per
        session and per IP address, so a new tab does not reset it.
        """
        cap, since = self.votes_per_day, now - DAY_S
        count = lambda column, value: self._conn.execute(  # noqa: E731
            f"SELECT COUNT(*) FROM battles WHERE winner IS NOT NULL AND voted_at > ? AND {column} = ?",
            (since, value)).fetchone()[0]
        if user_hash:
            if count("user_hash", user_hash) >= cap:
                raise VoteRejected(_("Has llegado al máximo de {cap} votos en 24 horas con tu cuenta; "
                                     "gracias por participar, vuelve mañana.", cap=cap))
            return
        if count("session_hash", session) >= cap:
            raise VoteRejected(_("Has llegado al máximo de {cap} votos en 24 horas en esta sesión; "
                                 "gracias por participar, vuelve mañana.", cap=cap))
        if ip_hash and count("ip_hash", ip_hash) >= cap:
            raise VoteRejected(_("Se ha llegado al máximo de {cap} votos en 24 horas desde esta conexión; "
                                 "vuelve mañana o inicia sesión con tu cuenta de Hugging Face si la hay.", cap=cap))

    def check_daily_cap(self, session_hash: str, *, ip_hash: str | None = None, user_hash: str | None = None) -> None:
        """`VoteRejected` when this voter could not vote now because of the daily cap (the arena
        asks before serving a round, so no model answers a round that could not be voted)."""
        with self._lock:
            self._check_daily_cap(anonymize_session(session_hash or ""), ip_hash, user_hash, self._clock())

    def set_reasons(self, battle_id: str | None, session_hash: str | None, reasons: Iterable) -> dict:
        """Store why the session voted as it did (`ragarena.reasons`); returns the battle (export format).

        Only the session the battle was served to, only once it has voted, and only for its latest
        battle: a new round closes the previous one. Until then the reasons may be changed (the last
        call wins; an empty list clears them). Refusals raise `VoteRejected`.
        """
        from ragarena.reasons import check_reasons

        if not battle_id or not session_hash:
            raise VoteRejected(_("No hay ningún voto al que añadir motivos; vota primero."))
        if isinstance(reasons, str) or not isinstance(reasons, Iterable):
            raise VoteRejected(_("Los motivos deben ser una lista."))
        reasons = list(reasons)
        session = anonymize_session(session_hash)
        with self._lock:
            with immediate_transaction(self._conn):
                row = self._conn.execute("SELECT session_hash, winner FROM battles WHERE id = ?",
                                         (battle_id,)).fetchone()
                if row is None or row[0] != session:
                    raise VoteRejected(_("Ese combate no existe o no se sirvió en esta sesión; no se guardan los motivos."))
                if row[1] is None:
                    raise VoteRejected(_("Vota primero; los motivos acompañan al voto."))
                latest = self._conn.execute(
                    "SELECT id FROM battles WHERE session_hash = ? ORDER BY served_at DESC, rowid DESC LIMIT 1",
                    (session,)).fetchone()
                if latest is None or latest[0] != battle_id:
                    raise VoteRejected(_("Esa ronda ya terminó: los motivos solo se pueden dar hasta la ronda siguiente."))
                try:
                    checked = check_reasons(row[1], reasons)
                except UserError as error:  # keeps the message's translations (a single `Text` argument)
                    raise VoteRejected(*(error.args if len(error.args) == 1 else (str(error),))) from None
                self._conn.execute("UPDATE battles SET reasons = ? WHERE id = ?",
                                   (_dumps(checked) if checked else None, battle_id))
                battle = self._export_row(self._battle_row(battle_id))
        return battle

    def exclude(self, exclusions: dict[str, str]) -> int:
        """Mark voted battles as excluded from the ratings (battle id -> reason); never deletes.

        A battle already excluded keeps its first reason. Returns how many were marked now.
        """
        marked = 0
        with self._lock:
            with immediate_transaction(self._conn):
                for battle_id, reason in exclusions.items():
                    marked += self._conn.execute(
                        "UPDATE battles SET excluded_reason = ? WHERE id = ? AND excluded_reason IS NULL "
                        "AND winner IS NOT NULL", (str(reason), battle_id)).rowcount
        return marked

    def import_battles(self, records: Iterable[dict]) -> int:
        """Add voted battles in the public format; returns how many were new.

        Idempotent: a record with `battle_id` already stored is skipped; a record without one gets
        an id derived from its position and content (`battles.import_id`), so identical records are
        all kept and importing the same list twice adds nothing.
        """
        rows = []
        for index, record in enumerate(records):
            where = f"combate {index + 1}"
            validate_battle(record, where, strict=True)
            mode = record.get("mode") or "anonymous"
            if mode not in MODES:
                raise UserError(f"{where}: modo no válido ({mode!r}); se admite {', '.join(MODES)}.")
            battle_id = record.get("battle_id") or import_id(record, index + 1)
            tstamp = _number(record.get("tstamp"), where, "tstamp")
            served = _number(record.get("served_tstamp"), where, "served_tstamp")
            now = self._clock()
            excluded = record.get("excluded_reason") or record.get("excluded") or None
            if excluded is not None and not isinstance(excluded, str):
                excluded = "excluido"
            rows.append((
                str(battle_id), served if served is not None else (tstamp if tstamp is not None else now),
                str(record.get("session_hash") or ""), str(record.get("question") or ""),
                _dumps(record.get("conversation") or []), _dumps(record.get("passage_ids") or []),
                record["model_a"], record["model_b"], str(record.get("answer_a") or ""),
                str(record.get("answer_b") or ""), _dumps(record.get("timings") or {}), mode, record["winner"],
                tstamp if tstamp is not None else now,
                None if record.get("reasons") is None else _dumps(record["reasons"]), excluded,
                str(record["user_hash"]) if record.get("user_hash") else None,
            ))
        added = 0
        with self._lock:
            with immediate_transaction(self._conn):
                for row in rows:
                    cursor = self._conn.execute(
                        f"INSERT OR IGNORE INTO battles ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})",
                        row)
                    added += cursor.rowcount
        return added

    # --- reading -----------------------------------------------------------------------------

    def export_battles(self, voted_only: bool = True) -> list[dict]:
        """Battles in the public format (`ragarena.battles`), oldest first; no key or token ever.

        Keys: model_a, model_b, winner, tstamp (vote time, or serving time when not voted),
        question, answer_a, answer_b, conversation, passage_ids, mode, battle_id, session_hash
        (anonymized), served_tstamp, timings; plus reasons / excluded / excluded_reason / user_hash
        (salted digest of a signed-in user) when set. The IP digest is never exported.
        With ``voted_only=False`` unvoted battles come too, with ``winner`` None.
        """
        where = "WHERE winner IS NOT NULL" if voted_only else ""
        with self._lock:
            rows = self._conn.execute(
                f"SELECT {', '.join(_COLUMNS)} FROM battles {where} "
                "ORDER BY COALESCE(voted_at, served_at), id").fetchall()
        return [self._export_row(row) for row in rows]

    def get_battle(self, battle_id: str) -> dict | None:
        with self._lock:
            row = self._battle_row(battle_id)
        return self._export_row(row) if row else None

    def _battle_row(self, battle_id: str):
        """The battle's `_COLUMNS` row, None if unknown (caller holds the lock)."""
        return self._conn.execute(f"SELECT {', '.join(_COLUMNS)} FROM battles WHERE id = ?", (battle_id,)).fetchone()

    def count_votes(self) -> int:
        with self._lock:
            return self._conn.execute("SELECT COUNT(*) FROM battles WHERE winner IS NOT NULL").fetchone()[0]

    def count_battles(self) -> int:
        with self._lock:
            return self._conn.execute("SELECT COUNT(*) FROM battles").fetchone()[0]

    def last_vote_time(self) -> float | None:
        """Epoch seconds of the latest vote, None when there is none."""
        with self._lock:
            return self._conn.execute("SELECT MAX(voted_at) FROM battles WHERE winner IS NOT NULL").fetchone()[0]

    @staticmethod
    def _export_row(row) -> dict:
        data = dict(zip(_COLUMNS, row))
        record = {
            "model_a": data["model_a"], "model_b": data["model_b"], "winner": data["winner"],
            "tstamp": data["voted_at"] if data["voted_at"] is not None else data["served_at"],
            "question": data["question"], "answer_a": data["answer_a"], "answer_b": data["answer_b"],
            "conversation": json.loads(data["conversation"]), "passage_ids": json.loads(data["passage_ids"]),
            "mode": data["mode"], "battle_id": data["id"], "session_hash": data["session_hash"],
            "served_tstamp": data["served_at"], "timings": json.loads(data["timings"]),
        }
        if data["reasons"] is not None:
            record["reasons"] = json.loads(data["reasons"])
        if data["excluded_reason"] is not None:
            record["excluded"] = True
            record["excluded_reason"] = data["excluded_reason"]
        if data["user_hash"] is not None:
            record["user_hash"] = data["user_hash"]  # a salted digest; the IP digest is never exported
        return record


class VoteSharer:
    """Appends each vote (export format, one JSON line) to a folder a CommitScheduler pushes to the Hub."""

    def __init__(self, scheduler: Any, folder: Path):
        self.scheduler = scheduler
        self.folder = Path(folder)
        # One file per process, as the huggingface_hub guide advises: replicas never write the same file.
        self.file = self.folder / f"votes-{uuid.uuid4().hex}.jsonl"

    def share(self, battle: dict) -> None:
        line = json.dumps(battle, ensure_ascii=False, default=str) + "\n"
        try:
            with self.scheduler.lock:  # the scheduler reads the folder under this lock
                with self.file.open("a", encoding="utf-8") as handle:
                    handle.write(line)
        except Exception as error:  # sharing must never lose or block the local vote
            print(f"Aviso: no se pudo preparar el voto para el Hub ({type(error).__name__}).", file=sys.stderr)


def sharer_from_env(data_dir: Path, scheduler_factory: Callable[..., Any] | None = None) -> VoteSharer | None:
    """A `VoteSharer` when RAGARENA_VOTES_REPO and HF_TOKEN are set, else None.

    The scheduler pushes `data_dir/votes_hub` to the dataset repository every
    RAGARENA_VOTES_EVERY minutes (default 5). If it cannot start (no network, bad token), votes are
    kept locally only and a warning that never includes the token is printed.
    """
    repo, token = settings.raw("RAGARENA_VOTES_REPO"), settings.raw("HF_TOKEN")
    if not repo or not token:
        return None
    every = settings.votes_every()
    folder = Path(data_dir) / "votes_hub"
    if scheduler_factory is None:
        from huggingface_hub import CommitScheduler as scheduler_factory
    try:
        folder.mkdir(parents=True, exist_ok=True)
        scheduler = scheduler_factory(repo_id=repo, repo_type="dataset", folder_path=folder, token=token,
                                      every=every, path_in_repo="votes")
    except Exception as error:
        message = str(error).replace(token, "***")[:300]
        print(f"Aviso: los votos no se compartirán en {repo} ({type(error).__name__}: {message}); "
              "se guardan solo en local.", file=sys.stderr)
        return None
    return VoteSharer(scheduler, folder)


@contextmanager
def immediate_transaction(conn: sqlite3.Connection):
    """BEGIN IMMEDIATE (the write lock at once, so concurrent writers queue instead of failing
    half-way) ... COMMIT; any error rolls back. The caller holds the store's thread lock."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException:
        try:
            conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass  # the transaction was already gone (a failed COMMIT rolls back by itself)
        raise


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _number(value: Any, where: str, key: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise UserError(f"{where}: '{key}' debe ser un número (segundos desde 1970).")
    return float(value)


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
