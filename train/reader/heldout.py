"""Out-of-fold figures on a held-out fold of the bundled train split (by conversation): the
selector refitted without that fold, the reader, and the two scores combined.

Each method picks as the app picks (`ragarena.selector.model.shortest`: the best candidate or a
shorter one inside it that is nearly as likely) and is counted with the selector's own
`turn_figures` (correct_rate, false_abstention_rate, abstention_accuracy), plus `never_abstaining`
(the pick's correct_rate if it always answered) and the split by first turn / follow-up.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ragarena.answering.selector_training import TurnRows, fit_variant, turn_figures
from ragarena.core.text_metrics import CORRECT_RECALL, answer_recall
from ragarena.selector.features import EMBEDDING_FEATURES, LEXICAL_FEATURES
from ragarena.selector.model import LEXICAL_TURN_FEATURES, TURN_FEATURES, Variant, shortest, softmax
from train.reader.fit import zscores

COMBINED_SELECTOR_WEIGHT = 0.5  # fixed beforehand (the earlier attempt's mix), not tuned on the fold


def split_by_conversation(turns: Sequence[TurnRows], share: float, seed: int) -> tuple[list[int], list[int]]:
    """(train indices, held-out indices): a seeded `share` of the conversations held out."""
    ids = sorted({t.conversation for t in turns})
    rng = np.random.default_rng(seed)
    held = set(rng.choice(ids, size=max(1, round(share * len(ids))), replace=False).tolist())
    return (
        [i for i, t in enumerate(turns) if t.conversation not in held],
        [i for i, t in enumerate(turns) if t.conversation in held],
    )


def fit_selector(turns: Sequence[TurnRows]) -> Variant:
    """The selector as `train-selector` fits it (the embeddings variant when the rows have them)."""
    embedded = all(t.embedded for t in turns if len(t.labels))
    names, turn_names = (
        (LEXICAL_FEATURES + EMBEDDING_FEATURES, TURN_FEATURES)
        if embedded
        else (LEXICAL_FEATURES, LEXICAL_TURN_FEATURES)
    )
    variant, _ = fit_variant(list(turns), names, turn_names)
    return variant


def _pick(turn: TurnRows, scores: np.ndarray) -> str | None:
    return shortest(turn.candidates, softmax(scores)).text if len(scores) else None


def _right(turn: TurnRows, text: str | None) -> bool:
    return text is not None and turn.answerable and answer_recall(text, turn.gold_answer) >= CORRECT_RECALL


def figures(turns: Sequence[TurnRows], texts: Sequence[str | None], answers: Sequence[bool]) -> dict:
    """`turn_figures` of the picks (answered when `answers`), never-abstaining, first turns and follow-ups."""
    picks = [(text, 1.0 if answered else 0.0) for text, answered in zip(texts, answers)]
    right = [_right(t, text) for t, text in zip(turns, texts)]
    result = turn_figures(turns, picks, 0.5, right)
    answerable = [r for t, r in zip(turns, right) if t.answerable]
    result["never_abstaining"] = round(float(np.mean(answerable)), 4) if answerable else 0.0
    for name, keep in (("first_turns", lambda t: not t.history), ("follow_ups", lambda t: bool(t.history))):
        chosen = [i for i, t in enumerate(turns) if keep(t)]
        part = turn_figures([turns[i] for i in chosen], [picks[i] for i in chosen], 0.5, [right[i] for i in chosen])
        result[f"correct_rate_{name}"] = part["correct_rate"]
    return result


def compare(
    turns: Sequence[TurnRows], selector: Variant, reader_scores: Sequence[np.ndarray], not_covered: float
) -> dict:
    """Figures of the selector, the reader and the combination on the held-out `turns`."""
    selector_scores = [selector.scores(t.matrix) if len(t.labels) else np.zeros(0) for t in turns]
    selector_answers = [
        len(t.labels) > 0 and selector.answerable(s, t.matrix) >= selector.threshold
        for t, s in zip(turns, selector_scores)
    ]
    reader_answers = [len(r) > 0 and float(r.max()) > not_covered for r in reader_scores]
    combined = [
        zscores(r) + COMBINED_SELECTOR_WEIGHT * zscores(s) if len(r) else r
        for r, s in zip(reader_scores, selector_scores)
    ]
    selector_texts = [_pick(t, s) for t, s in zip(turns, selector_scores)]
    reader_texts = [_pick(t, r) for t, r in zip(turns, reader_scores)]
    combined_texts = [_pick(t, c) for t, c in zip(turns, combined)]
    return {
        "turns": len(turns),
        "answerable": sum(t.answerable for t in turns),
        "selector": figures(turns, selector_texts, selector_answers),
        "reader": figures(turns, reader_texts, reader_answers),
        "reader_plus_selector_reader_abstains": figures(turns, combined_texts, reader_answers),
        "reader_plus_selector_selector_abstains": figures(turns, combined_texts, selector_answers),
        "combined_score": f"z(reader) + {COMBINED_SELECTOR_WEIGHT} z(selector ranker) per turn",
    }
