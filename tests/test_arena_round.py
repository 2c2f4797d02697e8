"""The Arena round without Gradio: both models streamed through the Chat's metered path, the battle
stored with its timings (tokens and cost included), and a model that fails or times out failing the
round (no battle); the browser's note of a round restores it after a reload."""

from __future__ import annotations

import threading

import pytest

from ragarena.answering.backends.base import BackendError, Usage
from ragarena.answering.models import ModelSpec
from ragarena.arena.rounds import ArenaRound, round_for_question, round_from_saved, saved_round, start_round
from ragarena.arena.turn import TIMED_OUT, play_turn, record_turn
from ragarena.arena.votes import VoteStore
from ragarena.core.battles import battle_problem
from ragarena.core.i18n import localize
from ragarena.core.refusals import VoteRejected

QUESTION = "¿A qué hora abre la piscina entre semana?"


class Scripted:
    """A backend that yields its chunks (then, optionally, the server's token counts), or raises."""

    def __init__(
        self, chunks=(), usage: Usage | None = None, error: Exception | None = None, hold: threading.Event | None = None
    ):
        self.chunks, self.usage, self.error, self.hold = list(chunks), usage, error, hold
        self.requests, self.closed = [], threading.Event()

    def stream(self, request):
        self.requests.append(request)
        try:
            yield from self.chunks
            if self.hold is not None:
                self.hold.wait()  # a model that stops answering
                yield "tarde"
            if self.error is not None:
                raise self.error
            if self.usage is not None:
                yield self.usage
        finally:
            self.closed.set()


class FakeEngine:
    """The app's retrieval over the fixture docs, with scripted models."""

    def __init__(self, engine, backends: dict[str, Scripted], specs: list[ModelSpec]):
        self.engine, self.backends, self.specs = engine, backends, specs

    def retrieve(self, question, history_questions=(), k=5):
        return self.engine.retrieve(question, history_questions, k)

    def backend(self, model_id):
        return self.backends[model_id]


SPECS = [
    ModelSpec("caro", "Caro", "openai", settings={"price_input_per_1m": 1.0, "price_output_per_1m": 4.0}),
    ModelSpec("gratis", "Gratis", "openai"),
]


@pytest.fixture
def store(tmp_path):
    store = VoteStore(tmp_path / "arena.db", votes_per_minute=100, votes_per_day=100)
    yield store
    store.close()


def test_a_round_stores_a_battle_whose_timings_have_tokens_and_cost(fixture_engine, store):
    backends = {
        "caro": Scripted(["La piscina abre ", "a las 7:00."], Usage(prompt_tokens=120, completion_tokens=9)),
        "gratis": Scripted(["Abre a las 7:00 entre semana."]),
    }
    engine = FakeEngine(fixture_engine, backends, SPECS)
    round_ = start_round("named", "caro", "gratis", ["caro", "gratis"])
    turns = list(play_turn(engine, round_, QUESTION, timeout=60))
    last = turns[-1]
    assert last.done and not last.failed and all(not turn.done for turn in turns[:-1])
    assert last.answers == {"a": "La piscina abre a las 7:00.", "b": "Abre a las 7:00 entre semana."}
    passages = [hit.passage for hit in last.round.hits]  # the same passages for both
    assert passages and [list(backends[m].requests[0].passages) for m in ("caro", "gratis")] == [passages] * 2

    round_ = record_turn(store, "sesión-1", last)
    assert round_.votable and round_.owner == "sesión-1" and len(round_.turns) == 1
    battle = store.get_battle(round_.battle_id)
    timings = battle["timings"]
    assert timings["retrieval_s"] >= 0
    a, b = timings["a"], timings["b"]
    assert 0 <= a["first_chunk_s"] <= a["total_s"] and 0 <= b["first_chunk_s"] <= b["total_s"]
    # The server's counts for A, priced from models.yaml; an estimate for B, which has no prices.
    assert (a["completion_tokens"], a["prompt_tokens"], a["tokens_estimated"]) == (9, 120, False)
    assert a["cost_usd"] == pytest.approx((120 * 1.0 + 9 * 4.0) / 1_000_000)
    assert b["tokens_estimated"] is True and b["completion_tokens"] == 8 and b["prompt_tokens"] > 0
    assert b["cost_usd"] is None
    store.vote(round_.battle_id, "sesión-1", "model_a")
    [exported] = store.export_battles()
    assert exported["timings"] == timings and battle_problem(exported, strict=True) is None  # import-votes takes it

    # A follow-up continues the round (same models, the first turn as history); a vote ends it.
    follow = round_for_question(round_, "named", "caro", "gratis", ["caro", "gratis"])
    assert (follow.model_a, follow.turns, follow.battle_id) == ("caro", round_.turns, None)
    voted = round_.with_vote("model_a", None)
    assert not voted.votable and round_for_question(voted, "named", "caro", "gratis", ["caro", "gratis"]).turns == ()


