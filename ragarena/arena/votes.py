"""The arena's vote store and the rules the server enforces on votes.

One row per battle: the question, the two answers, the models behind them and, once the
user has voted, the winner in the public format of `ragarena.core.battles`
(``model_a``/``model_b``/``tie``/``tie (bothbad)``).

Storage: `RAGARENA_DB` is a SQLite file (default) or a PostgreSQL URL; both go through the one
SQLAlchemy code path of `ragarena.store.db` with the tables of `ragarena.store.schema`, opened
(checked, created or migrated) by `ragarena.store.open`.

Durability and safety:

* a vote acknowledged to the user (``vote`` returned) is committed durably: SQLite in WAL mode
  with ``synchronous=FULL``, PostgreSQL with ``synchronous_commit=on``;
* the rules below are enforced by the database inside the vote's transaction, so they hold
  across threads, processes and replicas: SQLite's ``BEGIN IMMEDIATE`` write lock; on
  PostgreSQL the battle's row lock (``FOR UPDATE``) and advisory locks on the voter's session,
  IP digest and user digest;
* a SQLite file is checked read-only before anything is written (`ragarena.store.open`).

Rules (refusals raise `VoteRejected`, whose message is shown to the user):

* a vote must name a battle served to the same session, and a battle takes one vote;
* a session may vote at most ``RAGARENA_VOTES_PER_MINUTE`` times a minute (default 20);
* at most ``RAGARENA_VOTES_PER_DAY`` votes (default 200) in 24 hours per session and per IP
  address (``ip_hash``, salted digest), or per Hugging Face user when signed in (``user_hash``);
  see `ragarena.arena.voters`;
* a vote on a round in which an answer names its model or provider is kept but excluded from
  the ratings (``excluded_reason``; `ragarena.arena.hygiene`), as are, later, the votes of voters the
  sequential test flags (`exclude`); nothing is ever deleted;
* the reasons of a vote (`set_reasons`, `ragarena.arena.reasons`) are accepted from the session that
  voted, for its latest battle only (until its next round), and may be changed until then;
* a question must pass `ragarena.core.question_check.question_problem` (length, markup).

Sharing: with ``RAGARENA_VOTES_REPO`` and ``HF_TOKEN`` set, every vote is also appended as a
JSON line (export format) to a folder that a `huggingface_hub.CommitScheduler` pushes to that
dataset repository (`ragarena.arena.vote_sharing`).
"""

from __future__ import annotations

import json
import os
import secrets
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import sqlalchemy as sa

from ragarena import settings
from ragarena.arena.battle_rows import SELECT, RowReader, UnreadableRow, dumps, record_from_row, row_from_record
from ragarena.arena.hygiene import battle_identity_leak
from ragarena.arena.reasons import check_reasons
from ragarena.arena.vote_sharing import VoteSharer
from ragarena.core.battles import ANONYMOUS, MODES, WINNERS
from ragarena.core.errors import UserError
from ragarena.core.i18n import _
from ragarena.core.refusals import VoteRejected, anonymize_session, check_question
from ragarena.store.db import Database, voter_keys
from ragarena.store.open import open_database
from ragarena.store.schema import APPLICATION_ID, SCHEMA_VERSION, battles  # noqa: F401 (re-exported)

DAY_S = 24 * 3600.0
#: The refusal when the battle voted on is a stored row that is not a battle (`battle_rows.row_problem`).
UNREADABLE_BATTLE = _(
    "Ese combate está guardado de forma no válida y no se puede votar; no se ha contado el voto. "
    "Haz una pregunta nueva para otra ronda."
)


