"""`python -m ragarena ratings BATTLES`: the crowd leaderboard from an arena battle log."""

from __future__ import annotations

import argparse
import json
import math
import sys

from ragarena.arena.hygiene import count_screened, screened_now_note
from ragarena.core.battles import read_battle_rows
from ragarena.core.errors import UserError
from ragarena.scoring.arena_ratings import analyze, iter_table_records


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "ratings",
        help="clasificación de modelos a partir de los votos de la arena",
        description=(
            "Calcula la clasificación de los modelos a partir de un registro de combates "
            "(JSON Lines o lista JSON, formato de Chatbot Arena): Bradley-Terry en escala Elo "
            "(media 1000) con intervalos del 95 % por bootstrap, rango, Elo en línea y, con "
            "--style, la clasificación con control de longitud y relleno. Cuentan los mismos combates que "
            "en la clasificación de la app: el archivo se criba como el almacén de votos (una copia "
            "escrita al votar, como la del Hub, también) y no cuentan los marcados como excluidos (campo "
            "excluded o excluded_reason, como los de export-votes), los votados con los nombres a la vista "
            "(mode named) ni las filas que no son combates válidos (se dice cuántas)."
        ),
    )
    parser.add_argument("battles", metavar="COMBATES", help="archivo de combates (.jsonl o .json)")
    parser.add_argument(
        "--bootstrap",
        type=_non_negative,
        default=1000,
        metavar="N",
        help="rondas de bootstrap para los intervalos (por defecto 1000; 0 sin intervalos)",
    )
    parser.add_argument("--seed", type=int, default=0, metavar="S", help="semilla del bootstrap (por defecto 0)")
    parser.add_argument("--json", action="store_true", help="escribe una lista JSON ordenada por puntuación")
    parser.add_argument(
        "--style",
        action="store_true",
        help="añade la puntuación con control de estilo (longitud y relleno de las respuestas)",
    )
    parser.set_defaults(func=run)


def _non_negative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"se esperaba un número entero, no {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError("no puede ser negativo")
    return value


def run(args) -> int:
    battles, where = read_battle_rows(args.battles)
    if not battles:
        raise UserError(f"{args.battles} no contiene ningún combate.")
    # Screened as the vote store is (an export adds nothing; the Hub's copy, written at vote time, may).
    votes, screening = count_screened(battles, where)
    result = analyze(votes, bootstrap=args.bootstrap, seed=args.seed, style=args.style)
    notes = [note for note in (screened_now_note(len(screening.exclusions)), *result.notes) if note]
    rows = list(iter_table_records(result.table))
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        for note in notes:  # what did not count, beside the JSON (stdout stays one JSON list)
            print(note, file=sys.stderr)
        return 0
    print(_format_table(rows, args.style))
    print()
    summary = f"{result.n_battles} combates, {len(rows)} modelos"
    if args.bootstrap:
        summary += f"; intervalos del 95 % con {args.bootstrap} rondas de bootstrap (semilla {args.seed})"
    print(summary + ".")
    for note in notes:
        print(note)
    if result.style is not None and result.style.battles:
        for coef in result.style.coefficients.to_dict("records"):
            name = {"length": "longitud", "filler": "relleno"}.get(coef["feature"], coef["feature"])
            interval = ""
            if not math.isnan(coef["elo_ci_low"]):
                interval = f" [{coef['elo_ci_low']:+.1f}, {coef['elo_ci_high']:+.1f}]"
            print(
                f"Efecto de {name}: {coef['elo']:+.1f} puntos Elo{interval} "
                f"(coeficiente {coef['coef']:+.4f} en log-odds)."
            )
    return 0


def _format_table(rows: list[dict], style: bool) -> str:
    headers = ["Rango", "Modelo", "Puntuación", "IC 95 %", "Combates", "Victorias", "Empates", "Elo en línea"]
    if style:
        headers += ["Rango estilo", "Con control de estilo", "IC 95 % estilo"]

    def number(value, fmt):
        return "—" if value is None else format(value, fmt)

    lines = []
    for row in rows:
        cells = [
            str(row["rank"]),
            row["model"],
            number(row["rating"], ".1f"),
            f"{number(row['ci_low'], '.1f')} – {number(row['ci_high'], '.1f')}",
            str(row["battles"]),
            number(row["wins"], "g"),
            str(row["ties"]),
            number(row["elo"], ".1f"),
        ]
        if style:
            cells += [
                "—" if row.get("style_rank") is None else str(row["style_rank"]),
                number(row.get("style_rating"), ".1f"),
                f"{number(row.get('style_ci_low'), '.1f')} – {number(row.get('style_ci_high'), '.1f')}",
            ]
        lines.append(cells)
    widths = [max(len(h), *(len(c[i]) for c in lines)) for i, h in enumerate(headers)]
    left = {1}
    render = lambda cells: "  ".join(  # noqa: E731
        c.ljust(w) if i in left else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths))
    )
    out = [render(headers), "  ".join("-" * w for w in widths)]
    out += [render(c) for c in lines]
    return "\n".join(out)
