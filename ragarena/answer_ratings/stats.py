"""Statistics of people's 1-5 ratings: a model's mean with its Student-t interval, and when to show it.

The leaderboard shows per model the mean of each criterion with a 95 % interval
(`ragarena.leaderboard.answer_rating_means`) once it has ``RAGARENA_MIN_RATINGS`` ratings;
the judge agreement (`ragarena.answer_ratings.judge_agreement`) uses `rating_overall`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from ragarena.core.criteria import CRITERIA

CONFIDENCE = 0.95


def t_interval(
    values: Sequence[float], confidence: float = CONFIDENCE, bounds: tuple[float, float] = (1.0, 5.0)
) -> tuple[float, float, float]:
    """(mean, low, high): the mean with a Student-t interval, ``mean ± t(n-1) · s / √n``.

    ``s`` is the sample standard deviation (n - 1). The interval is clipped to `bounds` (the
    1-5 scale). With fewer than two values the interval is (nan, nan); with none, everything is.
    """
    from scipy import stats

    n = len(values)
    if n == 0:
        return math.nan, math.nan, math.nan
    mean = math.fsum(values) / n
    if n < 2:
        return mean, math.nan, math.nan
    sd = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (n - 1))
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * sd / math.sqrt(n)
    low, high = bounds
    return mean, max(low, mean - half), min(high, mean + half)


def rating_overall(rating: Mapping[str, Any]) -> float:
    """One rating's mean over the three criteria."""
    return sum(float(rating[c]) for c in CRITERIA) / len(CRITERIA)
