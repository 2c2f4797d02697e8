"""Every environment setting of the app and the CLI, read and validated here (README, *Configuration*).

A bad value stops the app at start (`ragarena.launch.check_all`) or the command that
reads it, always with the same kind of message: a `UserError` naming the variable, the value and
what it should be. An unset or empty variable means its default. The secrets and the backend
addresses that `models.yaml` names (``api_key_env``, ``base_url_env``, ``model_env``) are read with
`raw` under the names the registry gives; the backends decide which variables those are.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

from ragarena.core.errors import UserError
from ragarena.core.i18n import _

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_VOTES_PER_MINUTE = 20
DEFAULT_VOTES_PER_DAY = 200
DEFAULT_RATINGS_PER_MINUTE = 20
DEFAULT_MIN_VOTES = 10
DEFAULT_MIN_RATINGS = 20
YES = ("1", "true", "yes", "si", "sí", "on")
NO = ("0", "false", "no", "off")


def raw(name: str) -> str:
    """The variable's value stripped ("" when unset)."""
    return os.environ.get(name, "").strip()


def _bad(name: str, value: str, what) -> UserError:
    return UserError(_("{name} debe ser {what} (vale «{value}»).", name=name, what=what, value=value))


def text(name: str, default: str = "") -> str:
    return raw(name) or default


def path(name: str, default: str | Path) -> Path:
    return Path(raw(name) or default)


def positive_int(name: str, default: int) -> int:
    return _parsed(name, default, int, lambda n: n >= 1, _("un entero positivo"))


def non_negative_int(name: str, default: int) -> int:
    return _parsed(name, default, int, lambda n: n >= 0, _("un entero mayor o igual que 0"))


def positive_seconds(name: str, default: float) -> float:
    return _parsed(name, default, float, lambda n: math.isfinite(n) and n > 0, _("un número de segundos mayor que 0"))


def non_negative_seconds(name: str, default: float) -> float:
    return _parsed(
        name, default, float, lambda n: math.isfinite(n) and n >= 0, _("un número de segundos mayor o igual que 0")
    )


def positive_minutes(name: str, default: float) -> float:
    return _parsed(name, default, float, lambda n: math.isfinite(n) and n > 0, _("un número de minutos mayor que 0"))


def port(name: str, default: int) -> int:
    return _parsed(name, default, int, lambda n: 1 <= n <= 65535, _("un número de puerto (1-65535)"))


def _parsed(name: str, default, convert, valid, what):
    """`convert(value)` of the variable when `valid`, `default` when unset, else the UserError."""
    value = raw(name)
    if not value:
        return default
    try:
        number = convert(value)
    except ValueError:
        raise _bad(name, value, what) from None
    if not valid(number):
        raise _bad(name, value, what)
    return number


def flag(name: str) -> bool | None:
    """True / False for yes / no (1, true, sí... / 0, false, no...), None when unset."""
    value = raw(name).lower()
    if not value:
        return None
    if value in YES:
        return True
    if value in NO:
        return False
    raise _bad(name, value, _("1 o 0"))


def choice(name: str, choices: tuple[str, ...], default: str) -> str:
    value = raw(name).lower()
    if not value:
        return default
    if value not in choices:
        raise _bad(name, value, _("uno de: {choices}", choices=", ".join(choices)))
    return value


# --- the settings themselves (README table) ---------------------------------------------------


def on_space() -> bool:
    return bool(raw("SPACE_ID"))


def docs_dir() -> Path:
    return path("RAGARENA_DOCS", REPO_ROOT / "data" / "docs")


def qa_file() -> Path:
    return path("RAGARENA_QA", REPO_ROOT / "data" / "qa" / "conversations.jsonl")


def data_dir() -> Path:
    return path("RAGARENA_DATA_DIR", "/data" if Path("/data").is_dir() else "runtime")


def db_path() -> Path | str:
    """The SQLite file, or the PostgreSQL URL as given (a `Path` would fold its ``//``)."""
    value = raw("RAGARENA_DB").strip()
    if "://" in value:
        return value
    return path("RAGARENA_DB", data_dir() / "arena.db")


def models_file() -> Path:
    return path("RAGARENA_MODELS", REPO_ROOT / "models.yaml")


def scores_dir() -> Path:
    return path("RAGARENA_SCORES", REPO_ROOT / "data" / "scores")


def judge_cache_dir() -> Path:
    return path("RAGARENA_JUDGE_CACHE", data_dir() / "judge-cache")


