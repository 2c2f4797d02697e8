"""Memory held per visitor session, kept bounded.

Gradio keeps a `SessionState` for every session that called an event: the session's `gr.State`
values plus its own copy of every component's configuration, in an LRU of
`state_session_capacity` sessions (10,000 by default) trimmed only by count; a session closed by
its browser loses its `gr.State` values after an hour but keeps the rest. API clients that open
a session per call (Gradio's `/gradio_api/call/` route) fill it fast.

Worse, every `gr.update()`/`gr.skip()` a handler returns builds a new component that Gradio
registers in the session under a new id, never removed: ~29 KiB per `/chat` call in the same
session. The chat endpoint now returns plain values only; `prune_updates` clears the orphans
that other controls (showing and hiding the rating box, the vote buttons) still leave.

Two limits keep the number of sessions down too: at most ``RAGARENA_SESSIONS`` sessions (default
1000; the least recently used goes first) and a sweep, every minute, of sessions idle for more than
``RAGARENA_SESSION_IDLE`` seconds (default 3600). A visitor idle for longer starts afresh (the
Chat conversation comes back from the browser's copy).
"""

from __future__ import annotations

import datetime
import threading

from ragarena.settings import session_idle_s

SWEEP_EVERY_S = 60.0


def sweep_idle(state_holder, idle_s: float, now: datetime.datetime | None = None) -> int:
    """Forget the sessions not used for `idle_s` seconds (their State and configuration copy); how many."""
    now = now or datetime.datetime.now()
    limit = datetime.timedelta(seconds=idle_s)
    with state_holder.lock:
        stale = [sid for sid, used in list(state_holder.time_last_used.items()) if now - used > limit]
        for sid in stale:
            state_holder.time_last_used.pop(sid, None)
            state_holder.session_data.pop(sid, None)
    return len(stale)


def prune_updates(demo) -> int:
    """Drop, from every session, the components Gradio made for `gr.update()` results (ids the page
    does not have: each update builds a new component and registers it in the session); how many.

    The page's own components (and their latest update, kept under the original id) stay: only the
    orphans go. This app builds no components at run time (no `gr.render`), so an id unknown to
    `demo.blocks` is such an orphan.
    """
    holder = getattr(demo, "state_holder", None)
    if holder is None:
        return 0
    pruned = 0
    for session in list(holder.session_data.values()):
        blocks = session.blocks_config.blocks
        for key in [key for key in list(blocks) if key not in demo.blocks]:
            blocks.pop(key, None)
            session.config_values.pop(key, None)
            pruned += 1
    # Each such component also left its (empty) set of temporary files in this app-wide list.
    demo.temp_file_sets[:] = [files for files in demo.temp_file_sets if files]
    return pruned


def start_sweeper(demo, idle_s: float | None = None, every_s: float = SWEEP_EVERY_S) -> threading.Event:
    """Sweep `demo`'s idle sessions in a daemon thread; set the returned event to stop it."""
    idle_s = session_idle_s() if idle_s is None else idle_s
    stop = threading.Event()

    def run():
        while not stop.wait(every_s):
            holder = getattr(demo, "state_holder", None)
            if holder is not None:
                sweep_idle(holder, idle_s)
                prune_updates(demo)

    threading.Thread(target=run, name="session-sweeper", daemon=True).start()
    return stop
