"""Settings read and validated in one place: a bad value stops the app or the command at start, with
the variable or the file (and line) named; the client IP behind proxies cannot be forged."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from ragarena.answering.models import load_specs
from ragarena.arena import voters
from ragarena.arena.votes import VoteStore
from ragarena.core.errors import UserError
from ragarena.core.refusals import VoteRejected

REPO = Path(__file__).resolve().parent.parent


def run_app(env: dict[str, str]) -> subprocess.CompletedProcess:
    full = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "RAGARENA_RETRIEVAL": "bm25", **env}
    return subprocess.run([sys.executable, "app.py"], cwd=REPO, env=full, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(
    "name, value, words",
    [
        ("GRADIO_SERVER_PORT", "abc", "número de puerto"),
        ("GRADIO_SERVER_PORT", "70000", "número de puerto"),
        ("RAGARENA_ARENA_TIMEOUT", "-5", "mayor que 0"),
        ("RAGARENA_CONCURRENCY", "0", "entero positivo"),
        ("RAGARENA_TRUSTED_PROXIES", "uno", "entero mayor o igual que 0"),
    ],
)
def test_the_app_refuses_a_bad_setting_at_start_naming_it(tmp_path, name, value, words):
    done = run_app({name: value, "RAGARENA_DATA_DIR": str(tmp_path)})
    assert done.returncode == 2
    assert f"Error: {name} debe ser" in done.stderr and f"«{value}»" in done.stderr and words in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    "name, value",
    [
        ("RAGARENA_ARENA_TIMEOUT", "0"),
        ("RAGARENA_ARENA_TIMEOUT", "nan"),
        ("RAGARENA_SCREEN_EVERY", "-1"),
        ("RAGARENA_BOOTSTRAP", "mil"),
        ("RAGARENA_VOTES_EVERY", "0"),
        ("RAGARENA_TRUST_PROXY", "quizá"),
        ("RAGARENA_LOGIN", "2"),
        ("RAGARENA_RETRIEVAL", "bm26"),
        ("RAGARENA_VOTES_PER_DAY", "-1"),
        ("RAGARENA_VOTES_PER_MINUTE", "0"),
        ("RAGARENA_RATINGS_PER_MINUTE", "x"),
        ("RAGARENA_MIN_VOTES", "cero"),
        ("RAGARENA_MIN_RATINGS", "-3"),
    ],
)
def test_every_setting_says_which_variable_is_wrong(monkeypatch, name, value):
    from ragarena import launch

    monkeypatch.setenv(name, value)
    with pytest.raises(UserError, match=f"^{name} debe ser .*«{value}»"):
        launch.check_all()


def test_settings_defaults_and_values(monkeypatch):
    from ragarena import launch, settings

    for name in (
        "RAGARENA_ARENA_TIMEOUT",
        "GRADIO_SERVER_PORT",
        "PORT",
        "RAGARENA_CONCURRENCY",
        "SPACE_ID",
        "RAGARENA_TRUST_PROXY",
        "RAGARENA_TRUSTED_PROXIES",
    ):
        monkeypatch.delenv(name, raising=False)
    launch.check_all()
    assert (settings.arena_timeout(), settings.server_port(), settings.concurrency()) == (180.0, 7860, 16)
    monkeypatch.setenv("PORT", "8000")
    assert settings.server_port() == 8000
    monkeypatch.setenv("GRADIO_SERVER_PORT", "7861")
    monkeypatch.setenv("RAGARENA_ARENA_TIMEOUT", "2.5")
    assert (settings.server_port(), settings.arena_timeout()) == (7861, 2.5)
    assert settings.trusted_proxies() == 0
    monkeypatch.setenv("SPACE_ID", "org/rag-arena")
    assert settings.trusted_proxies() == 1
    monkeypatch.setenv("RAGARENA_TRUST_PROXY", "0")
    assert settings.trusted_proxies() == 0
    monkeypatch.setenv("RAGARENA_TRUSTED_PROXIES", "2")
    assert settings.trusted_proxies() == 2


# --- models.yaml ---------------------------------------------------------------------------

GOOD = """models:
  - id: extractive
    label: Extractivo
    kind: extractive
  - id: extractive-long
    label: Extractivo ampliado
    kind: extractive
    sentences: 2
