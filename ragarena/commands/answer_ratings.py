"""`python -m ragarena export-ratings OUT.jsonl`: people's ratings of Chat answers, one JSON line each.

Reads the vote database of the app (RAGARENA_DB, else RAGARENA_DATA_DIR/arena.db); the format
is `ragarena.answer_ratings.AnswerRatings.export_ratings` (sessions anonymised).
"""

from __future__ import annotations

from ragarena import config
from ragarena.answer_ratings import DEFAULT_RATINGS_PER_MINUTE, AnswerRatings, write_ratings
from ragarena.votes import VoteStore


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


def run_export(args) -> int:
    store = VoteStore(config.db_path(), create=False)
    try:
        records = AnswerRatings(store, ratings_per_minute=DEFAULT_RATINGS_PER_MINUTE).export_ratings()
        count = write_ratings(args.out, records)
    finally:
        store.close()
    print(f"Exportadas {count} valoraciones de respuestas del chat de {store.path} a {args.out}.")
    return 0
