"""Run a backend over every turn of a split and measure retrieval and answers.

History is the model's own earlier answers, as in a real chat, and follow-up questions
retrieve with the earlier questions, as the app does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from statistics import mean

from ragarena.answering.backends.base import AnswerRequest, Backend, collect
from ragarena.answering.filler import is_filler
from ragarena.core.passages import Hit
from ragarena.core.text_metrics import (
    CORRECT_RECALL,
    answer_recall,
    first_hit_rank,
    is_abstention,
    token_f1,
    word_count,
)
from ragarena.retrieval.bm25 import Retriever
from ragarena.retrieval.corpus import Conversation
from ragarena.retrieval.followups import search_turn

RECALL_AT = (1, 3, 5)


@dataclass(frozen=True)
class TurnResult:
    conversation_id: str
    turn: int  # 0-based
    question: str
    history: tuple[tuple[str, str], ...]
    hits: tuple[Hit, ...]  # what the backend saw
    gold_context: str
    gold_answer: str
    answerable: bool
    answer: str
    gold_rank: int | None  # rank of the gold passage among the top max(k, 5), None if missed

    @property
    def context_had_answer(self) -> bool:
        """The passages the model saw held the gold context: saying "not covered" was then wrong."""
        return self.gold_rank is not None and self.gold_rank <= len(self.hits)

    @property
    def answer_recall(self) -> float | None:
        """Share of the gold answer's content terms in the answer; None on unanswerable turns."""
        return answer_recall(self.answer, self.gold_answer) if self.answerable else None

    @property
    def false_abstention(self) -> bool:
        return self.answerable and self.context_had_answer and is_abstention(self.answer)

    def record(self) -> dict:
        """One line of `eval --predictions`: everything needed to read a failure."""
        recall = self.answer_recall
        return {
            "conversation": self.conversation_id,
            "turn": self.turn,
            "question": self.question,
            "passages": [{"id": h.passage.id, "rank": h.rank, "score": round(h.score, 4)} for h in self.hits],
            "answer": self.answer,
            "gold_answer": self.gold_answer,
            "answerable": self.answerable,
            "gold_rank": self.gold_rank,
            "metrics": {
                "answer_recall": None if recall is None else round(recall, 4),
                "correct": None if recall is None else recall >= CORRECT_RECALL,
                "abstained": is_abstention(self.answer),
                "false_abstention": self.false_abstention,
                "filler": is_filler(self.answer),
                "token_f1": round(token_f1(self.answer, self.gold_answer), 4),
                "words": word_count(self.answer),
            },
        }


def run_turns(
    conversations: Sequence[Conversation],
    retriever: Retriever,
    backend: Backend,
    split: str | None = "test",
    k: int = 5,
    progress: Callable[[int, int], None] | None = None,
) -> Iterator[TurnResult]:
    chosen = [c for c in conversations if split in (None, "all") or c.split == split]
    total, done = sum(len(c.turns) for c in chosen), 0
    for conversation in chosen:
        history: list[tuple[str, str]] = []
        for index, turn in enumerate(conversation.turns):
            ranked = search_turn(retriever, turn.question, [q for q, _ in history], k=max(k, max(RECALL_AT)))
            hits = tuple(ranked[:k])
            answer = collect(backend, AnswerRequest(turn.question, hits, tuple(history)))
            gold_rank = first_hit_rank(turn.context, [h.passage.text for h in ranked]) if turn.answerable else None
            yield TurnResult(
                conversation.id,
                index,
                turn.question,
                tuple(history),
                hits,
                turn.context,
                turn.answer,
                turn.answerable,
                answer,
                gold_rank,
            )
            history.append((turn.question, answer))
            done += 1
            if progress:
                progress(done, total)


def summarize(results: Sequence[TurnResult]) -> dict:
    """The figures in the shape other tools read (keys and nesting are a contract)."""
    answerable = [r for r in results if r.answerable and r.gold_context]
    unanswerable = [r for r in results if not r.answerable]

    def recall(at: int) -> float:
        return _mean([r.gold_rank is not None and r.gold_rank <= at for r in answerable])

    return {
        "n_turns": len(results),
        "retrieval": {
            **{f"recall@{at}": recall(at) for at in RECALL_AT},
            "mrr": _mean([1.0 / r.gold_rank if r.gold_rank else 0.0 for r in answerable]),
        },
        "answer": {
            "token_f1": _mean([token_f1(r.answer, r.gold_answer) for r in results if r.answerable]),
            "abstention_accuracy": _mean([is_abstention(r.answer) for r in unanswerable]),
            # stock filler and apologies only; a wrong "not covered" is false_abstention_rate
            "filler_rate": _mean([is_filler(r.answer) for r in results]),
            "mean_words": _mean([word_count(r.answer) for r in results]),
            "answer_recall": _mean([r.answer_recall for r in results if r.answerable]),
            "correct_rate": _mean([r.answer_recall >= CORRECT_RECALL for r in results if r.answerable]),
            # the same, over a conversation's first questions and over its follow-ups
            "correct_rate_first_turns": _mean(
                [r.answer_recall >= CORRECT_RECALL for r in results if r.answerable and r.turn == 0]
            ),
            "correct_rate_follow_ups": _mean(
                [r.answer_recall >= CORRECT_RECALL for r in results if r.answerable and r.turn > 0]
            ),
            # over the answerable turns whose gold passage the model was given
            "false_abstention_rate": _mean(
                [r.false_abstention for r in results if r.answerable and r.context_had_answer]
            ),
        },
    }


def _mean(values) -> float:
    values = [float(v) for v in values]
    return round(mean(values), 4) if values else 0.0