"""


@pytest.mark.parametrize(
    "change, words",
    [
        (("id: extractive-long", "id: extractive"), "línea 5: el id «extractive» está repetido"),
        (("sentences: 2", "sentences: two"), "línea 8: «sentences» de «extractive-long» debe ser un número entero"),
        (("sentences: 2", "sentense: 2"), "línea 8: clave desconocida «sentense»"),
        (("sentences: 2", "sentences: 0"), "línea 8: «sentences» de «extractive-long» debe ser mayor que 0"),
        (("kind: extractive\n", "kind: extractiv\n"), "línea 2: tipo de modelo desconocido «extractiv»"),
    ],
)
def test_models_yaml_is_checked_with_the_file_and_line(tmp_path, change, words):
    path = tmp_path / "models.yaml"
    assert [s.id for s in load_specs(_write(path, GOOD))] == ["extractive", "extractive-long"]
    _write(path, GOOD.replace(*change, 1))
    with pytest.raises(UserError) as caught:
        load_specs(path)
    assert f"«{path}», {words}" in str(caught.value)


@pytest.mark.parametrize(
    "line, words",
    [
        ("    timeout_s: -5", "«timeout_s» de «remoto» debe ser mayor que 0"),
        ("    timeout_s: treinta", "«timeout_s» de «remoto» debe ser un número"),
        ("    max_retries: -1", "«max_retries» de «remoto» debe ser mayor o igual que 0"),
        ("    max_tokens: 2.5", "«max_tokens» de «remoto» debe ser un número entero"),
    ],
)
def test_remote_model_settings_are_checked(tmp_path, line, words):
    path = _write(tmp_path / "models.yaml", "models:\n  - id: remoto\n    kind: openai\n    model: x\n" + line + "\n")
    with pytest.raises(UserError, match=words):
        load_specs(path)


def test_the_app_refuses_a_duplicate_model_id_at_start(tmp_path):
    models = _write(tmp_path / "models.yaml", GOOD.replace("id: extractive-long", "id: extractive"))
    done = run_app({"RAGARENA_MODELS": str(models), "RAGARENA_DATA_DIR": str(tmp_path)})
    assert done.returncode == 2 and "está repetido" in done.stderr and str(models) in done.stderr
    assert "Traceback" not in done.stderr


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# --- the client IP behind proxies -----------------------------------------------------------


def _request(forwarded: str, peer: str = "10.0.0.2"):
    return SimpleNamespace(client=SimpleNamespace(host=peer), headers={"x-forwarded-for": forwarded})


def test_the_client_ip_is_taken_from_the_right_skipping_the_trusted_proxies(monkeypatch):
    monkeypatch.delenv("RAGARENA_TRUST_PROXY", raising=False)
    monkeypatch.setenv("SPACE_ID", "org/rag-arena")  # one proxy by default
    monkeypatch.delenv("RAGARENA_TRUSTED_PROXIES", raising=False)
    assert voters.client_ip(_request("198.51.100.7")) == "198.51.100.7"
    assert voters.client_ip(_request("1.2.3.4, 5.6.7.8, 198.51.100.7")) == "198.51.100.7"
    monkeypatch.setenv("RAGARENA_TRUSTED_PROXIES", "2")  # e.g. a CDN in front of the Space's proxy
    assert voters.client_ip(_request("1.2.3.4, 198.51.100.7, 172.16.0.9")) == "198.51.100.7"
    monkeypatch.setenv("RAGARENA_TRUSTED_PROXIES", "0")
    assert voters.client_ip(_request("1.2.3.4, 198.51.100.7")) == "10.0.0.2"
    monkeypatch.delenv("RAGARENA_TRUSTED_PROXIES")
    monkeypatch.delenv("SPACE_ID")
    monkeypatch.setenv("RAGARENA_TRUST_PROXY", "1")  # the older switch: one proxy
    assert voters.client_ip(_request("1.2.3.4, 198.51.100.7")) == "198.51.100.7"


def test_rotating_forged_first_entries_do_not_get_past_the_daily_cap_per_ip(tmp_path, monkeypatch):
    monkeypatch.setenv("RAGARENA_TRUST_PROXY", "1")
    monkeypatch.delenv("RAGARENA_TRUSTED_PROXIES", raising=False)
    monkeypatch.setenv("RAGARENA_HASH_SALT", "sal")
    monkeypatch.setattr(voters, "_SALT", None)
    store = VoteStore(tmp_path / "arena.db", votes_per_minute=10_000, votes_per_day=5)
    accepted = 0
    for n in range(30):
        # One attacker behind the proxy (which appends 198.51.100.7), a new session and a forged
        # first entry each time.
        request = _request(f"203.0.113.{n}, 198.51.100.7")
        session = f"s{n}"
        battle = store.record_battle(
            session_hash=session,
            question="¿A qué hora abre?",
            model_a="extractive",
            model_b="extractive-long",
            answer_a="A las 7.",
            answer_b="A las 8.",
        )
        try:
            store.vote(battle, session, "model_a", ip_hash=voters.ip_hash(request))
            accepted += 1
        except VoteRejected:
            pass
    store.close()
    assert accepted == 5
