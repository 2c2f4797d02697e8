"""SFT examples: every turn of a training conversation, with the app's own prompt and retrieval.

The prompt is exactly what the app sends at serving time (`ragarena.answering.prompts.build_messages`):
the passages the app's engine (`train.serving`) returns for the question and the earlier
questions, and the earlier turns as history. Gold (question, answer) pairs are the history,
since that is what a well-behaved model would have said. For an answerable turn the gold
passage must be in the prompt: when retrieval missed it, it replaces the lowest-ranked hit at a
random (seeded) position, so the model never learns that the gold passage sits in one place.
The other hits are the distractors. Unanswerable turns teach `NOT_COVERED_ANSWER` with whatever
retrieval found. Nothing here imports torch: data errors surface before any model is loaded.
"""

from __future__ import annotations

import random
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

from ragarena.answering.engine import Engine
from ragarena.answering.prompts import NOT_COVERED_ANSWER, build_messages
from ragarena.core.errors import UserError
from ragarena.core.passages import Passage
from ragarena.core.text_metrics import context_in_passage
from ragarena.retrieval.corpus import Conversation, load_conversations
from ragarena.retrieval.dense import mode_of
from train.serving import serving_engine
from train.splits import check_splits, parse_splits, squash


@dataclass
class Example:
    """One turn to learn: the prompt's parts, so passages can be dropped to fit max_length."""

    conversation_id: str
    turn: int  # 0-based
    question: str
    history: tuple[tuple[str, str], ...]
    passages: list[Passage]
    gold_ids: frozenset[str]  # passages holding the gold context (empty for unanswerable turns)
    answer: str
    answerable: bool
    gold_inserted: bool = False  # retrieval missed the gold passage and it was put in

    def messages(self, passages: Sequence[Passage] | None = None) -> list[dict[str, str]]:
        return build_messages(self.question, self.passages if passages is None else passages, self.history)

    def record(self, passages: Sequence[Passage] | None = None) -> dict[str, Any]:
        """Conversational prompt-completion record, the format trl's SFTTrainer masks for us."""
        return {
            "prompt": self.messages(passages),
            "completion": [{"role": "assistant", "content": self.answer}],
        }

    def droppable(self) -> list[int]:
        """Indices of distractor passages, lowest-ranked first (the first to go when too long)."""
        return [i for i in reversed(range(len(self.passages))) if self.passages[i].id not in self.gold_ids]


@dataclass
class SplitReport:
    """What the data looked like, for the console and the model card."""

    conversations_by_split: dict[str, int] = field(default_factory=dict)
    turns_by_split: dict[str, int] = field(default_factory=dict)
    examples: int = 0
    answerable: int = 0
    unanswerable: int = 0
    gold_inserted: int = 0
    skipped_no_gold: list[str] = field(default_factory=list)  # "conv#turn" whose context is in no passage
    retrieval: str = ""  # the app's retrieval mode the passages came from (bm25 | dense | hybrid)
    retrieval_k: int = 0

    def lines(self) -> list[str]:
        splits = ", ".join(
            f"{name}: {self.conversations_by_split[name]} conversaciones / {self.turns_by_split.get(name, 0)} turnos"
            for name in sorted(self.conversations_by_split)
        )
        out = [
            f"Datos: {splits}.",
            f"Fragmentos: los {self.retrieval_k} primeros de la recuperación «{self.retrieval}» de la app "
            "(la misma con la que responde).",
            f"Ejemplos de entrenamiento: {self.examples} ({self.answerable} con respuesta, "
            f"{self.unanswerable} sin cobertura → «{NOT_COVERED_ANSWER}»).",
            f"Fragmento correcto añadido porque la recuperación no lo encontró: {self.gold_inserted}.",
        ]
        if self.skipped_no_gold:
            shown = ", ".join(self.skipped_no_gold[:5]) + ("…" if len(self.skipped_no_gold) > 5 else "")
            out.append(
                f"Aviso: {len(self.skipped_no_gold)} turnos omitidos porque su contexto no aparece en "
                f"ningún fragmento de la documentación ({shown})."
            )
        return out


def target_answer(turn) -> str:
    return turn.answer if turn.answerable else NOT_COVERED_ANSWER


def _rng(*parts: Any) -> random.Random:
    return random.Random(zlib.crc32("\x1f".join(map(str, parts)).encode("utf-8")))


