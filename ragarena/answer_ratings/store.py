"""The store of people's 1-5 ratings of Chat answers on the study's three criteria.

Storage: the tables ``chat_answers``, ``answer_ratings`` and ``rating_events`` of the arena's
vote database (`ragarena.store.schema`; an older database gains them when it is opened).
`AnswerRatings` uses the `VoteStore`'s `ragarena.store.db.Database` (SQLite or PostgreSQL), so it
follows the same rules: a rating acknowledged to the user is committed durably, and the checks
below run inside the rating's transaction, serialised by the database across replicas. It sits
beside the vote store because it shares its database, its session anonymisation and its
`VoteRejected` refusals.

* Every answer the Chat tab completes is recorded (`AnswerRatings.record_answer`) with the
  model, the question, the conversation so far, the ids of the passages the model saw, the
  answer, the anonymised session (`ragarena.core.refusals.anonymize_session`) and the time. Its id is
  unguessable and lives in the session's server-side ``gr.State``.
* A rating (`AnswerRatings.rate`) gives each criterion an integer from 1 to 5 (all three are
  required) and an optional comment. One rating per answer: sending again updates it (the
  ``revisions`` count grows) until the user moves on.

Rules (refusals raise `VoteRejected`, whose Spanish message is shown to the user):

* the answer must have been produced by the server for the same session, and be that
  session's latest answer (asking the next question ends the chance to rate the previous one);
* what a rating holds (`ragarena.answer_ratings.rules`): each criterion an integer from 1 to 5,
  the comment plain text of at most `MAX_COMMENT` characters;
* a session may send at most ``RAGARENA_RATINGS_PER_MINUTE`` ratings (new or updated) a minute
  (default 20), counted in the database (``rating_events``), so across replicas.

`export_ratings` / `import_ratings` and `write_ratings` / `read_ratings` are the JSON Lines format
of ``export-ratings`` and ``import-ratings``. Their statistics are in `ragarena.answer_ratings.stats`,
their agreement with the LLM judge in `ragarena.answer_ratings.judge_agreement`.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from ragarena import settings
from ragarena.answer_ratings.rules import check_scores, clean_comment
from ragarena.arena.votes import VoteStore
from ragarena.core.battle_checks import time_problem, unstorable_problem
from ragarena.core.criteria import CRITERIA
from ragarena.core.errors import UserError
from ragarena.core.i18n import _, join_text
from ragarena.core.jsonl import parse_json_lines, write_json_lines
from ragarena.core.refusals import VoteRejected, anonymize_session, check_question
from ragarena.store.db import voter_keys
from ragarena.store.schema import answer_ratings, chat_answers, rating_events

RATING_TIMES = ("served_tstamp", "first_tstamp", "tstamp")  # seconds since 1970, checked as a battle's times

_ANSWER_COLUMNS = ("id", "served_at", "session_hash", "model", "question", "conversation", "passage_ids", "answer")
_RATING_COLUMNS = (
    "answer_relevance",
    "context_relevance",
    "groundedness",
    "comment",
    "first_rated_at",
    "rated_at",
    "revisions",
)


def conversation_turns(history: Iterable | None) -> list[dict]:
    """Earlier turns as ``[{"question", "answer"}]`` from (question, answer) pairs or such dicts."""
    turns = []
    for turn in history or []:
        if isinstance(turn, Mapping):
            turns.append({"question": str(turn.get("question", "")), "answer": str(turn.get("answer", ""))})
        else:
            question, answer = turn
            turns.append({"question": str(question), "answer": str(answer)})
    return turns


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


# ---------------------------------------------------------------------------------------
# The store


class AnswerRatings:
    """Chat answers and their ratings, in the tables of a `VoteStore`'s database (`VoteStore.db`)."""

    def __init__(
        self, store: VoteStore, *, ratings_per_minute: int | None = None, clock: Callable[[], float] | None = None
    ):
        self.store = store
        self.ratings_per_minute = (
            ratings_per_minute if ratings_per_minute is not None else settings.ratings_per_minute()
        )
        self.clock = clock or store.clock
        self.db = store.db

    def record_answer(
        self,
        *,
        session_hash: str,
        model: str,
        question: str,
        answer: str,
        conversation: Iterable | None = None,
        passage_ids: Sequence[str] | None = None,
        served_at: float | None = None,
    ) -> str:
        """Store an answer the Chat tab produced; returns its new (unguessable) id."""
        if not session_hash:
            raise VoteRejected(_("No se reconoce la sesión; recarga la página."))
        if not model:
            raise ValueError("an answer needs the model that produced it")
        question = check_question(question)
        answer_id = secrets.token_hex(16)
        with self.db.write() as conn:
            conn.execute(
                chat_answers.insert().values(
                    id=answer_id,
                    served_at=served_at if served_at is not None else self.clock(),
                    session_hash=anonymize_session(session_hash),
                    model=model,
                    question=question,
                    conversation=_dumps(conversation_turns(conversation)),
                    passage_ids=_dumps([str(p) for p in passage_ids or []]),
                    answer=str(answer or ""),
                )
            )
        return answer_id

    def rate(
        self,
        answer_id: str | None,
        session_hash: str | None,
        scores: Mapping[str, Any] | None,
        comment: str | None = None,
    ) -> dict:
        """Store (or update) the rating of `session_hash` for `answer_id`; returns it (export format).

        The returned record has ``updated`` True when it replaced an earlier rating. Once this
        returns, the rating is committed durably. Raises `VoteRejected` as the module docstring says.
        """
        clean = check_scores(scores)
        text = clean_comment(comment)
        if not answer_id or not session_hash:
            raise VoteRejected(_("No hay ninguna respuesta que valorar en esta sesión; haz una pregunta primero."))
        session = anonymize_session(session_hash)
        with self.db.write() as conn:
            row = conn.execute(
                sa.select(chat_answers.c.session_hash, chat_answers.c.served_at, chat_answers.c.seq).where(
                    chat_answers.c.id == answer_id
                )
            ).first()
            if row is None or row.session_hash != session:
                raise VoteRejected(
                    _("Esa respuesta no existe o no se produjo en esta sesión; no se ha guardado la valoración.")
                )
            # The session's counts below are serialised across replicas (SQLite: BEGIN IMMEDIATE already).
            self.db.lock_keys(conn, *voter_keys(("session", session)))
            later = conn.execute(
                sa.select(chat_answers.c.id)
                .where(
                    chat_answers.c.session_hash == session,
                    sa.or_(
                        chat_answers.c.served_at > row.served_at,
                        sa.and_(chat_answers.c.served_at == row.served_at, chat_answers.c.seq > row.seq),
                    ),
                )
                .limit(1)
            ).first()
            if later is not None:
                raise VoteRejected(_("Ya has hecho otra pregunta: solo se puede valorar la última respuesta."))
            now = self.clock()
            recent = conn.execute(
                sa.select(sa.func.count())
                .select_from(rating_events)
                .where(rating_events.c.session_hash == session, rating_events.c.rated_at > now - 60.0)
            ).scalar()
            if recent >= self.ratings_per_minute:
                raise VoteRejected(
                    _(
                        "Has enviado {count} valoraciones en el último minuto (máximo {limit}); "
                        "espera un poco antes de volver a valorar.",
                        count=recent,
                        limit=self.ratings_per_minute,
                    )
                )
            updated = (
                conn.execute(
                    sa.select(answer_ratings.c.answer_id).where(answer_ratings.c.answer_id == answer_id)
                ).first()
                is not None
            )
            insert = self.db.insert(answer_ratings).values(
                answer_id=answer_id, session_hash=session, **clean, comment=text, first_rated_at=now, rated_at=now
            )
            conn.execute(
                insert.on_conflict_do_update(
                    index_elements=["answer_id"],
                    set_={
                        **{c: insert.excluded[c] for c in (*CRITERIA, "comment", "rated_at")},
                        "revisions": answer_ratings.c.revisions + 1,
                    },
                )
            )
            conn.execute(rating_events.insert().values(session_hash=session, rated_at=now))
            # The log only needs the last minute: older entries of this session go now.
            conn.execute(
                rating_events.delete().where(
                    rating_events.c.session_hash == session, rating_events.c.rated_at <= now - 60.0
                )
            )
            record = self._export_row(conn.execute(_SELECT.where(chat_answers.c.id == answer_id)).first())
        return {**record, "updated": updated}

    def import_ratings(self, records: Iterable[Mapping[str, Any]]) -> int:
        """Add rated answers in the export format (`export_ratings`); returns how many ratings were new.

        Idempotent: an answer id already stored is skipped, so a store copied to another backend
        (``export-ratings`` then ``import-ratings``) holds the same ratings, and a second import adds nothing.
        """
        answers, ratings = [], []
        for index, record in enumerate(records):
            where = f"valoración {index + 1}"
            if not isinstance(record, Mapping) or not record.get("answer_id") or not record.get("model"):
                raise UserError(f"{where}: falta 'answer_id' o 'model'.")
            try:
                clean = check_scores(record)
                text = clean_comment(record.get("comment"))
            except VoteRejected as error:
                raise UserError(f"{where}: {error}") from None
            times = [record.get(k) for k in RATING_TIMES]
            if any(isinstance(t, bool) or not isinstance(t, (int, float)) for t in times):
                raise UserError(
                    f"{where}: 'served_tstamp', 'first_tstamp' y 'tstamp' deben ser números (segundos desde 1970)."
                )
            now = self.clock()
            problems = [unstorable_problem(record), *(time_problem(k, t, now) for k, t in zip(RATING_TIMES, times))]
            problem = next((p for p in problems if p), None)  # no NaN, lone surrogate or implausible time
            if problem:
                raise UserError(join_text([where, problem], ": "))
            revisions = record.get("revisions", 1)
            if isinstance(revisions, bool) or not isinstance(revisions, int) or revisions < 1:
                raise UserError(f"{where}: 'revisions' debe ser un entero positivo.")
            answer_id, session = str(record["answer_id"]), str(record.get("session_hash") or "")
            answers.append(
                dict(
                    id=answer_id,
                    served_at=float(times[0]),
                    session_hash=session,
                    model=str(record["model"]),
                    question=str(record.get("question") or ""),
                    conversation=_dumps(conversation_turns(record.get("conversation"))),
                    passage_ids=_dumps([str(p) for p in record.get("passage_ids") or []]),
                    answer=str(record.get("answer") or ""),
                )
            )
            ratings.append(
                dict(
                    answer_id=answer_id,
                    session_hash=session,
                    **clean,
                    comment=text,
                    first_rated_at=float(times[1]),
                    rated_at=float(times[2]),
                    revisions=revisions,
                )
            )
        added = 0
        with self.db.write() as conn:
            for answer_row, rating_row in zip(answers, ratings):
                conn.execute(
                    self.db.insert(chat_answers).values(**answer_row).on_conflict_do_nothing(index_elements=["id"])
                )
                added += len(
                    conn.execute(
                        self.db.insert(answer_ratings)
                        .values(**rating_row)
                        .on_conflict_do_nothing(index_elements=["answer_id"])
                        .returning(answer_ratings.c.answer_id)
                    ).all()
                )
        return added

    # --- reading -----------------------------------------------------------------------------

    def _order(self):
        return answer_ratings.c.first_rated_at, self.db.text_order(answer_ratings.c.answer_id)

    def export_ratings(self) -> list[dict]:
        """Every rating with its answer, oldest first (export format; the session is anonymised).

        Keys: answer_id, model, question, conversation ([{question, answer}]), passage_ids, answer,
        answer_relevance, context_relevance, groundedness (integers 1-5), overall (their mean),
        comment (plain text or None), session_hash, served_tstamp, first_tstamp, tstamp (last change),
        revisions.
        """
        with self.db.read() as conn:
            rows = conn.execute(_SELECT.order_by(*self._order())).all()
        return [self._export_row(row) for row in rows]

    def scores(self) -> list[dict]:
        """Just the model and the three scores of every rating (what the leaderboard needs)."""
        query = (
            sa.select(chat_answers.c.model, *[answer_ratings.c[c] for c in CRITERIA])
            .select_from(_JOINED)
            .order_by(*self._order())
        )
        with self.db.read() as conn:
            rows = conn.execute(query).all()
        return [{"model": row[0], **dict(zip(CRITERIA, row[1:]))} for row in rows]

    def signature(self) -> tuple:
        """Changes whenever a rating is added or updated (for caches)."""
        with self.db.read() as conn:
            return tuple(
                conn.execute(
                    sa.select(
                        sa.func.count(),
                        sa.func.max(answer_ratings.c.rated_at),
                        sa.func.coalesce(sa.func.sum(answer_ratings.c.revisions), 0),
                    )
                ).first()
            )

    def count_ratings(self) -> int:
        with self.db.read() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(answer_ratings)).scalar()

    def count_answers(self) -> int:
        with self.db.read() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(chat_answers)).scalar()

    @staticmethod
    def _export_row(row) -> dict:
        data = dict(zip(_SELECT_COLUMNS, row))
        values = [data[c] for c in CRITERIA]
        return {
            "answer_id": data["id"],
            "model": data["model"],
            "question": data["question"],
            "conversation": json.loads(data["conversation"]),
            "passage_ids": json.loads(data["passage_ids"]),
            "answer": data["answer"],
            **{c: data[c] for c in CRITERIA},
            "overall": round(sum(values) / len(values), 3),
            "comment": data["comment"],
            "session_hash": data["session_hash"],
            "served_tstamp": data["served_at"],
            "first_tstamp": data["first_rated_at"],
            "tstamp": data["rated_at"],
            "revisions": data["revisions"],
        }


