"""Per-session memory bounds (`ragarena.ui.sessions`): idle sessions forgotten, update orphans pruned."""

from __future__ import annotations

import datetime
import threading
from collections import OrderedDict
from types import SimpleNamespace

import pytest

from ragarena.core.errors import UserError
from ragarena.settings import session_capacity
from ragarena.ui.sessions import prune_updates, sweep_idle


def test_idle_sessions_are_forgotten_and_recent_ones_kept():
    now = datetime.datetime(2026, 11, 26, 12, 0, 0)
    holder = SimpleNamespace(
        lock=threading.Lock(),
        session_data=OrderedDict(old=1, recent=2),
        time_last_used={"old": now - datetime.timedelta(hours=2), "recent": now - datetime.timedelta(minutes=5)},
    )
    assert sweep_idle(holder, 3600, now=now) == 1
    assert list(holder.session_data) == ["recent"] and list(holder.time_last_used) == ["recent"]


def test_components_gradio_made_for_updates_are_pruned_from_every_session():
    page = {1: "textbox", 2: "chatbot"}
    session = SimpleNamespace(
        blocks_config=SimpleNamespace(blocks={1: "textbox", 2: "chatbot v2", 160: "orphan", 161: "orphan"}),
        config_values={1: {}, 2: {}, 160: {}, 161: {}},
    )
    files = {"kept.png"}
    demo = SimpleNamespace(
        blocks=page, state_holder=SimpleNamespace(session_data={"s": session}), temp_file_sets=[set(), files, set()]
    )
    assert prune_updates(demo) == 2
    assert session.blocks_config.blocks == {1: "textbox", 2: "chatbot v2"}  # the latest update stays
    assert set(session.config_values) == {1, 2} and demo.temp_file_sets == [files]


def test_the_session_limit_must_be_a_positive_integer(monkeypatch):
    monkeypatch.setenv("RAGARENA_SESSIONS", "0")
    with pytest.raises(UserError, match="RAGARENA_SESSIONS"):
        session_capacity()
    monkeypatch.setenv("RAGARENA_SESSIONS", "50")
    assert session_capacity() == 50
