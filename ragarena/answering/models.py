"""The model registry: `models.yaml` lists the answer models; this module says which are usable
and builds their backends. Kinds map to backend factories in `BACKEND_KINDS`.

Read at start, from the environment (so the app follows OpenAI's catalogue without editing the file):
- `model_env`: the variable that overrides `model` (OPENAI_MODEL, FINETUNED_MODEL);
- `{model}` and `{engine}` in `id` and `label`: the resolved model string and serving engine, so the
  id the UI, votes and scores store is the exact model string ("gpt-6-luna", not "openai");
  such an entry needs an `alias`, a stable name `eval --backend` also accepts;
- the top-level `api_models` table: per model string, list prices and OpenAI's announced shutdown date;
- entries sharing an `id` are ways to serve one model (vLLM/SGLang or TGI): the first whose
  `base_url_env` is set is used, else the last, whose "how to enable" also names the others.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from ragarena import settings
from ragarena.answering.backends.base import Backend
from ragarena.core.errors import UserError
from ragarena.core.i18n import Text, _
from ragarena.retrieval.bm25 import Retriever

DEFAULT_MODELS_FILE = Path(__file__).resolve().parents[2] / "models.yaml"


@dataclass(frozen=True)
class ModelSpec:
    id: str
    label: str
    kind: str
    description: str = ""
    settings: dict[str, Any] = field(default_factory=dict)  # everything else from the YAML entry
    label_en: str = ""  # optional English label for the UI's English option
    alias: str = ""  # another name `find_spec` accepts (models.yaml `alias`: "openai" for the `{model}` entry)

    def label_in(self, language: str | None) -> str:
        """The label to show in `language` ('es' or 'en'); the Spanish label when no English one is set."""
        return self.label_en if language == "en" and self.label_en else self.label


def _build_extractive(spec: ModelSpec, retriever: Retriever) -> Backend:
    from ragarena.answering.backends.extractive import ExtractiveBackend

    return ExtractiveBackend(
        retriever, id=spec.id, label=spec.label, max_sentences=int(spec.settings.get("sentences", 1))
    )


def _build_selector(spec: ModelSpec, retriever: Retriever) -> Backend:
    from ragarena.answering.backends.selector import SelectorBackend

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
    "openai": (
        _lazy("ragarena.answering.backends.openai_backend", "build"),
        _lazy("ragarena.answering.backends.openai_backend", "unavailable_reason"),
    ),
    "tgi": (
        _lazy("ragarena.answering.backends.tgi_backend", "build"),
        _lazy("ragarena.answering.backends.tgi_backend", "unavailable_reason"),
    ),
}


def models_file() -> Path:
    return settings.models_file()


# What each kind's entry may hold (besides id, label, label_en, kind, description) and of which
# type, so a typo or a wrong value stops the app at start with the file and the line.
# `alias` ... `shutdown_date` are read by the API-model entries (model picked from the environment,
# self-hosted engines, shutdown dates).
_COMMON_KEYS = {"id": str, "label": str, "label_en": str, "kind": str, "description": str, "alias": str}
_REMOTE_KEYS = {
    "model": str,
    "base_url": str,
    "base_url_env": str,
    "api_key_env": str,
    "temperature": "number>=0",
    "max_tokens": "int>0",
    "timeout_s": "number>0",
    "max_retries": "int>=0",
    "price_input_per_1m": "number>=0",
    "price_output_per_1m": "number>=0",
    "model_env": str,
    "engine": str,
    "engine_env": str,
    "api_key_optional": bool,
    "only_if_listed": bool,
    "lora": bool,
    "reasoning_effort": str,
    "max_tokens_param": str,
    "prices_date": "date",
    "shutdown_date": "date",
}
KIND_KEYS: dict[str, dict[str, Any]] = {
    "extractive": {"sentences": "int>0"},
    "selector": {"selector": str},
    "openai": _REMOTE_KEYS,
    "tgi": _REMOTE_KEYS,
}


def load_specs(path: str | Path | None = None) -> list[ModelSpec]:
    """The registry's models, checked (`check_entries`: known kinds and keys, typed values, unique ids;
    `UserError` naming the file and the line otherwise)."""
    path = Path(path) if path else models_file()
    try:
        text = path.read_text(encoding="utf-8")
        document = yaml.safe_load(text) or {}
        entries = document["models"]
        catalog = document.get("api_models") or {}
        catalog = dict(catalog.get("models") or {}) if isinstance(catalog, dict) else {}
    except FileNotFoundError:
        raise UserError(_("No existe el archivo de modelos «{path}».", path=str(path))) from None
    except (
        yaml.YAMLError,
        KeyError,
        TypeError,
        AttributeError,
        ValueError,
        OSError,
        UnicodeDecodeError,
        RecursionError,
    ) as error:
        raise UserError(
            _("El archivo de modelos «{path}» no es válido: {error}", path=str(path), error=str(error)[:300])
        ) from None
    check_entries(path, text, entries)
    check_unique_ids(path, text, entries)
    # check_entries has refused entries without a string id or a known kind, and wrong types.
    return _one_per_id([_spec(entry, catalog) for entry in entries])


def _spec(entry: dict, catalog: dict) -> ModelSpec:
    """One entry with the environment applied: `model_env`, `{model}`/`{engine}`, the catalogue's prices."""
    extra = {k: v for k, v in entry.items() if k not in {"id", "label", "kind", "description", "label_en", "alias"}}
    model_env = extra.get("model_env")
    if model_env and settings.raw(str(model_env)):
        extra["model"] = settings.raw(str(model_env))
    engine_env = extra.get("engine_env")
    engine = settings.raw(str(engine_env)) if engine_env else ""
    fill = {"model": str(extra.get("model", "")), "engine": engine or str(extra.get("engine", ""))}
    if "model" in extra:
        known = catalog.get(fill["model"])
        if isinstance(known, dict):  # the entry's own settings win over the shared table
            extra = {**known, **extra}
    raw_id = str(entry["id"])
    label = str(entry.get("label", raw_id))
    return ModelSpec(
        id=raw_id.format(**fill),
        label=label.format(**fill),
        kind=str(entry["kind"]),
        description=str(entry.get("description", "")).format(**fill),
        settings=extra,
        label_en=str(entry.get("label_en", "")).format(**fill),
        alias=str(entry.get("alias") or ""),
    )


