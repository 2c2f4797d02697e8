"""The vote database: one SQLAlchemy Core code path for SQLite and PostgreSQL (`db`), its schema and
migrations (`schema`), and opening a database safely (`open`).

Layer 3 of the import order (tests/test_layout.py): may import core and settings.
"""
