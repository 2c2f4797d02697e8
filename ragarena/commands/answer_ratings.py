"""`python -m ragarena export-ratings OUT.jsonl`: people's ratings of Chat answers, one JSON line each;
`python -m ragarena import-ratings FILE`: adds such a file to the vote database (idempotent).

Both use the vote database of the app (RAGARENA_DB, else RAGARENA_DATA_DIR/arena.db; SQLite or
PostgreSQL); the format is `ragarena.answer_ratings.store.AnswerRatings.export_ratings` (sessions
anonymised). Export then import copies the ratings from one backend to the other.
"""

from __future__ import annotations

from ragarena import settings
from ragarena.answer_ratings.store import AnswerRatings, read_ratings, write_ratings
from ragarena.arena.votes import VoteStore


def register(subparsers) -> None:
    export = subparsers.add_parser(
        "export-ratings",
        help="exporta las valoraciones (1-5) de las respuestas del chat (JSON Lines)",
        description=(
            "Escribe una línea JSON por valoración: modelo, pregunta, conversación previa, fragmentos "
            "recuperados, respuesta, las tres puntuaciones (relevancia de la respuesta, relevancia del "
            "contexto, fundamentación), el comentario, la sesión anonimizada y las fechas."
        ),
    )
    export.add_argument("out", metavar="SALIDA.jsonl", help="archivo JSON Lines que se escribe")
    export.set_defaults(func=run_export)

    imp = subparsers.add_parser(
        "import-ratings", help="añade valoraciones exportadas con export-ratings a la base de datos de votos"
    )
    imp.add_argument("file", metavar="ARCHIVO", help="valoraciones en JSON Lines (formato de export-ratings)")
    imp.set_defaults(func=run_import)


def run_export(args) -> int:
    store = VoteStore(settings.db_path(), create=False)
    try:
        records = AnswerRatings(store, ratings_per_minute=settings.DEFAULT_RATINGS_PER_MINUTE).export_ratings()
        count = write_ratings(args.out, records)
    finally:
        store.close()
    print(f"Exportadas {count} valoraciones de respuestas del chat de {store.path} a {args.out}.")
    return 0


def run_import(args) -> int:
    records = read_ratings(args.file)  # read before the database is touched
    store = VoteStore(settings.db_path())
    try:
        added = AnswerRatings(store, ratings_per_minute=settings.DEFAULT_RATINGS_PER_MINUTE).import_ratings(records)
    finally:
        store.close()
    print(f"Importadas {added} valoraciones nuevas en {store.path} ({len(records) - added} ya estaban).")
    return 0