def test_a_failing_model_fails_the_round_and_shows_its_message(fixture_engine):
    backends = {
        "caro": Scripted(["Abre a las 7:00."]),
        "gratis": Scripted(["Abre"], error=BackendError("el servidor no responde")),
    }
    last = list(
        play_turn(
            FakeEngine(fixture_engine, backends, SPECS),
            start_round("named", "caro", "gratis", ["caro", "gratis"]),
            QUESTION,
            timeout=60,
        )
    )[-1]
    assert last.done and last.failed and last.round.failed and last.timings is None
    assert last.errors == {"b": "el servidor no responde"} and last.answers["a"] == "Abre a las 7:00."


def test_a_model_past_the_timeout_fails_the_round_and_its_stream_is_closed(fixture_engine):
    hold = threading.Event()
    backends = {"caro": Scripted(["Abre"], hold=hold), "gratis": Scripted(hold=hold)}
    try:
        last = list(
            play_turn(
                FakeEngine(fixture_engine, backends, SPECS),
                start_round("named", "caro", "gratis", ["caro", "gratis"]),
                QUESTION,
                timeout=0.3,
            )
        )[-1]
    finally:
        hold.set()  # the models answer late: their streams were abandoned, and are closed
    assert last.failed and last.round.failed and last.timings is None
    assert last.errors == {"a": TIMED_OUT, "b": TIMED_OUT}
    assert localize(last.errors["a"], "es") == "no ha respondido a tiempo"
    assert all(backend.closed.wait(30) for backend in backends.values())


def test_a_model_that_cannot_start_fails_its_side(fixture_engine):
    class Unusable(FakeEngine):
        def backend(self, model_id):
            if model_id == "gratis":
                raise BackendError("falta la clave")
            return super().backend(model_id)

    engine = Unusable(fixture_engine, {"caro": Scripted(["Abre."])}, SPECS)
    last = list(play_turn(engine, start_round("named", "caro", "gratis", ["caro", "gratis"]), QUESTION, timeout=60))[-1]
    assert last.errors == {"b": "falta la clave"} and last.answers["a"] == "Abre."


def test_models_are_drawn_or_picked_and_bad_picks_are_refused():
    drawn = start_round("anonymous", None, None, ["x", "y", "z"])
    assert (
        drawn.mode == "anonymous"
        and drawn.model_a != drawn.model_b
        and {drawn.model_a, drawn.model_b} <= {"x", "y", "z"}
    )
    for choices, message in (((None, "y"), "Elige los dos"), (("x", "x"), "distintos"), (("x", "w"), "«w»")):
        with pytest.raises(VoteRejected, match=message):
            start_round("named", *choices, ["x", "y"])
    with pytest.raises(VoteRejected, match="al menos dos"):
        start_round("anonymous", None, None, ["x"])
    # Picking other models starts anew; a failed round too.
    named = ArenaRound("named", "x", "y", turns=({"question": "q", "answer_a": "a", "answer_b": "b"},))
    assert round_for_question(named, "named", "y", "x", ["x", "y"]).turns == ()
    assert round_for_question(ArenaRound("named", "x", "y", failed=True), "named", "x", "y", ["x", "y"]).turns == ()


def test_the_browser_note_of_a_round_restores_it(store):
    battle_id = store.record_battle(
        session_hash="sesión-1",
        question="¿Y los sábados?",
        model_a="m1",
        model_b="m2",
        answer_a="a2",
        answer_b="b2",
        mode="named",
        conversation=[{"question": "¿Abre?", "answer_a": "a1", "answer_b": "b1"}],
    )
    # The note's format is what browsers already keep: {"battle_id", "session"}.
    note = saved_round(ArenaRound("named", "m1", "m2", battle_id=battle_id, owner="sesión-1"))
    assert note == {"battle_id": battle_id, "session": "sesión-1"}
    restored = round_from_saved(store, note)
    assert (restored.model_a, restored.mode, restored.votable, restored.owner) == ("m1", "named", True, "sesión-1")
    assert [turn["question"] for turn in restored.turns] == ["¿Abre?", "¿Y los sábados?"]
    assert round_from_saved(store, {"battle_id": battle_id, "session": "otra"}) is None
    assert round_from_saved(store, "basura") is None and saved_round(None) == {}
    store.vote(battle_id, "sesión-1", "model_b")
    again = round_from_saved(store, note)
    assert again.voted and again.winner == "model_b" and not again.votable
