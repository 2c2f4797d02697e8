"""DPO on top of the SFT adapter, with preference pairs from the arena's vote export.

    python -m train.dpo --votes votos.jsonl --adapter outputs/stablelm-2-12b-rag-es \\
        --out outputs/stablelm-2-12b-rag-es-dpo [--config ...] [--set dpo_beta=0.1 ...]

The votes are battles in the public arena format (JSON Lines): `model_a`, `model_b`,
`winner` (model_a / model_b / tie / tie (bothbad)), `question`, `answer_a`, `answer_b`, and
optionally `conversation` (earlier [question, answer] pairs) and `passage_ids` or `passages`.
The winner's answer is "chosen", the loser's "rejected"; ties, "both bad" and the votes the
leaderboard does not count are skipped: the file is screened as the vote store is (a copy written
at vote time, such as the Hub's, was never screened), then goes through the leaderboard's filter
(named mode, excluded, not a battle: `ragarena.core.vote_filter`; `train.preferences`). The
prompt is `build_messages` with the battle's passages, re-retrieved with the app's engine (in
the app's retrieval mode) when the battle only has the question.

The settings start from the SFT run's (`training_config.yaml` in the adapter folder: base
model, quantization, data), then --config, --set and flags; the DPO-specific ones are
`dpo_beta`, `dpo_learning_rate` and `dpo_num_train_epochs`. trl's DPOTrainer trains the SFT
adapter further and keeps a frozen copy of it as the reference model.
"""

from __future__ import annotations

import argparse
import copy
import time
from collections.abc import Sequence
from pathlib import Path

from ragarena.core.errors import UserError
from ragarena.core.jsonl import write_json_lines
from train import card, cli, files, lengths, modeling, progress
from train.config import TrainConfig, add_common_arguments, build_config, load_saved, save
from train.preferences import preference_pairs


def parse_args(argv: Sequence[str] | None = None) -> tuple[TrainConfig, argparse.Namespace]:
    parser = argparse.ArgumentParser(
        prog="python -m train.dpo", description="DPO con los votos de la arena sobre el adaptador SFT."
    )
    parser.add_argument("--votes", required=True, help="exportación de votos (JSON Lines, formato de la arena)")
    parser.add_argument("--adapter", required=True, help="carpeta del adaptador SFT (salida de train.sft)")
    parser.add_argument("--out", help="carpeta de salida (por defecto, ADAPTER-dpo)")
    add_common_arguments(parser)
    args = parser.parse_args(argv)
    adapter = Path(args.adapter)
    if not (adapter / "adapter_config.json").is_file():
        raise UserError(
            f"«{adapter}» no es un adaptador LoRA (falta adapter_config.json); entrena antes con train.sft."
        )
    saved = load_saved(adapter)
    if not saved:
        saved = {"model": files.read_json(adapter / "adapter_config.json").get("base_model_name_or_path")}
    for name in ("output_dir", "logging_dir", "max_steps"):  # the SFT run's own, not DPO's
        saved.pop(name, None)
    config = build_config(args, base=saved)
    # In this command --learning-rate and --epochs mean DPO's.
    if args.learning_rate is not None:
        config.dpo_learning_rate = args.learning_rate
    if args.num_train_epochs is not None:
        config.dpo_num_train_epochs = args.num_train_epochs
    if args.out:
        config.output_dir = args.out
    elif args.output_dir is None:
        config.output_dir = f"{str(adapter).rstrip('/')}-dpo"
    if Path(config.output_dir).resolve() == adapter.resolve():
        raise UserError("La salida de DPO debe ser otra carpeta que el adaptador SFT.")
    return config, args


