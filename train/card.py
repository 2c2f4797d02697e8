"""The model card (README.md) of an adapter or merged folder, and the TGI commands to serve it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from train.config import TrainConfig
from train.lengths import LengthStats

# Serving limits for the TGI command: StableLM 2 has a 4096-token context; the prompt takes
# the most of it (5 passages + history), the answer is one or two sentences.
TGI_MAX_INPUT_TOKENS = 3584
TGI_MAX_TOTAL_TOKENS = 4096
TGI_IMAGE = "ghcr.io/huggingface/text-generation-inference:latest"


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


def serving_commands(base_model: str, folder: str, merged: bool, name: str = "stablelm-2-12b-rag") -> str:
    """vLLM and SGLang commands (pip and docker) for the model card: the app reaches either through
    FINETUNED_URL + FINETUNED_MODEL (the served name or adapter name)."""
    if merged:
        vllm = f"vllm serve {folder} --served-model-name {name} --max-model-len {TGI_MAX_TOTAL_TOKENS} --port 8000"
        sglang = (
            f"python -m sglang.launch_server --model-path {folder} --served-model-name {name} "
            f"--context-length {TGI_MAX_TOTAL_TOKENS} --port 8000"
        )
        mount, model_arg = f'-v "$(realpath {folder})":/model', "/model"
    else:
        vllm = (
            f"vllm serve {base_model} --enable-lora --lora-modules {name}={folder} --max-lora-rank 16 "
            f"--max-model-len {TGI_MAX_TOTAL_TOKENS} --port 8000"
        )
        sglang = (
            f"python -m sglang.launch_server --model-path {base_model} --enable-lora --lora-paths "
            f"{name}={folder} --context-length {TGI_MAX_TOTAL_TOKENS} --port 8000"
        )
        mount, model_arg = f'-v "$(realpath {folder})":/adapter -e HF_TOKEN="$HF_TOKEN"', base_model
    lora = f" --enable-lora --lora-modules {name}=/adapter --max-lora-rank 16" if not merged else ""
    return (
        f"# vLLM (pip install vllm)\n{vllm}\n"
        f"# vLLM (docker)\ndocker run --gpus all --ipc=host -p 8000:8000 {mount} vllm/vllm-openai:latest \\\n"
        f"  --model {model_arg}{f' --served-model-name {name}' if merged else lora} "
        f"--max-model-len {TGI_MAX_TOTAL_TOKENS}\n"
        f"# SGLang (pip install sglang)\n{sglang}\n"
        f"# SGLang (docker)\ndocker run --gpus all --ipc=host -p 8000:8000 {mount} lmsysorg/sglang:latest \\\n"
        f"  python -m sglang.launch_server --host 0.0.0.0 --port 8000 --model-path {model_arg} "
        + (f"--served-model-name {name}" if merged else f"--enable-lora --lora-paths {name}=/adapter")
    )


HYPERPARAMETERS = (
    "quantization",
    "bnb_4bit_quant_type",
    "bnb_4bit_use_double_quant",
    "bnb_4bit_compute_dtype",
    "lora_r",
    "lora_alpha",
    "lora_dropout",
    "lora_target_modules",
    "learning_rate",
    "num_train_epochs",
    "max_steps",
    "per_device_train_batch_size",
    "gradient_accumulation_steps",
    "max_length",
    "warmup_ratio",
    "lr_scheduler_type",
    "weight_decay",
    "max_grad_norm",
    "optim",
    "bf16",
    "gradient_checkpointing",
    "seed",
    "retrieval_k",
)


DPO_HYPERPARAMETERS = ("dpo_beta", "dpo_learning_rate", "dpo_num_train_epochs")


def model_card(
    *,
    title: str,
    base_model: str,
    kind: str,
    config: TrainConfig,
    data_lines: Sequence[str],
    stats: LengthStats | None,
    summary: dict[str, Any],
    folder: str,
    merged: bool,
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
    merge_note = (
        ""
        if merged
        else (
            "\nPara servir pesos completos (funciona con cualquier arquitectura que TGI sirva), fusiona antes:\n\n"
            f"```bash\npython -m train.merge --adapter {folder} --out {folder}-merged\n```\n"
        )
    )
    what = {"sft": "ajuste supervisado (SFT) con LoRA", "dpo": "DPO con los votos de la arena sobre el adaptador SFT"}[
        kind
    ]
    stats_text = "\n".join(f"- {line}" for line in stats.lines()) if stats else "- —"
    retrieval = summary.get("retrieval") or {}
    retrieved = (
        f"los {retrieval.get('k')} fragmentos que devuelve la recuperación «{retrieval['mode']}» de la app, "
        f"la misma con la que debe servirse (`RAGARENA_RETRIEVAL={retrieval['mode']}`),"
        if retrieval.get("mode")
        else "los fragmentos de cada voto"
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
con exactamente el prompt que usa la app (`ragarena.answering.prompts.build_messages`: instrucciones,
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

## Servir con vLLM o SGLang

Motores mantenidos que hablan el protocolo de chat de OpenAI (comandos sin probar con el 12B; en bf16
los pesos ocupan unos 25 GB: pensados para una GPU de 40-48 GB):

```bash
{serving_commands(base_model, folder, merged)}
```

Después, en la app y en `eval`: `FINETUNED_URL=http://localhost:8000/v1
FINETUNED_MODEL={"stablelm-2-12b-rag" if merged else "stablelm-2-12b-rag (vLLM) o " + base_model + ":stablelm-2-12b-rag (SGLang)"}
FINETUNED_ENGINE=vLLM` (o `SGLang`).

## Servir con TGI

TGI está en modo de mantenimiento desde diciembre de 2025; sigue funcionando con la app:

```bash
{serve}
```
{merge_note}
Después, en la app: `TGI_URL=http://localhost:8080` (la app habla con TGI por su API de chat).
"""
