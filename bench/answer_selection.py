"""Time the offline models add beyond retrieval: the learned selector beside the lexical one.

    python bench/answer_selection.py [--split test] [--cores 2] [--passes 3] [--min-of 1] [--reader-cost]

For every turn of the split, retrieval runs once (hybrid, as the app; the question's vector is
then in the embedder's memo, as it is when the app answers right after retrieving), then each
model answers the same request; the figure is the wall time of `collect(backend, request)`
only. Both models are timed in the same run, interleaved turn by turn, on `--cores` cores.
Target: the learned selector adds at most 30 ms p50.

`--reader-cost` adds a reference row that is not a model of the app: the bundled embedder
(multilingual-e5-small, 4-bit) reading each candidate together with the question, one pass per
(question, candidate) pair, for all of the turn's candidates and for the learned selector's top 5.
That is the compute of a cross-encoder of the embedder's size (12 layers of width 384), the
kind of reader answer-sentence selection is led by: what such a reader would cost on these cores.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from retrieval_modes import pin_cores  # noqa: E402

BUDGET_MS = 30.0
MODELS = ("extractive-lexical", "extractive")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", default="test")
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--min-of", type=int, default=1, help="per turn, the fastest of N runs (busy machines)")
    parser.add_argument(
        "--reader-cost",
        action="store_true",
        help="also time a cross-encoder-sized reader (the embedder over question+candidate pairs)",
    )
    args = parser.parse_args()
    pinned = pin_cores(args.cores)

    from ragarena import settings
    from ragarena.answering.backends.base import AnswerRequest, collect
    from ragarena.answering.engine import Engine
    from ragarena.retrieval.corpus import load_conversations
    from ragarena.retrieval.dense import mode_of

    engine = Engine(settings.docs_dir(), retrieval_mode="hybrid")
    backends = {model: engine.backend(model) for model in MODELS}
    for backend in backends.values():
        if hasattr(backend, "wait_ready"):
            backend.wait_ready()
    conversations = [c for c in load_conversations(settings.qa_file()) if args.split == "all" or c.split == args.split]
    times: dict[str, list[float]] = {model: [] for model in MODELS}
    readers = _reader_rows(backends["extractive"]) if args.reader_cost else {}
    times.update({name: [] for name in readers})
    for _ in range(args.passes):
        for conversation in conversations:
            history: list[tuple[str, str]] = []
            for turn in conversation.turns:
                hits = tuple(engine.retrieve(turn.question, [q for q, _ in history], k=5))
                request = AnswerRequest(turn.question, hits, tuple(history))
                for model, backend in backends.items():
                    best = float("inf")
                    for _ in range(args.min_of):
                        start = time.perf_counter()
                        collect(backend, request)
                        best = min(best, (time.perf_counter() - start) * 1000)
                    times[model].append(best)
                for name, read in readers.items():
                    start = time.perf_counter()
                    read(request)
                    times[name].append((time.perf_counter() - start) * 1000)
                history.append((turn.question, turn.answer))
    print(
        f"Answer selection beyond retrieval ({mode_of(engine.retriever)}), split {args.split}, "
        f"{len(times[MODELS[0]])} answers per model, {pinned}, load average {os.getloadavg()[0]:.1f}"
    )
    print("| model | p50 ms | p95 ms | mean ms |")
    print("|---|---|---|---|")
    for model, values in times.items():
        values = sorted(values)
        p95 = values[min(len(values) - 1, int(0.95 * len(values)))]
        print(f"| {model} | {statistics.median(values):.1f} | {p95:.1f} | {statistics.mean(values):.1f} |")
    learned, lexical = statistics.median(times["extractive"]), statistics.median(times["extractive-lexical"])
    verdict = "within" if learned <= BUDGET_MS else "OVER"
    print(
        f"learned / lexical p50: {learned / lexical:.2f}x; learned p50 {learned:.1f} ms, {verdict} the "
        f"{BUDGET_MS:.0f} ms budget"
    )
    return 0


def _reader_rows(selector) -> dict:
    """Timed stand-ins for a cross-encoder of the embedder's size: one embedder pass per
    (question, candidate) pair, over all the turn's candidates or the selector's top 5."""
    import numpy as np

    from ragarena.selector.candidates import candidates

    embedder = selector.scorer.vectors.embedder

    def read(request, top: int | None = None) -> None:
        if top is None:  # every candidate: no scores needed
            found = candidates(request.hits)
        else:
            found, matrix, _ = selector.scorer.features(request)
            scores = selector.model.variants["embeddings"].scores(matrix)
            found = [found[i] for i in np.argsort(-scores)[:top]]
        embedder.embed_passages([f"{request.question} {c.embedded_text}" for c in found])

    return {
        "reader of e5-small size, all candidates (reference)": read,
        "reader of e5-small size, top 5 (reference)": lambda request: read(request, 5),
    }


if __name__ == "__main__":
    raise SystemExit(main())
