"""Supervised fine-tuning (QLoRA) of an answer model on the train split.

    python -m train.sft --config train/configs/stablelm-2-12b.yaml [--set key=value ...]

Examples are conversational prompt-completion records: the prompt is what the app sends
(`build_messages` with the passages the app's retriever returns, gold history), the
completion is the gold answer (or `NOT_COVERED_ANSWER`). trl's SFTTrainer is used rather
than a bare transformers.Trainer because, for prompt-completion records, it renders the chat
template and masks the prompt out of the loss itself (`completion_only_loss`), wraps the model
with the LoRA config and handles the QLoRA dtype details; `prepare()` checks on the tokenized
dataset that the prompt really is masked. Writes the LoRA adapter, the tokenizer, the settings
(`training_config.yaml`), `training_summary.json` and a model card (`README.md`) to output_dir.
"""

from __future__ import annotations

import argparse
import copy
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ragarena.core.errors import UserError
from ragarena.core.jsonl import write_json_lines
from train import card, cli, files, lengths, modeling, progress
from train.config import TrainConfig, add_common_arguments, build_config, save
from train.examples import Example, SplitReport, sft_examples


def parse_args(argv: Sequence[str] | None = None) -> tuple[TrainConfig, argparse.Namespace]:
    parser = argparse.ArgumentParser(
        prog="python -m train.sft",
        description="Ajuste supervisado (QLoRA) de un modelo de respuestas con el split de entrenamiento.",
    )
    add_common_arguments(parser)
    parser.add_argument("--split", help="split(s) de entrenamiento, separados por comas (nunca test)")
    parser.add_argument("--resume", action="store_true", help="continúa desde el último checkpoint de output_dir")
    args = parser.parse_args(argv)
    if args.split is not None:
        args.overrides = [*args.overrides, f"split={args.split}"]
    return build_config(args), args


@dataclass
class Prepared:
    config: TrainConfig
    trainer: Any
    tokenizer: Any
    examples: list[tuple[Example, dict]]  # what is trained on: (example, its record within max_length)
    report: SplitReport
    stats: lengths.LengthStats
    lines: Any  # the progress callback, which records the losses


def prepare(config: TrainConfig) -> Prepared:
    """Data checks, tokenizer, model and the SFTTrainer, ready to train."""
    train_examples, eval_examples, report = sft_examples(
        config.docs,
        config.conversations,
        config.split,
        config.retrieval_k,
        config.seed,
        config.eval_split,
        retrieval=config.retrieval,
    )
    for line in report.lines():
        cli.say(line)

    modeling.require_training_libraries()  # heavy imports only once the data is known to be good
    from datasets import Dataset
    from peft import LoraConfig
    from transformers import set_seed
    from trl import SFTConfig, SFTTrainer

    modeling.resolve_device(config)
    set_seed(config.seed)
    tokenizer = modeling.load_tokenizer(config.model, config.trust_remote_code)
    fitted, stats = lengths.fit_examples(train_examples, tokenizer, config.max_length)
    for line in stats.lines():
        cli.say(line)
    if not fitted:
        raise UserError("Ningún ejemplo cabe en max_length; súbelo (--max-length).")
    records = [record for _, record in fitted]
    eval_records = [r for _, r in lengths.fit_examples(eval_examples, tokenizer, config.max_length)[0]]

    cli.say(
        f"Cargando el modelo base «{config.model}» ({'4 bits NF4' if config.quantization == '4bit' else config.dtype})…"
    )
    model = modeling.load_model(config)
    if config.quantization == "4bit":
        model = modeling.prepare_for_kbit(model, config)
    peft_config = LoraConfig(
        r=config.lora_r,
        lora_alpha=config.lora_alpha,
        lora_dropout=config.lora_dropout,
        target_modules=list(config.lora_target_modules),
        bias="none",
        task_type="CAUSAL_LM",
    )
    has_eval = bool(eval_records)
    args = modeling.trainer_arguments(
        SFTConfig,
        config,
        learning_rate=config.learning_rate,
        num_train_epochs=config.num_train_epochs,
        per_device_eval_batch_size=config.per_device_train_batch_size,
        eval_strategy=(config.save_strategy if config.save_strategy != "no" else "epoch") if has_eval else "no",
        # Loss on the answer only: the records are prompt-completion, and this masks the prompt.
        completion_only_loss=True,
        assistant_only_loss=False,
        packing=False,
    )
    try:
        trainer = SFTTrainer(
            model=model,
            args=args,
            train_dataset=Dataset.from_list(records),
            eval_dataset=Dataset.from_list(eval_records) if has_eval else None,
            processing_class=tokenizer,
            peft_config=peft_config,
        )
    except ValueError as error:
        # e.g. LoRA target modules that the architecture does not have
        raise UserError(f"No se puede preparar el entrenamiento: {cli.first_line(error)}") from None
    check_prompt_masked(trainer.train_dataset)
    lines = progress.use_progress_lines(trainer, config.disable_tqdm)
    return Prepared(config, trainer, tokenizer, fitted, report, stats, lines)


