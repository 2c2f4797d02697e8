"""`python -m ragarena import-ragquas FILE --out DIR`: RagQuAS (Parquet or JSONL) to our data format."""

from __future__ import annotations

from ragarena.datasets import ragquas


def register(subparsers) -> None:
    parser = subparsers.add_parser("import-ragquas", help="convierte una copia local de RagQuAS a data/docs + data/qa")
    parser.add_argument("source", metavar="PARQUET_OR_JSONL")
    parser.add_argument("--out", required=True, help="carpeta de salida (se crean docs/ y qa/)")
    parser.add_argument("--test-share", type=float, default=0.2, help="parte de filas para test (por defecto 0.2)")
    parser.set_defaults(func=run)


def run(args) -> int:
    conversion = ragquas.convert(ragquas.read_rows(args.source), test_share=args.test_share)
    docs, qa = ragquas.write(conversion, args.out)
    for reason in conversion.skipped:
        print(f"omitida: {reason}")
    print(f"{len(conversion.pages)} páginas en {docs}, {len(conversion.conversations)} conversaciones en {qa}.")
    print(f"Comprueba el resultado con: python -m ragarena validate-data --docs {docs} --qa {qa}")
    return 0
