"""`python -m ragarena eval`: run a backend on a split and print retrieval and answer figures."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ragarena import settings
from ragarena.answering.engine import Engine
from ragarena.core.errors import UserError
from ragarena.core.jsonl import write_json_lines
from ragarena.retrieval.corpus import load_conversations
from ragarena.retrieval.dense import mode_of
from ragarena.scoring import eval_record, judge_setup, scores
from ragarena.scoring.evaluation import run_turns, summarize


def register(subparsers) -> None:
    parser = subparsers.add_parser("eval", help="evalúa un modelo sobre un split de conversaciones")
    parser.add_argument("--docs", default=None, help="carpeta de páginas Markdown (por defecto data/docs)")
    parser.add_argument("--qa", default=None, help="conversaciones JSONL (por defecto data/qa/conversations.jsonl)")
    parser.add_argument("--split", default="test", help="train, test o all (por defecto test)")
    parser.add_argument(
        "--backend",
        default="extractive",
        help="id del modelo en models.yaml (o su alias: openai, el modelo de OPENAI_MODEL)",
    )
    parser.add_argument("--k", type=int, default=5, help="fragmentos recuperados por pregunta")
    parser.add_argument(
        "--retrieval",
        choices=("bm25", "dense", "hybrid"),
        default=None,
        help="recuperación: bm25, dense o hybrid (por defecto RAGARENA_RETRIEVAL o el modo por defecto)",
    )
    parser.add_argument("--json", dest="json_out", default=None, help="escribe las cifras en este archivo")
    parser.add_argument(
        "--record",
        action="store_true",
        help="guarda las cifras de las respuestas con su procedencia en data/scores/measured.jsonl "
        "(o en --scores-out), donde las lee la clasificación",
    )
    parser.add_argument(
        "--predictions",
        default=None,
        help="escribe una línea JSON por turno (pregunta, fragmentos, respuesta, respuesta de "
        "referencia, métricas del turno) en este archivo",
    )
    judge_setup.add_arguments(parser)
    parser.set_defaults(func=run)


def run(args) -> int:
    if args.k < 1:
        raise UserError("--k debe ser al menos 1.")
    engine = Engine(args.docs or settings.docs_dir(), retrieval_mode=args.retrieval)
    print(f"Recuperación: {mode_of(engine.retriever)}", file=sys.stderr)
    conversations = load_conversations(args.qa or settings.qa_file())
    if args.split not in ("all", "train", "test"):
        raise UserError(f"Split desconocido «{args.split}»: usa train, test o all.")
    if not any(args.split == "all" or c.split == args.split for c in conversations):
        raise UserError(f"No hay conversaciones del split «{args.split}» en el archivo.")
    # Settings, then the server's model list (retired? adapter loaded?), before the first request.
    spec = engine.spec(args.backend)
    backend, warning = engine.ready_backend(spec.id)
    if warning:
        print(f"Aviso: {warning}", file=sys.stderr)
    if hasattr(backend, "wait_ready"):  # figures with the model as it answers once its vectors are ready
        backend.wait_ready()
    judge_model = judge_setup.prepare(args, engine.specs)  # None without --judge; checked before answering
    results = list(run_turns(conversations, engine.retriever, backend, split=args.split, k=args.k, progress=_progress))
    print(file=sys.stderr)
    summary = summarize(results)
    if judge_model:
        # The record names the exact model (`--backend openai` -> "gpt-6-luna") and what was sent as `model`.
        summary["judge"] = judge_setup.judge_results(
            judge_model,
            results,
            args,
            label=spec.label,
            retrieval=mode_of(engine.retriever),
            model=spec.id,
            served_model=spec.settings.get("model"),
        )
    if args.record:
        record = eval_record.automatic_record(
            summary,
            args,
            label=spec.label,
            retrieval=mode_of(engine.retriever),
            model=spec.id,
            served_model=spec.settings.get("model"),
            n_answerable=sum(r.answerable for r in results),
        )
        summary["record"] = str(scores.append_record(record, args.scores_out))
    if args.predictions:
        _write_lines(Path(args.predictions), [r.record() for r in results])
    text = json.dumps(summary, ensure_ascii=False, indent=2)
    print(text)
    if args.json_out:
        Path(args.json_out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json_out).write_text(text + "\n", encoding="utf-8")
    return 0


def _write_lines(path: Path, records: list[dict]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_json_lines(path, records)
    except OSError as error:
        raise UserError(f"No se pudo escribir «{path}»: {error}") from None


def _progress(done: int, total: int) -> None:
    if sys.stderr.isatty() or done == total:
        print(f"\r{done}/{total} turnos", end="", file=sys.stderr, flush=True)
