"""The training pipeline (train/) on CPU, offline: a tiny random StableLM and a tokenizer
trained here, the fixture documentation and conversations.

Skipped as a whole where the training libraries are not installed (the app-only test
environment); install them with `pip install torch==2.13.0 && pip install -r requirements-train.txt`.
The checks that need no model (data, settings, votes) are in test_train_data.py and run everywhere.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

for _module in ("torch", "transformers", "peft", "trl", "datasets", "tokenizers"):
    pytest.importorskip(_module)

import torch  # noqa: E402
from test_train_data import battle, write_votes  # noqa: E402  (the same vote records as the data checks)

from ragarena.answering.prompts import NOT_COVERED_ANSWER  # noqa: E402
from train import dpo, lengths, merge, modeling, sft  # noqa: E402
from train.examples import ExampleBuilder, SplitReport  # noqa: E402
from train.serving import serving_engine  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
DOCS = FIXTURES / "docs"
CONVERSATIONS = FIXTURES / "conversations.jsonl"

CHATML = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """Tiny tensors: a second thread only adds synchronisation (10x slower steps on 2 busy cores)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def build_tiny_model(folder: Path) -> Path:
    """A byte-level BPE tokenizer trained on the fixtures (with a ChatML template) and a
    2-layer random StableLM, saved like a Hub checkpoint."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast, StableLmConfig, StableLmForCausalLM

    from ragarena.answering.prompts import SYSTEM_PROMPT

    texts = [path.read_text(encoding="utf-8") for path in sorted(DOCS.glob("*.md"))]
    texts += [SYSTEM_PROMPT, CONVERSATIONS.read_text(encoding="utf-8")]
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    tokenizer.train_from_iterator(
        texts,
        trainers.BpeTrainer(
            vocab_size=1000,
            special_tokens=["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
            initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
            show_progress=False,
        ),
    )
    fast = PreTrainedTokenizerFast(tokenizer_object=tokenizer, eos_token="<|im_end|>", pad_token="<|endoftext|>")
    fast.chat_template = CHATML
    fast.save_pretrained(folder)
    torch.manual_seed(0)
    config = StableLmConfig(
        vocab_size=len(fast),
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=4096,
        bos_token_id=fast.eos_token_id,
        eos_token_id=fast.eos_token_id,
        pad_token_id=fast.pad_token_id,
    )
    StableLmForCausalLM(config).save_pretrained(folder)
    return folder


def cpu_args(model: Path, output: Path, *extra: str) -> list[str]:
    return [
        "--model",
        str(model),
        "--quantization",
        "none",
        "--docs",
        str(DOCS),
        "--conversations",
        str(CONVERSATIONS),
        "--output-dir",
        str(output),
        "--cpu",
        "--set",
        "dtype=float32",
        "--set",
        "bf16=false",
        "--set",
        "gradient_checkpointing=false",
        "--set",
        "save_strategy=no",
        "--set",
        "retrieval_k=2",
        "--set",
        "lora_r=8",
        "--set",
        "lora_alpha=16",
        "--set",
        "per_device_train_batch_size=3",
        "--set",
        "gradient_accumulation_steps=1",
        "--set",
        "disable_tqdm=true",
        "--set",
        "warmup_ratio=0",
        *extra,
    ]


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("tiny-stablelm"))


@pytest.fixture(scope="module")
def sft_run(tiny_model, tmp_path_factory):
    """One short SFT run through the CLI entry point (`sft.main`), keeping what `run` returned."""
    output = tmp_path_factory.mktemp("sft") / "adapter"
    captured = {}
    original = sft.run

    def spy(config, resume=False):
        captured["prepared"] = original(config, resume)
        return captured["prepared"]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sft, "run", spy)
        patch.delenv("TENSORBOARD_LOGGING_DIR", raising=False)  # the run sets it; restored afterwards
        patch.delenv("RAGARENA_RETRIEVAL", raising=False)  # the app's default mode
        status = sft.main(
            cpu_args(
                tiny_model,
                output,
                "--max-steps",
                "12",
                "--learning-rate",
                "1e-2",
                "--set",
                "logging_steps=4",
                "--set",
                "report_to=[tensorboard]",
            )
        )
    assert status == 0
    prepared = captured["prepared"]
    prepared.trainer.model.eval()
    return prepared, output


def fixed_batch(tokenizer, records):
    encoded = [lengths.encode(tokenizer, r["prompt"], r["completion"]) for r in records]
    width = max(len(ids) for ids, _ in encoded)
    input_ids = torch.full((len(encoded), width), tokenizer.pad_token_id)
    labels = torch.full((len(encoded), width), -100)
    mask = torch.zeros((len(encoded), width), dtype=torch.long)
    for row, (ids, labs) in enumerate(encoded):
        input_ids[row, : len(ids)] = torch.tensor(ids)
        labels[row, : len(labs)] = torch.tensor(labs)
        mask[row, : len(ids)] = 1
    return {"input_ids": input_ids, "attention_mask": mask, "labels": labels}


def training_records(output: Path) -> list[dict]:
    lines = (output / "train_examples.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


# --- SFT ---------------------------------------------------------------------------------


def test_sft_lowers_the_loss_and_the_adapter_reloads(sft_run, tiny_model):
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    prepared, output = sft_run
    model = prepared.trainer.model
    batch = fixed_batch(prepared.tokenizer, training_records(output))
    with torch.no_grad():
        with model.disable_adapter():  # LoRA starts at zero: this is the model before training
            before = model(**batch).loss.item()
        after_out = model(**batch)
    assert after_out.loss.item() < before - 0.05, (before, after_out.loss.item())

    for name in (
        "adapter_config.json",
        "adapter_model.safetensors",
        "tokenizer_config.json",
        "training_config.yaml",
        "training_summary.json",
        "README.md",
    ):
        assert (output / name).is_file(), name
    base = AutoModelForCausalLM.from_pretrained(tiny_model, dtype=torch.float32)
    reloaded = PeftModel.from_pretrained(base, str(output)).eval()
    with torch.no_grad():
        again = reloaded(**batch)
    torch.testing.assert_close(again.logits, after_out.logits, atol=1e-5, rtol=1e-4)


def test_labels_mask_the_prompt(sft_run):
    prepared, output = sft_run
    tokenizer = prepared.tokenizer
    dataset = prepared.trainer.train_dataset
    records = training_records(output)
    assert len(dataset) == len(records) == 3
    for row, record in zip(dataset, records):
        labels = row["labels"]
        prompt_ids = tokenizer.apply_chat_template(
            record["prompt"], add_generation_prompt=True, tokenize=True, return_dict=True
        )["input_ids"]
        assert labels[: len(prompt_ids)] == [-100] * len(prompt_ids)
        assert all(label != -100 for label in labels[len(prompt_ids) :])
        answer = tokenizer.decode([label for label in labels if label != -100])
        assert answer == record["completion"][0]["content"] + "<|im_end|>\n"  # the model learns to stop
    assert records[2]["completion"][0]["content"] == NOT_COVERED_ANSWER  # the unanswerable turn


def test_progress_logs_and_model_card(sft_run, tiny_model):
    prepared, output = sft_run
    assert [step for step, _ in prepared.lines.losses] == [1, 4, 8, 12]
    assert list((output / "runs").glob("events.out.tfevents.*")), "TensorBoard logs missing"
    summary = json.loads((output / "training_summary.json").read_text(encoding="utf-8"))
    assert summary["global_step"] == 12 and isinstance(summary["final_loss"], float)
    assert summary["retrieval"] == {"mode": "hybrid", "k": 2}  # the app's default mode, as served
    card = (output / "README.md").read_text(encoding="utf-8")
    assert "recuperación «hybrid» de la app" in card and "RAGARENA_RETRIEVAL=hybrid" in card
    assert str(tiny_model) in card  # base model
    assert "train: 1 conversaciones / 3 turnos" in card and "test: 2 conversaciones" in card
    assert "`lora_r` | `8`" in card and "`learning_rate` | `0.01`" in card
    assert f"{summary['final_loss']:.4f}" in card
    assert "--lora-adapters" in card and "train.merge" in card
    assert f"--lora-modules stablelm-2-12b-rag={output}" in card and "--lora-paths stablelm-2-12b-rag=" in card
    assert "FINETUNED_URL=http://localhost:8000/v1" in card and "vllm/vllm-openai" in card
    assert "Longitud en tokens" in card


def test_merge_gives_full_weights_with_the_same_outputs(sft_run, tmp_path):
    from transformers import AutoModelForCausalLM

    prepared, output = sft_run
    merged_dir = tmp_path / "merged"
    assert (
        merge.main(["--adapter", str(output), "--out", str(merged_dir), "--dtype", "float32", "--device", "cpu"]) == 0
    )
    merged = AutoModelForCausalLM.from_pretrained(merged_dir, dtype=torch.float32).eval()
    assert not any("lora" in name for name, _ in merged.named_parameters())
    batch = fixed_batch(prepared.tokenizer, training_records(output))
    with torch.no_grad():
        torch.testing.assert_close(merged(**batch).logits, prepared.trainer.model(**batch).logits, atol=1e-4, rtol=1e-3)
    card = (merged_dir / "README.md").read_text(encoding="utf-8")
    assert "--model-id /model" in card and "fusionad" in card
    assert f"vllm serve {merged_dir} --served-model-name stablelm-2-12b-rag" in card and "sglang.launch_server" in card
    assert (merged_dir / "tokenizer_config.json").is_file()


# --- DPO ---------------------------------------------------------------------------------


def test_dpo_trains_on_the_sft_adapter(sft_run, tmp_path):
    _, adapter = sft_run
    votes = write_votes(
        tmp_path / "votos.jsonl",
        [
            battle(
                "model_a",
                "¿Cuánto cuesta el abono mensual?",
                "El abono mensual cuesta 28 euros.",
                "Según el contexto, cuesta 30 euros.",
                passage_ids=["abonos#1", "abonos#0"],
            ),
            battle(
                "model_b",
                "¿Se puede cancelar gratis?",
                "No.",
                "Sí, hasta 24 horas antes.",
                conversation=[["¿Cómo reservo una pista?", "Desde la aplicación o por teléfono."]],
            ),
            battle("tie", "¿Hay parking?", "No lo sé.", "No consta."),
            battle("tie (bothbad)", "¿Hay sauna?", "Sí.", "Claro."),
            battle(
                "model_a", "¿A qué hora abre la piscina entre semana?", "De 7:00 a 22:00.", "A las 8."
            ),  # test split
            {"model_a": "modelo-1", "model_b": "modelo-2", "winner": "model_a"},  # no question/answers
        ],
    )
    out = tmp_path / "dpo"
    status = dpo.main(
        [
            "--votes",
            str(votes),
            "--adapter",
            str(adapter),
            "--out",
            str(out),
            "--max-steps",
            "2",
            "--set",
            "per_device_train_batch_size=2",
            "--set",
            "report_to=[]",
        ]
    )
    assert status == 0
    assert (out / "adapter_model.safetensors").is_file() and not (out / "ref").exists()
    summary = json.loads((out / "training_summary.json").read_text(encoding="utf-8"))
    assert summary["kind"] == "dpo" and summary["global_step"] == 2
    assert summary["data"]["pairs"] == 2 and summary["data"]["re_retrieved"] == 1
    assert summary["data"]["skipped"] == {
        "empate o ambos malos": 2,
        "pregunta del split de prueba": 1,
        "sin pregunta o sin alguna de las respuestas": 1,
    }
    pairs = [json.loads(line) for line in (out / "dpo_pairs.jsonl").read_text(encoding="utf-8").splitlines()]
    assert pairs[0]["chosen"][0]["content"] == "El abono mensual cuesta 28 euros."
    assert "[1] Abonos del polideportivo — Tipos de abono" in pairs[0]["prompt"][-1]["content"]
    assert pairs[1]["chosen"][0]["content"] == "Sí, hasta 24 horas antes."
    assert pairs[1]["prompt"][1] == {"role": "user", "content": "¿Cómo reservo una pista?"}
    assert "Cancelaciones" in pairs[1]["prompt"][-1]["content"]  # re-retrieved with the history
    assert "SFT + DPO" in (out / "README.md").read_text(encoding="utf-8")


# --- 4-bit (QLoRA) on CPU -----------------------------------------------------------------


def _bitsandbytes_4bit_on_cpu() -> str | None:
    """None when bitsandbytes can quantise to NF4 and multiply on CPU, else why not."""
    try:
        import bitsandbytes.functional as F

        weight = torch.randn(64, 64)
        packed, state = F.quantize_4bit(weight, quant_type="nf4")
        restored = F.dequantize_4bit(packed, state)
        assert (restored - weight).abs().mean() < 0.2
    except Exception as error:  # any failure means: no 4-bit on this machine
        return f"bitsandbytes 4-bit no funciona en CPU aquí: {type(error).__name__}: {error}"
    return None


def test_qlora_4bit_on_cpu(tiny_model, tmp_path):
    reason = _bitsandbytes_4bit_on_cpu()
    if reason:
        pytest.skip(reason)
    output = tmp_path / "qlora"
    captured = {}
    original = sft.run

    def spy(config, resume=False):
        captured["prepared"] = original(config, resume)
        return captured["prepared"]

    args = cpu_args(tiny_model, output, "--max-steps", "2", "--set", "report_to=[]", "--set", "logging_steps=1")
    args[args.index("--quantization") + 1] = "4bit"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sft, "run", spy)
        assert sft.main(args) == 0
    import bitsandbytes as bnb

    model = captured["prepared"].trainer.model
    assert any(isinstance(module, bnb.nn.Linear4bit) for module in model.modules())
    losses = captured["prepared"].lines.losses
    assert len(losses) == 2 and all(loss == loss for _, loss in losses)  # finite, not NaN
    assert (output / "adapter_model.safetensors").is_file()
    assert "4 bits NF4" in (output / "README.md").read_text(encoding="utf-8")


# --- Fitting max_length ------------------------------------------------------------------


def test_overlong_examples_drop_distractors_never_the_gold(tiny_model):
    tokenizer = modeling.load_tokenizer(str(tiny_model))
    builder = ExampleBuilder(serving_engine(DOCS), k=5)
    from ragarena.retrieval.corpus import load_conversations

    conversation = next(c for c in load_conversations(CONVERSATIONS) if c.split == "train")
    examples = builder.conversation_examples(conversation, SplitReport())
    full = [lengths.record_lengths(tokenizer, e.record())[0] for e in examples]
    limit = min(full) - 1
    fitted, stats = lengths.fit_examples(examples, tokenizer, limit)
    assert stats.over_max == 3 and stats.fitted + stats.truncated + stats.dropped == 3
    assert len(fitted) == 3 - stats.dropped
    assert (stats.minimum, stats.maximum) == (min(full), max(full))
    gold_example, gold_record = next((e, r) for e, r in fitted if e.gold_ids)
    kept = gold_record["prompt"][-1]["content"]
    assert len(gold_record["prompt"][-1]["content"]) < len(gold_example.record()["prompt"][-1]["content"])
    assert "El abono mensual cuesta 28 euros" in kept
    assert "Longitud en tokens" in stats.lines()[0] and "superan max_length" in stats.lines()[1]
