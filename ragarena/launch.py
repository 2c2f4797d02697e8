"""Start the app with the host and port a local run or a Hugging Face Space expects."""

from __future__ import annotations

import sys

from ragarena import settings
from ragarena.errors import UserError


def main() -> None:
    try:
        # A bad setting stops here, with its name, before anything loads (Gradio itself reads
        # GRADIO_SERVER_PORT with a bare int() when it is imported).
        settings.check_all()
        from ragarena.ui.app import CSS, build_app

        demo = build_app()
        # On a Space, GRADIO_SERVER_NAME/PORT are set (0.0.0.0:7860); locally stay on loopback.
        host, port = settings.server_name(), settings.server_port()
        demo.queue(default_concurrency_limit=settings.concurrency())
    except UserError as error:
        print(f"Error: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    demo.launch(server_name=host, server_port=port, css=CSS)
