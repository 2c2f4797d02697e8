"""The fitted answer selector, read from JSON: a ranker of a turn's candidates and a turn-level
decision to abstain.

The file (`data/selector/selector.json`, written by `python -m ragarena train-selector`) holds,
per variant (`embeddings`: all features; `lexical`: without the embedding ones, for BM25-only
setups and while candidate vectors are being computed):
- `ranker`: a conditional logit over the turn's candidates (feature names, standardisation,
  coefficients): each candidate's share of the turn is softmax(score), so only differences
  between candidates of one turn matter;
- `abstention`: a logistic regression over turn-level signals (the best candidate's score, its
  margin and share, how much of the question the retrieved passages and the best candidates
  cover, question terms the documentation never uses...) giving the probability that the
  documentation answers, and the threshold below which the model says it does not.
With the provenance of the fit. Scoring is numpy: the app never needs scikit-learn or scipy.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ragarena import settings
from ragarena.core.errors import UserError
from ragarena.selector.candidates import Candidate
from ragarena.selector.features import FEATURES

FORMAT = "ragarena-answer-selector/2"
DEFAULT_PATH = settings.REPO_ROOT / "data" / "selector" / "selector.json"
# A clause (or shorter candidate inside the chosen one) wins when its share of the turn is at
# least this part of the chosen candidate's: the shortest candidate that holds the answer.
SHORTER_RATIO = 0.8
# Turn-level signals of the abstention model (the last two need candidate vectors).
TURN_FEATURES = (
    "top_score",
    "margin",
    "top_share",
    "best_coverage_with_context",
    "chosen_coverage_with_context",
    "unknown_terms",
    "passages_coverage",
    "focus_in_passages",
    "chosen_focus_in_context",
    "rarest_missing",
    "best_focus_in_candidate",
    "chosen_repeats_previous_answer",
    "best_alone_cosine",
    "best_cosine",
)
LEXICAL_TURN_FEATURES = TURN_FEATURES[:-2]
_COLUMN = {name: index for index, name in enumerate(FEATURES)}


def softmax(scores: np.ndarray) -> np.ndarray:
    if not len(scores):
        return np.zeros(0)
    e = np.exp(scores - scores.max())
    return e / e.sum()


def turn_signals(scores: np.ndarray, matrix: np.ndarray) -> dict[str, float]:
    """The turn-level signals, from the ranker's scores and the full feature matrix (FEATURES columns)."""
    if not len(scores):
        return dict.fromkeys(TURN_FEATURES, 0.0) | {"margin": 5.0}
    order = np.argsort(-scores, kind="stable")
    best = int(order[0])
    column = lambda name: matrix[:, _COLUMN[name]]  # noqa: E731
    return {
        "top_score": float(scores[best]),
        "margin": float(scores[best] - scores[order[1]]) if len(scores) > 1 else 5.0,
        "top_share": float(softmax(scores)[best]),
        "best_coverage_with_context": float(column("coverage_with_context").max()),
        "chosen_coverage_with_context": float(column("coverage_with_context")[best]),
        "unknown_terms": float(column("unknown_terms")[0]),
        "passages_coverage": float(column("passages_coverage")[0]),
        "focus_in_passages": float(column("focus_in_passages")[0]),
        "chosen_focus_in_context": float(column("focus_in_context")[best]),
        "rarest_missing": float(column("rarest_missing")[0]),
        "best_focus_in_candidate": float(column("focus_in_candidate").max()),
        "chosen_repeats_previous_answer": float(column("repeats_previous_answer")[best]),
        "best_alone_cosine": float(column("alone_cosine").max()),
        "best_cosine": float(column("cosine").max()),
    }