def cache_dir() -> Path:
    return path("RAGARENA_CACHE_DIR", data_dir() / "cache")


def arena_timeout() -> float:
    """Seconds an arena answer may take (RAGARENA_ARENA_TIMEOUT)."""
    return positive_seconds("RAGARENA_ARENA_TIMEOUT", 180.0)


def screen_every() -> float:
    """Seconds between background screenings of the voters; 0: only at refresh and export."""
    return non_negative_seconds("RAGARENA_SCREEN_EVERY", 300.0)


def bootstrap_rounds() -> int:
    return non_negative_int("RAGARENA_BOOTSTRAP", 1000)


def concurrency() -> int:
    """Answers the app computes at once (Gradio's default concurrency limit)."""
    return positive_int("RAGARENA_CONCURRENCY", 16)


def votes_every() -> float:
    """Minutes between pushes of the votes to RAGARENA_VOTES_REPO."""
    return positive_minutes("RAGARENA_VOTES_EVERY", 5.0)


def trusted_proxies() -> int:
    """How many proxies in front of the app append to X-Forwarded-For (the client IP is the entry
    that many places from the right). RAGARENA_TRUSTED_PROXIES; else RAGARENA_TRUST_PROXY=1 means 1
    and 0 means none; else 1 on a Hugging Face Space (its one proxy), 0 elsewhere."""
    if raw("RAGARENA_TRUSTED_PROXIES"):
        return non_negative_int("RAGARENA_TRUSTED_PROXIES", 0)
    trust = flag("RAGARENA_TRUST_PROXY")
    if trust is not None:
        return int(trust)
    return 1 if on_space() else 0


def login_enabled() -> bool:
    forced = flag("RAGARENA_LOGIN")
    if forced is not None:
        return forced
    # A Space with `hf_oauth: true` sets OAUTH_CLIENT_ID (and SYSTEM=spaces); off a Space Gradio would
    # mock the login, which needs a Hugging Face token and the network at start-up.
    return bool(raw("OAUTH_CLIENT_ID")) and raw("SYSTEM") == "spaces"


def server_name() -> str:
    return text("GRADIO_SERVER_NAME", "127.0.0.1")


def server_port() -> int:
    """GRADIO_SERVER_PORT (a Space sets it), else PORT, else 7860."""
    if raw("GRADIO_SERVER_PORT"):
        return port("GRADIO_SERVER_PORT", 7860)
    return port("PORT", 7860)


def session_capacity() -> int:
    """Visitor sessions Gradio keeps in memory (`ragarena.ui.sessions`; Gradio's own default is 10,000)."""
    return positive_int("RAGARENA_SESSIONS", 1000)


def session_idle_s() -> int:
    """Seconds after which an idle visitor session's memory is freed."""
    return positive_int("RAGARENA_SESSION_IDLE", 3600)


def votes_per_minute() -> int:
    """Votes a session may cast per minute (``RAGARENA_VOTES_PER_MINUTE``)."""
    return positive_int("RAGARENA_VOTES_PER_MINUTE", DEFAULT_VOTES_PER_MINUTE)


def votes_per_day() -> int:
    """Votes a voter may cast per day (``RAGARENA_VOTES_PER_DAY``; see `ragarena.arena.voters`)."""
    return positive_int("RAGARENA_VOTES_PER_DAY", DEFAULT_VOTES_PER_DAY)


def ratings_per_minute() -> int:
    """1-5 ratings of Chat answers a session may send per minute (``RAGARENA_RATINGS_PER_MINUTE``)."""
    return positive_int("RAGARENA_RATINGS_PER_MINUTE", DEFAULT_RATINGS_PER_MINUTE)


def min_votes() -> int:
    """Votes a model needs before the leaderboard shows its arena rating (``RAGARENA_MIN_VOTES``)."""
    return positive_int("RAGARENA_MIN_VOTES", DEFAULT_MIN_VOTES)


def min_ratings() -> int:
    """Ratings a model needs before the leaderboard shows its means (``RAGARENA_MIN_RATINGS``)."""
    return positive_int("RAGARENA_MIN_RATINGS", DEFAULT_MIN_RATINGS)


def link_hosts() -> tuple[str, ...]:
    """The operator's allow-list of link hosts (``RAGARENA_LINK_HOSTS``), lower case; empty by default."""
    return tuple(host.strip().lower().lstrip(".") for host in raw("RAGARENA_LINK_HOSTS").split(",") if host.strip())
