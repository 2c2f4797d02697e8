"""Start the app with the host and port a local run or a Hugging Face Space expects."""

from __future__ import annotations

import os
import sys

from ragarena.errors import UserError


def main() -> None:
    from ragarena.sessions import session_capacity, session_idle_s, start_sweeper
    from ragarena.ui.app import CSS, build_app

    try:
        capacity, idle_s = session_capacity(), session_idle_s()
        demo = build_app()
    except UserError as error:
        print(f"Error: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    # On a Space, GRADIO_SERVER_NAME/PORT are set (0.0.0.0:7860); locally stay on loopback.
    host = os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1")
    port = int(os.environ.get("GRADIO_SERVER_PORT", os.environ.get("PORT", "7860")))
    # Gradio's queue keeps the last N events for its monitoring page (10,000 by default, ~1 KiB each).
    os.environ.setdefault("GRADIO_ANALYTICS_MAX_EVENTS", "500")
    demo.queue(default_concurrency_limit=int(os.environ.get("RAGARENA_CONCURRENCY", "16")))
    # Bounded memory per visitor session (ragarena.sessions): Gradio's default keeps 10,000.
    start_sweeper(demo, idle_s)
    demo.launch(server_name=host, server_port=port, css=CSS, state_session_capacity=capacity)
