"""The judge cache: where it lives, its key, and how it is read and appended.

Every valid judgement is appended to ``judge-cache.jsonl`` as soon as it arrives, keyed by a hash
of the judge model, the rubric, the question, the history, the passages and the answer, so an
interrupted ``eval --judge`` resumes without asking again. The folder is ``--judge-cache``, else
``RAGARENA_JUDGE_CACHE`` (``settings.judge_cache_dir``, default ``RAGARENA_DATA_DIR/judge-cache``):
`eval` writes it and the leaderboard's judge-vs-people agreement reads it, both through
`cache_dir`, `cache_path` and `read_cache` here.

Each line: ``{"key", "judge", "question", "scores": {criterion: {"score", "justification"}}}``.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from pathlib import Path

from ragarena import settings
from ragarena.core.errors import UserError
from ragarena.core.i18n import _
from ragarena.core.jsonl import loads, write_json_lines
from ragarena.scoring.judge_rubric import RUBRIC_HASH, JudgeItem

CACHE_FILE = "judge-cache.jsonl"


def cache_dir(directory: str | os.PathLike | None = None) -> Path:
    """The cache folder: `directory` when given, else the configured one (``RAGARENA_JUDGE_CACHE``)."""
    return Path(directory) if directory else settings.judge_cache_dir()


def cache_path(directory: str | os.PathLike | None = None) -> Path:
    """The cache file in `cache_dir(directory)`."""
    return cache_dir(directory) / CACHE_FILE


def cache_key(judge_model: str, item: JudgeItem) -> str:
    payload = json.dumps(
        {
            "judge": judge_model,
            "rubric": RUBRIC_HASH,
            "question": item.question,
            "history": [list(pair) for pair in item.history],
            "passages": list(item.passages),
            "answer": item.answer,
        },
        ensure_ascii=False,
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def read_cache(directory: str | os.PathLike | None = None) -> tuple[dict[str, dict], list[str]]:
    """(cache key -> judgement, judge names) from the cache in `directory` (None: the configured one).

    A missing folder or file is an empty cache; unreadable lines (a half-written last line of a run
    killed mid-write) are skipped; a file that cannot be read at all is a `UserError`.
    """
    path = cache_path(directory)
    entries: dict[str, dict] = {}
    judges: set[str] = set()
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return {}, []
    except OSError as error:
        raise UserError(
            _(
                "No se puede leer la caché del juez {path}: {reason}",
                path=str(path),
                reason=error.strerror or str(error),
            )
        ) from None
    for line in text.splitlines():
        try:
            entry = loads(line)
            key, scores = entry["key"], entry["scores"]
        except (json.JSONDecodeError, KeyError, TypeError):
            continue
        if isinstance(key, str) and isinstance(scores, dict):
            entries[key] = scores
            if isinstance(entry.get("judge"), str):
                judges.add(entry["judge"])
    return entries, sorted(judges)


class JudgeCache:
    """Valid judgements as JSON Lines, appended (and flushed) one by one; thread-safe.

    A half-written last line (a run killed mid-write) is ignored when reading.
    """

    def __init__(self, directory: str | os.PathLike | None = None):
        self.path = cache_path(directory)
        self._lock = threading.Lock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise UserError(f"No se puede usar la caché del juez en {self.path}: {error.strerror or error}") from None
        self._entries, _judges = read_cache(self.path.parent)

    def get(self, key: str) -> dict | None:
        return self._entries.get(key)

    def put(self, key: str, judgement: dict, **meta) -> None:
        record = {"key": key, **meta, "scores": judgement}
        with self._lock:
            self._entries[key] = judgement
            write_json_lines(self.path, [record], append=True)
