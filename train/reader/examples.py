"""The reader's training turns, built through the code that serves: the app's retriever
(`ragarena.retrieval.dense.build_retriever`, in the app's mode), the candidates of every top-k
passage (`ragarena.selector.candidates`) and the selector's feature rows (`collect_rows` of
`ragarena.answering.selector_training`), so each turn carries what the selector sees besides its text.

Sources: the bundled train split (multi-turn; `split == "train"` only) and SQuAD-es v2.0 dev
(single-turn; answerable questions teach the choice, its adversarial unanswerable ones abstention).
A candidate is right when it holds at least half of the gold answer's content terms (what
`correct_rate` counts).
"""

from __future__ import annotations

import random
import sys
from dataclasses import dataclass
from pathlib import Path

from ragarena.answering.backends.selector import CandidateScorer
from ragarena.answering.selector_training import TurnRows, collect_rows
from ragarena.commands.train_selector import data_provenance
from ragarena.reader.pairs import pair_text
from ragarena.retrieval.bm25 import HISTORY_TURNS
from ragarena.retrieval.corpus import all_passages, load_conversations, load_pages
from ragarena.retrieval.dense import build_retriever


@dataclass
class Source:
    name: str
    turns: list[TurnRows]
    data: dict  # provenance: folders, digests, retrieval mode, counts


def texts_of(turn: TurnRows) -> list[str]:
    """What the reader reads for each candidate of a turn (without the engine's "query: ")."""
    recent = [q for q in turn.history if q.strip()][-HISTORY_TURNS:]
    return [pair_text(turn.question, recent, c.passage.title, c.passage.section, c.text) for c in turn.candidates]


def load_source(
    name: str,
    docs: Path,
    qa: Path,
    k: int,
    mode: str | None,
    embeddings: bool,
    answerable: int | None = None,
    unanswerable: int | None = None,
    seed: int = 0,
) -> Source:
    """Train-split turns of one data folder; `answerable`/`unanswerable`: seeded samples of that many
    conversations of each kind (None: all)."""
    conversations = [c for c in load_conversations(qa) if c.split == "train"]
    if answerable is not None or unanswerable is not None:
        rng = random.Random(seed)
        kinds = {
            True: [c for c in conversations if all(t.answerable for t in c.turns)],
            False: [c for c in conversations if not all(t.answerable for t in c.turns)],
        }
        conversations = [
            c
            for kind, limit in ((True, answerable), (False, unanswerable))
            for c in (kinds[kind] if limit is None else rng.sample(kinds[kind], min(limit, len(kinds[kind]))))
        ]
    retriever = build_retriever(all_passages(load_pages(docs)), mode, strict=True)
    scorer = CandidateScorer(retriever, background=False, use_embeddings=embeddings)
    turns = collect_rows(conversations, retriever, scorer, k=k, progress=_progress(name))
    print(file=sys.stderr)
    data = {
        **data_provenance(docs, qa, retriever, k),
        "conversations": len(conversations),
        "turns": len(turns),
        "unanswerable_turns": sum(not t.answerable for t in turns),
        "turns_with_a_right_candidate": sum(bool(t.labels.any()) for t in turns),
    }
    return Source(name, turns, data)


def _progress(name: str):
    def show(done: int, total: int) -> None:
        if done == total or done % 200 == 0:
            print(f"\r{name}: {done}/{total} turnos", end="", file=sys.stderr, flush=True)

    return show
