"""`python -m ragarena train-selector`: fit the offline answer selector on a data folder's train split.

Writes the small JSON file the default model reads (`data/selector/selector.json`), with the
fit's provenance (data, date, command, cross-validated train figures). Needs scikit-learn
(`requirements-test.txt`); the app does not.
"""

from __future__ import annotations

import hashlib
import shlex
import sys
from importlib.util import find_spec
from pathlib import Path

from ragarena import settings
from ragarena.answering import selector_training
from ragarena.answering.backends.selector import CandidateScorer
from ragarena.core.errors import UserError
from ragarena.retrieval.corpus import all_passages, load_conversations, load_pages
from ragarena.retrieval.dense import build_retriever, mode_of
from ragarena.selector.model import DEFAULT_PATH


def register(subparsers) -> None:
    parser = subparsers.add_parser("train-selector", help="ajusta el selector de respuestas del modelo extractivo")
    parser.add_argument("--docs", default=None, help="carpeta de páginas Markdown (por defecto data/docs)")
    parser.add_argument(
        "--qa",
        default=None,
        help="conversaciones JSONL (por defecto data/qa/conversations.jsonl); solo se usa el split train",
    )
    parser.add_argument("--out", default=str(DEFAULT_PATH), help=f"archivo de salida (por defecto {DEFAULT_PATH})")
    parser.add_argument("--k", type=int, default=5, help="fragmentos recuperados por pregunta (por defecto 5)")
    parser.add_argument(
        "--retrieval",
        choices=("bm25", "dense", "hybrid"),
        default=None,
        help="recuperación con la que se ajusta (por defecto la de la app)",
    )
    parser.set_defaults(func=run)


def run(args) -> int:
    missing = [name for name in ("sklearn", "scipy") if find_spec(name) is None]  # fitting-time packages
    if missing:
        raise UserError(
            f"Ajustar el selector necesita scikit-learn y scipy (falta {missing[0]}): "
            "pip install -r requirements-test.txt"
        )
    if args.k < 1:
        raise UserError("--k debe ser al menos 1.")
    docs, qa = Path(args.docs or settings.docs_dir()), Path(args.qa or settings.qa_file())
    passages = all_passages(load_pages(docs))
    conversations = load_conversations(qa)
    if not any(c.split == "train" for c in conversations):
        raise UserError(f"No hay conversaciones del split «train» en «{qa}».")
    retriever = build_retriever(passages, args.retrieval, strict=args.retrieval is not None)
    print(f"Recuperación: {mode_of(retriever)}", file=sys.stderr)
    scorer = CandidateScorer(retriever, background=False)
    turns = selector_training.collect_rows(conversations, retriever, scorer, k=args.k, progress=_progress)
    print(file=sys.stderr)
    command = " ".join(
        [
            "python -m ragarena train-selector",
            "--docs",
            shlex.quote(shown_path(docs)),
            "--qa",
            shlex.quote(shown_path(qa)),
            "--k",
            str(args.k),
            "--retrieval",
            mode_of(retriever),
        ]
    )
    data = data_provenance(docs, qa, retriever, args.k)
    try:
        model = selector_training.train(turns, data, command)
    except ValueError as error:
        raise UserError(f"No se puede ajustar el selector con estos datos: {error}") from None
    try:
        model.save(args.out)
    except OSError as error:
        raise UserError(f"No se pudo escribir «{args.out}»: {error}") from None
    for name, figures in model.provenance["train_figures"].items():
        print(
            f"{name}: {figures['cross_validated']} (validación cruzada por conversación, {figures['folds']} pliegues)"
        )
    print(f"Selector guardado en {args.out}")
    return 0


def shown_path(path: Path) -> str:
    """A path as the provenance shows it: relative to the working folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def data_provenance(docs: Path, qa: Path, retriever, k: int) -> dict:
    """Which data a fit on the train split saw, and retrieved how: paths, retrieval mode, k, digests."""
    return {
        "docs": shown_path(docs),
        "qa": shown_path(qa),
        "split": "train",
        "retrieval": mode_of(retriever),
        "k": k,
        "docs_sha256": data_digest(sorted(docs.glob("*.md"))),
        "qa_sha256": data_digest([qa]),
    }


def data_digest(paths: list[Path]) -> str:
    """sha256 over the files' names and bytes: which data the fit saw."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode("utf-8") + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _progress(done: int, total: int) -> None:
    if sys.stderr.isatty() or done == total:
        print(f"\r{done}/{total} turnos", end="", file=sys.stderr, flush=True)
