"""Fit the answer selector on the train split of a data folder (scipy and scikit-learn, at fit time only).

Each train turn is retrieved as the app retrieves it (the question plus the earlier questions);
every candidate of the top-k passages becomes a row. A candidate is right when it holds at least
half of the gold answer's content terms (`answer_recall` >= 0.5, what `correct_rate` counts).

Two models per variant:
- the ranker, a conditional logit (listwise softmax over each answerable turn's candidates,
  maximising the share of its right ones, L2-penalised; scipy's L-BFGS): it learns which
  candidate of a turn answers, not how answerable a turn looks;
- the abstention model, a logistic regression (scikit-learn) on turn-level signals of the
  ranker's out-of-fold scores, predicting whether the documentation answers.
Folds split by conversation (follow-ups of one conversation never sit on both sides). The
threshold on the abstention probability is chosen on out-of-fold figures: the best
correct_rate + abstention_accuracy - false_abstention_rate among thresholds that keep
false_abstention_rate within FALSE_ABSTENTION_LIMIT.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ragarena.answering.backends.base import AnswerRequest
from ragarena.answering.backends.selector import CandidateScorer
from ragarena.core.text_metrics import CORRECT_RECALL, answer_recall, first_hit_rank
from ragarena.retrieval.corpus import Conversation
from ragarena.retrieval.followups import search_turn
from ragarena.selector.features import EMBEDDING_FEATURES, FEATURES, LEXICAL_FEATURES
from ragarena.selector.model import (
    LEXICAL_TURN_FEATURES,
    TURN_FEATURES,
    Linear,
    SelectorModel,
    Variant,
    shortest,
    softmax,
    turn_signals,
)

FOLDS = 5
RANKER_L2 = 1.0  # penalty on the standardised coefficients (chosen by cross-validation on train)
ABSTENTION_C = 1.0
FALSE_ABSTENTION_LIMIT = 0.08


@dataclass
class TurnRows:
    conversation: str
    matrix: np.ndarray  # full FEATURES columns
    labels: np.ndarray  # right candidates
    texts: list[str]
    candidates: list  # Candidate objects, for `shortest`
    gold_answer: str
    answerable: bool
    gold_given: bool  # the gold passage was among the passages the selector saw
    embedded: bool
    question: str = ""
    history: tuple[str, ...] = ()  # the earlier questions, oldest first (what retrieval read)


def collect_rows(
    conversations: Sequence[Conversation],
    retriever,
    scorer: CandidateScorer,
    k: int = 5,
    progress: Callable[[int, int], None] | None = None,
) -> list[TurnRows]:
    chosen = [c for c in conversations if c.split == "train"]
    total, done, rows = sum(len(c.turns) for c in chosen), 0, []
    for conversation in chosen:
        history: list[tuple[str, str]] = []
        for turn in conversation.turns:
            hits = tuple(search_turn(retriever, turn.question, [q for q, _ in history], k=k))
            found, matrix, embedded = scorer.features(AnswerRequest(turn.question, hits, tuple(history)))
            labels = np.array(
                [turn.answerable and answer_recall(c.text, turn.answer) >= CORRECT_RECALL for c in found], dtype=bool
            )
            gold_given = turn.answerable and first_hit_rank(turn.context, [h.passage.text for h in hits]) is not None
            rows.append(
                TurnRows(
                    conversation.id,
                    matrix,
                    labels,
                    [c.text for c in found],
                    found,
                    turn.answer,
                    turn.answerable,
                    gold_given,
                    embedded,
                    turn.question,
                    tuple(q for q, _ in history),
                )
            )
            history.append((turn.question, turn.answer))
            done += 1
            if progress:
                progress(done, total)
    return rows


def fit_ranker(turns: Sequence[TurnRows], names: Sequence[str], l2: float = RANKER_L2) -> Linear:
    """Conditional logit over the candidates of the turns that have a right one."""
    from scipy.optimize import minimize

    columns = [FEATURES.index(name) for name in names]
    used = [t for t in turns if len(t.labels) and t.labels.any()]
    if not used:
        raise ValueError("no train turn has a candidate that holds the answer")
    stacked = np.vstack([t.matrix[:, columns] for t in used])
    mean, scale = stacked.mean(axis=0), stacked.std(axis=0)
    scale = np.where(scale > 1e-12, scale, 1.0)
    matrices = [(t.matrix[:, columns] - mean) / scale for t in used]
    labels = [t.labels for t in used]

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        value, gradient = 0.5 * l2 * w @ w, l2 * w
        for x, y in zip(matrices, labels):
            e = np.exp(x @ w - (x @ w).max())
            p, right = e / e.sum(), e[y] / e[y].sum()
            value -= np.log(e[y].sum()) - np.log(e.sum())
            gradient = gradient - right @ x[y] + p @ x
        return value, gradient

    weights = minimize(loss, np.zeros(len(columns)), jac=True, method="L-BFGS-B").x
    return Linear(tuple(names), mean, scale, weights)


def fit_abstention(signals: np.ndarray, answerable: np.ndarray, names: Sequence[str]) -> Linear:
    from sklearn.linear_model import LogisticRegression

    mean, scale = signals.mean(axis=0), signals.std(axis=0)
    scale = np.where(scale > 1e-12, scale, 1.0)
    if answerable.all() or not answerable.any():  # tiny data: a constant decision
        return Linear(tuple(names), mean, scale, np.zeros(len(names)), 5.0 if answerable.all() else -5.0)
    model = LogisticRegression(C=ABSTENTION_C, max_iter=2000).fit((signals - mean) / scale, answerable)
    return Linear(tuple(names), mean, scale, model.coef_[0], float(model.intercept_[0]))


def turn_figures(
    turns: Sequence[TurnRows],
    picks: Sequence[tuple[str | None, float]],
    threshold: float,
    right: Sequence[bool] | None = None,
) -> dict:
    """correct_rate, false_abstention_rate and abstention_accuracy of `picks` (text, probability that the
    documentation answers) at `threshold` (`right`: whether each pick is a correct answer, when known)."""
    if right is None:
        right = [
            text is not None and turn.answerable and answer_recall(text, turn.gold_answer) >= CORRECT_RECALL
            for turn, (text, _) in zip(turns, picks)
        ]
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
    return {
        "correct_rate": round(float(correct) / max(answerable, 1), 4),
        "false_abstention_rate": round(false_abstentions / max(given, 1), 4),
        "abstention_accuracy": round(abstained / max(unanswerable, 1), 4),
    }


def _objective(figures: dict) -> tuple[bool, float]:
    within = figures["false_abstention_rate"] <= FALSE_ABSTENTION_LIMIT
    return within, figures["correct_rate"] + figures["abstention_accuracy"] - figures["false_abstention_rate"]


def _folds(turns: Sequence[TurnRows], folds: int) -> list[np.ndarray]:
    from sklearn.model_selection import GroupKFold

    groups = np.array([t.conversation for t in turns])
    splits = min(folds, len(set(groups)))
    return [held for _, held in GroupKFold(n_splits=splits).split(np.zeros(len(turns)), groups=groups)]


def _signals(turn: TurnRows, ranker: Linear, names: Sequence[str]) -> list[float]:
    scores = ranker.scores(turn.matrix[:, [FEATURES.index(n) for n in ranker.features]])
    signals = turn_signals(scores, turn.matrix)
    return [signals[name] for name in names]


def fit_variant(
    turns: Sequence[TurnRows],
    names: Sequence[str],
    turn_names: Sequence[str],
    folds: int = FOLDS,
    l2: float = RANKER_L2,
) -> tuple[Variant, dict]:
    """The variant fitted on all `turns`, its threshold chosen on out-of-fold picks; and its figures."""
    held_out = _folds(turns, folds)
    fold_of = np.empty(len(turns), dtype=int)
    for number, held in enumerate(held_out):
        fold_of[held] = number
    texts: list[str | None] = [None] * len(turns)
    signals = np.zeros((len(turns), len(turn_names)))
    for number in range(len(held_out)):
        ranker = fit_ranker([t for t, f in zip(turns, fold_of) if f != number], names, l2)
        for i in np.flatnonzero(fold_of == number):
            turn = turns[i]
            signals[i] = _signals(turn, ranker, turn_names)
            if len(turn.candidates):
                shares = softmax(ranker.scores(turn.matrix[:, [FEATURES.index(n) for n in names]]))
                texts[i] = shortest(turn.candidates, shares).text
    answerable = np.array([t.answerable for t in turns])
    probabilities = np.zeros(len(turns))
    for number in range(len(held_out)):
        inside = fold_of != number
        model = fit_abstention(signals[inside], answerable[inside], turn_names)
        probabilities[~inside] = 1.0 / (1.0 + np.exp(-model.scores(signals[~inside])))
    picks = list(zip(texts, probabilities))
    right = [
        text is not None and turn.answerable and answer_recall(text, turn.gold_answer) >= CORRECT_RECALL
        for turn, text in zip(turns, texts)
    ]
    thresholds = sorted({round(float(p), 4) for p in probabilities} | {0.0})
    threshold = max(thresholds, key=lambda t: (_objective(turn_figures(turns, picks, t, right)), -t))
    final = Variant(fit_ranker(turns, names, l2), fit_abstention(signals, answerable, turn_names), threshold)
    return final, {
        "cross_validated": turn_figures(turns, picks, threshold, right),
        "abstention_auc": _auc(answerable, probabilities),
        "ranked_first_right": round(float(np.mean([r for r, t in zip(right, turns) if t.answerable])), 4),
        "folds": len(held_out),
    }


def _auc(answerable: np.ndarray, probabilities: np.ndarray) -> float | None:
    """How well the out-of-fold probability separates answerable turns from the others."""
    from sklearn.metrics import roc_auc_score

    return round(float(roc_auc_score(answerable, probabilities)), 4) if 0 < answerable.sum() < len(answerable) else None


def _versions() -> str:
    import scipy
    import sklearn

    return f"scipy {scipy.__version__}, scikit-learn {sklearn.__version__}"


def train(turns: Sequence[TurnRows], data: dict, command: str) -> SelectorModel:
    """Both variants (with embeddings when the rows have them) and their provenance."""
    positives = int(sum(t.labels.sum() for t in turns))
    if not positives or positives == sum(len(t.labels) for t in turns):
        raise ValueError("the train split needs candidates that hold the answer and candidates that do not")
    variants, figures = {}, {}
    feature_sets = {"lexical": (LEXICAL_FEATURES, LEXICAL_TURN_FEATURES)}
    if all(t.embedded for t in turns if len(t.labels)):
        feature_sets["embeddings"] = (LEXICAL_FEATURES + EMBEDDING_FEATURES, TURN_FEATURES)
    for name, (names, turn_names) in feature_sets.items():
        variants[name], figures[name] = fit_variant(turns, names, turn_names)
    provenance = {
        "data": data,
        "command": command,
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "model": (
            f"ranker: conditional logit over each turn's candidates, L2 {RANKER_L2} on standardised "
            f"features (L-BFGS); abstention: LogisticRegression(C={ABSTENTION_C}) on turn signals of "
            f"out-of-fold ranker scores ({_versions()})"
        ),
        "labels": "candidate right when answer_recall against the gold answer >= 0.5",
        "train_turns": len(turns),
        "train_conversations": len({t.conversation for t in turns}),
        "train_unanswerable": sum(not t.answerable for t in turns),
        "candidate_rows": sum(len(t.labels) for t in turns),
        "positive_rows": positives,
        "threshold_rule": (
            f"max correct_rate + abstention_accuracy - false_abstention_rate with "
            f"false_abstention_rate <= {FALSE_ABSTENTION_LIMIT}, out-of-fold"
        ),
        "train_figures": figures,
    }
    return SelectorModel(variants, provenance)
