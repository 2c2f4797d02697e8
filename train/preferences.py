"""DPO preference pairs from the arena's vote export (public arena battle format).

The winner's answer is chosen, the loser's rejected. Only votes the leaderboard counts become
pairs: the file is screened as the vote store is (`ragarena.arena.hygiene.count_screened`: a copy
written at vote time, such as the Hub's, was never screened), then goes through the leaderboard's
filter (`ragarena.core.vote_filter.count_votes`: well formed, not excluded, blind); ties, "both bad",
incomplete battles, duplicates and test questions are skipped, each counted in the report. The prompt is
`build_messages` with the battle's passages, or, for a battle that lacks them, the ones the
app's engine retrieves (`train.serving`). Nothing here imports torch.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ragarena.answering.engine import Engine
from ragarena.answering.prompts import build_messages
from ragarena.arena.hygiene import count_screened, screened_now_note
from ragarena.core.battles import read_battle_rows
from ragarena.core.errors import UserError
from ragarena.core.passages import Passage
from ragarena.core.text import fold
from ragarena.core.vote_filter import EXCLUDED, MALFORMED, NOT_BLIND
from ragarena.retrieval.dense import mode_of
from train.serving import load_corpus, serving_engine
from train.splits import squash, test_questions


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
    counted: int = 0  # votes the leaderboard counts (`ragarena.core.vote_filter`)
    screened_now: int = 0  # of the excluded: votes the screening excluded now (the file had not marked them)
    malformed_rows: list[str] = field(default_factory=list)  # "where: why" of the rows that are not battles
    pairs: int = 0
    skipped: Counter = field(default_factory=Counter)  # reason -> count
    re_retrieved: int = 0
    retrieval: str = ""  # the app's retrieval mode used to re-retrieve ("" when no battle needed it)

    def lines(self) -> list[str]:
        out = [
            f"Combates leídos: {self.battles}; cuentan en la clasificación: {self.counted}; "
            f"pares de preferencia: {self.pairs}."
        ]
        if self.screened_now:
            out.append(screened_now_note(self.screened_now))
        if self.re_retrieved:
            out.append(
                f"Fragmentos recuperados de nuevo con la recuperación «{self.retrieval}» de la app: "
                f"{self.re_retrieved}."
            )
        for reason, count in sorted(self.skipped.items(), key=lambda item: -item[1]):
            out.append(f"Omitidos ({reason}): {count}.")
        if self.malformed_rows:
            out.append(f"Primera fila que no es un combate válido: {self.malformed_rows[0]}")
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


class PassageResolver:
    """Turns a battle's `passage_ids` / `passages` back into Passage objects."""

    def __init__(self, docs: str | Path, k: int, retrieval: str | None = None):
        self.docs, self.retrieval = docs, retrieval
        self.passages = load_corpus(docs)
        self.by_id = {p.id: p for p in self.passages}
        self.by_text = {squash(p.text): p for p in self.passages}
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
        known = self.by_text.get(squash(text))
        if known:
            return known
        return Passage(id=f"voto#{number}", page="", title=title or "Documentación", section=section, text=text)


# Why a vote the leaderboard does not count is left out of DPO (the report's words).
UNCOUNTED = {
    NOT_BLIND: "votado con los nombres de los modelos a la vista",
    EXCLUDED: "voto excluido del ranking",
    MALFORMED: "fila que no es un combate válido",
}


def preference_pairs(
    votes_path: str | Path,
    docs: str | Path,
    k: int,
    conversations_path: str | Path | None = None,
    retrieval: str | None = None,
) -> tuple[list[PreferencePair], PairReport]:
    """Winner's answer chosen, loser's rejected; ties, "both bad" and incomplete battles skipped.

    Only votes the leaderboard counts: the file is screened first (`count_screened`, as the vote
    store is), then `count_votes` leaves out rows that are not battles, votes excluded by vote
    hygiene and votes cast with the model names in view. A battle whose question is a
    test-split question is skipped too (it would leak the test set into training). Battles
    without their passages are re-retrieved with the app's engine in `retrieval` (None: the
    mode the app serves with). Raises UserError when the file is missing or not JSON, and when
    no usable pair remains.
    """
    records, where = read_battle_rows(votes_path)
    votes, screening = count_screened(records, where)
    resolver = PassageResolver(docs, k=k, retrieval=retrieval)
    leaked = test_questions(conversations_path)
    report = PairReport(
        battles=len(records),
        counted=len(votes.counted),
        screened_now=len(screening.exclusions),
        malformed_rows=[str(problem) for problem in votes.problems],
    )
    for reason, count in votes.left_out().items():
        if count:
            report.skipped[UNCOUNTED[reason]] = count
    pairs: list[PreferencePair] = []
    seen: set[tuple[str, str, str]] = set()
    for record in votes.counted:
        winner = record["winner"]
        if winner not in ("model_a", "model_b"):
            report.skipped["empate o ambos malos"] += 1
            continue
        question, answer_a, answer_b = (
            _text(record.get("question")),
            _text(record.get("answer_a")),
            _text(record.get("answer_b")),
        )
        if not question or not answer_a or not answer_b:
            report.skipped["sin pregunta o sin alguna de las respuestas"] += 1
            continue
        chosen, rejected = (answer_a, answer_b) if winner == "model_a" else (answer_b, answer_a)
        if squash(chosen) == squash(rejected):
            report.skipped["respuestas idénticas"] += 1
            continue
        history = _history(record.get("conversation"))
        if history is None:
            report.skipped["conversación mal formada"] += 1
            continue
        if squash(fold(question)) in leaked:
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
