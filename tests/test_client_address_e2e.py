"""One client address, through the real server (`python app.py`): with `RAGARENA_TRUSTED_PROXIES=0`
(the default off a Space) the daily cap counts the socket's peer whatever `X-Forwarded-For` says,
even though uvicorn, which Gradio starts, would rewrite the address from that header for a loopback
peer; with N trusted hops the N-th entry from the right counts, and entries further left do not."""

from __future__ import annotations

from gradio_client import Client
from test_arena_e2e import arena_env, ask, stored

CAP = 3


def votes_in(url: str, forwarded: list[str]) -> int:
    """How many of these sessions (one per `X-Forwarded-For` value) get a vote acknowledged."""
    acknowledged = 0
    for header in forwarded:
        client = Client(url, verbose=False, headers={"X-Forwarded-For": header})
        ask(client)
        status = client.predict("model_a", api_name="/arena_vote")[0]
        acknowledged += status.startswith("✅")
        client.close()
    return acknowledged


def launch(app_launcher, fixture_docs, tmp_path, **extra: str):
    return app_launcher(arena_env(tmp_path, fixture_docs, RAGARENA_VOTES_PER_DAY=str(CAP), **extra))


def test_by_default_a_forged_forwarded_for_header_does_not_lift_the_daily_cap(app_launcher, fixture_docs, tmp_path):
    app = launch(app_launcher, fixture_docs, tmp_path)
    assert votes_in(app.url, [f"198.51.100.{n}" for n in range(1, 9)]) == CAP
    assert len(stored(tmp_path / "datos" / "arena.db")) == CAP


def test_with_one_trusted_proxy_the_rightmost_entry_is_the_client(app_launcher, fixture_docs, tmp_path):
    app = launch(app_launcher, fixture_docs, tmp_path, RAGARENA_TRUSTED_PROXIES="1")
    assert votes_in(app.url, [f"198.51.100.{n}" for n in range(1, 9)]) == 8  # eight clients, one vote each
    # Entries left of the proxy's are the client's own words: the same client, however it signs.
    assert votes_in(app.url, [f"203.0.113.{n}, 198.51.100.200" for n in range(1, 6)]) == CAP
