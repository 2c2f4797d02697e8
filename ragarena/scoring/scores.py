"""Stored judge scores: one record per model and evaluation run, with its provenance.

Records live in JSON Lines files under ``data/scores/`` (one record per line; every
``*.jsonl`` file of the folder is read, in name order). ``published.jsonl`` holds figures
quoted from publications; ``python -m ragarena eval --judge ...`` appends what it measures
to ``measured.jsonl`` (or to the file or folder given with ``--scores-out``). The format is
described in ``data/scores/README.md``; in short::

    {"model": "extractive", "label": "Extractivo", "kind": "measured",
     "answer_relevance": 4.1, "context_relevance": 3.8, "groundedness": 4.9, "overall": 4.27,
     "n_items": 60, "n_failed": 0, "judge": "gpt-4o-mini",
     "dataset": "data/qa/conversations.jsonl", "split": "test", "date": "2025-05-01T10:00:00Z",
     "source": "measured by `python -m ragarena eval ...` on data/qa/conversations.jsonl split test"}

Criterion means are on the 1-5 scale and ``null`` when not published. ``kind: "automatic"``
records (``python -m ragarena eval --record``, `ragarena.scoring.eval_record`) carry the run's answer
figures (`AUTOMATIC_FIGURES`) instead of judge scores. Fields not listed in `FIELDS` are kept
as they are.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ragarena import settings
from ragarena.core.criteria import CRITERIA
from ragarena.core.errors import UserError
from ragarena.core.i18n import _
from ragarena.core.jsonl import parse_json_lines, write_json_lines

#: measured: the LLM judge's 1-5 scores; published: quoted; automatic: `eval --record`'s answer figures.
KINDS = ("measured", "published", "automatic")
#: Answer figures of ``python -m ragarena eval`` (its ``answer`` keys) an automatic record may carry:
#: shares 0-1, except ``mean_words``. Keys a run does not produce are left out of its record.
AUTOMATIC_FIGURES = (
    "mean_words",
    "filler_rate",
    "false_abstention_rate",
    "token_f1",
    "abstention_accuracy",
    "answer_recall",
    "correct_rate",
)
FIELDS = (
    "model",
    "label",
    "kind",
    *CRITERIA,
    "overall",
    "n_items",
    "n_failed",
    "judge",
    "dataset",
    "split",
    "date",
    "source",
)
DEFAULT_FILE = "measured.jsonl"
SCALE = (1.0, 5.0)


def scores_dir() -> Path:
    """``RAGARENA_SCORES`` or ``data/scores`` of the repository."""
    return settings.scores_dir()


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def parse_date(value: str) -> datetime:
    """An ISO 8601 date or date-time (``Z`` allowed); naive values are taken as UTC."""
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def validate_record(record: Any, where: str) -> dict:
    """Check one score record and return it (criteria as floats); `where` names it in errors."""
    if not isinstance(record, dict):
        raise UserError(
            _("{where}: cada puntuación debe ser un objeto JSON, no {type}.", where=where, type=type(record).__name__)
        )
    model = record.get("model")
    if not isinstance(model, str) or not model.strip():
        raise UserError(_("{where}: falta «model» (el id del modelo, texto no vacío).", where=where))
    kind = record.get("kind")
    if kind not in KINDS:
        raise UserError(
            _(
                "{where}: «kind» debe ser «measured», «published» o «automatic», no {kind}.",
                where=where,
                kind=repr(kind),
            )
        )
    clean = dict(record)
    low, high = SCALE
    for key in (*CRITERIA, "overall"):
        value = record.get(key)
        if value is None:
            clean[key] = None
            continue
        if not _is_number(value) or not low <= value <= high:
            raise UserError(
                _(
                    "{where}: «{key}» debe ser un número entre 1 y 5 o null, no {value}.",
                    where=where,
                    key=key,
                    value=repr(value),
                )
            )
        clean[key] = float(value)
    for key in ("n_items", "n_failed"):
        value = record.get(key)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
            raise UserError(
                _(
                    "{where}: «{key}» debe ser un entero no negativo o null, no {value}.",
                    where=where,
                    key=key,
                    value=repr(value),
                )
            )
        clean[key] = value
    answerable = record.get("n_answerable")  # optional: the turns `correct_rate` is a share of
    if answerable is not None and (not isinstance(answerable, int) or isinstance(answerable, bool) or answerable < 0):
        raise UserError(
            _(
                "{where}: «{key}» debe ser un entero no negativo o null, no {value}.",
                where=where,
                key="n_answerable",
                value=repr(answerable),
            )
        )
    for key in ("label", "judge", "dataset", "split", "date"):
        value = record.get(key)
        if value is not None and not isinstance(value, str):
            raise UserError(
                _("{where}: «{key}» debe ser texto o null, no {value}.", where=where, key=key, value=repr(value))
            )
        clean[key] = value
    source = record.get("source")
    if not isinstance(source, str) or not source.strip():
        raise UserError(_("{where}: falta «source» (de dónde salen las cifras).", where=where))
    if clean["date"] is not None:
        try:
            parse_date(clean["date"])
        except ValueError:
            raise UserError(
                _("{where}: «date» no es una fecha ISO 8601 ({date}).", where=where, date=repr(clean["date"]))
            ) from None
    for key in AUTOMATIC_FIGURES:
        value = record.get(key)
        if value is None:
            continue
        top = math.inf if key == "mean_words" else 1.0
        if not _is_number(value) or not 0 <= value <= top:
            raise UserError(
                _(
                    "{where}: «{key}» debe ser un número entre 0 y {top} o null, no {value}.",
                    where=where,
                    key=key,
                    top="∞" if top == math.inf else 1,
                    value=repr(value),
                )
            )
        clean[key] = float(value)
    if kind == "automatic":
        missing = [key for key in ("date", "n_items") if not clean[key]]
        if missing:
            raise UserError(
                _("{where}: unas cifras automáticas necesitan {missing}.", where=where, missing=", ".join(missing))
            )
        if all(clean.get(key) is None for key in AUTOMATIC_FIGURES):
            raise UserError(_("{where}: las cifras automáticas no tienen ninguna cifra.", where=where))
    elif kind == "measured":
        missing = [key for key in ("overall", "judge", "date") if clean[key] is None]
        if missing:
            raise UserError(
                _("{where}: una puntuación medida necesita {missing}.", where=where, missing=", ".join(missing))
            )
        if not clean["n_items"]:
            raise UserError(_("{where}: una puntuación medida necesita «n_items» (al menos 1).", where=where))
    elif clean["overall"] is None and all(clean[key] is None for key in CRITERIA):
        raise UserError(_("{where}: la puntuación publicada no tiene ninguna cifra.", where=where))
    return clean


def read_scores_file(path: str | os.PathLike) -> list[dict]:
    """Records of one JSON Lines file; blank lines are ignored."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(_("No existe el archivo de puntuaciones {path}.", path=str(path))) from None
    except UnicodeDecodeError:
        raise UserError(_("{path}: el archivo de puntuaciones no está en UTF-8.", path=str(path))) from None
    except OSError as error:
        raise UserError(
            _("No se puede leer {path}: {reason}", path=str(path), reason=error.strerror or str(error))
        ) from None
    return parse_json_lines(text, path, validate_record)


