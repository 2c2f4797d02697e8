"""The model registry: `models.yaml` lists the answer models; this module says which are usable
and builds their backends. Kinds map to backend factories in `BACKEND_KINDS`."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import yaml

from ragarena.backends.base import Backend
from ragarena.errors import UserError
from ragarena.i18n import Text, _
from ragarena.retrieval import Retriever

DEFAULT_MODELS_FILE = Path(__file__).resolve().parent.parent / "models.yaml"


@dataclass(frozen=True)
class ModelSpec:
    id: str
    label: str
    kind: str
    description: str = ""
    settings: dict[str, Any] = field(default_factory=dict)  # everything else from the YAML entry
    label_en: str = ""  # optional English label for the UI's English option

    def label_in(self, language: str | None) -> str:
        """The label to show in `language` ('es' or 'en'); the Spanish label when no English one is set."""
        return self.label_en if language == "en" and self.label_en else self.label


def _build_extractive(spec: ModelSpec, retriever: Retriever) -> Backend:
    from ragarena.backends.extractive import ExtractiveBackend

    return ExtractiveBackend(
        retriever, id=spec.id, label=spec.label, max_sentences=int(spec.settings.get("sentences", 1))
    )


def _build_selector(spec: ModelSpec, retriever: Retriever) -> Backend:
    from ragarena.backends.selector import SelectorBackend

    return SelectorBackend(retriever, id=spec.id, label=spec.label, model_path=spec.settings.get("selector"))


def _no_requirements(spec: ModelSpec) -> str | None:
    return None


def _lazy(module: str, name: str) -> Callable:
    """`module.name`, imported on first call: the app starts even when a client package is missing."""

    def call(*args):
        import importlib

        return getattr(importlib.import_module(module), name)(*args)

    return call


# kind -> (factory, function returning None when usable or a one-line Spanish "how to enable").
BACKEND_KINDS: dict[str, tuple[Callable[[ModelSpec, Retriever], Backend], Callable[[ModelSpec], str | None]]] = {
    "extractive": (_build_extractive, _no_requirements),
    "selector": (_build_selector, _no_requirements),
    "openai": (_lazy("ragarena.backends.openai_backend", "build"),
               _lazy("ragarena.backends.openai_backend", "unavailable_reason")),
    "tgi": (_lazy("ragarena.backends.tgi_backend", "build"), _lazy("ragarena.backends.tgi_backend", "unavailable_reason")),
}


def models_file() -> Path:
    return Path(os.environ.get("RAGARENA_MODELS", DEFAULT_MODELS_FILE))


def load_specs(path: str | Path | None = None) -> list[ModelSpec]:
    path = Path(path) if path else models_file()
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        entries = document["models"]
    except FileNotFoundError:
        raise UserError(_("No existe el archivo de modelos «{path}».", path=str(path))) from None
    except (yaml.YAMLError, KeyError, TypeError, OSError) as error:
        raise UserError(_("El archivo de modelos «{path}» no es válido: {error}", path=str(path),
                          error=str(error))) from None
    specs = []
    for entry in entries:
        try:
            extra = {k: v for k, v in entry.items() if k not in {"id", "label", "kind", "description", "label_en"}}
            spec = ModelSpec(
                id=str(entry["id"]), label=str(entry.get("label", entry["id"])), kind=str(entry["kind"]),
                description=str(entry.get("description", "")), settings=extra,
                label_en=str(entry.get("label_en", "")),
            )
        except (KeyError, TypeError, AttributeError):
            raise UserError(_("«{path}»: cada modelo necesita «id» y «kind» ({entry}).", path=str(path),
                              entry=repr(entry))) from None
        if spec.kind not in BACKEND_KINDS:
            raise UserError(_("«{path}»: tipo de modelo desconocido «{kind}» en «{model}».", path=str(path),
                              kind=spec.kind, model=spec.id))
        specs.append(spec)
    return specs


def unavailable_reason(spec: ModelSpec) -> Text | None:
    """None when the model can be used now, else one Spanish line (a `Text`) saying how to enable it."""
    return BACKEND_KINDS[spec.kind][1](spec)


def create_backend(spec: ModelSpec, retriever: Retriever) -> Backend:
    reason = unavailable_reason(spec)
    if reason:
        raise UserError(_("El modelo «{model}» no está disponible: {reason}", model=spec.id, reason=reason))
    return BACKEND_KINDS[spec.kind][0](spec, retriever)


def find_spec(model_id: str, specs: list[ModelSpec]) -> ModelSpec:
    for spec in specs:
        if spec.id == model_id:
            return spec
    known = ", ".join(s.id for s in specs)
    raise UserError(_("Modelo desconocido «{model}». Modelos configurados: {known}.", model=model_id, known=known))