@dataclass(frozen=True)
class Linear:
    """Standardised linear scores: ((x - mean) / scale) @ coefficients + intercept."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coefficients: np.ndarray
    intercept: float = 0.0

    @classmethod
    def from_json(cls, data: dict) -> Linear:
        return cls(
            tuple(data["features"]),
            np.asarray(data["mean"], float),
            np.asarray(data["scale"], float),
            np.asarray(data["coefficients"], float),
            float(data.get("intercept", 0.0)),
        )

    def to_json(self) -> dict:
        return {
            "features": list(self.features),
            "mean": _rounded(self.mean),
            "scale": _rounded(self.scale),
            "coefficients": _rounded(self.coefficients),
            "intercept": round(self.intercept, 6),
        }

    def scores(self, matrix: np.ndarray) -> np.ndarray:
        if not len(matrix):
            return np.zeros(0)
        return ((matrix - self.mean) / self.scale) @ self.coefficients + self.intercept

    def valid(self) -> bool:
        return len({len(self.features), len(self.mean), len(self.scale), len(self.coefficients)}) == 1


@dataclass(frozen=True)
class Variant:
    ranker: Linear  # over FEATURES columns
    abstention: Linear  # over TURN_FEATURES
    threshold: float  # on the probability that the documentation answers

    @property
    def features(self) -> tuple[str, ...]:
        return self.ranker.features

    @property
    def coefficients(self) -> np.ndarray:
        return self.ranker.coefficients

    @classmethod
    def from_json(cls, data: dict) -> Variant:
        return cls(Linear.from_json(data["ranker"]), Linear.from_json(data["abstention"]), float(data["threshold"]))

    def to_json(self) -> dict:
        return {
            "ranker": self.ranker.to_json(),
            "abstention": self.abstention.to_json(),
            "threshold": round(self.threshold, 6),
        }

    def scores(self, matrix: np.ndarray) -> np.ndarray:
        """Ranker scores of each candidate (rows of the full FEATURES matrix)."""
        return self.ranker.scores(matrix[:, [_COLUMN[name] for name in self.ranker.features]])

    def answerable(self, scores: np.ndarray, matrix: np.ndarray) -> float:
        """Probability that one of the candidates answers."""
        signals = turn_signals(scores, matrix)
        z = self.abstention.scores(np.array([[signals[name] for name in self.abstention.features]]))[0]
        return float(1.0 / (1.0 + np.exp(-z)))

    def choose(
        self, found: Sequence[Candidate], matrix: np.ndarray, threshold: float | None = None
    ) -> tuple[Candidate | None, float]:
        """The candidate to quote (None: abstain) and the probability that the documentation answers."""
        if not len(found):
            return None, 0.0
        scores = self.scores(matrix)
        probability = self.answerable(scores, matrix)
        if probability < (self.threshold if threshold is None else threshold):
            return None, probability
        return shortest(found, softmax(scores)), probability


def _rounded(values) -> list[float]:
    return [round(float(v), 6) for v in values]


def shortest(found: Sequence[Candidate], shares: np.ndarray) -> Candidate:
    """The best candidate, or a shorter one inside it that is nearly as likely."""
    best = int(np.argmax(shares))
    chosen = found[best]
    for index, candidate in enumerate(found):
        if (
            candidate.passage.id == chosen.passage.id
            and candidate.text != chosen.text
            and candidate.text in chosen.text
            and shares[index] >= SHORTER_RATIO * shares[best]
            and len(candidate.text) < len(chosen.text)
        ):
            chosen = candidate
    return chosen


@dataclass(frozen=True)
class SelectorModel:
    variants: dict[str, Variant]
    provenance: dict

    @classmethod
    def load(cls, path: str | Path | None = None) -> SelectorModel:
        path = Path(path) if path else DEFAULT_PATH
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("format") != FORMAT:
                raise ValueError(f"formato «{data.get('format')}», se esperaba «{FORMAT}»")
            variants = {name: Variant.from_json(v) for name, v in data["variants"].items()}
        except FileNotFoundError:
            raise UserError(
                f"No existe el selector de respuestas «{path}»: créalo con «python -m ragarena train-selector»."
            ) from None
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise UserError(f"El selector de respuestas «{path}» no es válido: {error}") from None
        if "lexical" not in variants:
            raise UserError(f"El selector de respuestas «{path}» no tiene la variante «lexical».")
        for name, variant in variants.items():
            unknown = (set(variant.ranker.features) - set(FEATURES)) | (
                set(variant.abstention.features) - set(TURN_FEATURES)
            )
            if unknown or not variant.ranker.valid() or not variant.abstention.valid():
                raise UserError(
                    f"El selector de respuestas «{path}» no es válido: la variante «{name}» tiene "
                    f"señales desconocidas ({', '.join(sorted(unknown))}) o listas de distinto tamaño."
                )
        return cls(variants, data.get("provenance", {}))

    def save(self, path: str | Path) -> None:
        document = {
            "format": FORMAT,
            "provenance": self.provenance,
            "variants": {name: v.to_json() for name, v in self.variants.items()},
        }
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