class VoteStore:
    """Battles and votes in a SQLite file or a PostgreSQL database (`RAGARENA_DB`); safe to share between
    threads, processes and replicas. ``path`` names it for people: the file, or the URL without its password."""

    def __init__(
        self,
        path: str | os.PathLike,
        *,
        votes_per_minute: int | None = None,
        sharer: VoteSharer | None = None,
        create: bool = True,
        clock: Callable[[], float] = time.time,
        votes_per_day: int | None = None,
    ):
        self.votes_per_minute = votes_per_minute if votes_per_minute is not None else settings.votes_per_minute()
        self.votes_per_day = votes_per_day if votes_per_day is not None else settings.votes_per_day()
        self.sharer = sharer
        self.clock = clock
        self.db: Database = open_database(path, create=create)
        self.path = Path(path) if self.db.url is None else self.db.display
        self.reader = RowReader()  # sets aside (counts, logs once) rows that are not battles

    def close(self) -> None:
        self.db.close()

    # --- writing -----------------------------------------------------------------------------

    def record_battle(
        self,
        *,
        session_hash: str,
        question: str,
        model_a: str,
        model_b: str,
        answer_a: str,
        answer_b: str,
        mode: str = ANONYMOUS,
        conversation: list | None = None,
        passage_ids: list[str] | None = None,
        timings: dict | None = None,
        served_at: float | None = None,
    ) -> str:
        """Store a battle whose two answers are complete; returns its new (unguessable) id."""
        if not session_hash:
            raise VoteRejected(_("No se reconoce la sesión; recarga la página."))
        question = check_question(question)
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
        if model_a == model_b:
            raise ValueError("a battle needs two different models")
        battle_id = secrets.token_hex(16)
        with self.db.write() as conn:
            conn.execute(
                battles.insert().values(
                    id=battle_id,
                    served_at=served_at if served_at is not None else self.clock(),
                    session_hash=anonymize_session(session_hash),
                    question=question,
                    conversation=dumps(conversation or []),
                    passage_ids=dumps(list(passage_ids or [])),
                    model_a=model_a,
                    model_b=model_b,
                    answer_a=answer_a,
                    answer_b=answer_b,
                    timings=dumps(timings or {}),
                    mode=mode,
                )
            )
        return battle_id

    def vote(
        self,
        battle_id: str,
        session_hash: str,
        winner: str,
        *,
        user_hash: str | None = None,
        ip_hash: str | None = None,
    ) -> dict:
        """Record the vote of `session_hash` on `battle_id`; returns the battle (export format).

        Raises `VoteRejected` for an unknown winner, a battle not served to this session, a battle
        already voted, a session over its votes-per-minute limit, or a voter over the daily cap
        (`user_hash` when signed in, else the session and `ip_hash`; see `ragarena.arena.voters`). A
        round whose answers name their model is stored with an ``excluded_reason``. Once this
        returns, the vote is committed durably.
        """
        if winner not in WINNERS:
            raise VoteRejected(_("Voto no válido: elige A, B, empate o ambas son malas."))
        if not battle_id or not session_hash:
            raise VoteRejected(_("No hay ningún combate que votar en esta sesión; haz una pregunta primero."))
        session = anonymize_session(session_hash)
        with self.db.write() as conn:
            row = conn.execute(
                sa.select(
                    battles.c.session_hash,
                    battles.c.winner,
                    battles.c.answer_a,
                    battles.c.answer_b,
                    battles.c.conversation,
                    battles.c.excluded_reason,
                )
                .where(battles.c.id == battle_id)
                .with_for_update()
            ).first()
            if row is None or row.session_hash != session:
                raise VoteRejected(_("Ese combate no existe o no se sirvió en esta sesión; no se ha contado el voto."))
            if row.winner is not None:
                raise VoteRejected(_("Ya has votado en este combate: solo se admite un voto por combate."))
            # Everything counted below is this voter's: other transactions that count it wait here
            # (the session's minute; the day per user when signed in, else per session and IP).
            self.db.lock_keys(
                conn, *voter_keys(("session", session), ("user", user_hash), ("ip", None if user_hash else ip_hash))
            )
            now = self.clock()
            recent = self._count_votes(conn, battles.c.session_hash, session, now - 60.0)
            if recent >= self.votes_per_minute:
                raise VoteRejected(
                    _(
                        "Has votado {recent} veces en el último minuto (máximo {limit}); "
                        "espera un poco antes de volver a votar.",
                        recent=recent,
                        limit=self.votes_per_minute,
                    )
                )
            self._check_daily_cap(conn, session, ip_hash, user_hash, now)
            try:
                leak = battle_identity_leak(
                    {"answer_a": row.answer_a, "answer_b": row.answer_b, "conversation": json.loads(row.conversation)}
                )
                conn.execute(
                    battles.update()
                    .where(battles.c.id == battle_id, battles.c.winner.is_(None))
                    .values(
                        winner=winner,
                        voted_at=now,
                        user_hash=user_hash,
                        ip_hash=ip_hash,
                        excluded_reason=row.excluded_reason or leak,
                    )
                )
                battle = record_from_row(self._battle_row(conn, battle_id))
            except (UnreadableRow, ValueError):  # a row broken by hand: the vote is rolled back with the rest
                raise VoteRejected(UNREADABLE_BATTLE) from None
        if self.sharer is not None:
            self.sharer.share(battle)
        return battle

    @staticmethod
    def _count_votes(conn, column, value: str, since: float) -> int:
        return conn.execute(
            sa.select(sa.func.count())
            .select_from(battles)
            .where(battles.c.winner.isnot(None), battles.c.voted_at > since, column == value)
        ).scalar()

    def _check_daily_cap(self, conn, session: str, ip_hash: str | None, user_hash: str | None, now: float) -> None:
        """`VoteRejected` when the voter has used up `votes_per_day` in the last 24 hours.

        Signed in, the cap is per user (whatever the session or connection); otherwise it is per
        session and per IP address, so a new tab does not reset it.
        """
        cap, since = self.votes_per_day, now - DAY_S
        if user_hash:
            if self._count_votes(conn, battles.c.user_hash, user_hash, since) >= cap:
                raise VoteRejected(
                    _(
                        "Has llegado al máximo de {cap} votos en 24 horas con tu cuenta; "
                        "gracias por participar, vuelve mañana.",
                        cap=cap,
                    )
                )
            return
        if self._count_votes(conn, battles.c.session_hash, session, since) >= cap:
            raise VoteRejected(
                _(
                    "Has llegado al máximo de {cap} votos en 24 horas en esta sesión; "
                    "gracias por participar, vuelve mañana.",
                    cap=cap,
                )
            )
        if ip_hash and self._count_votes(conn, battles.c.ip_hash, ip_hash, since) >= cap:
            raise VoteRejected(
                _(
                    "Se ha llegado al máximo de {cap} votos en 24 horas desde esta conexión; "
                    "vuelve mañana o inicia sesión con tu cuenta de Hugging Face si la hay.",
                    cap=cap,
                )
            )

    def check_daily_cap(self, session_hash: str, *, ip_hash: str | None = None, user_hash: str | None = None) -> None:
        """`VoteRejected` when this voter could not vote now because of the daily cap (the arena
        asks before serving a round, so no model answers a round that could not be voted)."""
        with self.db.read() as conn:
            self._check_daily_cap(conn, anonymize_session(session_hash or ""), ip_hash, user_hash, self.clock())

    def set_reasons(self, battle_id: str | None, session_hash: str | None, reasons: Iterable) -> dict:
        """Store why the session voted as it did (`ragarena.arena.reasons`); returns the battle (export format).

        Only the session the battle was served to, only once it has voted, and only for its latest
        battle: a new round closes the previous one. Until then the reasons may be changed (the last
        call wins; an empty list clears them). Refusals raise `VoteRejected`.
        """
        if not battle_id or not session_hash:
            raise VoteRejected(_("No hay ningún voto al que añadir motivos; vota primero."))
        if isinstance(reasons, str) or not isinstance(reasons, Iterable):
            raise VoteRejected(_("Los motivos deben ser una lista."))
        reasons = list(reasons)
        session = anonymize_session(session_hash)
        with self.db.write() as conn:
            row = conn.execute(
                sa.select(battles.c.session_hash, battles.c.winner).where(battles.c.id == battle_id).with_for_update()
            ).first()
            if row is None or row.session_hash != session:
                raise VoteRejected(_("Ese combate no existe o no se sirvió en esta sesión; no se guardan los motivos."))
            if row.winner is None:
                raise VoteRejected(_("Vota primero; los motivos acompañan al voto."))
            latest = conn.execute(
                sa.select(battles.c.id)
                .where(battles.c.session_hash == session)
                .order_by(battles.c.served_at.desc(), battles.c.seq.desc())
                .limit(1)
            ).scalar()
            if latest != battle_id:
                raise VoteRejected(_("Esa ronda ya terminó: los motivos solo se pueden dar hasta la ronda siguiente."))
            try:
                checked = check_reasons(row.winner, reasons)
            except UserError as error:  # keeps the message's translations (a single `Text` argument)
                raise VoteRejected(*(error.args if len(error.args) == 1 else (str(error),))) from None
            conn.execute(
                battles.update().where(battles.c.id == battle_id).values(reasons=dumps(checked) if checked else None)
            )
            try:
                battle = record_from_row(self._battle_row(conn, battle_id))
            except UnreadableRow:  # a row broken by hand: the reasons are rolled back
                raise VoteRejected(UNREADABLE_BATTLE) from None
        return battle

    def exclude(self, exclusions: dict[str, str]) -> int:
        """Mark voted battles as excluded from the ratings (battle id -> reason); never deletes.

        A battle already excluded keeps its first reason. Returns how many were marked now.
        """
        marked = 0
        with self.db.write() as conn:
            for battle_id, reason in exclusions.items():
                marked += conn.execute(
                    battles.update()
                    .where(
                        battles.c.id == battle_id,
                        battles.c.excluded_reason.is_(None),
                        battles.c.winner.isnot(None),
                    )
                    .values(excluded_reason=str(reason))
                ).rowcount
        return marked

    def import_battles(self, records: Iterable[dict]) -> int:
        """Add voted battles in the public format; returns how many were new.

        Idempotent: a record with `battle_id` already stored is skipped; a record without one gets
        an id derived from its position and content (`battles.import_id`), so identical records are
        all kept and importing the same list twice adds nothing.
        """
        rows = [row_from_record(record, index + 1, self.clock()) for index, record in enumerate(records)]
        added = 0
        with self.db.write() as conn:
            for row in rows:
                # RETURNING says whether the row went in (rowcount is not reliable with ON CONFLICT everywhere).
                added += len(
                    conn.execute(
                        self.db.insert(battles)
                        .values(**row)
                        .on_conflict_do_nothing(index_elements=["id"])
                        .returning(battles.c.id)
                    ).all()
                )
        return added

    # --- reading -----------------------------------------------------------------------------

    def export_battles(self, voted_only: bool = True) -> list[dict]:
        """Battles in the public format (`ragarena.core.battles`), oldest first; no key or token ever.

        Keys: model_a, model_b, winner, tstamp (vote time, or serving time when not voted),
        question, answer_a, answer_b, conversation, passage_ids, mode, battle_id, session_hash
        (anonymized), served_tstamp, timings; plus reasons / excluded / excluded_reason / user_hash
        (salted digest of a signed-in user) when set. The IP digest is never exported.
        With ``voted_only=False`` unvoted battles come too, with ``winner`` None. The order is the
        same on every backend (so a copied store rates the same). A row that is not a battle (hand-made,
        or from an older version) is left out, counted in ``self.reader.unreadable`` and logged once.
        """
        query = SELECT.order_by(
            sa.func.coalesce(battles.c.voted_at, battles.c.served_at), self.db.text_order(battles.c.id)
        )
        if voted_only:
            query = query.where(battles.c.winner.isnot(None))
        with self.db.read() as conn:
            rows = conn.execute(query).all()
        return self.reader.records(rows)

    def get_battle(self, battle_id: str) -> dict | None:
        """The battle (export format); None when unknown or unreadable."""
        with self.db.read() as conn:
            row = self._battle_row(conn, battle_id)
        records = self.reader.records([row] if row else [], count=False)
        return records[0] if records else None

    @staticmethod
    def _battle_row(conn, battle_id: str):
        """The battle's row (`battle_rows.COLUMNS`), None if unknown."""
        return conn.execute(SELECT.where(battles.c.id == battle_id)).first()

    def count_votes(self) -> int:
        with self.db.read() as conn:
            return conn.execute(
                sa.select(sa.func.count()).select_from(battles).where(battles.c.winner.isnot(None))
            ).scalar()

    def count_battles(self) -> int:
        with self.db.read() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(battles)).scalar()

    def last_vote_time(self) -> float | None:
        """Epoch seconds of the latest vote, None when there is none."""
        with self.db.read() as conn:
            return conn.execute(sa.select(sa.func.max(battles.c.voted_at)).where(battles.c.winner.isnot(None))).scalar()
