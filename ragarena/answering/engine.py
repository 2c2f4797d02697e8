"""The RAG pipeline as the app and the CLI use it: corpus → retriever → model backends."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from ragarena import settings
from ragarena.answering import model_check
from ragarena.answering.backends.base import Backend, BackendError
from ragarena.answering.models import ModelSpec, create_backend, find_spec, load_specs, unavailable_reason
from ragarena.core.errors import UserError
from ragarena.core.i18n import _
from ragarena.core.passages import Hit, Passage
from ragarena.retrieval.corpus import Page, all_passages, load_pages
from ragarena.retrieval.dense import build_retriever
from ragarena.retrieval.followups import search_turn


class Engine:
    def __init__(
        self,
        docs_dir: str | Path | None = None,
        models_path: str | Path | None = None,
        retrieval_mode: str | None = None,
        background_embeddings: bool = False,
    ):
        self.docs_dir = Path(docs_dir) if docs_dir else settings.docs_dir()
        self.pages: list[Page] = load_pages(self.docs_dir)
        self.passages: list[Passage] = all_passages(self.pages)
        # bm25 | dense | hybrid; None: RAGARENA_RETRIEVAL or the default, falling back to BM25
        # without embeddings. A mode asked for explicitly must be available (UserError).
        # background_embeddings (the app): uncached passage vectors are computed in a thread,
        # BM25 answering meanwhile, instead of delaying the start (~40 s for 190 passages; the bundled
        # docs ship their vectors in data/vectors, so only your own pages cost that).
        self.retriever = build_retriever(
            self.passages, retrieval_mode, strict=retrieval_mode is not None, background=background_embeddings
        )
        self.specs: list[ModelSpec] = load_specs(models_path)
        self._backends: dict[str, Backend] = {}

    def retrieve(self, question: str, history_questions: list[str] = (), k: int = 5) -> list[Hit]:
        return search_turn(self.retriever, question, list(history_questions), k=k)

    def unavailable(self) -> dict[str, str]:
        """model id -> how to enable it, for the models that cannot answer now: settings missing, or
        what the servers' model lists say (retired, not served; `ragarena.answering.model_check`, never waits)."""
        return {s.id: r for s in self.specs if (r := unavailable_reason(s) or model_check.current(s).reason)}

    def warnings(self) -> dict[str, str]:
        """model id -> a warning for usable models with a shutdown date ahead ("OpenAI retirará … el …")."""
        return {s.id: w for s in self.specs if not unavailable_reason(s) and (w := model_check.current(s).warning)}

    def check_models(self, wait_s: float = 0.0) -> None:
        """Ask the OpenAI-compatible servers for their model lists in the background; wait up to `wait_s`."""
        usable = [s for s in self.specs if not unavailable_reason(s)]
        model_check.wait(model_check.start(usable), wait_s)

    def ready_backend(self, model_id: str) -> tuple[Backend, str | None]:
        """The backend for `model_id` after asking its server whether it still serves the model (the CLI,
        before its first request): UserError with the reason when it does not; else (backend, warning)."""
        spec = find_spec(model_id, self.specs)
        backend = self.backend(spec.id)  # settings first: "define OPENAI_API_KEY" before any request
        found = model_check.verify(spec)
        if found.reason:
            raise UserError(_("El modelo «{model}» no está disponible: {reason}", model=spec.id, reason=found.reason))
        return backend, found.warning

    def available_specs(self) -> list[ModelSpec]:
        missing = self.unavailable()
        return [s for s in self.specs if s.id not in missing]

    def backend(self, model_id: str) -> Backend:
        """The model's backend, built once; BackendError (a message for the user) when `model_id` is
        missing, unknown or unavailable, so every caller shows it the way it shows a model's failure."""
        if not isinstance(model_id, str) or not model_id.strip():
            raise BackendError(_("Elige un modelo de la lista antes de preguntar."))
        if model_id not in self._backends:
            try:
                self._backends[model_id] = create_backend(find_spec(model_id, self.specs), self.retriever)
            except UserError as error:
                raise BackendError(*error.args) from None
        return self._backends[model_id]

    def spec(self, model_id: str) -> ModelSpec:
        """The entry for an id or alias (UserError naming the configured ones otherwise)."""
        return find_spec(model_id, self.specs)

    @cached_property
    def passages_by_id(self) -> dict[str, Passage]:
        return {p.id: p for p in self.passages}
