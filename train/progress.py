"""Training progress: a readable line per logged step, the losses kept for the summary, and
where TensorBoard writes."""

from __future__ import annotations

import os

from train.cli import say
from train.config import TrainConfig


def progress_callback(bar: bool = True):
    """The Trainer's progress bar (unless `bar` is False), with each `logging_steps` log as
    one readable line; it also keeps the (step, loss) pairs for the summary."""
    from transformers.trainer_callback import ProgressCallback, TrainerCallback

    class LossLines(ProgressCallback if bar else TrainerCallback):
        def __init__(self):
            super().__init__()
            self.losses: list[tuple[int, float]] = []

        def on_log(self, args, state, control, logs=None, **kwargs):
            if not state.is_world_process_zero or not logs:
                return
            if "loss" in logs:
                self.losses.append((state.global_step, float(logs["loss"])))
            parts = [f"paso {state.global_step}/{state.max_steps}"]
            if logs.get("epoch") is not None:
                parts.append(f"época {logs['epoch']:.2f}")
            names = {
                "loss": "pérdida",
                "eval_loss": "pérdida eval",
                "learning_rate": "lr",
                "grad_norm": "norma grad",
                "rewards/accuracies": "acierto recompensa",
                "rewards/margins": "margen recompensa",
                "train_loss": "pérdida media",
            }
            for key, label in names.items():
                if key in logs and isinstance(logs[key], (int, float)):
                    value = logs[key]
                    parts.append(f"{label} {value:.2e}" if key == "learning_rate" else f"{label} {value:.4f}")
            line = " · ".join(parts)
            training_bar = getattr(self, "training_bar", None)
            if training_bar is not None:
                training_bar.write(line)
            else:
                say(line)

    return LossLines()


def use_progress_lines(trainer, disable_tqdm: bool):
    """Replace the Trainer's progress or printer callback with `LossLines`; returns it."""
    from transformers.trainer_callback import PrinterCallback, ProgressCallback

    lines = progress_callback(bar=not disable_tqdm)
    trainer.remove_callback(ProgressCallback)
    trainer.remove_callback(PrinterCallback)
    trainer.add_callback(lines)
    return lines


def report_targets(config: TrainConfig) -> list[str]:
    targets = [r for r in config.report_to if r and r != "none"]
    if "tensorboard" in targets:
        os.environ["TENSORBOARD_LOGGING_DIR"] = config.tensorboard_dir()
    return targets


def final_loss(state) -> float | None:
    for entry in reversed(state.log_history):
        if "loss" in entry:
            return float(entry["loss"])
    return None
