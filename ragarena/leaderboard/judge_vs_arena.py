"""Does the LLM judge rank the models as the arena's voters do? Spearman and Kendall rank
correlations between the judge's overall scores (stored measured records, `ragarena.scoring.scores`)
and the arena ratings from votes (`ragarena.scoring.arena_ratings`), one per judge, dataset and split.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

from ragarena.scoring import scores as score_store


def rank_correlation(judge_scores: dict[str, float], arena_ratings: dict[str, float]) -> dict | None:
    """Spearman and Kendall rank correlation over the models present in both (None if < 2).

    Values are NaN when one side gives every model the same figure.
    """
    from scipy import stats

    models = sorted(
        m for m in judge_scores if m in arena_ratings and judge_scores[m] is not None and arena_ratings[m] is not None
    )
    if len(models) < 2:
        return None
    x = [float(judge_scores[m]) for m in models]
    y = [float(arena_ratings[m]) for m in models]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        spearman = stats.spearmanr(x, y)
        kendall = stats.kendalltau(x, y)
    return {
        "models": models,
        "n": len(models),
        "spearman": float(spearman.statistic),
        "spearman_p": float(spearman.pvalue),
        "kendall": float(kendall.statistic),
        "kendall_p": float(kendall.pvalue),
    }


def rank_correlations(records: Sequence[dict], arena: dict[str, tuple[float, int]], min_votes: int) -> list[dict]:
    """One correlation per (judge, dataset, split): each model's latest measured overall score
    from that judge against its arena rating (`arena`: model -> (rating, votes)), for models with
    at least `min_votes` votes."""
    groups: dict[tuple, list[dict]] = {}
    for record in records:
        if record["kind"] == "measured" and record.get("overall") is not None:
            groups.setdefault((record.get("judge"), record.get("dataset"), record.get("split")), []).append(record)
    ratings = {model: rating for model, (rating, votes) in arena.items() if votes >= min_votes}
    results = []
    for (judge, dataset, split), group in sorted(groups.items(), key=lambda kv: tuple(str(k) for k in kv[0])):
        latest = score_store.latest_measured(group)
        result = rank_correlation({m: r["overall"] for m, r in latest.items()}, ratings)
        if result is not None:
            results.append({"judge": judge, "dataset": dataset, "split": split, **result})
    return results
