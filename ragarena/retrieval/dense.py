"""Dense and hybrid retrieval beside BM25, and the factory that picks one from configuration.

Users ask in their own words ("¿me lo puedo llevar a casa?") where the documentation says
"préstamo": embeddings match such paraphrases, BM25 matches exact terms (prices, names,
"wifi"). Hybrid fuses both rankings.

RAGARENA_RETRIEVAL  bm25 | dense | hybrid   (default: DEFAULT_MODE, chosen by bench/retrieval_modes.py)

All retrievers share `search(question, history, k) -> list[Hit]`; dense and hybrid delegate
`idf` (and any other attribute they lack) to their BM25 retriever: the extractive answerer
weighs question terms with BM25's statistics.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ragarena import settings
from ragarena.core.errors import UserError
from ragarena.core.passages import Hit, Passage
from ragarena.retrieval.bm25 import HISTORY_TURNS, Retriever
from ragarena.retrieval.embeddings import (
    Embedder,
    EmbeddingsUnavailable,
    cached_passage_vectors,
    create_embedder,
    passage_vectors,
)

log = logging.getLogger(__name__)

MODES = ("bm25", "dense", "hybrid")
# The mode with the best recall@3 on the bundled test split whose query p50 stays under
# 30 ms on 2 cores (bench/retrieval_modes.py; figures in the README).
DEFAULT_MODE = "hybrid"

# Dense follow-ups: similarity to the current question plus this weight times the similarity
# to the mean of the recent earlier questions (tuned on the train split: 0.5 / 1.0 / 1.5 gave
# recall@3 0.605 / 0.654 / 0.640). Earlier questions were embedded on their own turn (memo),
# so a follow-up costs a single new query embedding.
DENSE_HISTORY_WEIGHT = 1.0
# Hybrid score: HYBRID_BM25_WEIGHT * BM25 / max(BM25) + (1 - HYBRID_BM25_WEIGHT) * dense
# similarity min-max scaled over the corpus. Tuned on the train split (recall@3 0.762 / 0.765
# / 0.765 / 0.751 at 0.2 / 0.3 / 0.4 / 0.5; reciprocal rank fusion with k=60: 0.741).
HYBRID_BM25_WEIGHT = 0.3
# Reciprocal rank fusion constant (Cormack et al., 2009), for `fusion="rrf"`.
RRF_K = 60


class _BM25Statistics:
    """Term statistics (idf and the like) that the answerers read come from the BM25 retriever
    inside, whatever the retrieval mode."""

    bm25: Retriever

    def idf(self, term: str) -> float:
        return self.bm25.idf(term)

    def __getattr__(self, name: str):
        if name.startswith("__") or name == "bm25":
            raise AttributeError(name)
        return getattr(self.bm25, name)


class DenseRetriever(_BM25Statistics):
    """Cosine similarity between the query embedding and cached passage embeddings.

    With `background=True` and passages missing from the cache (a first start: ~40 s for the
    bundled docs on 2 cores), the vectors are computed in a thread and searches use BM25
    until they are ready, so the app starts at once."""

    mode = "dense"

    def __init__(
        self,
        passages: Sequence[Passage],
        embedder: Embedder,
        bm25: Retriever | None = None,
        cache_folder: str | Path | None = None,
        history_weight: float = DENSE_HISTORY_WEIGHT,
        background: bool = False,
    ):
        if not passages:
            raise ValueError("no passages to index")
        self.passages = list(passages)
        self.embedder = embedder
        self.bm25 = bm25 or Retriever(self.passages)
        self.history_weight = history_weight
        self._ready = threading.Event()
        texts = [p.indexed_text for p in self.passages]
        self.vectors: np.ndarray | None = cached_passage_vectors(embedder, texts, cache_folder) if background else None
        if self.vectors is None and background:
            threading.Thread(
                target=self._compute, args=(texts, cache_folder), name="ragarena-embeddings", daemon=True
            ).start()
            return
        if self.vectors is None:
            self.vectors = passage_vectors(embedder, texts, cache_folder)
        self._ready.set()

    def _compute(self, texts: list[str], cache_folder) -> None:
        try:
            self.vectors = passage_vectors(self.embedder, texts, cache_folder)
        except Exception as error:  # keep serving BM25
            log.warning("No se pudieron calcular los vectores de los fragmentos (%s). Se sigue con BM25.", error)
            return
        self._ready.set()
        log.warning("Vectores de los fragmentos listos: la recuperación «%s» está activa.", self.mode)

    @property
    def ready(self) -> bool:
        return self._ready.is_set()

    def wait_ready(self, timeout: float | None = None) -> bool:
        return self._ready.wait(timeout)

    def scores(self, question: str, history: Sequence[str] = ()) -> np.ndarray:
        """Similarity of every passage to the question, the recent history adding its share."""
        recent = [q for q in history if q.strip()][-HISTORY_TURNS:]
        queries = self.embedder.embed_queries([question, *recent])
        scores = self.vectors @ queries[0]
        if recent and self.history_weight:
            context = queries[1:].mean(axis=0)
            scores = scores + self.history_weight * (self.vectors @ context)
        return scores

    def similarity(self, scores: np.ndarray, history: Sequence[str] = ()) -> np.ndarray:
        """`scores` (of the same `history`) back on the cosine scale: the weighted mean of the
        question's and the recent history's similarity, so that one threshold reads every turn."""
        recent = [q for q in history if q.strip()][-HISTORY_TURNS:]
        return scores / (1 + self.history_weight) if recent and self.history_weight else scores

    def search(self, question: str, history: Sequence[str] = (), k: int = 5) -> list[Hit]:
        if not self.ready:
            return self.bm25.search(question, history, k)
        scores = self.scores(question, history)
        return _top(self.passages, scores, k, self.similarity(scores, history))


class HybridRetriever(_BM25Statistics):
    """BM25 and dense scores fused: weighted sum of normalised scores (default), or
    reciprocal rank fusion of the two rankings (`fusion="rrf"`: Σ 1 / (rrf_k + rank))."""

    mode = "hybrid"

    def __init__(
        self,
        bm25: Retriever,
        dense: DenseRetriever,
        fusion: str = "weighted",
        bm25_weight: float = HYBRID_BM25_WEIGHT,
        rrf_k: int = RRF_K,
    ):
        if fusion not in ("weighted", "rrf"):
            raise ValueError(f"unknown fusion {fusion!r}")
        self.bm25, self.dense = bm25, dense
        self.passages = bm25.passages
        self.fusion, self.bm25_weight, self.rrf_k = fusion, bm25_weight, rrf_k
        self._index = {p.id: i for i, p in enumerate(self.passages)}

    def search(self, question: str, history: Sequence[str] = (), k: int = 5) -> list[Hit]:
        if not self.dense.ready:  # vectors still being computed (first start)
            return self.bm25.search(question, history, k)
        n = len(self.passages)
        # BM25 through its own `search`, so its tuning (history, page prior) carries over.
        keyword_hits = self.bm25.search(question, history, k=n)
        similarity = self.dense.scores(question, history)
        if self.fusion == "rrf":
            keyword = [self._index[h.passage.id] for h in keyword_hits]
            fused = rrf_scores([keyword, np.argsort(-similarity, kind="stable").tolist()], n, self.rrf_k)
        else:
            keyword = np.zeros(n, dtype=np.float64)
            for hit in keyword_hits:
                keyword[self._index[hit.passage.id]] = hit.score
            fused = weighted_scores(keyword, similarity, self.bm25_weight)
        return _top(self.passages, fused, k, self.dense.similarity(similarity, history))


def weighted_scores(keyword: np.ndarray, similarity: np.ndarray, keyword_weight: float) -> np.ndarray:
    """keyword_weight * keyword / max(keyword) + (1 - keyword_weight) * min-max(similarity).

    BM25 scores are unbounded and zero for passages without a query term; cosines of e5
    crowd into a narrow band (0.75-0.9): each is brought to [0, 1] its own way."""
    keyword = np.asarray(keyword, dtype=np.float64)
    similarity = np.asarray(similarity, dtype=np.float64)
    top = keyword.max(initial=0.0)
    keyword = keyword / top if top > 0 else np.zeros_like(keyword)
    spread = float(np.ptp(similarity)) if similarity.size else 0.0
    similarity = (similarity - similarity.min()) / spread if spread > 0 else np.zeros_like(similarity)
    return keyword_weight * keyword + (1 - keyword_weight) * similarity


def rrf_scores(rankings: Sequence[Sequence[int]], n: int, k: int = RRF_K) -> np.ndarray:
    """Reciprocal rank fusion of rankings (passage indices, best first; a ranking may leave
    passages out: they get nothing from it)."""
    fused = np.zeros(n, dtype=np.float64)
    for ranking in rankings:
        for rank, index in enumerate(ranking, start=1):
            fused[index] += 1.0 / (k + rank)
    return fused


def _top(passages: list[Passage], scores: np.ndarray, k: int, similarity: np.ndarray | None = None) -> list[Hit]:
    k = max(0, min(k, len(passages)))
    if k == 0:
        return []
    top = np.argpartition(-scores, k - 1)[:k]
    top = top[np.argsort(-scores[top], kind="stable")]
    return [
        Hit(
            passage=passages[i],
            score=float(scores[i]),
            rank=rank,
            similarity=None if similarity is None else float(similarity[i]),
        )
        for rank, i in enumerate(top, start=1)
    ]


AnyRetriever = Retriever | DenseRetriever | HybridRetriever


def configured_mode() -> str:
    return settings.choice("RAGARENA_RETRIEVAL", MODES, DEFAULT_MODE)


def mode_of(retriever) -> str:
    return getattr(retriever, "mode", "bm25")


def build_retriever(
    passages: Sequence[Passage],
    mode: str | None = None,
    embedder: Embedder | None = None,
    *,
    strict: bool = False,
    cache_folder: str | Path | None = None,
    background: bool = False,
) -> AnyRetriever:
    """The retriever for `mode` (default: RAGARENA_RETRIEVAL, else DEFAULT_MODE).

    Without an embedding package, dense and hybrid fall back to BM25 with a logged warning,
    so the app still starts; `strict` (an explicit `--retrieval` on the CLI) raises UserError.
    `background`: passage vectors missing from the cache are computed in a thread, BM25
    answering meanwhile (for the app; evaluation and benchmarks need them before they start).
    """
    mode = (mode or configured_mode()).strip().lower()
    if mode not in MODES:
        message = f"Modo de recuperación desconocido «{mode}»: usa bm25, dense o hybrid."
        if strict:
            raise UserError(message)
        log.warning("%s Se usa BM25.", message)
        mode = "bm25"
    bm25 = Retriever(passages)
    if mode == "bm25":
        return bm25
    try:
        embedder = embedder or create_embedder()
    except EmbeddingsUnavailable as error:
        if strict:
            raise UserError(f"La recuperación «{mode}» necesita embeddings: {error}") from None
        log.warning("La recuperación «%s» no está disponible: %s. Se usa BM25.", mode, error)
        return bm25
    try:
        dense = DenseRetriever(passages, embedder, bm25=bm25, cache_folder=cache_folder, background=background)
    except Exception as error:  # the engine failed on a passage: keep the app up on BM25
        if strict:
            raise UserError(f"No se pudieron calcular los vectores de los fragmentos: {error}") from None
        log.warning("No se pudieron calcular los vectores de los fragmentos (%s). Se usa BM25.", error)
        return bm25
    return dense if mode == "dense" else HybridRetriever(bm25, dense)
