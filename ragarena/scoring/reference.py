"""Reference answers: the corpus's gold answer and passage for a question the arena was asked.

When an arena question is one of the corpus's (`ragarena.retrieval.corpus.load_conversations`, the file
`config.qa_file()`), the arena shows its gold answer and gold passage, folded, after the vote,
so voters can check themselves.

Matching is on normalised text (`normalize`: case, accents, punctuation and whitespace do
not matter). A question matches a turn of a conversation when the earlier questions of the
round match that conversation's earlier turns, or when the turn is the first of its
conversation (a question that stands on its own). A follow-up such as "¿Y en agosto?" asked
out of its conversation has no reference: its gold answer depends on the earlier turns.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ragarena.answering.safe_markdown import code, literal
from ragarena.core.errors import UserError
from ragarena.core.i18n import _, localize
from ragarena.core.passages import Passage
from ragarena.retrieval.corpus import Conversation, load_conversations


def normalize(text: str) -> str:
    """Lower case, no accents, punctuation as spaces, single spaces: "¿Cuánto   cuesta?" -> "cuanto cuesta"."""
    decomposed = unicodedata.normalize("NFKD", (text or "").lower())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[\W_]+", " ", plain).split())


@dataclass(frozen=True)
class Reference:
    question: str
    answer: str
    context: str  # the gold passage: a literal span of one page ("" when unanswerable)
    answerable: bool
    conversation_id: str
    turn: int  # 1-based
    where: str = ""  # "Page › Section" of the passage holding the context, when found


class ReferenceIndex:
    """Corpus turns by normalised question."""

    def __init__(self, conversations: Iterable[Conversation], passages: Sequence[Passage] = ()):
        self._by_question: dict[str, list[tuple[tuple[str, ...], Reference]]] = {}
        self._passages = list(passages)
        for conversation in conversations:
            prior: list[str] = []
            for number, turn in enumerate(conversation.turns, start=1):
                reference = Reference(
                    turn.question,
                    turn.answer,
                    turn.context,
                    turn.answerable,
                    conversation.id,
                    number,
                    self._where(turn.context),
                )
                self._by_question.setdefault(normalize(turn.question), []).append((tuple(prior), reference))
                prior.append(normalize(turn.question))

    def __len__(self) -> int:
        return sum(len(v) for v in self._by_question.values())

    def _where(self, context: str) -> str:
        context = " ".join(context.split())
        if not context:
            return ""
        for passage in self._passages:
            if context in " ".join(passage.text.split()):
                return passage.title + (f" › {passage.section}" if passage.section else "")
        return ""

    def lookup(self, question: str, prior_questions: Sequence[str] = ()) -> Reference | None:
        """The reference for `question` asked after `prior_questions` in the same round, or None."""
        candidates = self._by_question.get(normalize(question))
        if not candidates:
            return None
        prior = tuple(normalize(q) for q in prior_questions)
        for turns_before, reference in candidates:  # the same conversation so far
            if turns_before == prior:
                return reference
        for turns_before, reference in candidates:  # a question that stands on its own
            if not turns_before:
                return reference
        return None


def load_index(qa_path: str | Path, passages: Sequence[Passage] = ()) -> ReferenceIndex | None:
    """The index of a conversations file; None (with a warning) when it cannot be read."""
    try:
        return ReferenceIndex(load_conversations(qa_path), passages)
    except UserError as error:
        print(f"Aviso: sin respuestas de referencia en la arena ({error})", file=sys.stderr)
        return None


def reference_markdown(reference: Reference | None, language: str | None = None) -> str:
    """The folded panel's text (Markdown, corpus text escaped); "" without a reference.

    Headings in `language` (Spanish by default); the answer and passage are corpus data and stay as written.
    """
    if reference is None:
        return ""
    answer = literal(reference.answer)
    heading = _(
        "**Respuesta de referencia** (conversación {conversation}, turno {turn}):",
        conversation=code(reference.conversation_id),
        turn=reference.turn,
    )
    lines = [localize(heading, language), "", f"> {answer}", ""]
    if reference.answerable and reference.context.strip():
        where = f" ({literal(reference.where)})" if reference.where else ""
        context = literal(" ".join(reference.context.split()))
        lines += [localize(_("**Fragmento de referencia**{where}:", where=where), language), "", f"> {context}"]
    else:
        lines += [
            localize(_("**Fragmento de referencia**: ninguno; la documentación no responde a esta pregunta."), language)
        ]
    return "\n".join(lines)
