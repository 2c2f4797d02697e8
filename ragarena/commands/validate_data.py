"""`python -m ragarena validate-data`: check docs and conversations against the data format."""

from __future__ import annotations

from ragarena import settings
from ragarena.core.errors import UserError
from ragarena.datasets.check import validate


def register(subparsers) -> None:
    parser = subparsers.add_parser("validate-data", help="comprueba el formato de data/docs y data/qa")
    parser.add_argument("--docs", default=None, help="carpeta de páginas (por defecto data/docs)")
    parser.add_argument("--qa", default=None, help="conversaciones JSONL (por defecto data/qa/conversations.jsonl)")
    parser.add_argument(
        "--expect",
        action="append",
        default=[],
        metavar="SPLIT=N",
        help="número esperado de conversaciones de un split, p. ej. --expect train=160",
    )
    parser.add_argument("--turns", type=int, default=None, help="turnos esperados por conversación")
    parser.set_defaults(func=run)


def run(args) -> int:
    expected = {}
    for item in args.expect:
        split, _, count = item.partition("=")
        if not count.isdigit():
            raise UserError(f"--expect debe tener la forma SPLIT=N, no «{item}».")
        expected[split] = int(count)
    report = validate(args.docs or settings.docs_dir(), args.qa or settings.qa_file(), expected, args.turns)
    for problem in report.problems:
        print(problem)
    for warning in report.warnings:
        print(f"aviso: {warning}")
    splits = ", ".join(f"{name} {count}" for name, count in sorted(report.splits.items()))
    print(
        f"{report.pages} páginas, {report.words} palabras; {report.conversations} conversaciones ({splits}), "
        f"{report.turns} turnos, {report.unanswerable} sin respuesta en la documentación."
    )
    if report.ok:
        print("Datos válidos.")
        return 0
    print(f"{len(report.problems)} problemas.")
    return 1
