"""Training settings: dataclass defaults < YAML file < `--set key=value` < explicit flags.

Every field of `TrainConfig` can be set in the YAML file (flat keys) and overridden on the
command line with `--set key=value` (the value is read as YAML, then converted to the
field's type, so `--set learning_rate=1e-4`, `--set bf16=false` and
`--set lora_target_modules=[q_proj,v_proj]` all work).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import types
import typing
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ragarena.core.errors import UserError
from ragarena.retrieval.dense import MODES as RETRIEVAL_MODES

STABLELM_TARGET_MODULES = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


@dataclass
class TrainConfig:
    # Model
    model: str = "stabilityai/stablelm-2-12b-chat"  # any causal LM id or local folder
    trust_remote_code: bool = False
    quantization: str = "4bit"  # "4bit" (QLoRA, bitsandbytes NF4) or "none"
    bnb_4bit_quant_type: str = "nf4"
    bnb_4bit_use_double_quant: bool = True
    bnb_4bit_compute_dtype: str = "bfloat16"
    dtype: str = "bfloat16"  # weights' dtype when quantization is "none" (float32 on CPU)
    attn_implementation: str | None = None  # e.g. "sdpa", "flash_attention_2"; None: transformers' default

    # Data
    docs: str = "data/docs"
    conversations: str = "data/qa/conversations.jsonl"
    split: str = "train"  # split(s) to train on, comma-separated; "test" is always refused
    eval_split: str | None = None  # e.g. "dev" if the file has one; never "test"
    retrieval_k: int = 5  # passages per prompt, as the app retrieves them
    # The app's retrieval mode the prompts' passages come from: bm25 | dense | hybrid; None: the
    # mode the app serves with (RAGARENA_RETRIEVAL, else hybrid). Set it to the serving app's mode.
    retrieval: str | None = None

    # LoRA
    lora_r: int = 16
    lora_alpha: int = 32
    lora_dropout: float = 0.05
    lora_target_modules: list[str] = field(default_factory=lambda: list(STABLELM_TARGET_MODULES))

    # Optimisation
    output_dir: str = "outputs/stablelm-2-12b-rag-es"
    learning_rate: float = 2e-4
    num_train_epochs: float = 3.0
    max_steps: int = -1  # > 0 overrides num_train_epochs
    per_device_train_batch_size: int = 4
    gradient_accumulation_steps: int = 4
    max_length: int = 2048  # tokens of prompt + answer
    warmup_ratio: float = 0.03
    lr_scheduler_type: str = "cosine"
    weight_decay: float = 0.0
    max_grad_norm: float = 0.3
    optim: str = "paged_adamw_8bit"
    bf16: bool = True
    gradient_checkpointing: bool = True
    seed: int = 42
    use_cpu: bool = False

    # Progress, logs, checkpoints
    logging_steps: int = 10
    report_to: list[str] = field(default_factory=lambda: ["tensorboard"])
    logging_dir: str | None = None  # TensorBoard folder; default OUTPUT_DIR/runs
    save_strategy: str = "epoch"
    save_total_limit: int = 2
    disable_tqdm: bool = False

    # DPO (python -m train.dpo) on top of the SFT adapter
    dpo_beta: float = 0.1
    dpo_learning_rate: float = 5e-6
    dpo_num_train_epochs: float = 1.0

    def tensorboard_dir(self) -> str:
        return self.logging_dir or str(Path(self.output_dir) / "runs")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


FIELDS = {f.name: f for f in dataclasses.fields(TrainConfig)}
_HINTS = typing.get_type_hints(TrainConfig)


def _coerce(name: str, value: Any) -> Any:
    """Convert a YAML value to the type of field `name`; UserError if it cannot be."""
    hint, optional = _HINTS[name], False
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(hint) if a is not type(None)]
        optional, hint = len(members) < len(typing.get_args(hint)), members[0]
    if value is None or (optional and isinstance(value, str) and value.strip().lower() in {"null", "none", "~", ""}):
        if optional:
            return None
        raise UserError(f"El ajuste «{name}» no puede estar vacío.")
    base = list if typing.get_origin(hint) is list else hint
    try:
        if base is list:
            if isinstance(value, str):
                value = [part.strip() for part in value.split(",") if part.strip()]
            if not isinstance(value, list):
                raise ValueError(f"se esperaba una lista, no {value!r}")
            return [str(item) for item in value]
        if base is bool:
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.strip().lower() in {"true", "yes", "1", "sí", "si"}:
                return True
            if isinstance(value, str) and value.strip().lower() in {"false", "no", "0"}:
                return False
            raise ValueError(f"se esperaba true o false, no {value!r}")
        if base is int:
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError(f"se esperaba un entero, no {value!r}")
            return int(value)
        if base is float:
            if isinstance(value, bool):
                raise ValueError(f"se esperaba un número, no {value!r}")
            return float(value)
        if base is str:
            if isinstance(value, bool):  # YAML 1.1 reads an unquoted no/yes as a boolean
                return "yes" if value else "no"
            if isinstance(value, (dict, list)):
                raise ValueError(f"se esperaba un texto, no {value!r}")
            return str(value)
    except (TypeError, ValueError) as error:
        raise UserError(f"Valor no válido para «{name}»: {error}.") from None
    return value


def apply(config: TrainConfig, values: dict[str, Any], where: str) -> TrainConfig:
    unknown = sorted(set(values) - set(FIELDS))
    if unknown:
        raise UserError(
            f"{where}: ajustes desconocidos: {', '.join(unknown)}. Ajustes válidos: {', '.join(sorted(FIELDS))}."
        )
    for name, value in values.items():
        setattr(config, name, _coerce(name, value))
    return config


def load_yaml(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"No existe el archivo de configuración «{path}».") from None
    except (OSError, UnicodeDecodeError) as error:
        raise UserError(f"No se puede leer «{path}»: {error}") from None
    except yaml.YAMLError as error:
        raise UserError(f"«{path}» no es YAML válido: {error}") from None
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise UserError(f"«{path}»: se esperaba un diccionario de ajustes (clave: valor).")
    return document


def parse_set(items: Sequence[str]) -> dict[str, Any]:
    values = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise UserError(f"--set espera CLAVE=VALOR, no «{item}».")
        key = key.strip()
        if key in FIELDS and _HINTS[key] is str:
            values[key] = raw  # kept as typed: "no" stays "no", "00123" stays "00123"
            continue
        try:
            values[key] = yaml.safe_load(raw) if raw.strip() else None
        except yaml.YAMLError:
            values[key] = raw
    return values


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", help="archivo YAML de ajustes (p. ej. train/configs/stablelm-2-12b.yaml)")
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="CLAVE=VALOR",
        help="cambia un ajuste (repetible): --set learning_rate=1e-4 --set bf16=false",
    )
    parser.add_argument("--model", help="id del modelo base o carpeta local")
    parser.add_argument("--quantization", choices=["4bit", "none"], help="4bit (QLoRA) o none (p. ej. en CPU)")
    parser.add_argument("--docs", help="carpeta de documentación (*.md)")
    parser.add_argument("--conversations", help="archivo conversations.jsonl")
    parser.add_argument("--output-dir", dest="output_dir", help="carpeta de salida")
    parser.add_argument("--max-steps", dest="max_steps", type=int, help="pasos de entrenamiento (anula las épocas)")
    parser.add_argument("--epochs", dest="num_train_epochs", type=float, help="épocas")
    parser.add_argument("--learning-rate", dest="learning_rate", type=float)
    parser.add_argument("--max-length", dest="max_length", type=int, help="tokens máximos por ejemplo")
    parser.add_argument("--cpu", dest="use_cpu", action="store_const", const=True, help="entrena en CPU")


FLAG_NAMES = (
    "model",
    "quantization",
    "docs",
    "conversations",
    "output_dir",
    "max_steps",
    "num_train_epochs",
    "learning_rate",
    "max_length",
    "use_cpu",
)


def build_config(args: argparse.Namespace, base: dict[str, Any] | None = None) -> TrainConfig:
    """Defaults, then `base` (e.g. the SFT run's saved settings), then --config, --set and flags."""
    config = TrainConfig()
    if base:
        apply(config, {k: v for k, v in base.items() if k in FIELDS}, "ajustes guardados")
    if args.config:
        apply(config, load_yaml(args.config), str(args.config))
    apply(config, parse_set(args.overrides), "--set")
    flags = {name: getattr(args, name) for name in FLAG_NAMES if getattr(args, name, None) is not None}
    apply(config, flags, "opciones")
    validate(config)
    return config


def validate(config: TrainConfig) -> None:
    if config.retrieval is not None and config.retrieval.strip().lower() not in RETRIEVAL_MODES:
        raise UserError(
            f"retrieval debe ser {', '.join(RETRIEVAL_MODES)} (o vacío: el modo de la app), no «{config.retrieval}»."
        )
    if config.quantization not in {"4bit", "none"}:
        raise UserError(f"quantization debe ser «4bit» o «none», no «{config.quantization}».")
    for name in (
        "retrieval_k",
        "per_device_train_batch_size",
        "gradient_accumulation_steps",
        "max_length",
        "logging_steps",
        "lora_r",
    ):
        if getattr(config, name) < 1:
            raise UserError(f"«{name}» debe ser al menos 1 (es {getattr(config, name)}).")
    if not config.lora_target_modules:
        raise UserError("«lora_target_modules» no puede estar vacío.")
    if config.max_steps <= 0 and config.num_train_epochs <= 0:
        raise UserError("Indica num_train_epochs > 0 o max_steps > 0.")


def save(config: TrainConfig, folder: str | Path) -> Path:
    path = Path(folder) / "training_config.yaml"
    path.write_text(
        "# Settings of the run that produced this folder (python -m train.sft / train.dpo).\n"
        + yaml.safe_dump(config.to_dict(), allow_unicode=True, sort_keys=False),
        encoding="utf-8",
    )
    return path


def load_saved(folder: str | Path) -> dict[str, Any]:
    """The settings saved next to an adapter, {} when there are none."""
    path = Path(folder) / "training_config.yaml"
    if not path.is_file():
        return {}
    return load_yaml(path)


def dumps(config: TrainConfig) -> str:
    return json.dumps(config.to_dict(), ensure_ascii=False, indent=2)
