"""The default offline model: a fitted selector picks the sentence of the retrieved passages that
answers, or says the documentation does not cover the question.

Every answer is a candidate of `ragarena.selector.candidates` (a literal sentence, clause or list
item of the documentation) or the fixed "not covered" sentence. The selector scores each
candidate with `ragarena.selector.model` and abstains when its turn-level probability that the
documentation answers is under the threshold set on the train split.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np

from ragarena.answering.backends.base import AnswerRequest, words_as_chunks
from ragarena.answering.prompts import NOT_COVERED_ANSWER
from ragarena.retrieval.bm25 import HISTORY_TURNS
from ragarena.selector.candidates import Candidate, candidates
from ragarena.selector.features import Query, feature_matrix
from ragarena.selector.model import SelectorModel
from ragarena.selector.vectors import CandidateVectors, retriever_embedder


class CandidateScorer:
    """Candidates of a request and their feature rows (all features; variants pick their columns)."""

    def __init__(
        self, retriever, background: bool = True, vectors: CandidateVectors | None = None, use_embeddings: bool = True
    ):
        self.retriever = retriever
        embedder = retriever_embedder(retriever) if use_embeddings else None
        self.vectors = vectors or (
            CandidateVectors(embedder, retriever.passages, background=background) if embedder else None
        )

    def wait_ready(self, timeout: float | None = None) -> bool:
        return self.vectors.wait_ready(timeout) if self.vectors else True

    def features(self, request: AnswerRequest) -> tuple[list[Candidate], np.ndarray, bool]:
        """(candidates, feature matrix, whether the embedding features are real)."""
        found = candidates(request.hits)
        history = tuple(q for q, _ in request.history)
        query_vector = history_vector = candidate_vectors = alone_vectors = None
        if self.vectors and self.vectors.ready and found:
            vectors = self.vectors.of(found)
            if vectors is not None:
                candidate_vectors, alone_vectors = vectors
                recent = [q for q in history if q.strip()][-HISTORY_TURNS:]
                queries = self.vectors.embedder.embed_queries([request.question, *recent])
                query_vector = queries[0]
                history_vector = queries[1:].mean(axis=0) if recent else None
        previous_answer = request.history[-1][1] if request.history else ""
        matrix = feature_matrix(
            Query(request.question, history, previous_answer),
            found,
            self.retriever.idf,
            query_vector,
            history_vector,
            candidate_vectors,
            alone_vectors,
        )
        return found, matrix, candidate_vectors is not None


class SelectorBackend:
    def __init__(
        self,
        retriever,
        id: str = "extractive",
        label: str = "Extractivo",
        model_path: str | Path | None = None,
        background: bool = True,
    ):
        self.id, self.label = id, label
        self.model = SelectorModel.load(model_path)
        self.scorer = CandidateScorer(
            retriever, background=background, use_embeddings="embeddings" in self.model.variants
        )

    def wait_ready(self, timeout: float | None = None) -> bool:
        """True once candidate vectors are loaded (evaluation waits, the app answers lexically meanwhile)."""
        return self.scorer.wait_ready(timeout)

    def stream(self, request: AnswerRequest) -> Iterator[str]:
        chosen = self.choose(request)
        yield from words_as_chunks(chosen.text if chosen else NOT_COVERED_ANSWER)

    def choose(self, request: AnswerRequest) -> Candidate | None:
        found, matrix, embedded = self.scorer.features(request)
        variant = self.model.variants["embeddings" if embedded and "embeddings" in self.model.variants else "lexical"]
        chosen, _ = variant.choose(found, matrix)
        return chosen
