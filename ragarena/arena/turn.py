"""One Arena turn: both models of a round answer the same question on the same passages.

`play_turn` retrieves once, starts both models at once through `metered_answer`
(`ragarena.answering.metering`, the Chat's metered path: a background thread per model, its
timing, tokens and cost), and yields snapshots of the two answers at most every `refresh_s`
(chunks that arrive in between are coalesced), then a last one (`done`). A model that has not
finished within `timeout` seconds, or that fails, fails the round (no vote); abandoned streams
are closed. `record_turn` stores a finished turn as a battle, with its timings.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace

from ragarena.answering.backends.base import AnswerRequest, BackendError
from ragarena.answering.engine import Engine
from ragarena.answering.metering import REFRESH_S, AnswerMeta, MeteredStream, metered_answer
from ragarena.arena.rounds import ArenaRound
from ragarena.arena.votes import VoteStore
from ragarena.core.errors import UserError
from ragarena.core.i18n import Text, _, message_of

SIDES = ("a", "b")
TIMED_OUT = _("no ha respondido a tiempo")


@dataclass(frozen=True)
class TurnProgress:
    round: ArenaRound  # its `hits` are this question's passages; no battle yet (battle_id None)
    question: str
    answers: dict[str, str]  # side → the answer so far
    errors: dict[str, Text | str] = field(default_factory=dict)  # side → why it failed (once done)
    done: bool = False
    timings: dict | None = None  # the battle's timings, once done without errors

    @property
    def failed(self) -> bool:
        return bool(self.errors)


def failure_message(error: BaseException) -> Text | str:
    """What the page says of a model that raised `error`."""
    if isinstance(error, (BackendError, UserError)):
        return message_of(error)
    # a broken backend must not take the round (or the server) down
    return _("error inesperado ({name})", name=type(error).__name__)


def side_timings(meta: AnswerMeta) -> dict:
    """A side's stored timings: seconds to the first chunk (the total when no text came) and in all,
    plus the answer's tokens and, for models with prices, its estimated cost."""
    total = round(meta.total_s, 4)
    return {
        "first_chunk_s": total if meta.ttft_s is None else round(meta.ttft_s, 4),
        "total_s": total,
        "completion_tokens": meta.completion_tokens,
        "prompt_tokens": meta.prompt_tokens,
        "tokens_estimated": meta.tokens_estimated,
        "cost_usd": meta.cost_usd,
    }


def play_turn(
    engine: Engine,
    round_: ArenaRound,
    question: str,
    *,
    timeout: float,
    refresh_s: float = REFRESH_S,
    clock: Callable[[], float] = time.monotonic,
) -> Iterator[TurnProgress]:
    """Both models answer `question` (the round's earlier turns as history); yields `TurnProgress`."""
    started = time.perf_counter()
    hits = tuple(engine.retrieve(question, [turn["question"] for turn in round_.turns]))
    retrieval_s = time.perf_counter() - started
    round_ = replace(round_, hits=hits, battle_id=None)
    answers = {side: "" for side in SIDES}
    errors: dict[str, Text | str] = {}
    streams: dict[str, MeteredStream] = {}
    wake = threading.Event()  # set by either model's thread when something arrived
    try:
        for side in SIDES:
            history = tuple((turn["question"], turn[f"answer_{side}"]) for turn in round_.turns)
            try:
                streams[side] = metered_answer(
                    engine, round_.model(side), AnswerRequest(question, hits, history), on_item=wake.set
                )
            except Exception as error:
                errors[side] = failure_message(error)

        def pending() -> list[str]:
            return [side for side, stream in streams.items() if side not in errors and stream.meta is None]

        # No empty first snapshot: models done within refresh_s cost one, the last.
        deadline = clock() + timeout
        last_yield = clock()
        while pending():
            remaining = deadline - clock()
            if remaining <= 0:
                errors.update({side: TIMED_OUT for side in pending()})
                break
            wake.wait(min(remaining, refresh_s))
            wake.clear()  # before taking: whatever arrives from now on sets it again
            for side in pending():
                try:
                    answers[side] += "".join(streams[side].received())
                except Exception as error:
                    errors[side] = failure_message(error)
            if clock() - last_yield >= refresh_s:
                last_yield = clock()
                yield TurnProgress(round_, question, dict(answers))
    finally:
        for stream in streams.values():  # the timed-out ones, or all when the page went away
            stream.close()
    if errors:
        yield TurnProgress(replace(round_, failed=True), question, answers, dict(errors), done=True)
        return
    timings = {"retrieval_s": round(retrieval_s, 4), **{side: side_timings(streams[side].meta) for side in SIDES}}
    yield TurnProgress(round_, question, answers, done=True, timings=timings)


def record_turn(store: VoteStore, session: str, turn: TurnProgress) -> ArenaRound:
    """Store a finished turn as a battle served to `session`; the round, now votable, with the turn added.
    VoteRejected when the store refuses it."""
    round_ = turn.round
    battle_id = store.record_battle(
        session_hash=session,
        question=turn.question,
        model_a=round_.model_a,
        model_b=round_.model_b,
        answer_a=turn.answers["a"],
        answer_b=turn.answers["b"],
        mode=round_.mode,
        conversation=[dict(t) for t in round_.turns],
        passage_ids=[h.passage.id for h in round_.hits],
        timings=turn.timings,
    )
    added = {"question": turn.question, "answer_a": turn.answers["a"], "answer_b": turn.answers["b"]}
    return replace(round_, battle_id=battle_id, owner=session, turns=(*round_.turns, added))
