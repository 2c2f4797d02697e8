"""`python -m ragarena votes-report [--file COMBATES]`: which votes do not count, and why.

Reads the vote database of the app (RAGARENA_DB, else RAGARENA_DATA_DIR/arena.db), or a battle
file (export format), without changing anything. Prints the votes excluded from the ratings
(`ragarena.arena.hygiene`) with their counts per reason and the battles, the votes the voters'
sequential test would exclude now (saved in the database at the next leaderboard refresh or
``export-votes``), the flagged voters, the votes cast with the names in view and a file's rows that
are not battles. Which votes count is `ragarena.core.vote_filter.count_votes`'s, after that
screening: the same filter as the leaderboard's, ``ratings`` and DPO's.
"""

from __future__ import annotations

import json
from collections import Counter

from ragarena import settings
from ragarena.arena import hygiene
from ragarena.arena.votes import VoteStore
from ragarena.core.battles import read_battle_rows
from ragarena.core.vote_filter import EXCLUDED, count_votes, not_counted_because
from ragarena.leaderboard.build import parse_tstamp


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "votes-report",
        help="qué votos de la arena no cuentan para la clasificación y por qué",
        description=(
            "Informe de los votos excluidos de la clasificación (modelo que revela su identidad, "
            "votantes inverosímiles según la prueba secuencial): recuento por motivo y combates. "
            "No modifica nada."
        ),
    )
    parser.add_argument(
        "--file", metavar="COMBATES", help="archivo de combates (.jsonl o .json) en lugar de la base de datos de votos"
    )
    parser.add_argument("--json", action="store_true", help="escribe el informe en JSON")
    parser.add_argument(
        "--limit",
        type=int,
        default=200,
        metavar="N",
        help="combates que se listan como máximo (por defecto 200; 0, todos)",
    )
    parser.set_defaults(func=run)


#: What the store commands say of rows that are not battles (`VoteStore.export_battles` leaves them out).
UNREADABLE = (
    "{n} filas guardadas no son combates válidos (escritas a mano o por una versión anterior) y se dejan "
    "fuera; siguen en la base de datos, y el registro (log) dice cuáles y por qué."
)


def run(args) -> int:
    where = None
    if args.file:
        (battles, where), source = read_battle_rows(args.file), args.file
    else:
        store = VoteStore(settings.db_path(), create=False)
        try:
            battles = store.export_battles()
        finally:
            store.close()
        source = str(store.path)
    screened, screening = hygiene.screen_battles(battles)
    report = build_report(battles, screened, screening, where)
    report["source"] = source
    report["unreadable"] = 0 if args.file else store.reader.unreadable
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print(format_report(report, args.limit, pending_saved_later=not args.file))
    return 0


def build_report(battles: list, screened: list, screening, where=None) -> dict:
    """The report as plain data (see `format_report`): `screened` is `battles` with the `screening`'s
    new exclusions marked (`hygiene.screen_battles`); `where` names a file's rows (`count_votes`)."""
    votes = count_votes(screened, where=where)  # what counts once the screening is saved
    rows, stored, pending = [], Counter(), Counter()
    for index, (battle, after) in enumerate(zip(battles, screened)):
        if not_counted_because(after) != EXCLUDED:
            continue
        key = hygiene.battle_key(battle, index)
        if key in screening.exclusions:
            reason, state = screening.exclusions[key], "pendiente"
        else:
            reason, state = battle.get("excluded_reason") or "excluido", "guardado"
        (stored if state == "guardado" else pending)[hygiene.category(reason)] += 1
        rows.append(
            {
                "battle_id": key,
                "tstamp": battle.get("tstamp"),
                "voter": hygiene.voter_of(battle),
                "model_a": battle.get("model_a"),
                "model_b": battle.get("model_b"),
                "winner": battle.get("winner"),
                "mode": battle.get("mode") or "anonymous",
                "reason": reason,
                "state": state,
            }
        )
    voters = [
        {
            "voter": v.voter,
            "battles": v.battles,
            "tested": v.tested,
            "peak": round(v.peak, 3),
            "statistic": round(v.statistic, 3),
            "flagged_at": v.flagged_at,
            "already_flagged": v.already_flagged,
        }
        for v in screening.flagged
    ]
    lower, upper = hygiene.boundaries(screening.alpha, screening.beta)
    return {
        "votes": len(battles) - votes.malformed,
        "excluded": votes.excluded,
        "counted": len(votes.counted),
        "named_mode": votes.named,
        "malformed": votes.malformed,
        "malformed_rows": [str(p) for p in votes.problems],
        "by_reason": dict(stored),
        "pending_by_reason": dict(pending),
        "battles": rows,
        "flagged_voters": voters,
        "test": {
            "alpha": screening.alpha,
            "beta": screening.beta,
            "temper": screening.temper,
            "lower": round(lower, 3),
            "upper": round(upper, 3),
            "voters": len(screening.voters),
            "ratings": {m: round(r, 1) for m, r in sorted(screening.ratings.items())},
        },
    }


