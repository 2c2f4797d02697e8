"""BM25 retrieval over passages with `bm25s`, Spanish stemming and stop words.

Follow-up questions ("¿Y por teléfono?") carry little on their own, so a query is scored
as the current question plus the earlier questions of the conversation at a lower weight:
the history supplies the topic, the current question still decides among its passages.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import bm25s
import numpy as np

from ragarena.core.passages import Hit, Passage
from ragarena.core.text import analyze

# Weight of the earlier questions relative to the current one (tuned on the train split).
HISTORY_WEIGHT = 0.5
# A passage also scores by how well its whole page matches, at this weight: users name the
# topic ("el bibliobús") in one place and the detail in another; the page ties them together.
PAGE_WEIGHT = 0.5
# Only the most recent questions matter: a topic from three turns ago rarely does.
HISTORY_TURNS = 2


class Retriever:
    """Keyword retriever; build once per corpus, then `search` is cheap."""

    def __init__(self, passages: Sequence[Passage]):
        if not passages:
            raise ValueError("no passages to index")
        self.passages = list(passages)
        analyzed = analyze([p.indexed_text for p in self.passages])
        self._model = bm25s.BM25()
        self._model.index(analyzed, show_progress=False)
        self._document_frequency = Counter(term for terms in analyzed for term in set(terms))
        page_of = {}
        for index, passage in enumerate(self.passages):
            page_of.setdefault(passage.page, []).append(index)
        self._page_index = np.empty(len(self.passages), dtype=np.int64)
        page_texts = []
        for number, indices in enumerate(page_of.values()):
            self._page_index[indices] = number
            first = self.passages[indices[0]]
            page_texts.append(
                " ".join([first.title] + [f"{self.passages[i].section} {self.passages[i].text}" for i in indices])
            )
        self._pages = bm25s.BM25()
        self._pages.index(analyze(page_texts), show_progress=False)

    def idf(self, term: str) -> float:
        """BM25's inverse document frequency of a stem; unknown stems weigh as the rarest."""
        n, df = len(self.passages), self._document_frequency.get(term, 0)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def scores(self, text: str) -> np.ndarray:
        """BM25 score of every passage for `text` (zeros when no term is known)."""
        return self._scores(self._model, text)

    def page_scores(self, text: str) -> np.ndarray:
        """BM25 score of each passage's whole page for `text`."""
        return self._scores(self._pages, text)[self._page_index]

    @staticmethod
    def _scores(model: bm25s.BM25, text: str) -> np.ndarray:
        ids = model.get_tokens_ids(analyze([text])[0])
        if not ids:
            return np.zeros(model.scores["num_docs"], dtype=np.float32)
        return model.get_scores_from_ids(ids)

    def search(self, question: str, history: Sequence[str] = (), k: int = 5) -> list[Hit]:
        """Top-k passages for `question`, `history` being the earlier questions (oldest first).

        The page prior reads the whole recent conversation at full weight (the topic usually
        stays), the passage score the earlier questions at HISTORY_WEIGHT (the detail moves on)."""
        recent = " ".join([q for q in history if q.strip()][-HISTORY_TURNS:])
        scores = self.scores(question) + PAGE_WEIGHT * self.page_scores(f"{recent} {question}")
        if recent:
            scores = scores + HISTORY_WEIGHT * self.scores(recent)
        return self._top(scores, k)

    def _top(self, scores: np.ndarray, k: int) -> list[Hit]:
        k = max(0, min(k, len(self.passages)))
        if k == 0:
            return []
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [
            Hit(passage=self.passages[i], score=float(scores[i]), rank=rank)
            for rank, i in enumerate(top, start=1)
            if scores[i] > 0
        ]