def load_scores(path: str | os.PathLike | None = None) -> list[dict]:
    """Every record of a folder's ``*.jsonl`` files (name order), or of one file.

    A folder that does not exist holds no scores (``[]``); a missing file is an error.
    """
    path = Path(path) if path is not None else scores_dir()
    if path.is_dir():
        return [record for file in sorted(path.glob("*.jsonl")) for record in read_scores_file(file)]
    if not path.exists() and not path.suffix:
        return []
    return read_scores_file(path)


def output_file(out: str | os.PathLike | None = None) -> Path:
    """Where a new record goes: a ``.jsonl`` path as is, a folder's ``measured.jsonl`` otherwise."""
    out = Path(out) if out is not None else scores_dir()
    return out if out.suffix == ".jsonl" else out / DEFAULT_FILE


def append_record(record: dict, out: str | os.PathLike | None = None) -> Path:
    """Validate `record` and append it as one line; returns the file written."""
    path = output_file(out)
    record = validate_record(record, _("puntuación nueva"))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_json_lines(path, [record], append=True)  # a last line missing its newline gets one first
    except OSError as error:
        raise UserError(
            _(
                "No se puede escribir la puntuación en {path}: {reason}",
                path=str(path),
                reason=error.strerror or str(error),
            )
        ) from None
    return path


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def make_record(
    model: str,
    means: dict,
    *,
    n_items: int,
    judge: str,
    dataset: str,
    split: str,
    source: str,
    label: str | None = None,
    n_failed: int = 0,
    date: str | None = None,
    **extra,
) -> dict:
    """A measured record from the criterion means (``overall`` = mean of the three, 3 decimals)."""
    values = {key: means.get(key) for key in CRITERIA}
    present = [v for v in values.values() if v is not None]
    overall = means.get("overall", sum(present) / len(present) if present else None)
    record = {
        "model": model,
        "label": label,
        "kind": "measured",
        **{key: None if v is None else round(float(v), 3) for key, v in values.items()},
        "overall": None if overall is None else round(float(overall), 3),
        "n_items": n_items,
        "n_failed": n_failed,
        "judge": judge,
        "dataset": dataset,
        "split": split,
        "date": date or now_iso(),
        "source": source,
        **extra,
    }
    return validate_record(record, _("puntuación nueva"))


def _sort_key(record: dict) -> datetime:
    if record.get("date"):
        return parse_date(record["date"])
    return datetime.min.replace(tzinfo=UTC)


def latest_measured(records: Iterable[dict], kind: str = "measured") -> dict[str, dict]:
    """model -> its most recent record of `kind` (the judge's by default; later lines win ties)."""
    latest: dict[str, dict] = {}
    for record in records:
        if record["kind"] != kind:
            continue
        current = latest.get(record["model"])
        if current is None or _sort_key(record) >= _sort_key(current):
            latest[record["model"]] = record
    return latest
