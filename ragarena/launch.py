"""Start the app with the host and port a local run or a Hugging Face Space expects."""

from __future__ import annotations

import os
import sys

from ragarena.errors import UserError


def main() -> None:
    from ragarena.ui.app import CSS, build_app

    try:
        demo = build_app()
    except UserError as error:
        print(f"Error: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    # On a Space, GRADIO_SERVER_NAME/PORT are set (0.0.0.0:7860); locally stay on loopback.
    host = os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1")
    port = int(os.environ.get("GRADIO_SERVER_PORT", os.environ.get("PORT", "7860")))
    demo.queue(default_concurrency_limit=int(os.environ.get("RAGARENA_CONCURRENCY", "16")))
    demo.launch(server_name=host, server_port=port, css=CSS)
