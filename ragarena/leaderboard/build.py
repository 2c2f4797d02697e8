"""The leaderboard's data: crowd ratings from arena battles beside judge and published scores.

Pure functions, no Gradio: `build_leaderboard` assembles everything the tab shows from a
list of battles (the public arena format of `ragarena.arena.battles`) and the stored score records
(`ragarena.scoring.scores`); here also the crowd's 1-5 means, the judge-vs-crowd rank correlations, the
CSV and the vote reasons. The tables a reader sees are `ragarena.leaderboard.table`, the texts
`ragarena.leaderboard.text`, the plots `ragarena.leaderboard.figures`; `ragarena.leaderboard.board` ties them to the app.
Every text is marked with `ragarena.i18n._`; output functions take a ``language`` ('es' by
default) and `in_language` gives the model names of that language.

Rows: one per model that has votes, a measured judge score (its latest measured record), automatic
eval figures (its latest ``automatic`` record) or crowd ratings, plus one per published record,
labelled "… (publicado)" so a quoted figure is never mistaken for one measured here. Order: the
judge's overall mean, then the arena rating (from `min_votes` votes), published rows last.
"""

from __future__ import annotations

import dataclasses
import io
import math
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterable, Sequence

import pandas as pd

from ragarena.scoring import scores as score_store
from ragarena import settings
from ragarena.arena.battles import is_excluded
from ragarena.scoring.rating_stats import DEFAULT_MIN_RATINGS as MIN_RATINGS
from ragarena.i18n import DEFAULT_LANGUAGE, _, localize, normalize_language
from ragarena.scoring.scores import CRITERIA

#: Votes a model needs before its arena rating is shown and enters the judge-vs-crowd correlation
#: (``RAGARENA_MIN_VOTES``, see `min_votes_from_env`).
MIN_VOTES = 10
#: Votes needed before the summary quotes what answer length and filler are worth (style control).
MIN_STYLE_EFFECT_VOTES = 50
PUBLISHED_SUFFIX = " (publicado)"

#: People's 1-5 ratings of Chat answers (`crowd_criteria`): per figure, the mean and its 95 % t-interval.
CROWD_FIGURES = ("overall", *CRITERIA)
CROWD_COLUMNS = ("crowd_n", *(f"crowd_{f}{end}" for f in CROWD_FIGURES for end in ("", "_ci_low", "_ci_high")))

#: The automatic answer figures of `eval --record` the table carries (from the model's latest
#: ``automatic`` record) and where they come from.
EVAL_COLUMNS = ("mean_words", "filler_rate", "false_abstention_rate", "eval_date", "eval_command", "retrieval")

#: Columns of `Leaderboard.table` and of the CSV download, in order (new columns go at the end).
COLUMNS = (
    "rank", "model", "label", "rating", "ci_low", "ci_high",
    "style_rating", "style_ci_low", "style_ci_high", "style_rank", "votes", "wins", "ties",
    "overall", *CRITERIA, "n_items", "judge", "dataset", "split", "score_date", "score_kind", "source",
    *CROWD_COLUMNS, *EVAL_COLUMNS,
)



@dataclass
class Leaderboard:
    """Everything the leaderboard tab shows."""

    table: pd.DataFrame                # COLUMNS, one row per model (+ published rows), sorted
    records: list[dict]                # every score record, as loaded
    correlations: list[dict]           # one per judge (and dataset, split) with >= 2 comparable models
    n_votes: int = 0                   # battles that count
    excluded: int = 0                  # battles marked excluded
    last_vote: datetime | None = None
    win_rate: pd.DataFrame | None = None      # row beats column, indexed by model id
    battle_counts: pd.DataFrame | None = None
    labels: dict[str, str] = field(default_factory=dict)
    bootstrap: int = 0
    min_votes: int = MIN_VOTES
    notes: list[str] = field(default_factory=list)
    n_ratings: int = 0                 # people's ratings of Chat answers
    min_ratings: int = MIN_RATINGS
    style_coefficients: list[dict] = field(default_factory=list)  # length / filler effects (ratings.StyleFit)
    reasons: pd.DataFrame | None = None  # `reason_counts` of the battles that count

    def label(self, model: str) -> str:
        return self.labels.get(model, model)


