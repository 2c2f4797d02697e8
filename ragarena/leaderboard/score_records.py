"""Every stored score record as the leaderboard lists it (newest first), with its provenance, in the
page's language: the table under «Puntuaciones guardadas»."""

from __future__ import annotations

import pandas as pd

from ragarena.core.criteria import CRITERIA
from ragarena.core.i18n import DEFAULT_LANGUAGE, _, localize
from ragarena.leaderboard.build import Leaderboard, _published_label
from ragarena.leaderboard.provenance import record_provenance
from ragarena.leaderboard.table import _day, _percent, headers, styled

#: Every stored score record.
STORED = {
    "label": (_("Modelo"), 130, "str"),
    "kind": (_("Tipo"), 96, "str"),
    "overall": (_("Global (1-5)"), 56, "number"),
    "answer_relevance": (_("Relevancia respuesta"), 78, "number"),
    "context_relevance": (_("Relevancia contexto"), 78, "number"),
    "groundedness": (_("Fundamen\u00adtación"), 78, "number"),
    "mean_words": (_("Palabras"), 70, "number"),
    "filler_rate": (_("Relleno (%)"), 64, "number"),
    "n_items": (_("Ítems"), 56, "number"),
    "date": (_("Fecha"), 90, "str"),
    "provenance": (_("Procedencia"), 380, "str"),
}
KIND_NAMES = {"measured": _("juez LLM"), "published": _("publicada"), "automatic": _("eval automática")}


def scores_frame(board: Leaderboard, language: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """Every stored score record (newest first) with its provenance in `language`."""
    rows = []
    for record in board.records:
        label = (
            _published_label(record, board.labels, language)
            if record["kind"] == "published"
            else board.label(record["model"])
        )
        rows.append(
            {
                "label": label,
                "kind": localize(KIND_NAMES.get(record["kind"], record["kind"]), language),
                "overall": record.get("overall"),
                **{c: record.get(c) for c in CRITERIA},
                "mean_words": record.get("mean_words"),
                "filler_rate": _percent(record.get("filler_rate")),
                "n_items": record.get("n_items"),
                "date": _day(record.get("date")) or "—",
                "provenance": record_provenance(record, language),
            }
        )
    frame = pd.DataFrame(rows, columns=list(STORED))
    if not frame.empty:
        frame = frame.sort_values("date", ascending=False, key=lambda d: d.replace("—", ""), kind="stable")
    for column in ("overall", *CRITERIA, "mean_words", "filler_rate"):
        frame[column] = frame[column].astype(float)
    frame["n_items"] = frame["n_items"].astype("Int64")
    frame.columns = headers(STORED, language)
    return frame


def scores_table(board: Leaderboard, language: str = DEFAULT_LANGUAGE):
    names = dict(zip(STORED, headers(STORED, language)))
    digits = {names["overall"]: 2, **{names[c]: 2 for c in CRITERIA}, names["mean_words"]: 1}
    return styled(scores_frame(board, language), digits)
