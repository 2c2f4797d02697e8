"""The fitted answer selector: a logistic regression over `answer_features`, read from JSON.

The file (`data/selector/selector.json`, written by `python -m ragarena train-selector`) holds,
per variant (`embeddings`: all features; `lexical`: without the embedding ones, for BM25-only
setups and while candidate vectors are being computed), the feature names, the standardisation,
the coefficients, the intercept and the abstention threshold on the calibrated probability,
with the provenance of the fit. Scoring is numpy: the app never needs scikit-learn.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from ragarena import config
from ragarena.answer_candidates import Candidate
from ragarena.answer_features import FEATURES
from ragarena.errors import UserError

FORMAT = "ragarena-answer-selector/1"
DEFAULT_PATH = config.REPO_ROOT / "data" / "selector" / "selector.json"
# A clause (or shorter candidate inside the chosen one) wins when its probability is at least
# this share of the chosen candidate's: the shortest candidate that holds the answer.
SHORTER_RATIO = 0.8


@dataclass(frozen=True)
class Variant:
    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coefficients: np.ndarray
    intercept: float
    threshold: float

    @classmethod
    def from_json(cls, data: dict) -> "Variant":
        return cls(tuple(data["features"]), np.asarray(data["mean"], float), np.asarray(data["scale"], float),
                   np.asarray(data["coefficients"], float), float(data["intercept"]), float(data["threshold"]))

    def to_json(self) -> dict:
        return {"features": list(self.features), "mean": _rounded(self.mean), "scale": _rounded(self.scale),
                "coefficients": _rounded(self.coefficients), "intercept": round(self.intercept, 6),
                "threshold": round(self.threshold, 6)}

    def probabilities(self, matrix: np.ndarray) -> np.ndarray:
        """Calibrated probability that each row (candidate) holds the answer."""
        if not len(matrix):
            return np.zeros(0)
        z = ((matrix - self.mean) / self.scale) @ self.coefficients + self.intercept
        return 1.0 / (1.0 + np.exp(-z))


def _rounded(values) -> list[float]:
    return [round(float(v), 6) for v in values]


def choose(found: Sequence[Candidate], probabilities: np.ndarray, threshold: float) -> tuple[Candidate | None, float]:
    """The candidate to quote (None: abstain) and its probability."""
    if not len(found):
        return None, 0.0
    best = int(np.argmax(probabilities))
    top = float(probabilities[best])
    if top < threshold:
        return None, top
    chosen = found[best]
    for index, candidate in enumerate(found):
        if (candidate.passage.id == chosen.passage.id and candidate.text != chosen.text
                and candidate.text in chosen.text and probabilities[index] >= SHORTER_RATIO * top
                and len(candidate.text) < len(found[best].text)):
            chosen = candidate
    return chosen, top


@dataclass(frozen=True)
class SelectorModel:
    variants: dict[str, Variant]
    provenance: dict

    @classmethod
    def load(cls, path: str | Path | None = None) -> "SelectorModel":
        path = Path(path) if path else DEFAULT_PATH
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("format") != FORMAT:
                raise ValueError(f"formato «{data.get('format')}», se esperaba «{FORMAT}»")
            variants = {name: Variant.from_json(v) for name, v in data["variants"].items()}
        except FileNotFoundError:
            raise UserError(f"No existe el selector de respuestas «{path}»: créalo con "
                            "«python -m ragarena train-selector».") from None
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise UserError(f"El selector de respuestas «{path}» no es válido: {error}") from None
        if "lexical" not in variants:
            raise UserError(f"El selector de respuestas «{path}» no tiene la variante «lexical».")
        for name, variant in variants.items():
            unknown = set(variant.features) - set(FEATURES)
            sizes = {len(variant.features), len(variant.mean), len(variant.scale), len(variant.coefficients)}
            if unknown or len(sizes) != 1:
                raise UserError(f"El selector de respuestas «{path}» no es válido: la variante «{name}» tiene "
                                f"señales desconocidas ({', '.join(sorted(unknown))}) o listas de distinto tamaño.")
        return cls(variants, data.get("provenance", {}))

    def save(self, path: str | Path) -> None:
        document = {"format": FORMAT, "provenance": self.provenance,
                    "variants": {name: v.to_json() for name, v in self.variants.items()}}
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