# ---------------------------------------------------------------------------------------
# Assembly


def parse_tstamp(value: Any) -> datetime | None:
    """A battle's ``tstamp`` (Unix seconds, as in the public arena exports, or ISO text)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            return None
        return datetime.fromtimestamp(float(value), tz=timezone.utc)
    if isinstance(value, str) and value.strip():
        try:
            return datetime.fromtimestamp(float(value), tz=timezone.utc)
        except ValueError:
            pass
        try:
            return score_store.parse_date(value)
        except ValueError:
            return None
    return None


def build_leaderboard(battles: Iterable[dict], records: Sequence[dict] = (), labels: dict[str, str] | None = None,
                      bootstrap: int = 1000, seed: int | None = 0, min_votes: int = MIN_VOTES,
                      blind_only: bool = True, crowd_ratings: Iterable[dict] = (),
                      min_ratings: int = MIN_RATINGS) -> Leaderboard:
    """Assemble the leaderboard from battles and score records.

    `labels` maps model ids (as the battles and measured records name them) to display
    names. With `blind_only` (as Chatbot Arena does), battles voted with the model names in
    view (``mode == "named"``) do not count; battles without a mode do. Invalid battles raise
    `UserError` (from `ragarena.scoring.arena_ratings`).
    """
    from ragarena.scoring.arena_ratings import analyze

    battles = list(battles)
    named = 0
    if blind_only:
        blind = [b for b in battles if b.get("mode") != "named"]
        named, battles = len(battles) - len(blind), blind
    labels = dict(labels or {})
    counted = [b for b in battles if not is_excluded(b)]
    excluded = len(battles) - len(counted)
    stamps = [t for t in (parse_tstamp(b.get("tstamp")) for b in counted) if t is not None]
    ratings = analyze(battles, bootstrap=bootstrap, seed=seed, style=True) if counted else None

    for record in records:  # labels for measured models the registry does not list
        if record["kind"] == "measured" and record.get("label"):
            labels.setdefault(record["model"], record["label"])

    rows: dict[tuple[str, int], dict] = {}
    if ratings is not None:
        for item in ratings.table.to_dict("records"):
            rows[(item["model"], -1)] = {
                "model": item["model"], "rank": int(item["rank"]), "rating": float(item["rating"]),
                "ci_low": float(item["ci_low"]), "ci_high": float(item["ci_high"]), "votes": int(item["battles"]),
                "wins": float(item["wins"]), "ties": int(item["ties"]),
                **{key: item.get(key) for key in ("style_rating", "style_ci_low", "style_ci_high", "style_rank")},
            }
    for model, record in score_store.latest_measured(records).items():
        rows.setdefault((model, -1), {"model": model}).update(_score_fields(record))
    for model, record in score_store.latest_measured(records, "automatic").items():
        rows.setdefault((model, -1), {"model": model}).update(_eval_fields(record))
    crowd_ratings = list(crowd_ratings)
    for model, fields in crowd_criteria(crowd_ratings, min_ratings).items():
        rows.setdefault((model, -1), {"model": model}).update(fields)
    for number, record in enumerate(records):
        if record["kind"] == "published":
            rows[(record["model"], number)] = {"model": record["model"], **_score_fields(record),
                                               "label": _published_label(record, labels)}
    for (model, _number), row in rows.items():
        row.setdefault("label", labels.get(model, model))

    table = pd.DataFrame(list(rows.values()), columns=list(COLUMNS))
    table["style_rank"] = table["style_rank"].map(lambda v: None if _isnan(v) else int(v))
    for column in ("rank", "votes", "ties", "n_items", "crowd_n", "style_rank"):
        table[column] = table[column].astype("Int64")
    for column in ("rating", "ci_low", "ci_high", "style_rating", "style_ci_low", "style_ci_high", "wins", "overall",
                   *CRITERIA, *CROWD_COLUMNS[1:], *EVAL_COLUMNS[:3]):
        table[column] = table[column].astype(float)
    for column in ("model", "label", "judge", "dataset", "split", "score_date", "score_kind", "source",
                   *EVAL_COLUMNS[3:]):
        table[column] = table[column].astype(object).where(table[column].notna(), None)
    # Ranked on the study's criteria (the judge's overall), then the arena; a rating from too few
    # votes does not rank a model (it sorts after those with enough). Published figures come from
    # another corpus: they close the table as a reference instead of ranking among measured models.
    enough = table["votes"].fillna(0) >= min_votes
    table["_published"] = table["score_kind"] == "published"
    table["_arena"] = table["rating"].where(enough)
    table = table.sort_values(["_published", "overall", "_arena", "rating", "label"],
                              ascending=[True, False, False, False, True], na_position="last",
                              ignore_index=True).drop(columns=["_published", "_arena"])

    crowd = {row["model"]: (row["rating"], row["votes"]) for row in rows.values() if row.get("rating") is not None}
    board = Leaderboard(
        table=table, records=list(records), correlations=rank_correlations(records, crowd, min_votes),
        n_votes=len(counted), excluded=excluded, last_vote=max(stamps) if stamps else None,
        win_rate=ratings.win_rate if ratings is not None else None,
        battle_counts=ratings.battle_counts if ratings is not None else None,
        labels=labels, bootstrap=bootstrap if ratings is not None else 0, min_votes=min_votes,
        notes=list(ratings.notes) if ratings is not None else [],
        n_ratings=len(crowd_ratings), min_ratings=min_ratings,
        style_coefficients=(ratings.style.coefficients.to_dict("records")
                            if ratings is not None and ratings.style is not None and ratings.style.battles else []),
        reasons=reason_counts(battles),
    )
    if named:
        board.notes.append(_("{named} votos emitidos con los nombres de los modelos a la vista no cuentan "
                             "(solo cuentan los votos a ciegas).", named=named))
    return board


def _score_fields(record: dict) -> dict:
    return {
        "overall": record.get("overall"), **{c: record.get(c) for c in CRITERIA}, "n_items": record.get("n_items"),
        "judge": record.get("judge"), "dataset": record.get("dataset"), "split": record.get("split"),
        "score_date": record.get("date"), "score_kind": record["kind"], "source": record["source"],
    }


def _eval_fields(record: dict) -> dict:
    return {"mean_words": record.get("mean_words"), "filler_rate": record.get("filler_rate"),
            "false_abstention_rate": record.get("false_abstention_rate"), "eval_date": record.get("date"),
            "eval_command": record.get("command"), "retrieval": record.get("retrieval")}


def min_votes_from_env() -> int:
    """Votes a model needs before the leaderboard shows its arena rating (``RAGARENA_MIN_VOTES``)."""
    return settings.positive_int("RAGARENA_MIN_VOTES", MIN_VOTES)


def _published_label(record: dict, labels: dict[str, str], language: str = DEFAULT_LANGUAGE) -> str:
    name = record.get("label") or labels.get(record["model"]) or record["model"]
    return _published_name(name, language)


def _published_name(name: str, language: str = DEFAULT_LANGUAGE) -> str:
    """«name (publicado)» in `language` (a name that already says «(publicado)» does not say it twice)."""
    if name.endswith(PUBLISHED_SUFFIX):
        name = name[:-len(PUBLISHED_SUFFIX)]
    return localize(_("{name} (publicado)", name=name), language)


def in_language(board: Leaderboard, labels: dict[str, str] | None = None,
                language: str = DEFAULT_LANGUAGE) -> Leaderboard:
    """The same leaderboard with its model names for `language`: `labels` (model id -> name, e.g.
    `ModelSpec.label_in`) replace those it was built with, and the published rows say «(published)»
    in English. Cheap: the figures are shared, only the table is copied. Names that come from the
    score records themselves (data) stay as written."""
    language = normalize_language(language)
    merged = {**board.labels, **(labels or {})}
    if merged == board.labels and language == DEFAULT_LANGUAGE:
        return board
    table = board.table.copy()
    names = []
    for model, label, kind in zip(table["model"], table["label"], table["score_kind"]):
        if kind == "published":
            base = label[:-len(PUBLISHED_SUFFIX)] if label.endswith(PUBLISHED_SUFFIX) else label
            if model in board.labels and base == board.labels[model]:  # the registry's name, not the record's
                base = merged[model]
            names.append(_published_name(base, language))
        else:
            names.append(merged.get(model, label))
    table["label"] = pd.Series(names, index=table.index, dtype=object)
    return dataclasses.replace(board, table=table, labels=merged)


# ---------------------------------------------------------------------------------------
# People's ratings of Chat answers (the judge's criteria, 1-5)


def crowd_criteria(ratings: Iterable[dict], min_ratings: int = MIN_RATINGS) -> dict[str, dict]:
    """model -> its `CROWD_COLUMNS`: how many ratings it has and, with at least `min_ratings`, the
    mean of each criterion and of the three (``overall``, the mean of each rating's three scores),
    each with a 95 % Student-t interval (`ragarena.scoring.rating_stats.t_interval`, clipped to 1-5).

    `ratings` are dicts with ``model`` and the three criteria (integers 1-5), as
    `AnswerRatings.scores` or `AnswerRatings.export_ratings` give them.
    """
    from ragarena.scoring.rating_stats import rating_overall, t_interval

    by_model: dict[str, list[dict]] = {}
    for rating in ratings:
        by_model.setdefault(rating["model"], []).append(rating)
    result = {}
    for model, group in by_model.items():
        fields: dict[str, Any] = {"crowd_n": len(group)}
        if len(group) >= min_ratings:
            for figure in CROWD_FIGURES:
                values = [rating_overall(r) if figure == "overall" else float(r[figure]) for r in group]
                mean, low, high = t_interval(values)
                fields.update({f"crowd_{figure}": mean, f"crowd_{figure}_ci_low": low,
                               f"crowd_{figure}_ci_high": high})
        result[model] = fields
    return result


# ---------------------------------------------------------------------------------------
# Judge ranking vs crowd ranking


def rank_correlation(judge_scores: dict[str, float], crowd_ratings: dict[str, float]) -> dict | None:
    """Spearman and Kendall rank correlation over the models present in both (None if < 2).

    Values are NaN when one side gives every model the same figure.
    """
    from scipy import stats

    models = sorted(m for m in judge_scores if m in crowd_ratings
                    and judge_scores[m] is not None and crowd_ratings[m] is not None)
    if len(models) < 2:
        return None
    x = [float(judge_scores[m]) for m in models]
    y = [float(crowd_ratings[m]) for m in models]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        spearman = stats.spearmanr(x, y)
        kendall = stats.kendalltau(x, y)
    return {
        "models": models, "n": len(models),
        "spearman": float(spearman.statistic), "spearman_p": float(spearman.pvalue),
        "kendall": float(kendall.statistic), "kendall_p": float(kendall.pvalue),
    }


def rank_correlations(records: Sequence[dict], crowd: dict[str, tuple[float, int]],
                      min_votes: int = MIN_VOTES) -> list[dict]:
    """One correlation per (judge, dataset, split): each model's latest measured overall score
    from that judge against its crowd rating, for models with at least `min_votes` votes."""
    groups: dict[tuple, list[dict]] = {}
    for record in records:
        if record["kind"] == "measured" and record.get("overall") is not None:
            groups.setdefault((record.get("judge"), record.get("dataset"), record.get("split")), []).append(record)
    ratings = {model: rating for model, (rating, votes) in crowd.items() if votes >= min_votes}
    results = []
    for (judge, dataset, split), group in sorted(groups.items(), key=lambda kv: tuple(str(k) for k in kv[0])):
        latest = score_store.latest_measured(group)
        result = rank_correlation({m: r["overall"] for m, r in latest.items()}, ratings)
        if result is not None:
            results.append({"judge": judge, "dataset": dataset, "split": split, **result})
    return results


# ---------------------------------------------------------------------------------------
# Output: table, CSV, figures, text


def _fmt(value: Any, digits: int) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{value:.{digits}f}"


def _headers(headers: dict[str, str], language: str) -> dict[str, str]:
    return {key: localize(header, language) for key, header in headers.items()}


def _isnan(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def to_csv(board: Leaderboard) -> str:
    """The whole table (COLUMNS, English names) as CSV text; empty cells for missing figures."""
    table = board.table.copy()
    for column in ("rating", "ci_low", "ci_high", "style_rating", "style_ci_low", "style_ci_high"):
        table[column] = table[column].round(1)
    for column in ("overall", *CRITERIA, *CROWD_COLUMNS[1:]):
        table[column] = table[column].round(3)
    buffer = io.StringIO()
    table.to_csv(buffer, index=False, columns=list(COLUMNS), lineterminator="\n")
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------
# Why voters chose: the reasons given with the votes (`ragarena.arena.reasons`)

#: Columns of `reason_counts`.
REASON_COLUMNS = ("model", "criterion", "reason", "won", "won_share", "lost", "lost_share", "tied")
REASON_HEADERS = {
    "label": _("Modelo"), "criterion": _("Criterio"), "reason": _("Motivo"), "won": _("Al ganar"),
    "won_share": _("% de sus victorias con motivos"), "lost": _("Al perder"),
    "lost_share": _("% de sus derrotas con motivos"), "tied": _("En empate"),
}
#: What the reasons table shows for each criterion and reason of `ragarena.arena.reasons` (the stored
#: reasons are Spanish data; only their display is translated).
REASON_CRITERION_NAMES = {
    "answer_relevance": _("Relevancia de la respuesta"), "context_relevance": _("Relevancia del contexto"),
    "groundedness": _("Fundamentación"), "conciseness": _("Concisión (sin relleno)"),
}
REASON_NAMES = {
    "respuesta correcta": _("respuesta correcta"), "concisa, sin relleno": _("concisa, sin relleno"),
    "basada en el contexto": _("basada en el contexto"),
    "contexto recuperado adecuado": _("contexto recuperado adecuado"),
    "incorrectas": _("incorrectas"), "con relleno": _("con relleno"),
    "inventan información": _("inventan información"), "contexto equivocado": _("contexto equivocado"),
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
    from ragarena.arena.reasons import ALL, CRITERION

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


def reasons_frame(board: Leaderboard, language: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """`reason_counts` as the tab shows it: model labels, criteria, reasons and headers in `language`,
    percentages."""
    from ragarena.arena.reasons import CRITERION_NAMES

    counts = board.reasons if board.reasons is not None else reason_counts([])
    frame = pd.DataFrame({
        "label": [board.label(m) for m in counts["model"]],
        "criterion": [localize(REASON_CRITERION_NAMES.get(c) or CRITERION_NAMES.get(c, c), language)
                      for c in counts["criterion"]],
        "reason": [localize(REASON_NAMES.get(r, r), language) for r in counts["reason"]],
        "won": counts["won"],
        "won_share": (100 * counts["won_share"].astype(float)).round(0),
        "lost": counts["lost"],
        "lost_share": (100 * counts["lost_share"].astype(float)).round(0),
        "tied": counts["tied"],
    })
    return frame.rename(columns=_headers(REASON_HEADERS, language))


def reasons_markdown(board: Leaderboard, language: str = DEFAULT_LANGUAGE) -> str:
    """How to read the reasons table, or why it is empty, in `language`."""
    if board.reasons is None or board.reasons.empty:
        return localize(_("Todavía nadie ha indicado por qué votó. Tras votar en la *Arena* se pueden marcar los "
                          "motivos (respuesta correcta, concisa, basada en el contexto, contexto adecuado; o qué "
                          "fallaba en las dos)."), language)
    return localize(_("Motivos marcados por quienes votaron, por modelo: *Al ganar*, cuántas veces se dio ese motivo "
                      "cuando el modelo ganó; *Al perder*, cuando perdió frente a una respuesta mejor en eso, o "
                      "cuando las dos eran malas (entonces el motivo dice qué fallaba); en porcentaje de sus "
                      "victorias o derrotas con motivos. Es la opinión de la comunidad sobre los mismos criterios "
                      "que puntúa el juez."), language)
