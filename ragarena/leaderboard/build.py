"""The leaderboard's data: arena ratings from votes beside judge, automatic and published scores and
people's 1-5 ratings of Chat answers.

Pure functions, no Gradio: `build_leaderboard` assembles everything the tab shows from a
list of battles (the public arena format of `ragarena.core.battles`), the stored score records
(`ragarena.scoring.scores`) and people's ratings of Chat answers; here also the CSV. It takes the
means of those ratings from `ragarena.leaderboard.answer_rating_means`, the judge-vs-arena rank
correlations from `ragarena.leaderboard.judge_vs_arena` and the vote reasons from
`ragarena.leaderboard.reason_table`. The tables a reader sees are `ragarena.leaderboard.table`
(with `provenance` and `score_records`), the texts `ragarena.leaderboard.text`, the plots
`ragarena.leaderboard.figures`; `ragarena.leaderboard.board` ties them to the app.
Every text is marked with `ragarena.core.i18n._`; output functions take a ``language`` ('es' by
default) and `in_language` gives the model names of that language.

Rows: one per model that has votes, a measured judge score (its latest measured record), automatic
eval figures (its latest ``automatic`` record) or people's ratings, plus one per published record,
labelled "… (publicado)" so a quoted figure is never mistaken for one measured here. Order
(`ORDER_RULE`, which the tab's caption states): how often the model is right on the test split
(``correct_rate`` of its latest automatic record), best first; rows without that figure after them,
by the judge's overall mean, then the arena rating (from `min_votes` votes); published rows last.
"""

from __future__ import annotations

import dataclasses
import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from ragarena import settings
from ragarena.core.criteria import CRITERIA
from ragarena.core.i18n import DEFAULT_LANGUAGE, _, localize, normalize_language
from ragarena.core.vote_filter import count_votes
from ragarena.leaderboard.answer_rating_means import ANSWER_RATING_COLUMNS, answer_rating_means
from ragarena.leaderboard.judge_vs_arena import rank_correlations
from ragarena.leaderboard.reason_table import reason_counts
from ragarena.scoring import scores as score_store
from ragarena.scoring.arena_ratings import analyze

#: Votes a model needs before its arena rating is shown and enters the judge-vs-arena correlation
#: (``RAGARENA_MIN_VOTES``, read by `ragarena.settings.min_votes`).
MIN_VOTES = settings.DEFAULT_MIN_VOTES
#: Ratings a model needs before the leaderboard shows its means (``RAGARENA_MIN_RATINGS``).
MIN_RATINGS = settings.DEFAULT_MIN_RATINGS
#: Votes needed before the summary quotes what answer length and filler are worth (style control).
MIN_STYLE_EFFECT_VOTES = 50
PUBLISHED_SUFFIX = " (publicado)"

#: The automatic answer figures of `eval --record` the table carries (from the model's latest
#: ``automatic`` record) and where they come from.
EVAL_COLUMNS = ("mean_words", "filler_rate", "false_abstention_rate", "eval_date", "eval_command", "retrieval")

#: How often the model is right (share of the answerable turns of the split) and of how many turns.
CORRECT_COLUMNS = ("correct_rate", "n_answerable")

#: The arena's figures: the rating with its 95 % interval, plain and style-controlled.
ARENA_FIGURES = ("rating", "ci_low", "ci_high", "style_rating", "style_ci_low", "style_ci_high")

#: Columns of `Leaderboard.table` and of the CSV download, in order (new columns go at the end).
COLUMNS = (
    "rank",
    "model",
    "label",
    *ARENA_FIGURES,
    "style_rank",
    "votes",
    "wins",
    "ties",
    "overall",
    *CRITERIA,
    "n_items",
    "judge",
    "dataset",
    "split",
    "score_date",
    "score_kind",
    "source",
    *ANSWER_RATING_COLUMNS,
    *EVAL_COLUMNS,
    *CORRECT_COLUMNS,
)
#: The rows' order: sort keys of `build_leaderboard` (the caption, `ORDER_CAPTION`, says it in words).
ORDER_RULE = ("correct_rate", "_published", "overall", "_arena", "rating", "label")
ORDER_CAPTION = _(
    "Ordenados por **Aciertos** (respuestas correctas en el split de test); las filas sin esa cifra "
    "van después, por **Global** (1-5) y por la arena, y las cifras publicadas al final. ★: la mejor "
    "cifra de cada columna entre los modelos medidos aquí."
)


