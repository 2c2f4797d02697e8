"""How close the LLM judge is to people: their 1-5 ratings against its scores for the very same answer.

The same answer means the same judge cache key (`ragarena.scoring.judge_cache.cache_key`: judge,
rubric, question, conversation, passages and answer), so a rated Chat answer is rebuilt as the
`JudgeItem` the judge would have scored (`judge_item`) and looked up in the cache `eval --judge`
filled (`ragarena.scoring.judge_cache.read_cache`). `agreement` gives per criterion the mean
absolute difference, the bias and Spearman's ρ; `agreement_markdown` is the leaderboard's text.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ragarena.answer_ratings.stats import rating_overall
from ragarena.answer_ratings.store import conversation_turns
from ragarena.answering.safe_markdown import code
from ragarena.arena.reasons import CRITERION_NAMES as REASON_CRITERION_NAMES
from ragarena.core.criteria import CRITERIA
from ragarena.core.i18n import _, localize
from ragarena.core.passages import Passage
from ragarena.scoring.judge_cache import cache_key
from ragarena.scoring.judge_rubric import JudgeItem, passage_text

#: The rows of the agreement table: the three criteria (named as everywhere else) and their mean.
CRITERION_NAMES = {**{c: REASON_CRITERION_NAMES[c] for c in CRITERIA}, "overall": _("Media de los tres")}


def judge_item(rating: Mapping[str, Any], passages_by_id: Mapping[str, Passage]):
    """The `JudgeItem` the judge would have scored for this rated answer.

    None when one of its passages is no longer in the corpus (its text, part of the key, is unknown).
    """
    texts = []
    for passage_id in rating.get("passage_ids") or []:
        passage = passages_by_id.get(passage_id)
        if passage is None:
            return None
        texts.append(passage_text(passage))
    history = tuple((t["question"], t["answer"]) for t in conversation_turns(rating.get("conversation")))
    return JudgeItem(rating["question"], rating["answer"], tuple(texts), history)


def match_judgements(
    ratings: Iterable[Mapping[str, Any]],
    entries: Mapping[str, dict],
    judges: Sequence[str],
    passages_by_id: Mapping[str, Passage],
) -> dict[str, list[tuple[dict, dict]]]:
    """judge name -> [(rating, the judge's judgement of the same item)], for the ratings the judge also scored.

    The same item means the same judge cache key: question, conversation, passages (their text
    now) and answer, under the current rubric.
    """
    pairs: dict[str, list[tuple[dict, dict]]] = {}
    for rating in ratings:
        item = judge_item(rating, passages_by_id)
        if item is None:
            continue
        for judge in judges:
            judgement = entries.get(cache_key(judge, item))
            if judgement is not None:
                pairs.setdefault(judge, []).append((dict(rating), judgement))
    return pairs


def _judge_score(judgement: Mapping[str, Any], criterion: str) -> float | None:
    entry = judgement.get(criterion)
    score = entry.get("score") if isinstance(entry, Mapping) else entry
    if isinstance(score, bool) or not isinstance(score, (int, float)) or not math.isfinite(score):
        return None
    return float(score)


def agreement(pairs: Sequence[tuple[Mapping[str, Any], Mapping[str, Any]]]) -> list[dict]:
    """Per criterion (and their mean, ``overall``): how close the judge is to people on the same answers.

    Each dict: criterion, n (pairs), mad (mean absolute difference, points on the 1-5 scale),
    bias (mean of judge − people), spearman (rank correlation; nan with fewer than 3 pairs or
    when one side gives every answer the same score).
    """
    from scipy import stats

    results = []
    for criterion in (*CRITERIA, "overall"):
        judge_values, people = [], []
        for rating, judgement in pairs:
            if criterion == "overall":
                scores = [_judge_score(judgement, c) for c in CRITERIA]
                judged = None if None in scores else sum(scores) / len(scores)
                person = rating_overall(rating)
            else:
                judged, person = _judge_score(judgement, criterion), float(rating[criterion])
            if judged is not None:
                judge_values.append(judged)
                people.append(person)
        n = len(people)
        diffs = [j - p for j, p in zip(judge_values, people)]
        spearman = math.nan
        if n >= 3 and len(set(judge_values)) > 1 and len(set(people)) > 1:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                spearman = float(stats.spearmanr(judge_values, people).statistic)
        results.append(
            {
                "criterion": criterion,
                "n": n,
                "mad": math.fsum(abs(d) for d in diffs) / n if n else math.nan,
                "bias": math.fsum(diffs) / n if n else math.nan,
                "spearman": spearman,
            }
        )
    return results


def _number(value: float, digits: int = 2, signed: bool = False) -> str:
    if value is None or math.isnan(value):
        return "—"
    return format(value, f"{'+' if signed else ''}.{digits}f")


def agreement_markdown(pairs_by_judge: Mapping[str, Sequence], n_ratings: int, language: str = "es") -> str:
    """The agreement tables (one per judge) in `language` (Spanish by default), or why there are none."""
    intro = _(
        "Se comparan las valoraciones de la pestaña *Chat* con las puntuaciones del jurado LLM "
        "(`python -m ragarena eval --judge …`) **para la misma respuesta**: misma pregunta, conversación, "
        "fragmentos recuperados y respuesta (la clave de la caché del jurado). *Diferencia absoluta media*: "
        "puntos de la escala 1-5 entre el jurado y la persona; *sesgo*: media de jurado − persona; "
        "*Spearman ρ*: correlación de rangos entre las dos puntuaciones."
    )
    blocks = [intro]
    if not pairs_by_judge:
        if not n_ratings:
            blocks.append(_("Todavía no hay valoraciones de usuarios."))
        else:
            blocks.append(
                _(
                    "El jurado no ha puntuado ninguna de las respuestas valoradas ({n}), así que todavía no "
                    "hay nada que comparar.",
                    n=n_ratings,
                )
            )
        return "\n\n".join(localize(block, language) for block in blocks)
    for judge, pairs in sorted(pairs_by_judge.items()):
        lines = [
            _(
                "**Jurado {judge}**: {n} valoraciones coinciden con una puntuación suya.",
                judge=code(judge),
                n=len(pairs),
            ),
            "",
            _("| Criterio | n | Diferencia absoluta media | Sesgo (jurado − personas) | Spearman ρ |"),
            "|---|---:|---:|---:|---:|",
        ]
        for item in agreement(pairs):
            name = localize(CRITERION_NAMES[item["criterion"]], language)
            lines.append(
                f"| {name} | {item['n']} | {_number(item['mad'])} | "
                f"{_number(item['bias'], signed=True)} | {_number(item['spearman'])} |"
            )
        blocks.append("\n".join(localize(line, language) for line in lines))
    if min(len(p) for p in pairs_by_judge.values()) < 10:
        blocks.append(
            _(
                "Con tan pocas coincidencias las cifras son solo orientativas "
                "(ρ no se calcula con menos de 3, ni si un lado puntúa todo igual)."
            )
        )
    return "\n\n".join(localize(block, language) for block in blocks)
