"""The leaderboard's table as a reader sees it: the ranked table and its detail, in the page's language.

Pure functions over a `ragarena.leaderboard.build.Leaderboard` (no Gradio). The ranked table holds
what a stakeholder needs at a glance (how often the model is right on the test split with its n and
the conciseness figures of `eval`, the study's three criteria and their mean, the arena rating with
its interval, votes, the mean of people's 1-5 ratings, a short source tag per row; the best figure of
each column marked, `BEST`); the rest (style control, ranks, interval bounds) goes to the detail, and
the full provenance of each row to `ragarena.leaderboard.provenance`; the stored score records are
`ragarena.leaderboard.score_records`. Both cell formats are here and shared by the two tables.
Honest small samples: a rating or a mean of people's ratings from fewer votes or ratings than the minimum is
not shown (the cell says how many there are), and an interval wider than
`leaderboard.text.WIDE_ELO` / `WIDE_SCORE` reads «IC muy amplio» instead of a range.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ragarena.core.criteria import CRITERIA
from ragarena.core.i18n import DEFAULT_LANGUAGE, _, localize
from ragarena.leaderboard.build import Leaderboard, _isnan, arena_rated
from ragarena.leaderboard.text import WIDE_ELO, WIDE_SCORE

#: The ranked table: key -> header, width in pixels, Gradio datatype.
RANKED = {
    # Model, how often it is right and the other figures of `eval` fit a phone's width (382 px) side
    # by side (the figures every offline model has on a fresh clone); see ui.leaderboard.CSS.
    "label": (_("Modelo"), 84, "str"),
    "correct_rate": (_("Aciertos (test)"), 78, "number"),
    "mean_words": (_("Palabras"), 62, "number"),
    "filler_rate": (_("Relleno (%)"), 56, "number"),
    "false_abstention_rate": (_("Falsas absten\u00adciones (%)"), 100, "number"),
    "overall": (_("Global (1-5)"), 52, "number"),
    "answer_relevance": (_("Relevancia respuesta"), 78, "number"),
    "context_relevance": (_("Relevancia contexto"), 78, "number"),
    "groundedness": (_("Fundamen\u00adtación"), 78, "number"),  # a soft hyphen: «Fundamen-» / «tación»
    "arena": (_("Arena (IC 95 %)"), 130, "str"),
    "votes": (_("Votos"), 64, "number"),
    "answer_rating": (_("Personas 1-5 (n)"), 130, "str"),
    "tags": (_("Fuente"), 184, "str"),
}
#: The columns whose best figure is marked (★ and bold), and which way is better. «Palabras»: the
#: most concise. Only rows measured here compete (published figures come from another corpus), and
#: only where at least two rows have the figure.
BEST = {
    "correct_rate": max,
    "mean_words": min,
    "filler_rate": min,
    "false_abstention_rate": min,
    "overall": max,
    **{c: max for c in CRITERIA},
    "arena": max,
    "answer_rating": max,
}
BEST_MARK = "★ "
#: The detail view: secondary columns.
DETAIL = {
    "label": (_("Modelo"), 150, "str"),
    "rank": (_("Rango"), 64, "number"),
    "rating": (_("Arena"), 90, "str"),
    "ci_low": (_("IC 95 %: desde"), 84, "str"),
    "ci_high": (_("IC 95 %: hasta"), 84, "str"),
    "style_rating": (_("Control de estilo"), 90, "str"),
    "style_ci_low": (_("Control de estilo: desde"), 100, "str"),
    "style_ci_high": (_("Control de estilo: hasta"), 100, "str"),
    "style_rank": (_("Rango (control de estilo)"), 110, "number"),
    "wins": (_("Victorias"), 84, "number"),
    "ties": (_("Empates"), 70, "number"),
    **{
        f"crowd_{c}": (name, 120, "str")
        for c, name in (  # the board's columns of people's 1-5 ratings
            ("answer_relevance", _("Personas: relevancia respuesta")),
            ("context_relevance", _("Personas: relevancia contexto")),
            ("groundedness", _("Personas: fundamen\u00adtación")),
        )
    },
    "n_items": (_("Respuestas juzgadas"), 100, "number"),
    "token_f1": (_("F1 de palabras"), 80, "number"),
}
KIND_TAGS = {"published": _("publicado"), "automatic": _("eval automática"), "public": _("público")}


def widths(columns: dict) -> list[str]:
    return [f"{width}px" for _header, width, _type in columns.values()]


def datatypes(columns: dict) -> list[str]:
    return [kind for _header, _width, kind in columns.values()]


def headers(columns: dict, language: str = DEFAULT_LANGUAGE) -> list[str]:
    return [localize(header, language) for header, _width, _type in columns.values()]


def _day(date: Any) -> str:
    return str(date)[:10] if date else ""


def _count(n: Any) -> int:
    return 0 if _isnan(n) else int(n)


# --- cells ---------------------------------------------------------------------------------------


def arena_cell(row: dict, min_votes: int, language: str = DEFAULT_LANGUAGE) -> str:
    """«1034 (980–1090)»; «6 votos: pocos» under the minimum; «1034 (IC muy amplio)»; «—» without votes."""
    votes = _count(row.get("votes"))
    if votes == 0 or _isnan(row.get("rating")):
        return "—"
    if votes < min_votes:
        return localize(_("1 voto: pocos") if votes == 1 else _("{n} votos: pocos", n=votes), language)
    return _with_interval(row["rating"], row.get("ci_low"), row.get("ci_high"), "{:.0f}", WIDE_ELO, language)


def _with_interval(value: float, low: Any, high: Any, fmt: str, wide: float, language: str) -> str:
    shown = fmt.format(value)
    if _isnan(low) or _isnan(high):
        return shown
    if high - low > wide:
        return localize(_("{value} (IC muy amplio)", value=shown), language)
    return f"{shown} ({fmt.format(low)}–{fmt.format(high)})"


def answer_rating_cell(
    row: dict, min_ratings: int, figure: str = "overall", with_count: bool = True, language: str = DEFAULT_LANGUAGE
) -> str:
    """«4.20 (n = 25)» (the mean of `figure` and how many ratings); «3 valoraciones: pocas» under the
    minimum; «—» without ratings. Without the count, the mean with its interval (detail)."""
    n = _count(row.get("crowd_n"))
    if n == 0:
        return "—"
    mean = row.get(f"crowd_{figure}")
    if n < min_ratings or _isnan(mean):
        return localize(_("1 valoración: pocas") if n == 1 else _("{n} valoraciones: pocas", n=n), language)
    low, high = row.get(f"crowd_{figure}_ci_low"), row.get(f"crowd_{figure}_ci_high")
    if with_count:
        if not (_isnan(low) or _isnan(high)) and high - low > WIDE_SCORE:
            return localize(_("{mean} (n = {n}, IC muy amplio)", mean=f"{mean:.2f}", n=n), language)
        return f"{mean:.2f} (n = {n})"
    return _with_interval(mean, low, high, "{:.2f}", WIDE_SCORE, language)


def source_tags(row: dict, language: str = DEFAULT_LANGUAGE) -> str:
    """Where the row's figures come from, short: «publicado», «juez LLM gpt-4o-mini, 2025-05-01»,
    «eval automática, 2026-12-07», «público» (arena votes or people's ratings), joined with « · »."""
    tags = []
    if row.get("score_kind") == "published":
        tags.append(KIND_TAGS["published"])
    elif row.get("score_kind") == "measured":
        tags.append(_("juez LLM {judge}, {date}", judge=row.get("judge") or "?", date=_day(row.get("score_date"))))
    if row.get("eval_date"):
        tags.append(_("{tag}, {date}", tag=KIND_TAGS["automatic"], date=_day(row.get("eval_date"))))
    if _count(row.get("votes")) or _count(row.get("crowd_n")):
        tags.append(KIND_TAGS["public"])
    return " · ".join(localize(tag, language) for tag in tags) or "—"


# --- tables --------------------------------------------------------------------------------------


def _percent(value: Any) -> float:
    return float("nan") if _isnan(value) else round(100 * float(value), 0)


def ranked_frame(board: Leaderboard, language: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """The table the tab opens with, ranked (`build_leaderboard`'s order), headers in `language`;
    numbers stay numbers so the columns sort as numbers (NaN where there is no figure)."""
    rows = board.table.to_dict("records")
    frame = pd.DataFrame(
        {
            "label": [row["label"] for row in rows],
            "correct_rate": [_percent(v) for v in board.table["correct_rate"]],
            "overall": board.table["overall"].round(2),
            **{c: board.table[c].round(2) for c in CRITERIA},
            "arena": [arena_cell(row, board.min_votes, language) for row in rows],
            "votes": board.table["votes"],
            "answer_rating": [answer_rating_cell(row, board.min_ratings, language=language) for row in rows],
            "mean_words": board.table["mean_words"].round(1),
            "filler_rate": [_percent(v) for v in board.table["filler_rate"]],
            "false_abstention_rate": [_percent(v) for v in board.table["false_abstention_rate"]],
            "tags": [source_tags(row, language) for row in rows],
        },
        columns=list(RANKED),
    )
    frame.columns = headers(RANKED, language)
    return frame


def styled(frame: pd.DataFrame, digits: dict[str, int] | None = None):
    """`frame` as a pandas Styler (what the tab sends): numbers with their decimals, «—» when missing."""
    formats = {
        column: "{:." + str(digits.get(column, 0) if digits else 0) + "f}"
        for column in frame.columns
        if pd.api.types.is_numeric_dtype(frame[column])
    }
    return frame.style.format(formats, na_rep="—")


def best_rows(board: Leaderboard) -> dict[str, set[int]]:
    """Per `BEST` column, the rows (positions in `board.table`) holding its best figure (ties: all of them)."""
    table = board.table
    measured = table["score_kind"] != "published"
    figures = {key: table[key] for key in BEST if key in table}
    figures["arena"] = table["rating"].where(arena_rated(table, board.min_votes))
    figures["answer_rating"] = table["crowd_overall"].where(table["crowd_n"].fillna(0) >= board.min_ratings)
    best = {}
    for key, pick in BEST.items():
        rounded = figures[key].astype(float).where(measured).round(4)  # published rows: NaN, never best
        values = rounded.dropna()
        if len(values) >= 2:
            target = pick(values)
            best[key] = {position for position, value in enumerate(rounded) if value == target}
    return best


def correct_cell(percent: float, n: Any) -> str:
    """«41 % (n = 113)»: the share of the `n` answerable turns answered right (the count kept on one line)."""
    if _isnan(percent):
        return "—"
    return f"{percent:.0f} %" + ("" if _isnan(n) else f" (n\u00a0=\u00a0{int(n)})")


def _cell_format(key: str, n: Any, marked: bool, digits: int):
    """How one cell of the ranked table reads: «Aciertos» with its n; a best figure with `BEST_MARK`."""

    def shown(value) -> str:
        if key == "correct_rate":
            text = correct_cell(value, n)
        else:
            text = value if isinstance(value, str) else f"{value:.{digits}f}"
        return BEST_MARK + text if marked else text

    return shown


def ranked_table(board: Leaderboard, language: str = DEFAULT_LANGUAGE):
    """The ranked table as the tab shows it: «Aciertos» with its n, the best figure of each `BEST`
    column marked with ★ and bold."""
    names = dict(zip(RANKED, headers(RANKED, language)))
    digits = {names["overall"]: 2, **{names[c]: 2 for c in CRITERIA}, names["mean_words"]: 1}
    frame = ranked_frame(board, language)
    styler = styled(frame, digits)
    best = best_rows(board)
    for position, n in enumerate(board.table["n_answerable"]):
        for key in RANKED:
            marked = position in best.get(key, ())
            if key == "correct_rate" or marked:
                column = names[key]
                styler = styler.format(
                    _cell_format(key, n, marked, digits.get(column, 0)),
                    na_rep="—",
                    subset=pd.IndexSlice[[frame.index[position]], [column]],
                )
    bold = [
        [("font-weight: 700" if position in best.get(key, ()) else "") for key in RANKED]
        for position in range(len(frame))
    ]
    return styler.apply(lambda _frame: pd.DataFrame(bold, index=frame.index, columns=frame.columns), axis=None)


def _interval_cells(low: Any, high: Any, shown: bool, language: str) -> tuple[str, str]:
    """An arena interval's two cells: dashes when not `shown` or missing, «IC muy amplio» when too wide."""
    if not shown or _isnan(low) or _isnan(high):
        return "—", "—"
    if high - low > WIDE_ELO:
        wide = localize(_("IC muy amplio"), language)
        return wide, wide
    return f"{low:.0f}", f"{high:.0f}"


def detail_frame(board: Leaderboard, language: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """The secondary columns: ranks, interval bounds, style-controlled ratings, people's means per criterion."""
    out = []
    for row in board.table.to_dict("records"):
        enough = _count(row.get("votes")) >= board.min_votes and not _isnan(row.get("rating"))
        arena = arena_cell(row, board.min_votes, language)
        style = row.get("style_rating")
        out.append(
            {
                "label": row["label"],
                "rank": row["rank"] if enough else None,
                "rating": f"{row['rating']:.0f}" if enough else arena,
                **dict(
                    zip(("ci_low", "ci_high"), _interval_cells(row.get("ci_low"), row.get("ci_high"), enough, language))
                ),
                "style_rating": f"{style:.0f}" if enough and not _isnan(style) else "—",
                **dict(
                    zip(
                        ("style_ci_low", "style_ci_high"),
                        _interval_cells(row.get("style_ci_low"), row.get("style_ci_high"), enough, language),
                    )
                ),
                "style_rank": row.get("style_rank") if enough else None,
                "wins": row.get("wins"),
                "ties": row.get("ties"),
                **{
                    f"crowd_{c}": answer_rating_cell(row, board.min_ratings, c, with_count=False, language=language)
                    for c in CRITERIA
                },
                "n_items": row.get("n_items") if row.get("score_kind") == "measured" else None,
                "token_f1": _automatic(board, row, "token_f1"),
            }
        )
    frame = pd.DataFrame(out, columns=list(DETAIL))
    for column in ("rank", "style_rank", "ties", "n_items"):
        frame[column] = frame[column].astype("Int64")
    frame["wins"] = frame["wins"].astype(float)
    frame["token_f1"] = frame["token_f1"].astype(float).round(2)
    frame.columns = headers(DETAIL, language)
    return frame


def detail_table(board: Leaderboard, language: str = DEFAULT_LANGUAGE):
    names = dict(zip(DETAIL, headers(DETAIL, language)))
    return styled(detail_frame(board, language), {names["wins"]: 1, names["token_f1"]: 2})


def _automatic(board: Leaderboard, row: dict, key: str) -> Any:
    """A figure of the row's latest automatic record that the table does not carry (e.g. token F1)."""
    if not row.get("eval_date") or row.get("score_kind") == "published":
        return None
    for record in reversed(board.records):
        if record["kind"] == "automatic" and record["model"] == row["model"] and record.get("date") == row["eval_date"]:
            return record.get(key)
    return None
