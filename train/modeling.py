"""Model, tokenizer and trainer settings: 4-bit NF4 (QLoRA) or unquantised, CPU or GPU.

Heavy libraries are imported inside the functions, so data errors are reported before any of
them loads.
"""

from __future__ import annotations

import os
from typing import Any

from ragarena.core.errors import UserError
from train.cli import first_line, say
from train.config import TrainConfig
from train.progress import report_targets


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

    dtypes = {
        "bfloat16": torch.bfloat16,
        "bf16": torch.bfloat16,
        "float16": torch.float16,
        "fp16": torch.float16,
        "float32": torch.float32,
        "fp32": torch.float32,
    }
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
        raise UserError(f"No se puede cargar el tokenizador de «{source}»: {first_line(error)}") from None
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
        raise UserError(f"Falta una biblioteca para cargar «{source}»: {first_line(error)}") from None
    except (OSError, ValueError) as error:
        raise UserError(f"No se puede cargar el modelo «{source}»: {first_line(error)}") from None
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
        raise UserError(f"Ajustes de entrenamiento no válidos: {first_line(error)}") from None


def prepare_for_kbit(model, config: TrainConfig):
    """peft's preparation of a 4-bit model for training (norms in fp32, input grads)."""
    from peft import prepare_model_for_kbit_training

    return prepare_model_for_kbit_training(
        model,
        use_gradient_checkpointing=config.gradient_checkpointing,
        gradient_checkpointing_kwargs={"use_reentrant": False},
    )
