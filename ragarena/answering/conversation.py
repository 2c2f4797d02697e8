"""A Chat conversation as the page shows it: the only history an answer is built from.

Nothing about a conversation is kept server-side between questions: the chat endpoint takes
the messages the visitor sees (``[{"role": "user"|"assistant", "content": …}, …]``, content a
string or gradio_client's list of text parts) and turns them back into (question, answer)
pairs with `history_from_messages`. A history it cannot trust (wrong shape, roles out of
order, too long, text no database can store such as a lone surrogate, or one the Chat component
could not read at all: `UnreadableHistory`) is refused with a message instead of being guessed at.

A turn whose answer failed is shown as a warning ("⚠️ …"): it keeps its question (a follow-up
still refers to it) and counts as unanswered. Text in the chat boxes is `safe_markdown.safe`;
`plain` gives back what was written.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ragarena.answering.safe_markdown import plain
from ragarena.core.errors import UserError
from ragarena.core.i18n import _
from ragarena.core.question_check import MAX_QUESTION_CHARS, has_lone_surrogate
from ragarena.retrieval.corpus import load_conversations

MAX_TURNS = 50  # a visitor's conversation is far shorter; more is not a conversation shown on a page
MAX_ANSWER_CHARS = 20_000
FAILED_PREFIX = "⚠️"


def message_text(message: Any) -> str | None:
    """The text of one chat message (a string or a list of text parts); None when it is not text."""
    content = message.get("content") if isinstance(message, dict) else None
    if isinstance(content, str):
        return content
    if isinstance(content, list) and all(isinstance(p, dict) and p.get("type", "text") == "text" for p in content):
        texts = [p.get("text", "") for p in content]
        if all(isinstance(t, str) for t in texts):
            return "".join(texts)
    return None


class UnreadableHistory(list):
    """What the Chat component hands over when the history sent is not a list of messages at all
    (`ragarena.ui.chat_history`): empty, and refused by `history_from_messages`."""


def history_from_messages(messages: Sequence[Any] | None) -> list[tuple[str, str]]:
    """(question, answer) pairs from the shown messages; UserError (a Spanish `Text`) when untrustworthy."""
    untrusted = UserError(
        _("No se puede usar esta conversación (no tiene la forma de la que muestra la página); empieza una nueva.")
    )
    if isinstance(messages, UnreadableHistory):
        raise untrusted
    messages = list(messages or [])
    if len(messages) % 2 or len(messages) > 2 * MAX_TURNS:
        raise untrusted
    pairs = []
    for asked, answered in zip(messages[::2], messages[1::2]):
        question, answer = message_text(asked), message_text(answered)
        if (
            question is None
            or answer is None
            or asked.get("role") != "user"
            or answered.get("role") != "assistant"
            or len(question) > 4 * MAX_QUESTION_CHARS
            or len(answer) > MAX_ANSWER_CHARS
        ):
            raise untrusted
        if has_lone_surrogate(question) or has_lone_surrogate(answer):
            raise UserError(
                _(
                    "La conversación contiene caracteres no válidos (no son texto que se pueda guardar); "
                    "empieza una nueva."
                )
            )
        answer = plain(answer)
        pairs.append((plain(question), "" if answer.lstrip().startswith(FAILED_PREFIX) else answer))
    return pairs


def example_questions(
    qa_path: str | Path, pages: Sequence[str] | None = None, count: int = 4, seed: int = 0
) -> list[str]:
    """A few opening questions of the documentation's conversations (train split preferred), short
    enough to read at a glance, and (given the `pages`' texts) answered by one of them; [] (and a
    note on stderr) when the file is missing or unreadable."""
    try:
        conversations = load_conversations(qa_path)
    except (UserError, OSError) as error:
        print(f"Aviso: sin preguntas de ejemplo ({error})", file=sys.stderr)
        return []
    train = [c for c in conversations if c.split == "train"] or conversations
    openers = [
        c.turns[0].question.strip()
        for c in train
        if c.turns and c.turns[0].answerable and (pages is None or any(c.turns[0].context in page for page in pages))
    ]
    fitting = sorted({q for q in openers if 15 <= len(q) <= 70 and q[:1].isupper()}) or sorted(set(openers))
    return random.Random(seed).sample(fitting, min(count, len(fitting)))
