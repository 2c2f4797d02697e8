"""People's 1-5 ratings of Chat answers, per model, as the leaderboard shows them: how many ratings
a model has and, from `min_ratings` on, the mean of each of the judge's criteria and of the three
with a 95 % Student-t interval.

These are the ratings given under the Chat's answers (`ragarena.answer_ratings.store`), not the
arena's votes (`ragarena.scoring.arena_ratings`). Their columns keep the names ``crowd_*`` that the
leaderboard CSV has always used.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ragarena.answer_ratings.stats import rating_overall, t_interval
from ragarena.core.criteria import CRITERIA
from ragarena.settings import DEFAULT_MIN_RATINGS as MIN_RATINGS

#: Per figure, the mean and its 95 % t-interval.
ANSWER_RATING_FIGURES = ("overall", *CRITERIA)
#: Columns of `Leaderboard.table` and of the CSV (names kept as published: ``crowd_…``).
ANSWER_RATING_COLUMNS = (
    "crowd_n",
    *(f"crowd_{f}{end}" for f in ANSWER_RATING_FIGURES for end in ("", "_ci_low", "_ci_high")),
)


def answer_rating_means(ratings: Iterable[dict], min_ratings: int = MIN_RATINGS) -> dict[str, dict]:
    """model -> its `ANSWER_RATING_COLUMNS`: how many ratings it has and, with at least `min_ratings`, the
    mean of each criterion and of the three (``overall``, the mean of each rating's three scores),
    each with a 95 % Student-t interval (`ragarena.answer_ratings.stats.t_interval`, clipped to 1-5).

    `ratings` are dicts with ``model`` and the three criteria (integers 1-5), as
    `AnswerRatings.scores` or `AnswerRatings.export_ratings` give them.
    """
    by_model: dict[str, list[dict]] = {}
    for rating in ratings:
        by_model.setdefault(rating["model"], []).append(rating)
    result = {}
    for model, group in by_model.items():
        fields: dict[str, Any] = {"crowd_n": len(group)}
        if len(group) >= min_ratings:
            for figure in ANSWER_RATING_FIGURES:
                values = [rating_overall(r) if figure == "overall" else float(r[figure]) for r in group]
                mean, low, high = t_interval(values)
                fields.update({f"crowd_{figure}": mean, f"crowd_{figure}_ci_low": low, f"crowd_{figure}_ci_high": high})
        result[model] = fields
    return result
