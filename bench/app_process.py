"""Start `python app.py` for a benchmark and wait until it serves (shared by streaming.py and votes.py)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(
    env: dict[str, str], cwd: Path, log: Path, port: int, timeout_s: float = 120.0, command: list[str] | None = None
) -> tuple[subprocess.Popen, str]:
    """Run `command` (default: the app) with `env`, output to `log`; (process, base URL) once /config answers."""
    process = subprocess.Popen(
        command or [sys.executable, str(REPO / "app.py")],
        env=env,
        cwd=cwd,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the app exited early:\n{log.read_text(errors='replace')}")
        try:
            urllib.request.urlopen(url + "config", timeout=2).read()
            return process, url
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise SystemExit(f"the app did not start in {timeout_s:g} s:\n{log.read_text(errors='replace')}")