def check_prompt_masked(dataset) -> None:
    """Guard against a trl change silently training on the prompt: every example must have
    masked tokens (the prompt) and unmasked ones (the answer)."""
    for row in dataset.select(range(min(len(dataset), 16))):
        labels = row["labels"]
        masked = sum(label == -100 for label in labels)
        if masked == 0 or masked == len(labels):
            raise UserError(
                "Las etiquetas no enmascaran el prompt (o enmascaran la respuesta entera): revisa la versión "
                "de trl (requirements-train.txt) y la plantilla de chat del tokenizador."
            )


def run(config: TrainConfig, resume: bool = False) -> Prepared:
    output = Path(config.output_dir)
    requested = copy.deepcopy(config)  # saved as given: prepare() adapts `config` to this machine
    if resume and not any(output.glob("checkpoint-*")):
        raise UserError(f"--resume: no hay checkpoints en «{output}».")
    prepared = prepare(config)
    trainer = prepared.trainer
    output.mkdir(parents=True, exist_ok=True)
    write_json_lines(
        output / "train_examples.jsonl",
        [{"conversation_id": e.conversation_id, "turn": e.turn, **record} for e, record in prepared.examples],
    )
    if "tensorboard" in trainer.args.report_to:
        cli.say(
            f"Registros de TensorBoard en {config.tensorboard_dir()} (tensorboard --logdir {config.tensorboard_dir()})."
        )
    cli.say("Entrenando…")
    started = time.time()
    result = trainer.train(resume_from_checkpoint=True if resume else None)
    runtime = round(time.time() - started, 1)

    trainer.save_model(config.output_dir)  # the LoRA adapter (adapter_config.json + safetensors)
    prepared.tokenizer.save_pretrained(config.output_dir)
    save(requested, output)
    summary = {
        "kind": "sft",
        "base_model": config.model,
        "data_file": config.conversations,
        # The app's retrieval the prompts' passages came from: serve with the same mode.
        "retrieval": {"mode": prepared.report.retrieval, "k": prepared.report.retrieval_k},
        "data": prepared.report.__dict__,
        "data_lines": prepared.report.lines(),
        "lengths": prepared.stats.as_dict(),
        "global_step": trainer.state.global_step,
        "epoch": round(trainer.state.epoch or 0.0, 2),
        "final_loss": progress.final_loss(trainer.state),
        "train_loss": float(result.training_loss),
        "losses": prepared.lines.losses,
        "runtime_s": runtime,
        "finished_at": cli.now(),
    }
    files.write_json(output / "training_summary.json", summary)
    # After save_model: peft writes its own README.md there, which this one replaces.
    (output / "README.md").write_text(
        card.model_card(
            title=f"{Path(config.output_dir).name}: respuestas RAG en español",
            base_model=config.model,
            kind="sft",
            config=config,
            data_lines=prepared.report.lines(),
            stats=prepared.stats,
            summary=summary,
            folder=config.output_dir,
            merged=False,
        ),
        encoding="utf-8",
    )
    loss = summary["final_loss"]
    cli.say(
        f"Listo: adaptador en {config.output_dir} ({summary['global_step']} pasos, pérdida final {loss:.4f})."
        if loss is not None
        else f"Listo: adaptador en {config.output_dir}."
    )
    cli.say(f"Para fusionarlo: python -m train.merge --adapter {config.output_dir} --out {config.output_dir}-merged")
    return prepared


def _main(argv: Sequence[str] | None) -> None:
    config, args = parse_args(argv)
    run(config, resume=args.resume)


def main(argv: Sequence[str] | None = None) -> int:
    return cli.run_cli(_main, argv)


if __name__ == "__main__":
    raise SystemExit(main())
