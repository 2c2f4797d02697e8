"""The threshold of the passages panel's «relevante» label (`ragarena.retrieval.relevance`), chosen on
the TRAIN split, and how it reads on the test split.

    python bench/passage_relevance.py

For every turn of the bundled conversations it retrieves 5 passages as the app does (hybrid, history
included) and takes each hit's `Hit.similarity`. The threshold is the `KEEP` quantile from the bottom
of the similarities of the gold passages (those holding the turn's reference context) among the train
split's hits, rounded down to 0.005: a passage is «relevante» when it is as close to the question as
95 % of the passages that held an answer. On the test split it prints the share of gold passages
labelled relevant and the share of the hits of unanswerable turns labelled «poco relevante».
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

KEEP = 0.95  # share of the train split's gold passages that must read «relevante»


def similarities(engine, conversations, split: str) -> tuple[list[float], list[float]]:
    """(similarities of the gold passages among the hits, similarities of every hit of unanswerable turns)."""
    gold, unanswerable = [], []
    for conversation in conversations:
        if conversation.split != split:
            continue
        history: list[str] = []
        for turn in conversation.turns:
            for hit in engine.retrieve(turn.question, history, k=5):
                if not turn.answerable:
                    unanswerable.append(hit.similarity)
                elif turn.context.strip() and turn.context.strip()[:80] in hit.passage.text:
                    gold.append(hit.similarity)
            history.append(turn.question)
    return gold, unanswerable


def main() -> int:
    from ragarena import settings
    from ragarena.answering.engine import Engine
    from ragarena.retrieval.corpus import load_conversations
    from ragarena.retrieval.relevance import RELEVANT_SIMILARITY

    engine = Engine(settings.docs_dir(), retrieval_mode="hybrid")
    engine.retriever.dense.wait_ready()
    conversations = load_conversations(settings.qa_file())
    gold, _ = similarities(engine, conversations, "train")
    threshold = math.floor(float(np.quantile(gold, 1 - KEEP)) * 200) / 200
    print(
        f"train: {len(gold)} gold passages in the top 5; threshold keeping {KEEP:.0%} of them: {threshold:.3f}"
        f" (shipped: {RELEVANT_SIMILARITY:.3f})"
    )
    gold, unanswerable = similarities(engine, conversations, "test")
    print(
        f"test: gold passages labelled relevant {np.mean(np.array(gold) >= threshold):.1%} of {len(gold)}; "
        f"hits of unanswerable turns labelled «poco relevante» {np.mean(np.array(unanswerable) < threshold):.1%} "
        f"of {len(unanswerable)}"
    )
    for question in ("¿Quién ganó el último mundial de fútbol?", "¿Cuánto cuesta imprimir en color?"):
        found = [round(h.similarity, 3) for h in engine.retrieve(question, [], k=5)]
        print(f"{question} {found}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
