"""Fit the answer selector on the train split of a data folder (scikit-learn, at fit time only).

Each train turn is retrieved as the app retrieves it (the question plus the earlier questions);
every candidate of the top-k passages becomes a row, labelled by the gold `context` and `answer`
(`metrics.holds_answer`). A standardised logistic regression is fitted per variant; folds split
by conversation (follow-ups of one conversation never sit on both sides) give out-of-fold
probabilities, on which the abstention threshold is chosen: it maximises
correct_rate + abstention_accuracy - false_abstention_rate over the train turns.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from ragarena.answer_features import EMBEDDING_FEATURES, FEATURES, LEXICAL_FEATURES
from ragarena.backends.base import AnswerRequest
from ragarena.backends.selector import CandidateScorer
from ragarena.corpus import Conversation
from ragarena.metrics import CORRECT_RECALL, answer_recall, first_hit_rank, holds_answer
from ragarena.selector_model import SelectorModel, Variant, choose

FOLDS = 5
REGULARISATION_C = 1.0


@dataclass
class TurnRows:
    conversation: str
    matrix: np.ndarray
    labels: np.ndarray
    texts: list[str]
    candidates: list  # Candidate objects, for `choose`
    gold_answer: str
    answerable: bool
    gold_given: bool  # the gold passage was among the passages the selector saw
    embedded: bool


def collect_rows(conversations: Sequence[Conversation], retriever, scorer: CandidateScorer, k: int = 5,
                 progress: Callable[[int, int], None] | None = None) -> list[TurnRows]:
    chosen = [c for c in conversations if c.split == "train"]
    total, done, rows = sum(len(c.turns) for c in chosen), 0, []
    for conversation in chosen:
        history: list[tuple[str, str]] = []
        for turn in conversation.turns:
            hits = tuple(retriever.search(turn.question, [q for q, _ in history], k=k))
            found, matrix, embedded = scorer.features(AnswerRequest(turn.question, hits, tuple(history)))
            labels = np.array([turn.answerable and holds_answer(c.text, turn.answer, turn.context) for c in found],
                              dtype=bool)
            gold_given = turn.answerable and first_hit_rank(turn.context, [h.passage.text for h in hits]) is not None
            rows.append(TurnRows(conversation.id, matrix, labels, [c.text for c in found], found, turn.answer,
                                 turn.answerable, gold_given, embedded))
            history.append((turn.question, turn.answer))
            done += 1
            if progress:
                progress(done, total)
    return rows


def _fit(matrix: np.ndarray, labels: np.ndarray, names: Sequence[str], threshold: float = 0.5) -> Variant:
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(matrix)
    scale = np.where(scaler.scale_ > 0, scaler.scale_, 1.0)
    model = LogisticRegression(C=REGULARISATION_C, max_iter=2000).fit((matrix - scaler.mean_) / scale, labels)
    return Variant(tuple(names), scaler.mean_, scale, model.coef_[0], float(model.intercept_[0]), threshold)


def turn_figures(turns: Sequence[TurnRows], picks: Sequence[tuple[str | None, float]], threshold: float,
                 right: Sequence[bool] | None = None) -> dict:
    """correct_rate, false_abstention_rate and abstention_accuracy of `picks` at `threshold`
    (`right`: whether each pick is a correct answer, when already known)."""
    if right is None:
        right = [text is not None and turn.answerable and answer_recall(text, turn.gold_answer) >= CORRECT_RECALL
                 for turn, (text, _) in zip(turns, picks)]
    answerable = correct = given = false_abstentions = unanswerable = abstained = 0
    for turn, (text, probability), is_right in zip(turns, picks, right):
        answered = text is not None and probability >= threshold
        if turn.answerable:
            answerable += 1
            correct += answered and is_right
            given += turn.gold_given
            false_abstentions += turn.gold_given and not answered
        else:
            unanswerable += 1
            abstained += not answered
    return {"correct_rate": round(correct / max(answerable, 1), 4),
            "false_abstention_rate": round(false_abstentions / max(given, 1), 4),
            "abstention_accuracy": round(abstained / max(unanswerable, 1), 4)}


def _objective(figures: dict) -> float:
    return figures["correct_rate"] + figures["abstention_accuracy"] - figures["false_abstention_rate"]


def fit_variant(turns: Sequence[TurnRows], names: Sequence[str], folds: int = FOLDS) -> tuple[Variant, dict]:
    """The variant fitted on all `turns`, its threshold chosen on out-of-fold picks; and its figures."""
    from sklearn.model_selection import GroupKFold

    columns = [FEATURES.index(name) for name in names]
    groups = np.array([t.conversation for t in turns])
    picks: list[tuple[str | None, float]] = [(None, 0.0)] * len(turns)
    splits = min(folds, len(set(groups)))
    for train_index, held_index in GroupKFold(n_splits=splits).split(np.zeros(len(turns)), groups=groups):
        fold_turns = [turns[i] for i in train_index if len(turns[i].labels)]
        matrix = np.vstack([t.matrix[:, columns] for t in fold_turns])
        labels = np.concatenate([t.labels for t in fold_turns])
        if labels.all() or not labels.any():
            continue  # a fold with one class cannot be fitted (tiny data)
        variant = _fit(matrix, labels, names)
        for i in held_index:
            chosen, probability = choose(turns[i].candidates, variant.probabilities(turns[i].matrix[:, columns]), 0.0)
            picks[i] = (chosen.text if chosen else None, probability)
    right = [text is not None and turn.answerable and answer_recall(text, turn.gold_answer) >= CORRECT_RECALL
             for turn, (text, _) in zip(turns, picks)]
    candidates = sorted({round(p, 4) for _, p in picks} | {0.0})
    threshold = max(candidates, key=lambda t: (_objective(turn_figures(turns, picks, t, right)), -t))
    usable = [t for t in turns if len(t.labels)]
    final = _fit(np.vstack([t.matrix[:, columns] for t in usable]), np.concatenate([t.labels for t in usable]),
                 names, threshold)
    return final, {"cross_validated": turn_figures(turns, picks, threshold, right), "folds": splits}


def _sklearn_version() -> str:
    import sklearn

    return sklearn.__version__


def train(turns: Sequence[TurnRows], data: dict, command: str) -> SelectorModel:
    """Both variants (with embeddings when the rows have them) and their provenance."""
    positives = int(sum(t.labels.sum() for t in turns))
    if not positives or positives == sum(len(t.labels) for t in turns):
        raise ValueError("the train split needs candidates that hold the answer and candidates that do not")
    variants, figures = {}, {}
    feature_sets = {"lexical": LEXICAL_FEATURES}
    if all(t.embedded for t in turns if len(t.labels)):
        feature_sets["embeddings"] = LEXICAL_FEATURES + EMBEDDING_FEATURES
    for name, names in feature_sets.items():
        variants[name], figures[name] = fit_variant(turns, names)
    provenance = {
        "data": data, "command": command,
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "model": f"scikit-learn {_sklearn_version()} LogisticRegression(C={REGULARISATION_C}) on standardised features",
        "train_turns": len(turns), "train_conversations": len({t.conversation for t in turns}),
        "train_unanswerable": sum(not t.answerable for t in turns),
        "candidate_rows": sum(len(t.labels) for t in turns), "positive_rows": positives,
        "threshold_rule": "max correct_rate + abstention_accuracy - false_abstention_rate, out-of-fold",
        "train_figures": figures,
    }
    return SelectorModel(variants, provenance)
