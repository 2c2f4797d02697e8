"""Vectors of the candidate sentences, with the embedder that retrieval uses for passages.

Kept like passage vectors (`ragarena.retrieval.embeddings.VectorCache`, by content hash, one file per
model): the bundled docs' ship in `data/vectors` (`python -m ragarena ship-vectors`), other
docs are embedded once in a background thread and cached; until then the selector answers
with its lexical variant.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence

import numpy as np

from ragarena.core.passages import Passage
from ragarena.retrieval.embeddings import Embedder, VectorCache, content_key, normalise
from ragarena.selector.candidates import Candidate, corpus_candidate_texts

log = logging.getLogger(__name__)

CACHE_SUFFIX = "-candidates"
# Up to this many missing sentences are embedded before the first answer (a few seconds on 2
# cores), so a small corpus answers the same way from its first question; more go to a thread.
SYNC_LIMIT = 100


def candidate_cache(embedder: Embedder, folder=None, shipped=...) -> VectorCache:
    kwargs = {} if shipped is ... else {"shipped": shipped}
    return VectorCache(embedder.name + CACHE_SUFFIX, folder, **kwargs)


def retriever_embedder(retriever) -> Embedder | None:
    """The embedder a dense or hybrid retriever uses, None for BM25."""
    return getattr(getattr(retriever, "dense", None) or retriever, "embedder", None)


class CandidateVectors:
    def __init__(
        self,
        embedder: Embedder,
        passages: Sequence[Passage],
        folder=None,
        background: bool = True,
        batch_size: int = 32,
    ):
        self.embedder = embedder
        self._cache = candidate_cache(embedder, folder)
        self._vectors: dict[str, np.ndarray] = self._cache.load()
        self._ready = threading.Event()
        missing = [t for t in corpus_candidate_texts(passages) if content_key(t) not in self._vectors]
        if not missing:
            self._ready.set()
        elif background and len(missing) > SYNC_LIMIT:
            threading.Thread(
                target=self._compute, args=(missing, batch_size), daemon=True, name="ragarena-candidate-vectors"
            ).start()
        else:
            self._compute(missing, batch_size)

    def _compute(self, texts: list[str], batch_size: int) -> None:
        (log.warning if len(texts) >= 100 else log.info)(
            "Calculando %d vectores de frases candidatas (solo la primera vez; quedan en %s)…",
            len(texts),
            self._cache.path,
        )
        try:
            vectors = dict(self._vectors)
            for start in range(0, len(texts), batch_size):
                batch = texts[start : start + batch_size]
                for text, vector in zip(batch, normalise(self.embedder.embed_passages(batch))):
                    vectors[content_key(text)] = vector
        except Exception as error:  # keep answering with the lexical variant (`of` finds no vectors)
            log.warning("No se pudieron calcular los vectores de las frases (%s): se usa el selector léxico.", error)
            self._ready.set()  # done trying: evaluation must not wait forever
            return
        self._vectors = vectors
        self._cache.save(vectors)
        self._ready.set()

    @property
    def ready(self) -> bool:
        return self._ready.is_set()

    def wait_ready(self, timeout: float | None = None) -> bool:
        return self._ready.wait(timeout)

    def of(self, found: Sequence[Candidate]) -> tuple[np.ndarray, np.ndarray] | None:
        """(len(found), dim) vectors of the candidates with their title and section, and of the
        candidates alone; None while any is missing."""
        try:
            titled = [self._vectors[content_key(c.embedded_text)] for c in found]
            alone = [self._vectors[content_key(c.text)] for c in found]
        except KeyError:
            return None
        return (np.stack(titled).astype(np.float32), np.stack(alone).astype(np.float32)) if titled else None
