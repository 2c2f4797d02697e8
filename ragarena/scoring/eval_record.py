"""The automatic answer figures of an eval run as a stored score record (``kind: "automatic"``).

``python -m ragarena eval --record`` appends one to ``data/scores/measured.jsonl`` (the judge's
file), and ``python -m ragarena ship-scores`` rewrites the shipped ones of the offline models, so
the leaderboard shows measured conciseness figures (mean words, filler rate, false abstentions) on
a fresh clone. A record names the exact command, data, split, retrieval mode, k and date.
"""

from __future__ import annotations

import os
from pathlib import Path

from ragarena import settings
from ragarena.core.i18n import _
from ragarena.scoring import scores


def display_path(path: str | os.PathLike) -> str:
    """`path` relative to the repository when it lies inside it (records stay the same on every clone)."""
    path = Path(path)
    try:
        return path.resolve().relative_to(settings.REPO_ROOT).as_posix()
    except ValueError:
        return str(path)


def eval_command_line(args, retrieval: str | None, last: str) -> str:
    """The eval command that gives a record's figures again; `last` is its own option
    (``--record``, or ``--judge MODEL`` for the judge's record)."""
    parts = ["python -m ragarena eval"]
    if getattr(args, "docs", None):
        parts.append(f"--docs {display_path(args.docs)}")
    if getattr(args, "qa", None):
        parts.append(f"--qa {display_path(args.qa)}")
    parts += [f"--split {args.split}", f"--backend {args.backend}", f"--k {args.k}"]
    retrieval = retrieval or getattr(args, "retrieval", None)
    if retrieval:
        parts.append(f"--retrieval {retrieval}")
    return " ".join([*parts, last])


def automatic_record(
    summary: dict,
    args,
    *,
    label: str | None,
    retrieval: str | None,
    date: str | None = None,
    model: str | None = None,
    served_model: str | None = None,
    n_answerable: int | None = None,
) -> dict:
    """The record of an eval run's `summary` (`ragarena.scoring.evaluation.summarize`); `args` are eval's.
    `model` is the exact model id (`--backend openai` answers as e.g. "gpt-6-luna"), `served_model`
    what was sent as `model` to the server, when they differ; `n_answerable` the run's answerable turns
    (what `correct_rate` is a share of)."""
    answer = summary.get("answer") or {}
    figures = {key: round(float(answer[key]), 4) for key in scores.AUTOMATIC_FIGURES if answer.get(key) is not None}
    dataset = display_path(args.qa or settings.qa_file())
    command = eval_command_line(args, retrieval, "--record")
    record = {
        "model": model or args.backend,
        "label": label,
        "kind": "automatic",
        **{key: None for key in scores.CRITERIA},
        "overall": None,
        "n_items": summary.get("n_turns"),
        "n_failed": None,
        "judge": None,
        "dataset": dataset,
        "split": args.split,
        "date": date or scores.now_iso(),
        "source": f"medido con `{command}` sobre {dataset}, split {args.split}",
        "command": command,
        "retrieval": retrieval,
        "k": args.k,
        **figures,
    }
    if n_answerable is not None:
        record["n_answerable"] = n_answerable
    if served_model and served_model != record["model"]:
        record["served_model"] = served_model
    return scores.validate_record(record, _("cifras automáticas nuevas"))


def same_run(a: dict, b: dict) -> bool:
    """Two automatic records of the same model, data and settings (one replaces the other)."""
    keys = ("model", "dataset", "split", "retrieval", "k", "command")
    return a.get("kind") == b.get("kind") == "automatic" and all(a.get(k) == b.get(k) for k in keys)


def same_figures(a: dict, b: dict) -> bool:
    """Equal apart from the date: rewriting it would only move the date."""
    return {k: v for k, v in a.items() if k != "date"} == {k: v for k, v in b.items() if k != "date"}
