"""The vote database: one SQLAlchemy Core code path for SQLite and PostgreSQL (`db`), its schema and
migrations (`schema`), and opening a database safely (`open`).

Imports only the top-level helpers and `arena.battles` (the allowed winners, for the schema's
checks); nothing from retrieval, answering, selector, scoring, leaderboard, datasets, ui or commands.
"""
