"""Memory stays flat under thousands of `/chat` calls (loopback only, bounded in time).

Gradio 6.31 registered every `gr.update()`/`gr.skip()` a handler returned as a new component of
the session, never freed: ~27 KiB per `/chat` call from the same session (a `gradio_client`
keeps one), and its queue kept the last 10,000 events for its monitoring page. The chat endpoint
now returns values only (`ragarena.ui.chat_handlers`, `ragarena.ui.sessions`) and `ragarena.launch` keeps 500.
Each worker here is one session asking again and again through Gradio's queue protocol, as the
page and `gradio_client` do; the app's RSS may not grow more than `MARGIN_MIB` over `CALLS` calls
(before the fix: ~27 KiB x 2000 = ~53 MiB; after it, +4.5 MiB over 3,000 calls).
"""

from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

CALLS = 2000
WORKERS = 4
WARM_UP = 200
MARGIN_MIB = 20
QUESTION = "¿A qué hora abre la piscina entre semana?"


class Session:
    """One browser-like session on the app: the same session hash for every call."""

    def __init__(self, httpx, url: str):
        self.http = httpx.Client(base_url=url.rstrip("/"), timeout=60)
        config = self.http.get("/config").json()
        self.fn_index = next(
            d.get("id", i) for i, d in enumerate(config["dependencies"]) if d.get("api_name") == "chat"
        )
        self.session = uuid.uuid4().hex[:11]

    def chat(self) -> str:
        joined = self.http.post(
            "/gradio_api/queue/join",
            json={
                "data": [QUESTION, [], "extractive", None, None, "es"],
                "fn_index": self.fn_index,
                "session_hash": self.session,
                "event_data": None,
                "trigger_id": None,
            },
        )
        joined.raise_for_status()
        with self.http.stream("GET", "/gradio_api/queue/data", params={"session_hash": self.session}) as stream:
            for line in stream.iter_lines():
                if line.startswith("data:"):
                    message = json.loads(line[5:])
                    if message.get("msg") == "process_completed":
                        assert message.get("success"), message
                        return json.dumps(message["output"]["data"][1], ensure_ascii=False)
        raise AssertionError("the stream ended without an answer")

    def close(self) -> None:
        self.http.close()


def test_memory_stays_flat_over_thousands_of_chat_calls(app_launcher, fixture_docs):
    httpx = pytest.importorskip("httpx")
    psutil = pytest.importorskip("psutil")
    app = app_launcher(
        {"RAGARENA_DOCS": str(fixture_docs), "RAGARENA_RETRIEVAL": "bm25", "RAGARENA_RATINGS_PER_MINUTE": "100000"}
    )
    process = psutil.Process(app.process.pid)
    sessions = [Session(httpx, app.url) for _worker in range(WORKERS)]

    def run(calls: int) -> None:
        def work(session: Session) -> list[str]:
            return [session.chat() for _call in range(calls // WORKERS)]

        with ThreadPoolExecutor(WORKERS) as pool:
            answers = [answer for batch in pool.map(work, sessions) for answer in batch]
        assert len(answers) == calls // WORKERS * WORKERS and all("piscina" in a for a in answers), answers[:2]

    try:
        run(WARM_UP)  # caches, the sessions' state, the allocator's pools
        before = process.memory_info().rss
        run(CALLS)
        after = process.memory_info().rss
    finally:
        for session in sessions:
            session.close()
    grown = (after - before) / 2**20
    print(
        f"soak: {CALLS} /chat calls ({WORKERS} sessions) after {WARM_UP} warm-up: RSS {before / 2**20:.1f} -> "
        f"{after / 2**20:.1f} MiB ({grown:+.1f} MiB)"
    )
    assert grown < MARGIN_MIB, f"RSS grew {grown:.1f} MiB over {CALLS} calls (limit {MARGIN_MIB} MiB)"
