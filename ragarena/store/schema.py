"""The vote database's schema (SQLAlchemy Core), its version and its migrations, for SQLite and PostgreSQL.

Both stores (`ragarena.arena.votes.VoteStore`, `ragarena.answer_ratings.store.AnswerRatings`) use these tables;
`ragarena.store.db.Database` opens the database and calls `migrate` before anything else. The
version lives in the table ``ragarena_schema`` on both backends (on SQLite it is mirrored in
``PRAGMA user_version``, with ``PRAGMA application_id``, so a file is recognised as ours and an
older RAG Arena refuses a newer file).

History: 1 battles; 2 + chat_answers, answer_ratings (versions 1 and 2 were SQLite only);
3 + an insertion order column ``seq`` (SQLite: the rowid) in battles and chat_answers, the
``rating_events`` log behind the ratings-per-minute limit, voter indexes and ``ragarena_schema``.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ragarena.core.battles import WINNERS

SCHEMA_VERSION = 3
# PRAGMA application_id of a RAG Arena SQLite vote database ("RAGA"): tells ours from other SQLite files.
APPLICATION_ID = 0x52414741

metadata = sa.MetaData()
# SQLite makes an INTEGER PRIMARY KEY the rowid (insertion order, no extra storage); PostgreSQL a BIGINT identity.
_Seq = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

battles = sa.Table(
    "battles",
    metadata,
    sa.Column("seq", _Seq, primary_key=True, autoincrement=True),
    sa.Column("id", sa.Text, nullable=False, unique=True),
    sa.Column("served_at", sa.Float, nullable=False),
    sa.Column("session_hash", sa.Text, nullable=False),
    sa.Column("question", sa.Text, nullable=False),
    sa.Column("conversation", sa.Text, nullable=False, server_default="[]"),
    sa.Column("passage_ids", sa.Text, nullable=False, server_default="[]"),
    sa.Column("model_a", sa.Text, nullable=False),
    sa.Column("model_b", sa.Text, nullable=False),
    sa.Column("answer_a", sa.Text, nullable=False),
    sa.Column("answer_b", sa.Text, nullable=False),
    sa.Column("timings", sa.Text, nullable=False, server_default="{}"),
    sa.Column("mode", sa.Text, sa.CheckConstraint("mode IN ('anonymous', 'named')"), nullable=False),
    sa.Column(
        "winner",
        sa.Text,
        sa.CheckConstraint("winner IS NULL OR winner IN (" + ", ".join(f"'{w}'" for w in WINNERS) + ")"),
    ),
    sa.Column("voted_at", sa.Float),
    sa.Column("reasons", sa.Text),
    sa.Column("excluded_reason", sa.Text),
    sa.Column("user_hash", sa.Text),
    sa.Column("ip_hash", sa.Text),
)
_voted = battles.c.winner.isnot(None)
sa.Index("battles_session_votes", battles.c.session_hash, battles.c.voted_at)
sa.Index("battles_votes", battles.c.voted_at, sqlite_where=_voted, postgresql_where=_voted)
# The daily caps count a voter's votes of the last 24 h by IP and by signed-in user.
sa.Index("battles_ip_votes", battles.c.ip_hash, battles.c.voted_at, sqlite_where=_voted, postgresql_where=_voted)
sa.Index("battles_user_votes", battles.c.user_hash, battles.c.voted_at, sqlite_where=_voted, postgresql_where=_voted)

chat_answers = sa.Table(
    "chat_answers",
    metadata,
    sa.Column("seq", _Seq, primary_key=True, autoincrement=True),
    sa.Column("id", sa.Text, nullable=False, unique=True),
    sa.Column("served_at", sa.Float, nullable=False),
    sa.Column("session_hash", sa.Text, nullable=False),
    sa.Column("model", sa.Text, nullable=False),
    sa.Column("question", sa.Text, nullable=False),
    sa.Column("conversation", sa.Text, nullable=False, server_default="[]"),
    sa.Column("passage_ids", sa.Text, nullable=False, server_default="[]"),
    sa.Column("answer", sa.Text, nullable=False),
)
sa.Index("chat_answers_session", chat_answers.c.session_hash, chat_answers.c.served_at)

answer_ratings = sa.Table(
    "answer_ratings",
    metadata,
    sa.Column("answer_id", sa.Text, sa.ForeignKey("chat_answers.id"), primary_key=True),
    sa.Column("session_hash", sa.Text, nullable=False),
    *[
        sa.Column(name, sa.Integer, sa.CheckConstraint(f"{name} BETWEEN 1 AND 5"), nullable=False)
        for name in ("answer_relevance", "context_relevance", "groundedness")
    ],
    sa.Column("comment", sa.Text),
    sa.Column("first_rated_at", sa.Float, nullable=False),
    sa.Column("rated_at", sa.Float, nullable=False),
    sa.Column("revisions", sa.Integer, nullable=False, server_default="1"),
)
sa.Index("answer_ratings_time", answer_ratings.c.rated_at)

# One row per accepted rating (new or updated): the per-minute limit counts them, whichever replica took them.
rating_events = sa.Table(
    "rating_events",
    metadata,
    sa.Column("session_hash", sa.Text, nullable=False),
    sa.Column("rated_at", sa.Float, nullable=False),
)
sa.Index("rating_events_session", rating_events.c.session_hash, rating_events.c.rated_at)

schema_table = sa.Table("ragarena_schema", metadata, sa.Column("version", sa.Integer, nullable=False))

OUR_TABLES = frozenset(metadata.tables)


def stored_version(conn: Connection) -> int:
    """The schema version of the database (0: none of our tables yet)."""
    names = set(sa.inspect(conn).get_table_names())
    if schema_table.name in names:
        return int(conn.execute(sa.select(sa.func.max(schema_table.c.version))).scalar() or 0)
    if conn.dialect.name == "sqlite" and names & OUR_TABLES:  # versions 1 and 2 kept it only here
        return int(conn.exec_driver_sql("PRAGMA user_version").scalar() or 0)
    return 0


def migrate(conn: Connection, version: int) -> None:
    """Bring the database from `version` to `SCHEMA_VERSION` inside the caller's transaction.

    A new database gets every table at once; an older one gains what it lacks. Nothing is ever
    dropped but the old copy of a table rebuilt with its rows.
    """
    if version == 0:
        metadata.create_all(conn)
    else:
        if version < 2:
            for table in (chat_answers, answer_ratings):
                table.create(conn, checkfirst=True)
        if version < 3:
            for table in (battles, chat_answers):
                if "seq" not in {c["name"] for c in sa.inspect(conn).get_columns(table.name)}:
                    _rebuild_with_seq(conn, table)
            metadata.create_all(conn, checkfirst=True)
            for index in battles.indexes:
                index.create(conn, checkfirst=True)
    conn.execute(schema_table.delete())
    conn.execute(schema_table.insert().values(version=SCHEMA_VERSION))
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(f"PRAGMA application_id = {APPLICATION_ID}")
        conn.exec_driver_sql(f"PRAGMA user_version = {SCHEMA_VERSION}")


def _rebuild_with_seq(conn: Connection, table: sa.Table) -> None:
    """SQLite's way to change a table (new table, copy, drop, rename): adds ``seq`` = the old rowid.

    Only versions 1-2 lack ``seq``, and they were SQLite only, so ``rowid`` is there to copy.
    """
    new = table.to_metadata(sa.MetaData(), name=f"new_{table.name}")
    old_columns = {c["name"] for c in sa.inspect(conn).get_columns(table.name)}
    columns = [c.name for c in table.columns if c.name in old_columns]
    conn.execute(sa.schema.CreateTable(new))  # the indexes come after the rename, under their own names
    listed = ", ".join(columns)
    conn.exec_driver_sql(f"INSERT INTO new_{table.name} (seq, {listed}) SELECT rowid, {listed} FROM {table.name}")
    conn.exec_driver_sql(f"DROP TABLE {table.name}")
    conn.exec_driver_sql(f"ALTER TABLE new_{table.name} RENAME TO {table.name}")
    for index in table.indexes:
        index.create(conn, checkfirst=True)