_SELECT_COLUMNS = (*_ANSWER_COLUMNS, *_RATING_COLUMNS)
_JOINED = answer_ratings.join(chat_answers, chat_answers.c.id == answer_ratings.c.answer_id)
_SELECT = sa.select(
    *[chat_answers.c[c] for c in _ANSWER_COLUMNS], *[answer_ratings.c[c] for c in _RATING_COLUMNS]
).select_from(_JOINED)


def read_ratings(path: str | os.PathLike) -> list[dict]:
    """Ratings from a JSON Lines file written by `write_ratings` (checked when imported); `UserError` if unreadable."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise UserError(
            f"No se puede leer el archivo de valoraciones {path}: {getattr(error, 'strerror', None) or error}"
        ) from None

    def check(record, where):
        if not isinstance(record, dict):
            raise UserError(f"{where}: se esperaba un objeto JSON.")
        return record

    return parse_json_lines(text, path, check)


def write_ratings(path: str | os.PathLike, records: Iterable[dict]) -> int:
    """Ratings as JSON Lines (UTF-8), written to a sibling and renamed; returns how many."""
    path = Path(path)
    try:
        return write_json_lines(path, records, atomic=True, default=str)
    except OSError as error:
        raise UserError(f"No se puede escribir {path}: {error.strerror or error}") from None