def _one_per_id(specs: list[ModelSpec]) -> list[ModelSpec]:
    """Entries written with the same literal id are alternative servers of one model: keep the first
    whose server is set (`base_url_env`), else the last, which also names the others' "how to enable".
    An id that only clashes once `{model}` is filled in (OPENAI_MODEL=gpt-3.5-turbo and the
    gpt-3.5-turbo entry) keeps the first entry."""
    groups: dict[str, list[ModelSpec]] = {}
    for spec in specs:
        groups.setdefault(spec.id, []).append(spec)
    chosen = []
    for spec in specs:
        group = groups[spec.id]
        if spec is not group[0]:
            continue
        if len(group) == 1 or spec.alias:  # a `{model}` entry (it has an alias) wins its clash
            chosen.append(spec)
            continue
        alternatives = [s for s in group if not s.alias]
        configured = next(
            (s for s in alternatives if (settings.raw(str(s.settings.get("base_url_env", ""))) or "").strip()), None
        )
        if configured is None:
            last = alternatives[-1]
            configured = replace(last, settings={**last.settings, "alternatives": alternatives[:-1]})
        chosen.append(configured)
    return chosen


def check_unique_ids(path: Path, text: str, entries: list[dict]) -> None:
    """UserError naming the file and line of the first model whose id an earlier one has (the arena
    and the votes could not tell the two apart). Entries that share an id on purpose are alternative
    servers of one model (`_one_per_id` keeps the one that is configured): allowed only when each
    names its own server variable (`base_url_env`)."""
    lines = _entry_lines(text)
    seen: dict[str, set] = {}
    for index, entry in enumerate(entries):
        model_id, server = entry["id"], entry.get("base_url_env")
        servers = seen.setdefault(model_id, set())
        if servers and (not server or server in servers or None in servers):
            where = (
                _("«{path}», línea {line}", path=str(path), line=lines[index][0])
                if index < len(lines)
                else _("«{path}», modelo {number}", path=str(path), number=index + 1)
            )
            raise UserError(
                _(
                    "{where}: el id «{model}» está repetido; cada modelo necesita un id distinto.",
                    where=where,
                    model=model_id,
                )
            )
        servers.add(server or None)


