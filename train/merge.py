"""Merge a LoRA adapter into full weights, for TGI (or any server) without LoRA support.

    python -m train.merge --adapter outputs/stablelm-2-12b-rag-es --out outputs/stablelm-2-12b-rag-es-merged

The base model is loaded unquantised (bf16 by default, `--dtype float32` on CPU or for exact
arithmetic): merging into 4-bit weights would round the adapter away. Needs the base model's
size in CPU RAM or GPU memory (about 25 GB for a 12B model in bf16).
"""

from __future__ import annotations

import argparse
import shutil
from collections.abc import Sequence
from pathlib import Path

from ragarena.core.errors import UserError
from train import card, cli, files, lengths, modeling
from train.config import TrainConfig, apply, load_saved


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m train.merge", description="Fusiona un adaptador LoRA con su modelo base."
    )
    parser.add_argument("--adapter", required=True, help="carpeta del adaptador (salida de train.sft o train.dpo)")
    parser.add_argument("--out", required=True, help="carpeta de los pesos fusionados")
    parser.add_argument("--base", help="modelo base (por defecto, el que indica el adaptador)")
    parser.add_argument(
        "--dtype",
        default="bfloat16",
        choices=["bfloat16", "float16", "float32"],
        help="tipo de los pesos fusionados (bfloat16 por defecto)",
    )
    parser.add_argument(
        "--device", default="auto", choices=["auto", "cpu", "cuda"], help="dónde fusionar (auto: GPU si hay)"
    )
    parser.add_argument("--max-shard-size", default="5GB", help="tamaño máximo de cada archivo de pesos")
    return parser.parse_args(argv)


def run(args: argparse.Namespace) -> Path:
    adapter, out = Path(args.adapter), Path(args.out)
    adapter_config = adapter / "adapter_config.json"
    if not adapter_config.is_file():
        raise UserError(f"«{adapter}» no es un adaptador LoRA (falta adapter_config.json).")
    if out.resolve() == adapter.resolve():
        raise UserError("--out debe ser otra carpeta que --adapter.")
    base = args.base or files.read_json(adapter_config).get("base_model_name_or_path")
    if not base:
        raise UserError(f"{adapter_config} no indica el modelo base: pásalo con --base.")
    config = TrainConfig()
    apply(config, {k: v for k, v in load_saved(adapter).items() if k in config.to_dict()}, "ajustes guardados")
    modeling.require_training_libraries()
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    device = ("cuda" if torch.cuda.is_available() else "cpu") if args.device == "auto" else args.device
    cli.say(f"Cargando «{base}» en {args.dtype} ({device})…")
    try:
        model = AutoModelForCausalLM.from_pretrained(
            base,
            dtype=modeling.torch_dtype(args.dtype),
            trust_remote_code=config.trust_remote_code,
            device_map={"": device},
        )
    except (OSError, ValueError) as error:
        raise UserError(f"No se puede cargar el modelo base «{base}»: {cli.first_line(error)}") from None
    try:
        model = PeftModel.from_pretrained(model, str(adapter))
    except (OSError, ValueError, RuntimeError) as error:
        raise UserError(f"No se puede aplicar el adaptador «{adapter}» a «{base}»: {cli.first_line(error)}") from None
    cli.say("Fusionando…")
    merged = model.merge_and_unload()
    merged.config.use_cache = True  # training switched it off; servers want it on
    out.mkdir(parents=True, exist_ok=True)
    merged.save_pretrained(out, safe_serialization=True, max_shard_size=args.max_shard_size)
    tokenizer = modeling.load_tokenizer(
        str(adapter) if (adapter / "tokenizer_config.json").is_file() else base, config.trust_remote_code
    )
    tokenizer.save_pretrained(out)
    for name in ("training_config.yaml", "training_summary.json"):
        if (adapter / name).is_file():
            shutil.copy2(adapter / name, out / name)
    summary = files.read_json(adapter / "training_summary.json")
    summary.setdefault("finished_at", cli.now())
    summary["merged_from"] = str(adapter)
    kind = summary.get("kind", "sft") if summary.get("kind") in ("sft", "dpo") else "sft"
    data_lines = [str(line) for line in summary.get("data_lines") or []]
    (out / "README.md").write_text(
        card.model_card(
            title=f"{out.name}: respuestas RAG en español (pesos fusionados)",
            base_model=base,
            kind=kind,
            config=config,
            data_lines=data_lines,
            stats=_stats(summary),
            summary=summary,
            folder=str(out),
            merged=True,
        ),
        encoding="utf-8",
    )
    cli.say(f"Listo: pesos fusionados en {out}.")
    cli.say("Servir con TGI:\n" + card.tgi_merged_command(str(out)))
    return out


def _stats(summary: dict) -> lengths.LengthStats | None:
    saved = summary.get("lengths")
    if not isinstance(saved, dict):
        return None
    try:
        return lengths.LengthStats(**saved)
    except TypeError:
        return None


def _main(argv: Sequence[str] | None) -> None:
    run(parse_args(argv))


def main(argv: Sequence[str] | None = None) -> int:
    return cli.run_cli(_main, argv)


if __name__ == "__main__":
    raise SystemExit(main())
