"""What the vote and rating stores refuse, and the one-way digest they store for a visitor's session:
shared by the Arena's votes and the Chat's 1-5 ratings."""

from __future__ import annotations

import hashlib

from ragarena.core.errors import UserError
from ragarena.core.question_check import question_problem


class VoteRejected(UserError):
    """The server refused a vote or a question; the message (a Spanish `ragarena.core.i18n.Text`, which
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
