"""What SFT, DPO and merge share: CLI error handling, model and tokenizer loading, token
lengths, progress lines and the model card."""

from __future__ import annotations

import json
import math
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

from ragarena.errors import UserError
from train.config import TrainConfig

# Serving limits for the TGI command: StableLM 2 has a 4096-token context; the prompt takes
# the most of it (5 passages + history), the answer is one or two sentences.
TGI_MAX_INPUT_TOKENS = 3584
TGI_MAX_TOTAL_TOKENS = 4096
TGI_IMAGE = "ghcr.io/huggingface/text-generation-inference:latest"


def say(message: str = "") -> None:
    print(message, flush=True)


def run_cli(function: Callable[[Sequence[str] | None], Any], argv: Sequence[str] | None = None) -> int:
    """Run a command; a UserError becomes one Spanish line on stderr and exit status 2."""
    try:
        function(argv)
    except UserError as error:
        print(f"Error: {error}", file=sys.stderr, flush=True)
        return 2
    except KeyboardInterrupt:
        print("Interrumpido.", file=sys.stderr, flush=True)
        return 130
    return 0


def require_training_libraries() -> None:
    missing = []
    for name in ("torch", "transformers", "peft", "trl", "datasets", "accelerate"):
        try:
            __import__(name)
        except ImportError:
            missing.append(name)
    if missing:
        raise UserError(
            f"Faltan bibliotecas de entrenamiento ({', '.join(missing)}). Instálalas con: "
            "pip install torch==2.13.0 && pip install -r requirements-train.txt"
        )


def torch_dtype(name: str):
    import torch

    dtypes = {"bfloat16": torch.bfloat16, "bf16": torch.bfloat16, "float16": torch.float16,
              "fp16": torch.float16, "float32": torch.float32, "fp32": torch.float32}
    if name not in dtypes:
        raise UserError(f"Tipo de datos desconocido «{name}»; usa bfloat16, float16 o float32.")
    return dtypes[name]


def has_gpu() -> bool:
    import torch

    return torch.cuda.is_available()


def resolve_device(config: TrainConfig) -> None:
    """Without a GPU, train on CPU and swap the CUDA-only optimizers for a plain AdamW."""
    if config.use_cpu or has_gpu():
        if config.use_cpu and ("8bit" in config.optim or "paged" in config.optim):
            say(f"En CPU el optimizador «{config.optim}» no sirve: se usa adamw_torch.")
            config.optim = "adamw_torch"
        return
    say("No hay GPU: se entrena en CPU (solo tiene sentido con modelos pequeños).")
    config.use_cpu = True
    if "8bit" in config.optim or "paged" in config.optim:
        say(f"En CPU el optimizador «{config.optim}» no sirve: se usa adamw_torch.")
        config.optim = "adamw_torch"


def load_tokenizer(source: str, trust_remote_code: bool = False):
    from transformers import AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(source, trust_remote_code=trust_remote_code)
    except (OSError, ValueError) as error:
        raise UserError(f"No se puede cargar el tokenizador de «{source}»: {_first_line(error)}") from None
    if not getattr(tokenizer, "chat_template", None):
        raise UserError(
            f"El tokenizador de «{source}» no tiene plantilla de chat (chat_template): hace falta para "
            "formatear los mensajes como en el servicio. Usa un modelo de chat o añade la plantilla."
        )
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    tokenizer.padding_side = "right"
    return tokenizer


def load_model(config: TrainConfig, source: str | None = None, for_training: bool = True):
    """The base causal LM: 4-bit NF4 (QLoRA) or unquantised in `config.dtype`."""
    import torch
    from transformers import AutoModelForCausalLM

    source = source or config.model
    kwargs: dict[str, Any] = {"trust_remote_code": config.trust_remote_code}
    if config.attn_implementation:
        kwargs["attn_implementation"] = config.attn_implementation
    on_cpu = config.use_cpu or not torch.cuda.is_available()
    if config.quantization == "4bit":
        from transformers import BitsAndBytesConfig

        compute = torch_dtype(config.bnb_4bit_compute_dtype)
        kwargs["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True,
            bnb_4bit_quant_type=config.bnb_4bit_quant_type,
            bnb_4bit_use_double_quant=config.bnb_4bit_use_double_quant,
            bnb_4bit_compute_dtype=compute,
        )
        kwargs["dtype"] = compute
        # The whole model on this process's device: with "auto" a multi-GPU machine would
        # split layers across cards, which the Trainer's data parallelism does not expect.
        kwargs["device_map"] = {"": "cpu"} if on_cpu else {"": int(os.environ.get("LOCAL_RANK", 0))}
    else:
        kwargs["dtype"] = torch_dtype(config.dtype)
    try:
        model = AutoModelForCausalLM.from_pretrained(source, **kwargs)
    except ImportError as error:
        raise UserError(f"Falta una biblioteca para cargar «{source}»: {_first_line(error)}") from None
    except (OSError, ValueError) as error:
        raise UserError(f"No se puede cargar el modelo «{source}»: {_first_line(error)}") from None
    if for_training:
        model.config.use_cache = False  # incompatible with gradient checkpointing, useless in training
    return model


