"""`python -m ragarena ship-vectors`: write the passage vectors of the docs into data/vectors.

The app and `eval` read them before their runtime cache, so a fresh clone or a Space answers
with hybrid retrieval from the first question. Run it after editing data/docs (a test fails
while the shipped vectors miss a bundled passage); the file holds only the current passages.
"""

from __future__ import annotations

from pathlib import Path

from ragarena import config
from ragarena.corpus import all_passages, load_pages
from ragarena.embeddings import (
    SHIPPED_DIR, EmbeddingsUnavailable, VectorCache, content_key, create_embedder, write_vectors,
)
from ragarena.errors import UserError


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
    texts = [p.indexed_text for p in all_passages(load_pages(args.docs or config.docs_dir()))]
    path = Path(args.out) / VectorCache(embedder.name).filename
    vectors = embedder.embed_passages(texts)  # only the current passages: stale ones are dropped
    try:
        write_vectors(path, {content_key(text): vector for text, vector in zip(texts, vectors)})
    except OSError as error:
        raise UserError(f"No se pudieron guardar los vectores en «{path}»: {error}") from None
    print(f"{len(texts)} vectores de {embedder.name} en {path}")
    return 0
