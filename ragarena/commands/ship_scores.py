"""`python -m ragarena ship-scores`: measure the offline models and ship their figures in data/scores.

For every model of `models.yaml` that needs no server or key, it runs exactly what
``python -m ragarena eval --split test --backend ID --k 5 --retrieval hybrid --record`` runs on
the bundled docs and conversations, and rewrites that model's automatic record in
``data/scores/measured.jsonl``; the judge's records and any other automatic record stay as they
are. A record whose figures did not change keeps its date, so running it again on unchanged data
leaves the file byte for byte as it was (a test reruns it and compares). Run it after changing the
docs, the conversations, the retrieval or an offline model.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ragarena import settings
from ragarena.answering.engine import Engine
from ragarena.core.errors import UserError
from ragarena.core.jsonl import write_json_lines
from ragarena.retrieval.corpus import load_conversations
from ragarena.retrieval.dense import mode_of
from ragarena.scoring import eval_record, scores
from ragarena.scoring.evaluation import run_turns, summarize

#: Model kinds that answer through a server (need a URL or a key); every other kind runs offline.
SERVER_KINDS = ("openai", "tgi")
SPLIT, K, RETRIEVAL = "test", 5, "hybrid"


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "ship-scores", help="mide los modelos sin conexión y guarda sus cifras en data/scores"
    )
    parser.add_argument("--out", default=None, help="archivo de registros (por defecto data/scores/measured.jsonl)")
    parser.set_defaults(func=run)


def offline_models(specs) -> list:
    return [spec for spec in specs if spec.kind not in SERVER_KINDS]


def measure(specs=None, date: str | None = None) -> list[dict]:
    """One automatic record per offline model, as `eval --record` would append it."""
    date = date or scores.now_iso()  # one run, one date
    engine = Engine(settings.docs_dir(), retrieval_mode=RETRIEVAL)
    conversations = load_conversations(settings.qa_file())
    records = []
    for spec in offline_models(specs or engine.specs):
        args = argparse.Namespace(docs=None, qa=None, split=SPLIT, backend=spec.id, k=K)
        backend = engine.backend(spec.id)
        if hasattr(backend, "wait_ready"):  # as eval does: the model as it answers once its vectors are ready
            backend.wait_ready()
        results = list(run_turns(conversations, engine.retriever, backend, split=SPLIT, k=K))
        records.append(
            eval_record.automatic_record(
                summarize(results),
                args,
                label=spec.label,
                retrieval=mode_of(engine.retriever),
                date=date,
                n_answerable=sum(r.answerable for r in results),
            )
        )
    return records


def merged(existing: list[dict], fresh: list[dict]) -> list[dict]:
    """`existing` without the automatic records `fresh` replaces, then `fresh` (an unchanged record
    keeps its old date)."""
    kept = [record for record in existing if not any(eval_record.same_run(record, new) for new in fresh)]
    out = []
    for new in fresh:
        old = next((r for r in existing if eval_record.same_run(r, new) and eval_record.same_figures(r, new)), None)
        out.append(old or new)
    return kept + out


def write(path: Path, records: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_json_lines(path, records, atomic=True)


def run(args) -> int:
    path = Path(args.out) if args.out else scores.output_file(settings.REPO_ROOT / "data" / "scores")
    existing = scores.read_scores_file(path) if path.exists() else []
    # Rewritten as read: every record exactly as stored, so a judge's record is not reformatted.
    raw = (
        [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        if path.exists()
        else []
    )
    if len(raw) != len(existing):
        raise UserError(f"{path}: no se puede reescribir sin perder registros.")
    fresh = measure()
    try:
        write(path, merged(raw, fresh))
    except OSError as error:
        raise UserError(f"No se pueden guardar las cifras en «{path}»: {error}") from None
    for record in fresh:
        print(
            f"{record['model']}: {record['n_items']} turnos, "
            + ", ".join(f"{k} {record[k]}" for k in scores.AUTOMATIC_FIGURES if k in record),
            file=sys.stderr,
        )
    print(f"{len(fresh)} registros automáticos en {path}")
    return 0