def find_gold(context: str, passages: Sequence[Passage]) -> list[Passage]:
    """Passages holding the gold context: those that contain it verbatim (whitespace aside)
    or, only when none does, the one that `context_in_passage` accepts with the most words
    in common (a context cut by a passage boundary; its loose match could accept several)."""
    squashed = squash(context)
    if not squashed:
        return []
    exact = [p for p in passages if squashed in squash(p.text)]
    if exact:
        return exact
    loose = [p for p in passages if context_in_passage(context, p.text)]
    words = squashed.split()

    def shared(passage: Passage) -> int:
        matcher = SequenceMatcher(None, words, squash(passage.text).split(), autojunk=False)
        return sum(block.size for block in matcher.get_matching_blocks())

    return [max(loose, key=shared)] if loose else []


class ExampleBuilder:
    """Builds prompts as the app does: the app's engine retrieves, `build_messages` formats."""

    def __init__(self, engine: Engine, k: int, seed: int = 42):
        self.engine = engine
        self.passages = list(engine.passages)
        self.k = k
        self.seed = seed

    @property
    def mode(self) -> str:
        return mode_of(self.engine.retriever)

    def conversation_examples(self, conversation: Conversation, report: SplitReport) -> list[Example]:
        examples = []
        history: list[tuple[str, str]] = []
        for index, turn in enumerate(conversation.turns):
            # What the Chat does for a question (ragarena.answering.chat_turn.answer_stream): the earlier questions go along.
            hits = self.engine.retrieve(turn.question, [q for q, _ in history], k=self.k)
            passages = [hit.passage for hit in hits]
            gold_ids: frozenset[str] = frozenset()
            inserted = False
            if turn.answerable:
                gold = find_gold(turn.context, self.passages) if turn.context.strip() else []
                if not gold:
                    report.skipped_no_gold.append(f"{conversation.id}#{index + 1}")
                    history.append((turn.question, target_answer(turn)))
                    continue
                gold_ids = frozenset(p.id for p in gold)
                if not any(p.id in gold_ids for p in passages):
                    passages = passages[: self.k - 1]
                    position = _rng(self.seed, conversation.id, index).randint(0, len(passages))
                    passages.insert(position, gold[0])
                    inserted = True
            example = Example(
                conversation_id=conversation.id,
                turn=index,
                question=turn.question,
                history=tuple(history),
                passages=passages,
                gold_ids=gold_ids,
                answer=target_answer(turn),
                answerable=turn.answerable,
                gold_inserted=inserted,
            )
            examples.append(example)
            report.examples += 1
            report.answerable += turn.answerable
            report.unanswerable += not turn.answerable
            report.gold_inserted += inserted
            history.append((turn.question, target_answer(turn)))
        return examples


def sft_examples(
    docs: str | Path,
    conversations_path: str | Path,
    split: str,
    k: int,
    seed: int = 42,
    eval_split: str | None = None,
    retrieval: str | None = None,
) -> tuple[list[Example], list[Example], SplitReport]:
    """(train examples, eval examples, report). `retrieval`: the app's mode to retrieve with
    (None: the one the app serves with). Raises UserError on bad data or a forbidden split."""
    train_splits = parse_splits(split)
    eval_splits = parse_splits(eval_split) if eval_split else []
    if set(train_splits) & set(eval_splits):
        raise UserError("El split de evaluación no puede ser también de entrenamiento.")
    conversations = load_conversations(conversations_path)
    if not conversations:
        raise UserError(f"«{conversations_path}» no contiene conversaciones.")
    check_splits(conversations)
    report = SplitReport(
        conversations_by_split=dict(Counter(c.split for c in conversations)),
        turns_by_split=dict(sum((Counter({c.split: len(c.turns)}) for c in conversations), Counter())),
    )
    chosen = [c for c in conversations if c.split in train_splits]
    if not chosen:
        present = ", ".join(sorted(report.conversations_by_split)) or "ninguno"
        raise UserError(
            f"«{conversations_path}» no tiene conversaciones del split {'/'.join(train_splits)} "
            f"(splits presentes: {present})."
        )
    # The data is checked before the engine is built: a bad file fails fast, before any embedding.
    builder = ExampleBuilder(serving_engine(docs, retrieval), k=k, seed=seed)
    report.retrieval, report.retrieval_k = builder.mode, k
    train = [e for c in chosen for e in builder.conversation_examples(c, report)]
    if not train:
        raise UserError("Ninguna conversación de entrenamiento dio ejemplos utilizables (ver avisos).")
    evaluation: list[Example] = []
    if eval_splits:
        throwaway = SplitReport()
        evaluation = [
            e for c in conversations if c.split in eval_splits for e in builder.conversation_examples(c, throwaway)
        ]
        if not evaluation:
            raise UserError(f"No hay conversaciones del split de evaluación «{eval_split}».")
    return train, evaluation, report
