"""Training = serving: what train/ fine-tunes on is what the app sends the fine-tuned model.

For sampled turns of the bundled train split, a training example (`train.examples.sft_examples`,
as `python -m train.sft` builds them) is compared with what the Chat's own answer path sends:
`ragarena.answering.chat_turn.answer_stream` retrieves with the app's engine (built as the app builds it,
default retrieval mode), builds the `AnswerRequest` and streams from the TGI backend, which is
how the fine-tuned model is served (`stablelm-2-12b-rag`); the local TGI stand-in records the
messages it was sent. No torch needed: this runs in the app's test environment.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from fake_servers import FakeTGI

from ragarena.answering.chat_turn import answer_stream
from ragarena.answering.engine import Engine
from ragarena.retrieval.dense import DEFAULT_MODE, mode_of
from ragarena.ui.context import AppContext
from train import card
from train.config import TrainConfig
from train.examples import sft_examples

ROOT = Path(__file__).resolve().parent.parent
SERVED_MODEL = "stablelm-2-12b-rag"  # the models.yaml entry that serves the fine-tuned model
K = 5  # the Chat retrieves 5 passages (Engine.retrieve's default); the training config's default too


@pytest.fixture(scope="module")
def serving():
    """(app context as the app builds it, train examples with default settings, TGI stand-in)."""
    import huggingface_hub.constants

    with pytest.MonkeyPatch.context() as patch:
        for name in ("RAGARENA_RETRIEVAL", "RAGARENA_DOCS", "RAGARENA_MODELS", "HF_TOKEN"):
            patch.delenv(name, raising=False)
        # conftest sets HF_HUB_OFFLINE=1, which huggingface_hub applies to TGI calls too.
        patch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
        with FakeTGI() as server:
            patch.setenv("TGI_URL", server.base_url)
            ctx = AppContext(engine=Engine(background_embeddings=True))  # as ragarena.ui.app builds it
            retriever = ctx.engine.retriever
            if hasattr(retriever, "wait_ready"):
                assert retriever.wait_ready(120), "the shipped passage vectors should make it ready at once"
            config = TrainConfig()  # the documented defaults: bundled data, split train, retrieval_k 5
            assert config.retrieval_k == K and config.retrieval is None
            examples, _, report = sft_examples(
                ROOT / config.docs,
                ROOT / config.conversations,
                config.split,
                config.retrieval_k,
                config.seed,
                retrieval=config.retrieval,
            )
            yield ctx, examples, report, server


def served(ctx, server, example):
    """(passage ids, messages) the app's Chat path sends the served model for this turn."""
    before = len(server.chat_requests())
    *_, (hits, answer, meta) = answer_stream(ctx.engine, SERVED_MODEL, example.question, list(example.history))
    assert answer and meta is not None  # the stream completed through the TGI backend
    requests = server.chat_requests()
    assert len(requests) == before + 1
    return [hit.passage.id for hit in hits], requests[-1].messages


def test_training_retrieves_in_the_mode_the_app_serves(serving):
    ctx, examples, report, _ = serving
    assert mode_of(ctx.engine.retriever) == DEFAULT_MODE == "hybrid"
    assert (report.retrieval, report.retrieval_k) == (DEFAULT_MODE, K)
    assert len(examples) == report.examples == 480
    assert "recuperación «hybrid» de la app" in "\n".join(report.lines())


def test_sampled_train_turns_get_the_passages_and_messages_the_app_sends(serving):
    ctx, examples, _, server = serving
    retrieved = [e for e in examples if not e.gold_inserted]
    rng = random.Random(18)
    sample = rng.sample(retrieved, 16)
    # the cases where a mismatch would hide: follow-ups (history retrieval) and unanswerable turns
    sample += rng.sample([e for e in retrieved if e.turn >= 2], 4)
    sample += rng.sample([e for e in retrieved if not e.answerable], 2)
    for example in sample:
        ids, messages = served(ctx, server, example)
        where = f"{example.conversation_id}#{example.turn}"
        assert ids == [p.id for p in example.passages], where
        assert messages == example.record()["prompt"], where
        assert json.dumps(messages, ensure_ascii=False) == json.dumps(example.record()["prompt"], ensure_ascii=False)


def test_a_missed_gold_passage_is_the_only_difference(serving):
    """When the app's retrieval missed the answer's passage, training puts it in place of the
    lowest-ranked hit (documented): the other passages are the app's, in the app's order."""
    ctx, examples, _, server = serving
    inserted = [e for e in examples if e.gold_inserted]
    assert inserted
    for example in random.Random(7).sample(inserted, 4):
        ids, messages = served(ctx, server, example)
        kept = [p.id for p in example.passages if p.id not in example.gold_ids]
        assert kept == ids[: K - 1] and not set(ids) & example.gold_ids
        assert messages[:-1] == example.record()["prompt"][:-1]  # system prompt and history unchanged


def test_model_card_and_summary_name_the_retrieval_mode(serving):
    _, _, report, _ = serving
    summary = {"retrieval": {"mode": report.retrieval, "k": report.retrieval_k}, "final_loss": 1.0}
    text = card.model_card(
        title="t",
        base_model="b",
        kind="sft",
        config=TrainConfig(),
        data_lines=report.lines(),
        stats=None,
        summary=summary,
        folder="out",
        merged=False,
    )
    assert "recuperación «hybrid» de la app" in text and "RAGARENA_RETRIEVAL=hybrid" in text
    assert "BM25" not in text