@dataclass
class Leaderboard:
    """Everything the leaderboard tab shows."""

    table: pd.DataFrame  # COLUMNS, one row per model (+ published rows), sorted
    records: list[dict]  # every score record, as loaded
    correlations: list[dict]  # one per judge (and dataset, split) with >= 2 comparable models
    n_votes: int = 0  # battles that count (`ragarena.core.vote_filter`)
    excluded: int = 0  # battles marked excluded
    last_vote: datetime | None = None
    win_rate: pd.DataFrame | None = None  # row beats column, indexed by model id
    battle_counts: pd.DataFrame | None = None
    labels: dict[str, str] = field(default_factory=dict)
    bootstrap: int = 0
    min_votes: int = MIN_VOTES
    notes: list[str] = field(default_factory=list)
    n_ratings: int = 0  # people's ratings of Chat answers
    min_ratings: int = MIN_RATINGS
    style_coefficients: list[dict] = field(default_factory=list)  # length / filler effects (style_control.StyleFit)
    reasons: pd.DataFrame | None = None  # `reason_counts` of the battles that count
    named: int = 0  # votes cast with the model names in view (not counted when blind only)
    malformed: int = 0  # rows that are not battles (not counted)

    def label(self, model: str) -> str:
        return self.labels.get(model, model)

    def arena_ranking(self) -> pd.DataFrame:
        """The rows whose arena rating is shown (`arena_rated`), best rating first."""
        return self.table[arena_rated(self.table, self.min_votes)].sort_values("rating", ascending=False)


def arena_rated(table: pd.DataFrame, min_votes: int) -> pd.Series:
    """Which rows' arena rating counts (shown, ranked, starred, plotted): one from at least `min_votes`
    votes; fewer would give an interval that means nothing."""
    return table["rating"].notna() & (table["votes"].fillna(0) >= min_votes)


# ---------------------------------------------------------------------------------------
# Assembly


