"""What every tab shares: the RAG engine and, lazily, the stores."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from ragarena import settings
from ragarena.answer_ratings.store import AnswerRatings
from ragarena.answering.engine import Engine
from ragarena.arena.vote_sharing import sharer_from_env
from ragarena.arena.votes import VoteStore

_STORE_LOCK = threading.Lock()


@dataclass
class AppContext:
    engine: Engine
    extras: dict = field(default_factory=dict)  # stores and settings that later tabs add

    @property
    def store(self) -> VoteStore:
        """The arena's vote store at `settings.db_path()`, opened on first use (a bad file raises UserError).

        Tests may put their own `VoteStore` in ``extras["store"]`` before building the app.
        """
        store = self.extras.get("store")
        if store is None:
            with _STORE_LOCK:
                store = self.extras.get("store")
                if store is None:
                    store = VoteStore(settings.db_path())  # checked first: a bad file stops before any upload
                    store.sharer = sharer_from_env(settings.data_dir())
                    self.extras["store"] = store
        return store

    @property
    def ratings(self) -> AnswerRatings:
        """People's ratings of Chat answers, in the vote store's database (``extras["ratings"]`` in tests)."""
        ratings = self.extras.get("ratings")
        if ratings is None:
            store = self.store
            with _STORE_LOCK:
                ratings = self.extras.get("ratings")
                if ratings is None:
                    ratings = self.extras["ratings"] = AnswerRatings(store)
        return ratings


def bind_once(handlers: object, *names: str) -> None:
    """Bind each named method of `handlers` once, as an attribute of its own.

    Gradio puts the events of one handler object in one concurrency group (``concurrency_id`` is
    ``id(fn)``), and every access to a method makes a new bound method: bound once, the events that
    share a handler (a button and the Enter key, say) share its slots, as when handlers were closures.
    """
    for name in names:
        setattr(handlers, name, getattr(handlers, name))
