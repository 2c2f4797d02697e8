"""Arena battles as arrays: the first step of the crowd ratings from votes.

`prepare_battles` turns battle records (the export format of `ragarena.core.battles`, as dicts
or a pandas DataFrame) into `BattleArrays`: model indices into a sorted list of model names,
outcome codes and, for style control, each answer's length in words and filler flag. It converts
the battles it is given: which ones count is decided before, by `ragarena.core.vote_filter`
(`arena_ratings.analyze` and the voter screening filter first); a malformed battle still raises
`UserError` with its number. Everything downstream (`battle_cells`, `bradley_terry`,
`style_control`, `arena_ratings`) works on these arrays.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ragarena.answering.filler import is_filler
from ragarena.core.battles import WINNERS
from ragarena.core.errors import UserError
from ragarena.core.i18n import _
from ragarena.core.text_metrics import word_count

# Outcome codes, from model_a's side.
A_WINS, B_WINS, TIE = 0, 1, 2
_OUTCOME = {"model_a": A_WINS, "model_b": B_WINS, "tie": TIE, "tie (bothbad)": TIE}


@dataclass
class BattleArrays:
    """Battles as arrays: model indices into `models`, outcome codes and style inputs.

    `outcome` is 0 when model_a won, 1 when model_b won, 2 for a tie. `words_*` and
    `filler_*` are NaN for battles without both answers (or all None when not asked for).
    """

    models: list[str]
    a: np.ndarray
    b: np.ndarray
    outcome: np.ndarray
    words_a: np.ndarray | None = None
    words_b: np.ndarray | None = None
    filler_a: np.ndarray | None = None
    filler_b: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.a)


def prepare_battles(battles: Any, style: bool = False) -> BattleArrays:
    """Turn battle records (list of dicts), a DataFrame or a `BattleArrays` into arrays.

    Every battle given is converted (filter them first: `ragarena.core.vote_filter`).
    With ``style=True`` the word counts and filler flags of ``answer_a``/``answer_b`` are
    computed; a DataFrame may instead carry numeric ``words_a``, ``words_b``, ``filler_a``,
    ``filler_b`` columns.
    """
    if isinstance(battles, BattleArrays):
        return battles
    if isinstance(battles, pd.DataFrame):
        return _from_frame(battles, style)
    return _from_records(list(battles), style)


def _from_records(records: list[dict], style: bool) -> BattleArrays:
    index: dict[str, int] = {}
    a, b, outcome = [], [], []
    texts_a, texts_b = [], []
    for number, record in enumerate(records, start=1):
        if not isinstance(record, dict):
            raise UserError(_("Combate {number}: se esperaba un objeto con model_a, model_b y winner.", number=number))
        try:
            model_a, model_b, winner = record["model_a"], record["model_b"], record["winner"]
        except KeyError as error:
            raise UserError(
                _("Combate {number}: falta el campo {field}.", number=number, field=error.args[0])
            ) from None
        code = _OUTCOME.get(winner)
        if code is None:
            raise UserError(
                _("Combate {number}: valor de 'winner' no válido ({winner}).", number=number, winner=repr(winner))
            )
        if not (isinstance(model_a, str) and isinstance(model_b, str)):
            raise UserError(
                _("Combate {number}: model_a y model_b deben ser nombres de modelo (texto).", number=number)
            )
        if model_a == model_b:
            raise UserError(
                _(
                    "Combate {number}: model_a y model_b son el mismo modelo ({model}).",
                    number=number,
                    model=repr(model_a),
                )
            )
        a.append(index.setdefault(model_a, len(index)))
        b.append(index.setdefault(model_b, len(index)))
        outcome.append(code)
        if style:
            texts_a.append(record.get("answer_a"))
            texts_b.append(record.get("answer_b"))
    data = _sorted_models(
        list(index), np.array(a, dtype=np.int64), np.array(b, dtype=np.int64), np.array(outcome, dtype=np.int8)
    )
    if style:
        data.words_a, data.words_b, data.filler_a, data.filler_b = _text_features(texts_a, texts_b)
    return data


def _from_frame(frame: pd.DataFrame, style: bool) -> BattleArrays:
    missing = [c for c in ("model_a", "model_b", "winner") if c not in frame.columns]
    if missing:
        raise UserError(f"Faltan las columnas {', '.join(missing)} en los combates.")
    # Factorize first: mapping a few distinct values is much faster than mapping every row.
    winner_codes, winner_values = pd.factorize(frame["winner"], use_na_sentinel=False)
    lookup = np.array([_OUTCOME.get(w, -1) if isinstance(w, str) else -1 for w in winner_values], dtype=np.int8)
    if (lookup < 0).any():
        bad = winner_values[int(np.flatnonzero(lookup < 0)[0])]
        raise UserError(f"Valor de 'winner' no válido ({bad!r}); se admite {', '.join(map(repr, WINNERS))}.")
    codes = lookup[winner_codes] if len(lookup) else np.zeros(0, dtype=np.int8)
    names = pd.concat([frame["model_a"], frame["model_b"]], ignore_index=True)
    labels, uniques = pd.factorize(names, sort=True)
    n = len(frame)
    a, b = labels[:n].astype(np.int64), labels[n:].astype(np.int64)
    if (a == b).any():
        raise UserError("Hay combates en los que model_a y model_b son el mismo modelo.")
    data = BattleArrays([str(m) for m in uniques], a, b, codes)
    if style:
        if {"words_a", "words_b", "filler_a", "filler_b"} <= set(frame.columns):
            data.words_a = frame["words_a"].to_numpy(dtype=float)
            data.words_b = frame["words_b"].to_numpy(dtype=float)
            data.filler_a = frame["filler_a"].to_numpy(dtype=float)
            data.filler_b = frame["filler_b"].to_numpy(dtype=float)
        else:
            column = lambda name: frame[name].tolist() if name in frame.columns else [None] * n  # noqa: E731
            data.words_a, data.words_b, data.filler_a, data.filler_b = _text_features(
                column("answer_a"), column("answer_b")
            )
    return data


def _sorted_models(names: list[str], a, b, outcome) -> BattleArrays:
    order = sorted(range(len(names)), key=lambda i: names[i])
    remap = np.empty(len(names), dtype=np.int64)
    remap[order] = np.arange(len(names))
    return BattleArrays([names[i] for i in order], remap[a] if len(a) else a, remap[b] if len(b) else b, outcome)


def _text_features(texts_a: Sequence, texts_b: Sequence):
    n = len(texts_a)
    out = [np.full(n, np.nan) for _ in range(4)]
    flags: dict[str, float] = {}  # answers repeat (same question, same model): check each once

    def filler(text: str) -> float:
        value = flags.get(text)
        if value is None:
            value = flags[text] = float(is_filler(text))
        return value

    for k, (ta, tb) in enumerate(zip(texts_a, texts_b)):
        if isinstance(ta, str) and isinstance(tb, str):
            out[0][k] = word_count(ta)
            out[1][k] = word_count(tb)
            out[2][k] = filler(ta)
            out[3][k] = filler(tb)
    return tuple(out)