def format_report(report: dict, limit: int = 200, pending_saved_later: bool = True) -> str:
    test = report["test"]
    lines = [
        f"Votos en {report['source']}: {report['votes']}; cuentan {report['counted']}, "
        f"excluidos {report['excluded']} (se conservan, no se borra ninguno)."
    ]
    if report.get("unreadable"):
        lines.append(UNREADABLE.format(n=report["unreadable"]))
    if report.get("malformed"):
        lines.append(
            f"{report['malformed']} filas del archivo no son combates válidos y no cuentan: "
            + " ".join(report["malformed_rows"][:5])
            + (" …" if report["malformed"] > 5 else "")
        )
    if report["by_reason"] or report["pending_by_reason"]:
        lines += ["", "Excluidos por motivo:"]
        for name in sorted(set(report["by_reason"]) | set(report["pending_by_reason"])):
            saved, pending = report["by_reason"].get(name, 0), report["pending_by_reason"].get(name, 0)
            extra = ""
            if pending:
                extra = (
                    f" ({pending} según la prueba de ahora, aún sin guardar: se guardan al actualizar la "
                    "clasificación o al exportar)"
                    if pending_saved_later
                    else f" ({pending} según la prueba de ahora)"
                )
            lines.append(f"  {name}: {saved + pending}{extra}")
    else:
        lines += ["", "Ningún voto excluido."]
    if report["named_mode"]:
        lines.append(
            f"Además, {report['named_mode']} votos se emitieron con los nombres a la vista (modo «Elegir "
            "modelos»): se guardan, pero no cuentan (la clasificación solo cuenta los votos a ciegas)."
        )
    lines += [
        "",
        f"Prueba secuencial de los votantes (SPRT contra la clasificación; α = {test['alpha']}, "
        f"β = {test['beta']}, λ = {test['temper']}; se señala con log-razón ≥ {test['upper']:.2f}): "
        f"{test['voters']} votantes revisados, {len(report['flagged_voters'])} señalados.",
    ]
    for voter in report["flagged_voters"]:
        when = (
            f"señalado en su voto decidido n.º {voter['flagged_at']}"
            if voter["flagged_at"]
            else "señalado en una revisión anterior"
        )
        lines.append(
            f"  votante {voter['voter'][:12]}…: {voter['battles']} combates, {voter['tested']} votos "
            f"decididos probados, log-razón máxima {voter['peak']:.2f}; {when}."
        )
    rows = report["battles"]
    if rows:
        shown = rows if limit <= 0 else rows[:limit]
        lines += [
            "",
            f"Combates excluidos ({len(rows)}"
            + (f"; se muestran {len(shown)}" if len(shown) < len(rows) else "")
            + "):",
        ]
        for row in shown:
            when = _when(row["tstamp"])
            state = " [pendiente]" if row["state"] == "pendiente" else ""
            lines.append(
                f"  {when}  {str(row['battle_id'])[:16]:16}  votante {str(row['voter'])[:12] or '—':12}  "
                f"{row['model_a']} vs {row['model_b']}: {row['winner']}  — {row['reason']}{state}"
            )
    return "\n".join(lines)


def _when(tstamp) -> str:
    when = parse_tstamp(tstamp) if isinstance(tstamp, (int, float)) else None  # a number, not text
    return when.strftime("%Y-%m-%d %H:%M") if when else "—".ljust(16)