def check_entries(path: Path, text: str, entries: Any) -> None:
    """UserError, with the file and the line, for the first entry of `models` that is not a model:
    no string id or no kind, an unknown kind or key, a value of the wrong type."""
    if not isinstance(entries, list):
        raise UserError(
            _(
                "El archivo de modelos «{path}» no es válido: {error}",
                path=str(path),
                error=_("«models» debe ser una lista"),
            )
        )
    lines = _entry_lines(text)
    for index, entry in enumerate(entries):
        entry_line, key_lines = lines[index] if index < len(lines) else (None, {})
        where = (
            _("«{path}», línea {line}", path=str(path), line=entry_line)
            if entry_line
            else _("«{path}», modelo {number}", path=str(path), number=index + 1)
        )
        if (
            not isinstance(entry, dict)
            or not isinstance(entry.get("id"), str)
            or not entry["id"].strip()
            or "kind" not in entry
        ):
            raise UserError(
                _("{where}: cada modelo necesita «id» y «kind» ({entry}).", where=where, entry=repr(entry)[:200])
            )
        kind = entry["kind"]
        if kind not in BACKEND_KINDS:
            raise UserError(
                _(
                    "{where}: tipo de modelo desconocido «{kind}» en «{model}».",
                    where=where,
                    kind=kind,
                    model=entry["id"],
                )
            )
        allowed = {**_COMMON_KEYS, **KIND_KEYS.get(kind, {})}
        for key, value in entry.items():
            key_where = _("«{path}», línea {line}", path=str(path), line=key_lines[key]) if key in key_lines else where
            if key not in allowed:
                raise UserError(
                    _(
                        "{where}: clave desconocida «{key}» en «{model}»; se admite: {known}.",
                        where=key_where,
                        key=key,
                        model=entry["id"],
                        known=", ".join(allowed),
                    )
                )
            problem = _type_problem(value, allowed[key])
            if problem:
                raise UserError(
                    _(
                        "{where}: «{key}» de «{model}» debe ser {what} (vale {value}).",
                        where=key_where,
                        key=key,
                        model=entry["id"],
                        what=problem,
                        value=repr(value)[:80],
                    )
                )


def _type_problem(value: Any, rule: Any) -> Text | None:
    """None when `value` follows `rule` (str, bool, "date", "int>0", "int>=0", "number>0", "number>=0"), else
    what it must be."""
    if rule is str:
        return None if isinstance(value, str) else _("un texto")
    if rule is bool:
        return None if isinstance(value, bool) else _("true o false")
    if rule == "date":  # YAML reads 2026-01-14 as a date
        return None if isinstance(value, (str, datetime.date)) else _("una fecha (AAAA-MM-DD)")
    integer = rule.startswith("int")
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if not is_number or (integer and not isinstance(value, int)):
        return _("un número entero") if integer else _("un número")
    if rule.endswith(">0") and value <= 0:
        return _("mayor que 0")
    if rule.endswith(">=0") and value < 0:
        return _("mayor o igual que 0")
    return None


def _entry_lines(text: str) -> list[tuple[int, dict[str, int]]]:
    """(line of the entry, {key: line}) for each entry of `models`, 1-based, from the YAML nodes."""
    try:
        root = yaml.compose(text)
    except (yaml.YAMLError, RecursionError):
        return []
    if not isinstance(root, yaml.MappingNode):
        return []
    for key, value in root.value:
        if getattr(key, "value", None) == "models" and isinstance(value, yaml.SequenceNode):
            return [
                (
                    item.start_mark.line + 1,
                    {k.value: k.start_mark.line + 1 for k, _v in item.value}
                    if isinstance(item, yaml.MappingNode)
                    else {},
                )
                for item in value.value
            ]
    return []


def unavailable_reason(spec: ModelSpec) -> Text | None:
    """None when the model can be used now, else one Spanish line (a `Text`) saying how to enable it
    (for a model several engines can serve, each way in the order of models.yaml)."""
    reason = BACKEND_KINDS[spec.kind][1](spec)
    if not reason:
        return None
    others = [r for s in spec.settings.get("alternatives") or [] if (r := BACKEND_KINDS[s.kind][1](s))]
    for other in reversed(others):
        reason = _("{first} O bien: {second}", first=other, second=reason)
    return reason


def create_backend(spec: ModelSpec, retriever: Retriever) -> Backend:
    reason = unavailable_reason(spec)
    if reason:
        raise UserError(_("El modelo «{model}» no está disponible: {reason}", model=spec.id, reason=reason))
    return BACKEND_KINDS[spec.kind][0](spec, retriever)


def find_spec(model_id: str, specs: list[ModelSpec]) -> ModelSpec:
    """The entry with this id, or else with this alias (`eval --backend openai`: whichever model OPENAI_MODEL names)."""
    for spec in specs:
        if spec.id == model_id:
            return spec
    for spec in specs:
        if spec.alias and spec.alias == model_id:
            return spec
    known = ", ".join(s.id for s in specs)
    raise UserError(_("Modelo desconocido «{model}». Modelos configurados: {known}.", model=model_id, known=known))