def parse_tstamp(value: Any) -> datetime | None:
    """A battle's ``tstamp`` (Unix seconds, as in the public arena exports, or ISO text); None for
    anything that is not a date the platform can represent (1e300, -1e308, NaN, "ayer")."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip():
        try:
            value = float(value)
        except ValueError:
            try:
                return score_store.parse_date(value)
            except ValueError:
                return None
    if isinstance(value, (int, float)):
        try:
            return datetime.fromtimestamp(float(value), tz=UTC)
        except (OverflowError, OSError, ValueError):  # out of time_t's or datetime's range, NaN
            return None
    return None


def build_leaderboard(
    battles: Iterable[dict],
    records: Sequence[dict] = (),
    labels: dict[str, str] | None = None,
    bootstrap: int = 1000,
    seed: int | None = 0,
    min_votes: int = MIN_VOTES,
    blind_only: bool = True,
    answer_ratings: Iterable[dict] = (),
    min_ratings: int = MIN_RATINGS,
) -> Leaderboard:
    """Assemble the leaderboard from battles, score records and people's 1-5 ratings of Chat
    answers (`answer_ratings`).

    `labels` maps model ids (as the battles and measured records name them) to display
    names. The battles go through `ragarena.core.vote_filter.count_votes`, as for every rating:
    excluded ones and rows that are not battles do not count, nor, with `blind_only` (as Chatbot
    Arena does), battles voted with the model names in view (``mode == "named"``); battles without
    a mode do.
    """
    votes = count_votes(battles, blind_only=blind_only)
    counted = votes.counted
    labels = dict(labels or {})
    stamps = [t for t in (parse_tstamp(b.get("tstamp")) for b in counted) if t is not None]
    ratings = analyze(votes, bootstrap=bootstrap, seed=seed, style=True) if counted else None

    for record in records:  # labels for measured models the registry does not list
        if record["kind"] == "measured" and record.get("label"):
            labels.setdefault(record["model"], record["label"])

    rows: dict[tuple[str, int], dict] = {}
    if ratings is not None:
        for item in ratings.table.to_dict("records"):
            rows[(item["model"], -1)] = {
                "model": item["model"],
                "rank": int(item["rank"]),
                "rating": float(item["rating"]),
                "ci_low": float(item["ci_low"]),
                "ci_high": float(item["ci_high"]),
                "votes": int(item["battles"]),
                "wins": float(item["wins"]),
                "ties": int(item["ties"]),
                **{key: item.get(key) for key in ("style_rating", "style_ci_low", "style_ci_high", "style_rank")},
            }
    for model, record in score_store.latest_measured(records).items():
        rows.setdefault((model, -1), {"model": model}).update(_score_fields(record))
    for model, record in score_store.latest_measured(records, "automatic").items():
        rows.setdefault((model, -1), {"model": model}).update(_eval_fields(record))
    answer_ratings = list(answer_ratings)
    for model, fields in answer_rating_means(answer_ratings, min_ratings).items():
        rows.setdefault((model, -1), {"model": model}).update(fields)
    for number, record in enumerate(records):
        if record["kind"] == "published":
            rows[(record["model"], number)] = {
                "model": record["model"],
                **_score_fields(record),
                "label": _published_label(record, labels),
            }
    for (model, _number), row in rows.items():
        row.setdefault("label", labels.get(model, model))

    table = pd.DataFrame(list(rows.values()), columns=list(COLUMNS))
    table["style_rank"] = table["style_rank"].map(lambda v: None if _isnan(v) else int(v))
    for column in ("rank", "votes", "ties", "n_items", "crowd_n", "style_rank", "n_answerable"):
        table[column] = table[column].astype("Int64")
    for column in (
        *ARENA_FIGURES,
        "wins",
        "overall",
        *CRITERIA,
        *ANSWER_RATING_COLUMNS[1:],
        *EVAL_COLUMNS[:3],
        "correct_rate",
    ):
        table[column] = table[column].astype(float)
    for column in (
        "model",
        "label",
        "judge",
        "dataset",
        "split",
        "score_date",
        "score_kind",
        "source",
        *EVAL_COLUMNS[3:],
    ):
        table[column] = table[column].astype(object).where(table[column].notna(), None)
    # Ranked on how often the model is right (the figure every offline model has on a fresh clone),
    # then on the study's criteria (the judge's overall), then the arena; a rating from too few
    # votes does not rank a model (it sorts after those with enough). Published figures come from
    # another corpus: they close the table as a reference instead of ranking among measured models.
    table["_published"] = table["score_kind"] == "published"
    table["_arena"] = table["rating"].where(arena_rated(table, min_votes))
    table = table.sort_values(
        list(ORDER_RULE), ascending=[False, True, False, False, False, True], na_position="last", ignore_index=True
    ).drop(columns=["_published", "_arena"])

    arena = {row["model"]: (row["rating"], row["votes"]) for row in rows.values() if row.get("rating") is not None}
    return Leaderboard(
        table=table,
        records=list(records),
        correlations=rank_correlations(records, arena, min_votes),
        n_votes=len(counted),
        excluded=votes.excluded,
        last_vote=max(stamps) if stamps else None,
        win_rate=ratings.win_rate if ratings is not None else None,
        battle_counts=ratings.battle_counts if ratings is not None else None,
        labels=labels,
        bootstrap=bootstrap if ratings is not None else 0,
        min_votes=min_votes,
        notes=list(ratings.notes) if ratings is not None else votes.notes(),
        n_ratings=len(answer_ratings),
        min_ratings=min_ratings,
        style_coefficients=(
            ratings.style.coefficients.to_dict("records")
            if ratings is not None and ratings.style is not None and ratings.style.battles
            else []
        ),
        reasons=reason_counts(counted),
        named=votes.named,
        malformed=votes.malformed,
    )


def _score_fields(record: dict) -> dict:
    return {
        "overall": record.get("overall"),
        **{c: record.get(c) for c in CRITERIA},
        "n_items": record.get("n_items"),
        "judge": record.get("judge"),
        "dataset": record.get("dataset"),
        "split": record.get("split"),
        "score_date": record.get("date"),
        "score_kind": record["kind"],
        "source": record["source"],
    }


def _eval_fields(record: dict) -> dict:
    return {
        "mean_words": record.get("mean_words"),
        "filler_rate": record.get("filler_rate"),
        "false_abstention_rate": record.get("false_abstention_rate"),
        "eval_date": record.get("date"),
        "eval_command": record.get("command"),
        "retrieval": record.get("retrieval"),
        "correct_rate": record.get("correct_rate"),
        "n_answerable": record.get("n_answerable"),
    }


def _published_label(record: dict, labels: dict[str, str], language: str = DEFAULT_LANGUAGE) -> str:
    name = record.get("label") or labels.get(record["model"]) or record["model"]
    return _published_name(name, language)


def _published_name(name: str, language: str = DEFAULT_LANGUAGE) -> str:
    """«name (publicado)» in `language` (a name that already says «(publicado)» does not say it twice)."""
    if name.endswith(PUBLISHED_SUFFIX):
        name = name[: -len(PUBLISHED_SUFFIX)]
    return localize(_("{name} (publicado)", name=name), language)


def in_language(
    board: Leaderboard, labels: dict[str, str] | None = None, language: str = DEFAULT_LANGUAGE
) -> Leaderboard:
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
            base = label[: -len(PUBLISHED_SUFFIX)] if label.endswith(PUBLISHED_SUFFIX) else label
            if model in board.labels and base == board.labels[model]:  # the registry's name, not the record's
                base = merged[model]
            names.append(_published_name(base, language))
        else:
            names.append(merged.get(model, label))
    table["label"] = pd.Series(names, index=table.index, dtype=object)
    return dataclasses.replace(board, table=table, labels=merged)


# ---------------------------------------------------------------------------------------
# Output: the CSV


def _isnan(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def to_csv(board: Leaderboard) -> str:
    """The whole table (COLUMNS, English names) as CSV text; empty cells for missing figures."""
    table = board.table.copy()
    for column in ("rating", "ci_low", "ci_high", "style_rating", "style_ci_low", "style_ci_high"):
        table[column] = table[column].round(1)
    for column in ("overall", *CRITERIA, *ANSWER_RATING_COLUMNS[1:]):
        table[column] = table[column].round(3)
    buffer = io.StringIO()
    table.to_csv(buffer, index=False, columns=list(COLUMNS), lineterminator="\n")
    return buffer.getvalue()
