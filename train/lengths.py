"""Token lengths of the records as the trainer tokenizes them, and fitting them to max_length
by dropping distractor passages (never the gold one)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


def _ids(encoded) -> list[int]:
    ids = encoded["input_ids"] if isinstance(encoded, dict) or hasattr(encoded, "keys") else encoded
    return list(ids)


def encode(tokenizer, prompt: list[dict], completion: list[dict]) -> tuple[list[int], list[int]]:
    """(input_ids, labels) the way trl's SFTTrainer tokenizes a conversational prompt-completion
    record: labels are -100 on the prompt (the tokens shared with the rendered prompt alone)."""
    prompt_ids = _ids(
        tokenizer.apply_chat_template(prompt, add_generation_prompt=True, tokenize=True, return_dict=True)
    )
    full_ids = _ids(tokenizer.apply_chat_template(prompt + completion, tokenize=True, return_dict=True))
    shared = 0
    for a, b in zip(prompt_ids, full_ids):
        if a != b:
            break
        shared += 1
    return full_ids, [-100] * shared + full_ids[shared:]


@dataclass
class LengthStats:
    count: int
    minimum: int
    mean: float
    p95: int
    maximum: int
    over_max: int  # examples longer than max_length before fitting
    fitted: int  # of those, made to fit by dropping distractor passages
    truncated: int  # still longer: trl cuts them at max_length (answer cut)
    dropped: int  # prompt alone reaches max_length: no answer token would remain
    max_length: int

    def lines(self) -> list[str]:
        out = [
            f"Longitud en tokens (prompt + respuesta) de {self.count} ejemplos: mín {self.minimum}, "
            f"media {self.mean:.0f}, p95 {self.p95}, máx {self.maximum} (max_length={self.max_length}).",
        ]
        if self.over_max:
            out.append(
                f"{self.over_max} ejemplos superan max_length: {self.fitted} caben quitando fragmentos "
                f"(los peor situados; nunca el correcto), {self.truncated} se truncarán por el final y "
                f"{self.dropped} se descartan (el prompt solo ya no cabe)."
            )
        else:
            out.append("Ningún ejemplo se trunca.")
        return out

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def percentile(values: Sequence[int], q: float) -> int:
    ordered = sorted(values)
    if not ordered:
        return 0
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))]


def record_lengths(tokenizer, record: dict) -> tuple[int, int]:
    """(longest prompt + answer, prompt) token counts of an SFT or DPO record."""
    encoded = [
        encode(tokenizer, record["prompt"], record[key])
        for key in ("completion", "chosen", "rejected")
        if key in record
    ]
    return max(len(ids) for ids, _ in encoded), max(labels.count(-100) for _, labels in encoded)


def fit_examples(items, tokenizer, max_length: int) -> tuple[list[tuple[Any, dict]], LengthStats]:
    """(item, record) for the trainer, each record made to fit max_length where possible by
    dropping passages (`item.droppable()`: distractors, lowest-ranked first; the gold passage
    stays), plus the token-length statistics before fitting."""
    records, lengths = [], []
    over = fitted = truncated = dropped = 0
    for item in items:
        passages = list(item.passages)
        record = item.record(passages)
        length, prompt_length = record_lengths(tokenizer, record)
        lengths.append(length)
        if length > max_length:
            over += 1
            for index in item.droppable():  # descending indices: earlier positions stay valid
                passages.pop(index)
                record = item.record(passages)
                length, prompt_length = record_lengths(tokenizer, record)
                if length <= max_length:
                    break
            if length <= max_length:
                fitted += 1
            elif prompt_length >= max_length:
                dropped += 1
                continue
            else:
                truncated += 1
        records.append((item, record))
    stats = LengthStats(
        count=len(lengths),
        minimum=min(lengths, default=0),
        mean=sum(lengths) / max(1, len(lengths)),
        p95=percentile(lengths, 95),
        maximum=max(lengths, default=0),
        over_max=over,
        fitted=fitted,
        truncated=truncated,
        dropped=dropped,
        max_length=max_length,
    )
    return records, stats
