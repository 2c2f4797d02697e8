"""`python -m ragarena export-votes OUT.jsonl` and `python -m ragarena import-votes FILE`.

Both use the vote database of the app (RAGARENA_DB, else RAGARENA_DATA_DIR/arena.db).
"""

from __future__ import annotations

import sys

from ragarena import settings
from ragarena.arena.hygiene import screen_store
from ragarena.arena.votes import VoteStore
from ragarena.commands.votes_report import UNREADABLE
from ragarena.core.battles import read_for_import, write_battles

MAX_LINES_SHOWN = 20


def register(subparsers) -> None:
    export = subparsers.add_parser(
        "export-votes", help="exporta los combates votados de la arena (JSON Lines, formato público)"
    )
    export.add_argument("out", metavar="SALIDA.jsonl", help="archivo JSON Lines que se escribe")
    export.set_defaults(func=run_export)

    imp = subparsers.add_parser(
        "import-votes", help="añade combates votados (JSON Lines o lista JSON) a la base de datos de votos"
    )
    imp.add_argument("file", metavar="ARCHIVO", help="combates en formato público (.jsonl o lista .json)")
    imp.set_defaults(func=run_import)


def run_export(args) -> int:
    store = VoteStore(settings.db_path(), create=False)
    try:
        # The voters' sequential test first, so the file carries every exclusion (excluded_reason).
        battles, screening = screen_store(store)
        count = write_battles(args.out, battles)
    finally:
        store.close()
    print(f"Exportados {count} combates votados de {store.path} a {args.out}.")
    if store.reader.unreadable:
        print(UNREADABLE.format(n=store.reader.unreadable), file=sys.stderr)
    if screening.exclusions:
        print(
            f"{len(screening.exclusions)} votos marcados ahora como excluidos (votantes inverosímiles); "
            "detalles: python -m ragarena votes-report."
        )
    return 0


def run_import(args) -> int:
    found = read_for_import(args.file)  # every row checked before the database is touched
    added = 0
    store = None
    if found.records:
        store = VoteStore(settings.db_path())
        try:
            added = store.import_battles(found.records)
        finally:
            store.close()
    where = store.path if store else settings.db_path()
    print(
        f"Importados {added} combates nuevos en {where} ({len(found.records) - added} ya estaban"
        f"{f', {len(found.refused)} filas rechazadas' if found.refused else ''})."
    )
    if not found.refused:
        return 0
    print(
        f"Filas rechazadas de {args.file} (no importadas; corrígelas y vuelve a importar el archivo):", file=sys.stderr
    )
    for reason, lines in sorted(found.refused_by_reason().items(), key=lambda item: item[1][0]):
        shown = ", ".join(map(str, lines[:MAX_LINES_SHOWN])) + (" …" if len(lines) > MAX_LINES_SHOWN else "")
        print(f"  {len(lines)} × {reason} Línea{'s' if len(lines) > 1 else ''} {shown}", file=sys.stderr)
    return 2
