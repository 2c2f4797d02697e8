"""Shared fixtures: the small polideportivo corpus in tests/fixtures (not the bundled data)."""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
# One passage-vector cache for every app the tests start: the bundled corpus is embedded once
# per test session, not at every launch (keys are content hashes, so sharing is safe).
os.environ.setdefault("RAGARENA_CACHE_DIR", tempfile.mkdtemp(prefix="ragarena-test-cache-"))

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def fixture_docs() -> Path:
    return FIXTURES / "docs"


@pytest.fixture(scope="session")
def fixture_qa() -> Path:
    return FIXTURES / "conversations.jsonl"


@pytest.fixture(scope="session")
def fixture_engine(fixture_docs):
    from ragarena.answering.engine import Engine

    return Engine(fixture_docs, retrieval_mode="bm25")  # these tests are about BM25 itself


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RunningApp:
    """`python app.py` in a subprocess on 127.0.0.1, with the environment a test chooses."""

    def __init__(self, env: dict[str, str], tmp: Path):
        import subprocess
        import sys

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        full_env = {
            **os.environ,
            "GRADIO_SERVER_PORT": str(self.port),
            "GRADIO_SERVER_NAME": "127.0.0.1",
            "RAGARENA_DATA_DIR": str(tmp / "runtime"),
            **env,
        }
        self.log_path = tmp / f"app-{self.port}.log"
        self._log = open(self.log_path, "w")  # noqa: SIM115 (the app's log, open while the process runs)
        self.process = subprocess.Popen(
            [sys.executable, str(REPO / "app.py")], env=full_env, cwd=tmp, stdout=self._log, stderr=subprocess.STDOUT
        )

    def wait(self, timeout: float = 60.0) -> RunningApp:
        import time
        import urllib.request

        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the app exited early:\n{self.log()}")
            try:
                urllib.request.urlopen(self.url + "config", timeout=2).read()
                return self
            except OSError:
                time.sleep(0.3)
        raise TimeoutError(f"the app did not start:\n{self.log()}")

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")

    def stop(self, sig=None) -> None:
        import signal

        if self.process.poll() is None:
            self.process.send_signal(sig or signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except Exception:
                self.process.kill()
        self._log.close()


@pytest.fixture
def app_launcher(tmp_path):
    """Call with an environment dict; every app started is stopped at the end of the test."""
    started: list[RunningApp] = []

    def launch(env: dict[str, str] | None = None) -> RunningApp:
        app = RunningApp(env or {}, tmp_path)
        started.append(app)  # stopped at teardown even when it fails to start
        return app.wait()

    yield launch
    for app in started:
        app.stop()


def message_text(message: dict) -> str:
    """The text a Chatbot message shows, from what gradio_client returns (content is a list of parts, in
    the Markdown of `ragarena.answering.safe_markdown`, punctuation escaped: `plain` reads it back)."""
    from ragarena.answering.safe_markdown import plain

    content = message["content"]
    if not isinstance(content, str):
        content = "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return plain(content)


# Real-browser tests: Debian's Chromium driven by Playwright (no browser download). Skipped without
# them, unless RAGARENA_REQUIRE_BROWSER is set (CI), where a missing browser fails.
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def _browser_or_skip():
    try:
        from playwright.sync_api import sync_playwright  # noqa: F401
    except ImportError:
        if os.environ.get("RAGARENA_REQUIRE_BROWSER"):
            raise
        pytest.skip("playwright is not installed")
    if not Path(CHROMIUM).exists():
        if os.environ.get("RAGARENA_REQUIRE_BROWSER"):
            pytest.fail(f"no Chromium at {CHROMIUM}")
        pytest.skip("Debian's chromium is not installed")


@pytest.fixture
def browser():
    _browser_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


# Vote-store tests run on both backends: a SQLite file, and a throwaway PostgreSQL cluster started on a free
# loopback port (tests/pg_server.py). Without a server they skip, unless RAGARENA_REQUIRE_POSTGRES=1 (CI).
BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(scope="session")
def postgres():
    from pg_server import Unavailable, start

    try:
        cluster = start()
    except Unavailable as error:
        if os.environ.get("RAGARENA_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"RAGARENA_REQUIRE_POSTGRES=1 but no PostgreSQL server could be started: {error}")
        pytest.skip(f"no PostgreSQL server could be started: {error}")
    yield cluster
    cluster.stop()


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def db_target(backend, tmp_path, request):
    """``db_target(name)``: the vote database `name` of this test on its backend (a file under tmp_path, or
    a fresh PostgreSQL database; the same name gives the same database), as RAGARENA_DB would name it."""
    made: dict[str, str | Path] = {}

    def make(name: str = "arena.db"):
        if name not in made:
            if backend == "sqlite":
                made[name] = tmp_path / name
            else:
                cluster = request.getfixturevalue("postgres")
                made[name] = cluster.url(cluster.create_database())
        return made[name]

    return make