def trainer_arguments(cls, config: TrainConfig, **kwargs):
    """SFTConfig/DPOConfig with the settings both stages share from `config`, plus the stage's own
    `kwargs` (learning rate, epochs...); a bad setting (optimizer name, strategy...) as a UserError."""
    shared = dict(
        output_dir=config.output_dir,
        max_steps=config.max_steps,
        per_device_train_batch_size=config.per_device_train_batch_size,
        gradient_accumulation_steps=config.gradient_accumulation_steps,
        max_length=config.max_length,
        warmup_steps=config.warmup_ratio,  # a float < 1 is a fraction of the steps in transformers 5
        lr_scheduler_type=config.lr_scheduler_type,
        weight_decay=config.weight_decay,
        max_grad_norm=config.max_grad_norm,
        optim=config.optim,
        bf16=config.bf16,
        activation_checkpointing=config.gradient_checkpointing,
        activation_checkpointing_kwargs={"use_reentrant": False} if config.gradient_checkpointing else None,
        seed=config.seed,
        use_cpu=config.use_cpu,
        logging_steps=config.logging_steps,
        logging_first_step=True,
        report_to=report_targets(config),
        save_strategy=config.save_strategy,
        save_total_limit=config.save_total_limit,
        disable_tqdm=config.disable_tqdm,
        dataset_num_proc=None,
    )
    try:
        return cls(**{**shared, **kwargs})
    except (ValueError, TypeError, ImportError) as error:
        raise UserError(f"Ajustes de entrenamiento no válidos: {_first_line(error)}") from None


def prepare_for_kbit(model, config: TrainConfig):
    """peft's preparation of a 4-bit model for training (norms in fp32, input grads)."""
    from peft import prepare_model_for_kbit_training

    return prepare_model_for_kbit_training(
        model,
        use_gradient_checkpointing=config.gradient_checkpointing,
        gradient_checkpointing_kwargs={"use_reentrant": False},
    )


def _first_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]


# --- Tokens ------------------------------------------------------------------------------

def _ids(encoded) -> list[int]:
    ids = encoded["input_ids"] if isinstance(encoded, dict) or hasattr(encoded, "keys") else encoded
    return list(ids)


def encode(tokenizer, prompt: list[dict], completion: list[dict]) -> tuple[list[int], list[int]]:
    """(input_ids, labels) the way trl's SFTTrainer tokenizes a conversational prompt-completion
    record: labels are -100 on the prompt (the tokens shared with the rendered prompt alone)."""
    prompt_ids = _ids(tokenizer.apply_chat_template(prompt, add_generation_prompt=True, tokenize=True, return_dict=True))
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
    encoded = [encode(tokenizer, record["prompt"], record[key]) for key in ("completion", "chosen", "rejected")
               if key in record]
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
        count=len(lengths), minimum=min(lengths, default=0), mean=sum(lengths) / max(1, len(lengths)),
        p95=percentile(lengths, 95), maximum=max(lengths, default=0), over_max=over, fitted=fitted,
        truncated=truncated, dropped=dropped, max_length=max_length,
    )
    return records, stats


# --- Progress ----------------------------------------------------------------------------

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
            names = {"loss": "pérdida", "eval_loss": "pérdida eval", "learning_rate": "lr",
                     "grad_norm": "norma grad", "rewards/accuracies": "acierto recompensa",
                     "rewards/margins": "margen recompensa", "train_loss": "pérdida media"}
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


# --- Model card --------------------------------------------------------------------------

def tgi_merged_command(folder: str) -> str:
    return (
        f'docker run --gpus all --shm-size 1g -p 8080:80 -v "$(realpath {folder})":/model \\\n'
        f"  {TGI_IMAGE} \\\n"
        f"  --model-id /model --max-input-tokens {TGI_MAX_INPUT_TOKENS} --max-total-tokens {TGI_MAX_TOTAL_TOKENS}"
    )


def tgi_adapter_command(base_model: str, folder: str, name: str = "stablelm-2-12b-rag") -> str:
    return (
        f'docker run --gpus all --shm-size 1g -p 8080:80 -v "$(realpath {folder})":/adapter \\\n'
        f'  -e HF_TOKEN="$HF_TOKEN" {TGI_IMAGE} \\\n'
        f"  --model-id {base_model} --lora-adapters {name}=/adapter \\\n"
        f"  --max-input-tokens {TGI_MAX_INPUT_TOKENS} --max-total-tokens {TGI_MAX_TOTAL_TOKENS}"
    )


