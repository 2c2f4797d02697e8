"""Why voters chose: the reasons given with the arena votes (`ragarena.arena.reasons`), counted per
model and shown as the Leaderboard's reasons table.

`reason_counts` is a pure function over battles (export format) that `build_leaderboard` runs on
the battles it rates and keeps in `Leaderboard.reasons`; `reasons_frame` and `reasons_markdown`
render it in the page's language. The stored reasons are Spanish data; only their display is
translated.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

import pandas as pd

from ragarena.arena.reasons import ALL, CRITERION, CRITERION_NAMES
from ragarena.arena.reasons import label as reason_label
from ragarena.core.battles import is_excluded
from ragarena.core.i18n import DEFAULT_LANGUAGE, _, localize

#: Columns of `reason_counts`.
REASON_COLUMNS = ("model", "criterion", "reason", "won", "won_share", "lost", "lost_share", "tied")
REASON_HEADERS = {
    "label": _("Modelo"),
    "criterion": _("Criterio"),
    "reason": _("Motivo"),
    "won": _("Al ganar"),
    "won_share": _("% de sus victorias con motivos"),
    "lost": _("Al perder"),
    "lost_share": _("% de sus derrotas con motivos"),
    "tied": _("En empate"),
}


def reason_counts(battles: Iterable[dict]) -> pd.DataFrame:
    """How often each reason was given for each model when it won, lost or tied.

    Pure function over battles (export format) with a ``reasons`` list; excluded battles do not
    count. A reason given with a winner counts for the winner under ``won`` and for the loser
    under ``lost`` (it lost to an answer better on that point); with "Ambas son malas" the
    reasons count against both, under ``lost``; with a tie, for both under ``tied``.
    ``won_share`` / ``lost_share`` divide by the model's wins / losses that came with at least
    one reason. One row per (model, reason) given at least once, columns `REASON_COLUMNS`,
    sorted by model and the canonical order of the reasons.
    """
    counts: dict[tuple[str, str, str], int] = {}
    totals: dict[tuple[str, str], int] = {}
    for battle in battles:
        reasons = battle.get("reasons")
        if not reasons or not isinstance(reasons, list) or is_excluded(battle):
            continue
        reasons = [r for r in dict.fromkeys(reasons) if r in CRITERION]
        winner, a, b = battle.get("winner"), battle.get("model_a"), battle.get("model_b")
        if not reasons or not a or not b:
            continue
        if winner in ("model_a", "model_b"):
            won, lost = (a, b) if winner == "model_a" else (b, a)
            roles = [(won, "won"), (lost, "lost")]
        elif winner == "tie (bothbad)":
            roles = [(a, "lost"), (b, "lost")]
        elif winner == "tie":
            roles = [(a, "tied"), (b, "tied")]
        else:
            continue
        for model, role in roles:
            totals[(model, role)] = totals.get((model, role), 0) + 1
            for reason in reasons:
                counts[(model, reason, role)] = counts.get((model, reason, role), 0) + 1
    order = {reason: k for k, reason in enumerate(ALL)}
    rows = []
    for model, reason in sorted({(m, r) for m, r, _role in counts}, key=lambda mr: (mr[0], order[mr[1]])):
        row = {"model": model, "criterion": CRITERION[reason], "reason": reason}
        for role in ("won", "lost", "tied"):
            row[role] = counts.get((model, reason, role), 0)
        for role in ("won", "lost"):
            total = totals.get((model, role), 0)
            row[f"{role}_share"] = row[role] / total if total else math.nan
        rows.append(row)
    frame = pd.DataFrame(rows, columns=list(REASON_COLUMNS))
    for column in ("won", "lost", "tied"):
        frame[column] = frame[column].astype("int64")
    return frame


def reasons_frame(
    reasons: pd.DataFrame | None, label: Callable[[str], str], language: str = DEFAULT_LANGUAGE
) -> pd.DataFrame:
    """`reason_counts` (a leaderboard's ``reasons``) as the tab shows it: model labels (`label`),
    criteria, reasons and headers in `language`, percentages."""
    counts = reasons if reasons is not None else reason_counts([])
    frame = pd.DataFrame(
        {
            "label": [label(m) for m in counts["model"]],
            "criterion": [localize(CRITERION_NAMES.get(c, c), language) for c in counts["criterion"]],
            "reason": [localize(reason_label(r), language) for r in counts["reason"]],
            "won": counts["won"],
            "won_share": (100 * counts["won_share"].astype(float)).round(0),
            "lost": counts["lost"],
            "lost_share": (100 * counts["lost_share"].astype(float)).round(0),
            "tied": counts["tied"],
        }
    )
    return frame.rename(columns={key: localize(header, language) for key, header in REASON_HEADERS.items()})


def reasons_markdown(reasons: pd.DataFrame | None, language: str = DEFAULT_LANGUAGE) -> str:
    """How to read the reasons table (`reasons`, a leaderboard's), or why it is empty, in `language`."""
    if reasons is None or reasons.empty:
        return localize(
            _(
                "Todavía nadie ha indicado por qué votó. Tras votar en la *Arena* se pueden marcar los "
                "motivos (respuesta correcta, concisa, basada en el contexto, contexto adecuado; o qué "
                "fallaba en las dos)."
            ),
            language,
        )
    return localize(
        _(
            "Motivos marcados por quienes votaron, por modelo: *Al ganar*, cuántas veces se dio ese motivo "
            "cuando el modelo ganó; *Al perder*, cuando perdió frente a una respuesta mejor en eso, o "
            "cuando las dos eran malas (entonces el motivo dice qué fallaba); en porcentaje de sus "
            "victorias o derrotas con motivos. Es la opinión de la comunidad sobre los mismos criterios "
            "que puntúa el juez."
        ),
        language,
    )
