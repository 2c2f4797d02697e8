"""Memory held per visitor session, kept bounded.

Gradio keeps a `SessionState` for every session that ever called an event: the session's `gr.State`
values plus its own copy of every component's configuration (about 20-30 KiB for this app), in
an LRU of `state_session_capacity` sessions (10,000 by default) that is only trimmed by count.
API clients such as `gradio_client` open a new session per call, so each `/chat` call left ~29 KiB
behind until ten thousand of them had piled up (~300 MB), and a session closed by its browser
only loses its `gr.State` values after an hour, never its configuration copy.

Two limits keep that flat: at most ``RAGARENA_SESSIONS`` sessions (default 1000; the least
recently used goes first) and a sweep, every minute, of sessions idle for more than
``RAGARENA_SESSION_IDLE`` seconds (default 3600). A visitor idle for longer starts afresh (the
Chat conversation and the Arena round come back from the browser's copy, see the tabs).
"""

from __future__ import annotations

import datetime
import threading

from ragarena.votes import positive_int_from_env

SWEEP_EVERY_S = 60.0


def session_capacity() -> int:
    return positive_int_from_env("RAGARENA_SESSIONS", 1000)


def session_idle_s() -> int:
    return positive_int_from_env("RAGARENA_SESSION_IDLE", 3600)


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


def start_sweeper(demo, idle_s: float | None = None, every_s: float = SWEEP_EVERY_S) -> threading.Event:
    """Sweep `demo`'s idle sessions in a daemon thread; set the returned event to stop it."""
    idle_s = session_idle_s() if idle_s is None else idle_s
    stop = threading.Event()

    def run():
        while not stop.wait(every_s):
            holder = getattr(demo, "state_holder", None)
            if holder is not None:
                sweep_idle(holder, idle_s)

    threading.Thread(target=run, name="session-sweeper", daemon=True).start()
    return stop