HYPERPARAMETERS = (
    "quantization", "bnb_4bit_quant_type", "bnb_4bit_use_double_quant", "bnb_4bit_compute_dtype",
    "lora_r", "lora_alpha", "lora_dropout", "lora_target_modules", "learning_rate", "num_train_epochs",
    "max_steps", "per_device_train_batch_size", "gradient_accumulation_steps", "max_length",
    "warmup_ratio", "lr_scheduler_type", "weight_decay", "max_grad_norm", "optim", "bf16",
    "gradient_checkpointing", "seed", "retrieval_k",
)
DPO_HYPERPARAMETERS = ("dpo_beta", "dpo_learning_rate", "dpo_num_train_epochs")


def model_card(
    *, title: str, base_model: str, kind: str, config: TrainConfig, data_lines: Sequence[str],
    stats: LengthStats | None, summary: dict[str, Any], folder: str, merged: bool,
) -> str:
    """README.md of an adapter or merged folder (Spanish, as the rest of the project's docs)."""
    hyper = [name for name in HYPERPARAMETERS if config.quantization == "4bit" or not name.startswith("bnb_")]
    hyper += list(DPO_HYPERPARAMETERS) if kind == "dpo" else []
    tags = ["rag", "rag-arena", "merged-lora" if merged else "lora"]
    tags += ["qlora"] if config.quantization == "4bit" else []
    tags.append(kind)
    tag_lines = "\n".join(f"- {tag}" for tag in tags)
    rows = "\n".join(f"| `{name}` | `{getattr(config, name)}` |" for name in hyper)
    loss = summary.get("final_loss")
    loss_text = f"{loss:.4f}" if isinstance(loss, float) else "—"
    mean_loss = summary.get("train_loss")
    mean_text = f"{mean_loss:.4f}" if isinstance(mean_loss, float) else "—"
    serve = tgi_merged_command(folder) if merged else tgi_adapter_command(base_model, folder)
    merge_note = "" if merged else (
        "\nPara servir pesos completos (funciona con cualquier arquitectura que TGI sirva), fusiona antes:\n\n"
        f"```bash\npython -m train.merge --adapter {folder} --out {folder}-merged\n```\n"
    )
    what = {"sft": "ajuste supervisado (SFT) con LoRA", "dpo": "DPO con los votos de la arena sobre el adaptador SFT"}[kind]
    stats_text = "\n".join(f"- {line}" for line in stats.lines()) if stats else "- —"
    retrieval = summary.get("retrieval") or {}
    retrieved = (
        f"los {retrieval.get('k')} fragmentos que devuelve la recuperación «{retrieval['mode']}» de la app, "
        f"la misma con la que debe servirse (`RAGARENA_RETRIEVAL={retrieval['mode']}`),"
        if retrieval.get("mode") else "los fragmentos de cada voto"
    )
    return f"""---
base_model: {base_model}
library_name: {"transformers" if merged else "peft"}
language:
- es
pipeline_tag: text-generation
tags:
{tag_lines}
---

# {title}

{"Pesos completos: el modelo base con el adaptador LoRA fusionado." if merged else "Adaptador LoRA."}
Entrenado con {what} para responder en español a preguntas sobre la documentación de RAG Arena,
con exactamente el prompt que usa la app (`ragarena.prompts.build_messages`: instrucciones,
{retrieved} y el historial de la conversación).

- **Modelo base:** `{base_model}`
- **Cuantización durante el entrenamiento:** {"4 bits NF4 (QLoRA, bitsandbytes, doble cuantización, cómputo en " + config.bnb_4bit_compute_dtype + ")" if config.quantization == "4bit" else "ninguna (" + config.dtype + ")"}
- **Generado por:** `python -m train.{kind}` ({summary.get("finished_at", "")})

## Datos

- Documentación: `{config.docs}`
- {"Votos" if kind == "dpo" else "Conversaciones"}: `{summary.get("data_file", config.conversations)}`
{chr(10).join(f"- {line}" for line in data_lines)}
- Solo el split de entrenamiento (`{config.split}`); el split `test` queda fuera y se comprueba.
- Pérdida solo sobre los tokens de la respuesta (el prompt va enmascarado).

Longitudes:

{stats_text}

## Hiperparámetros

| ajuste | valor |
| --- | --- |
{rows}

## Resultado

- Pasos: {summary.get("global_step", "—")} · épocas: {summary.get("epoch", "—")}
- Pérdida final (último registro): {loss_text} · pérdida media del entrenamiento: {mean_text}
- Duración: {summary.get("runtime_s", "—")} s

## Servir con TGI

```bash
{serve}
```
{merge_note}
Después, en la app: `TGI_URL=http://localhost:8080` (la app habla con TGI por su API de chat).
"""


def write_json(path: str | Path, data: dict[str, Any]) -> None:
    Path(path).write_text(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8")


def read_json(path: str | Path) -> dict[str, Any]:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:
        raise UserError(f"No se puede leer «{path}»: {error}") from None


def now() -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S")
