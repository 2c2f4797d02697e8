"""Start the app with the host and port a local run or a Hugging Face Space expects.

No component of the app takes files, so Gradio's upload route (``/gradio_api/upload``, open to
anyone by default, any size, any type) is closed: `RefuseUploads` answers 403 before Gradio reads
a byte, and ``max_file_size`` caps it anyway should a future component open it. Temporary files
Gradio writes for the app (downloads) are deleted after an hour and when the server stops
(``delete_cache``, and `delete_temporary_files` once the server has closed; a SIGTERM, which is how
a Space stops the app, closes it the same way as Ctrl+C).

One client address: uvicorn, which Gradio starts, would replace the socket's peer with an entry of
``X-Forwarded-For`` whenever the peer is in ``FORWARDED_ALLOW_IPS`` (by default loopback), so a
visitor on the same machine, or behind a local reverse proxy, could pick the address the daily cap
counts. `keep_the_socket_peer` turns that off before the server starts: the request's client is
always the peer, and ``RAGARENA_TRUSTED_PROXIES`` alone decides whether the header counts
(`ragarena.arena.voters.client_ip`).
"""

from __future__ import annotations

import os
import signal
import sys

from ragarena import settings
from ragarena.core.errors import UserError
from ragarena.retrieval.dense import configured_mode

UPLOAD_PATHS = ("/gradio_api/upload", "/upload")
MAX_FILE_SIZE = "1mb"
DELETE_CACHE = (3600, 3600)  # every hour, files older than an hour (and all of them at shutdown)


class RefuseUploads:
    """ASGI middleware: 403 for any request to Gradio's upload routes (the app takes no files)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if path.rstrip("/").endswith(UPLOAD_PATHS) or "/gradio_api/upload" in path:
            body = "Esta aplicación no acepta archivos.".encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 403,
                    "headers": [
                        (b"content-type", b"text/plain; charset=utf-8"),
                        (b"content-length", str(len(body)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)


def launch_options() -> dict:
    """What `demo.launch` gets besides host, port and CSS (uploads closed, see the module docstring)."""
    from starlette.middleware import Middleware

    return {"max_file_size": MAX_FILE_SIZE, "app_kwargs": {"middleware": [Middleware(RefuseUploads)]}}


def keep_the_socket_peer() -> None:
    """Make uvicorn trust no peer's ``X-Forwarded-For`` (see the module docstring): it reads
    ``FORWARDED_ALLOW_IPS`` when Gradio builds its config in `launch`, and an empty list trusts
    nobody. Gradio reads ``X-Forwarded-Proto``/``-Host`` itself, so its URLs behind a proxy are kept."""
    os.environ["FORWARDED_ALLOW_IPS"] = ""


def check_all() -> None:
    """Read every setting the app uses, so a bad value stops it at start with its name (UserError)."""
    for read in (
        settings.arena_timeout,
        settings.screen_every,
        settings.bootstrap_rounds,
        settings.concurrency,
        settings.votes_every,
        settings.trusted_proxies,
        settings.login_enabled,
        settings.server_port,
        settings.session_capacity,
        settings.session_idle_s,
        settings.votes_per_minute,
        settings.votes_per_day,
        settings.ratings_per_minute,
        settings.min_ratings,
        settings.min_votes,
        settings.link_hosts,
        configured_mode,
    ):
        read()


def main() -> None:
    try:
        # A bad setting stops here, with its name, before anything loads (Gradio itself reads
        # GRADIO_SERVER_PORT with a bare int() when it is imported).
        check_all()
        # lazy: the UI imports Gradio, which must come after the settings are checked (above)
        from ragarena.ui.app import CSS, build_app  # lazy: see above
        from ragarena.ui.sessions import start_sweeper  # lazy: see above
        from ragarena.ui.theme import page_options  # lazy: see above

        capacity, idle_s = settings.session_capacity(), settings.session_idle_s()
        demo = build_app()
        demo.delete_cache = DELETE_CACHE
        # On a Space, GRADIO_SERVER_NAME/PORT are set (0.0.0.0:7860); locally stay on loopback.
        host, port = settings.server_name(), settings.server_port()
        # Gradio's queue keeps the last N events for its monitoring page (10,000 by default, ~1 KiB each).
        os.environ.setdefault("GRADIO_ANALYTICS_MAX_EVENTS", "500")
        demo.queue(default_concurrency_limit=settings.concurrency())
    except UserError as error:
        print(f"Error: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    # Bounded memory per visitor session (ragarena.ui.sessions): Gradio's default keeps 10,000.
    start_sweeper(demo, idle_s)
    signal.signal(signal.SIGTERM, _interrupt)
    keep_the_socket_peer()
    try:
        demo.launch(
            server_name=host, server_port=port, state_session_capacity=capacity, **page_options(CSS), **launch_options()
        )
    finally:
        delete_temporary_files(demo)


def delete_temporary_files(demo) -> None:
    """Delete what Gradio wrote for this app (its temporary file sets, not the files the app was
    built with). Gradio does it in the server's shutdown, but waits only 5 s for it, which an open
    browser connection outlasts."""
    from gradio.route_utils import delete_files_created_by_app

    delete_files_created_by_app(demo, None)


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt  # Gradio then closes the server and its lifespan deletes the temporary files
