"""`python -m ragarena ship-vectors`: write the passage vectors of the docs into data/vectors,
and the vectors of their candidate answer sentences (what the default offline model compares).

The app and `eval` read them before their runtime cache, so a fresh clone or a Space answers
with hybrid retrieval from the first question. Run it after editing data/docs (a test fails
while the shipped vectors miss a bundled passage); the file holds only the current passages.
"""

from __future__ import annotations

from pathlib import Path

from ragarena import settings
from ragarena.core.errors import UserError
from ragarena.retrieval.corpus import all_passages, load_pages
from ragarena.retrieval.embeddings import (
    SHIPPED_DIR,
    EmbeddingsUnavailable,
    VectorCache,
    content_key,
    create_embedder,
    write_vectors,
)
from ragarena.selector.candidates import corpus_candidate_texts
from ragarena.selector.vectors import candidate_cache


def register(subparsers) -> None:
    parser = subparsers.add_parser("ship-vectors", help="guarda en data/vectors los vectores de los fragmentos")
    parser.add_argument("--docs", default=None, help="carpeta de páginas (por defecto data/docs)")
    parser.add_argument("--out", default=str(SHIPPED_DIR), help="carpeta de destino (por defecto data/vectors)")
    parser.set_defaults(func=run)


def run(args) -> int:
    try:
        embedder = create_embedder()
    except EmbeddingsUnavailable as error:
        raise UserError(f"No hay modelo de embeddings: {error}") from None
    # what DenseRetriever embeds: the passage with its page title and section
    passages = all_passages(load_pages(args.docs or settings.docs_dir()))
    texts = [p.indexed_text for p in passages]
    _write(Path(args.out) / VectorCache(embedder.name).filename, embedder, texts, "vectores")
    sentences = corpus_candidate_texts(passages)
    _write(Path(args.out) / candidate_cache(embedder).filename, embedder, sentences, "vectores de frases")
    return 0


def _write(path: Path, embedder, texts: list[str], what: str) -> None:
    vectors = []  # only the current texts: stale ones are dropped
    for start in range(0, len(texts), 32):
        vectors.extend(embedder.embed_passages(texts[start : start + 32]))
    try:
        write_vectors(path, {content_key(text): vector for text, vector in zip(texts, vectors)})
    except OSError as error:
        raise UserError(f"No se pudieron guardar los vectores en «{path}»: {error}") from None
    print(f"{len(texts)} {what} de {embedder.name} en {path}")