def run(config: TrainConfig, votes: str, adapter: str):
    requested = copy.deepcopy(config)  # saved as given: resolve_device() adapts `config` to this machine
    pairs, report = preference_pairs(
        votes, config.docs, config.retrieval_k, config.conversations, retrieval=config.retrieval
    )
    for line in report.lines():
        cli.say(line)

    modeling.require_training_libraries()
    from datasets import Dataset
    from peft import PeftModel
    from transformers import set_seed
    from trl import DPOConfig, DPOTrainer

    modeling.resolve_device(config)
    set_seed(config.seed)
    tokenizer_source = adapter if (Path(adapter) / "tokenizer_config.json").is_file() else config.model
    tokenizer = modeling.load_tokenizer(tokenizer_source, config.trust_remote_code)
    fitted, stats = lengths.fit_examples(pairs, tokenizer, config.max_length)
    records = [record for _, record in fitted]
    for line in stats.lines():
        cli.say(line)
    if not records:
        raise UserError("Ningún par cabe en max_length; súbelo (--max-length).")

    cli.say(f"Cargando «{config.model}» con el adaptador SFT «{adapter}»…")
    model = modeling.load_model(config)
    if config.quantization == "4bit":
        model = modeling.prepare_for_kbit(model, config)
    try:
        model = PeftModel.from_pretrained(model, adapter, is_trainable=True)
    except (OSError, ValueError, RuntimeError) as error:
        raise UserError(f"No se puede cargar el adaptador «{adapter}»: {cli.first_line(error)}") from None

    args = modeling.trainer_arguments(
        DPOConfig,
        config,
        beta=config.dpo_beta,
        learning_rate=config.dpo_learning_rate,
        num_train_epochs=config.dpo_num_train_epochs,
    )
    trainer = DPOTrainer(
        model=model,
        ref_model=None,
        args=args,
        train_dataset=Dataset.from_list(records),
        processing_class=tokenizer,
    )
    lines = progress.use_progress_lines(trainer, config.disable_tqdm)
    output = Path(config.output_dir)
    output.mkdir(parents=True, exist_ok=True)
    write_json_lines(output / "dpo_pairs.jsonl", records)
    cli.say("Entrenando (DPO)…")
    started = time.time()
    result = trainer.train()
    runtime = round(time.time() - started, 1)

    trained = trainer.accelerator.unwrap_model(trainer.model)
    if "ref" in getattr(trained, "peft_config", {}):
        trained.delete_adapter("ref")  # the frozen reference copy: not part of the result
    trained.save_pretrained(output)
    tokenizer.save_pretrained(output)
    save(requested, output)
    summary = {
        "kind": "dpo",
        "base_model": config.model,
        "sft_adapter": str(adapter),
        "data_file": str(votes),
        "data": {
            "battles": report.battles,
            "pairs": report.pairs,
            "skipped": dict(report.skipped),
            "re_retrieved": report.re_retrieved,
            "counted": report.counted,
            "screened_now": report.screened_now,
        },
        # Passages come from the votes; the app's retrieval only for battles that lacked them.
        "retrieval": {"mode": report.retrieval or None, "k": config.retrieval_k},
        "data_lines": report.lines(),
        "lengths": stats.as_dict(),
        "global_step": trainer.state.global_step,
        "epoch": round(trainer.state.epoch or 0.0, 2),
        "final_loss": progress.final_loss(trainer.state),
        "train_loss": float(result.training_loss),
        "losses": lines.losses,
        "runtime_s": runtime,
        "finished_at": cli.now(),
    }
    files.write_json(output / "training_summary.json", summary)
    (output / "README.md").write_text(
        card.model_card(
            title=f"{output.name}: respuestas RAG en español (SFT + DPO)",
            base_model=config.model,
            kind="dpo",
            config=config,
            data_lines=[f"Adaptador SFT de partida: `{adapter}`", *report.lines()],
            stats=stats,
            summary=summary,
            folder=str(output),
            merged=False,
        ),
        encoding="utf-8",
    )
    cli.say(f"Listo: adaptador DPO en {output}.")
    cli.say(f"Para fusionarlo: python -m train.merge --adapter {output} --out {output}-merged")
    return trainer


def _main(argv: Sequence[str] | None) -> None:
    config, args = parse_args(argv)
    run(config, args.votes, args.adapter)


def main(argv: Sequence[str] | None = None) -> int:
    return cli.run_cli(_main, argv)


if __name__ == "__main__":
    raise SystemExit(main())
