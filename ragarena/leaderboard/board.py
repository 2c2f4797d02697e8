"""What the Leaderboard tab shows, computed outside the UI: read the votes (screened), the stored
scores and people's ratings, build the leaderboard once per change, and render it per language.

`BoardData(ctx).view(language)` returns every output of the tab (`BoardView`); the tab
(`ragarena.ui.leaderboard`) only lays them out. Here live:

* **settings**: bootstrap rounds (``RAGARENA_BOOTSTRAP``), minimum votes (``RAGARENA_MIN_VOTES``) and
  ratings (``RAGARENA_MIN_RATINGS``), the scores folder (``RAGARENA_SCORES``) and the judge cache
  (``RAGARENA_JUDGE_CACHE``); tests override them through ``ctx.extras`` (``leaderboard_bootstrap``,
  ``min_votes``, ``min_ratings``, ``scores_path``, ``judge_cache_dir``);
* **voter screening**: `ragarena.arena.hygiene.screen_store`, the same function the arena's background
  screening runs, called again only when the votes changed since the last screening;
* **caching**: the leaderboard is rebuilt only when what it depends on changed, and the judge-vs-people
  agreement only when a rating or the judge cache changed;
* **CSV**: the download, written once per content.

Unreadable votes, scores or ratings never take the tab down: they become warnings shown above it.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ragarena import settings
from ragarena.answer_ratings import judge_agreement
from ragarena.answering.safe_markdown import safe
from ragarena.arena import hygiene
from ragarena.core.errors import UserError
from ragarena.core.i18n import DEFAULT_LANGUAGE, _, localize, normalize_language
from ragarena.leaderboard import build as lb
from ragarena.leaderboard import figures as board_figures
from ragarena.leaderboard import provenance, reason_table, score_records
from ragarena.leaderboard import table as bt
from ragarena.leaderboard import text as board_text
from ragarena.scoring import judge_cache
from ragarena.scoring import scores as score_store

CSV_NAMES = {"es": "clasificacion-rag-arena.csv", "en": "rag-arena-leaderboard.csv"}
_LOCK = threading.Lock()


@dataclass
class BoardView:
    """The tab's outputs in one language."""

    ranked: Any  # pandas Styler of `leaderboard.table.ranked_frame`
    summary: str  # Markdown: warnings, votes, last vote
    method: str  # Markdown: «Cómo se calcula»
    detail: Any  # Styler of `leaderboard.table.detail_frame`
    provenance: str  # Markdown list, one item per row
    correlation: str
    ratings_plot: Any
    heatmap: Any
    csv_path: str
    scores: Any  # Styler of `leaderboard.score_records.scores_frame`
    headline: str  # Markdown: one sentence above the table, what the figures show today


def _screening_key(battles: list[dict]) -> tuple:
    """Votes only change by being added or flagged: the same count, last vote and flags need no new test."""
    return (
        len(battles),
        battles[-1].get("battle_id") if battles else None,
        sum(1 for b in battles if b.get("excluded_reason")),
    )


class BoardData:
    """The leaderboard of one app (`ctx`: its engine, vote store, ratings and ``extras``)."""

    def __init__(self, ctx):
        self.ctx = ctx

    # --- settings --------------------------------------------------------------------------------

    def _extra(self, key: str) -> Any:
        return self.ctx.extras.get(key)

    def bootstrap(self) -> int:
        value = self._extra("leaderboard_bootstrap")
        return int(value) if value is not None else settings.bootstrap_rounds()

    def min_votes(self) -> int:
        value = self._extra("min_votes")
        return int(value) if value is not None else settings.min_votes()

    def min_ratings(self) -> int:
        value = self._extra("min_ratings")
        return int(value) if value is not None else settings.min_ratings()

    def scores_path(self) -> Path | None:
        return self._extra("scores_path")

    def judge_cache_dir(self) -> Path:
        """The judge cache folder `python -m ragarena eval --judge` fills by default (`judge_cache.cache_dir`)."""
        return judge_cache.cache_dir(self._extra("judge_cache_dir"))

    def labels(self, language: str = DEFAULT_LANGUAGE) -> dict[str, str]:
        return {spec.id: spec.label_in(language) for spec in self.ctx.engine.specs}

    # --- inputs ----------------------------------------------------------------------------------

    def battles(self) -> tuple[list[dict], str | None]:
        """The store's battles after the voter screening (new flags saved), or a warning."""
        try:
            battles = list(self.ctx.store.export_battles())
        except UserError as error:
            return [], _("⚠️ No se pueden leer los votos: {error}", error=error)
        except Exception as error:  # a store that is not there yet must not take the whole tab down
            return [], _("⚠️ No se pueden leer los votos ({error}).", error=type(error).__name__)
        unreadable = self.ctx.store.reader.unreadable
        warning = (
            _(
                "⚠️ {n} votos guardados no se pueden leer y no cuentan (el registro del servidor dice cuáles).",
                n=unreadable,
            )
            if unreadable
            else None
        )
        if self._extra("screening_key") == _screening_key(battles):
            return battles, warning
        try:
            battles, _result = hygiene.screen_store(self.ctx.store, battles)
        except Exception as error:  # the ratings still show, without this screening
            return battles, _("⚠️ No se ha podido revisar a los votantes ({error}).", error=type(error).__name__)
        self.ctx.extras["screening_key"] = _screening_key(battles)
        return battles, warning

    def records(self) -> tuple[list[dict], str | None]:
        try:
            return score_store.load_scores(self.scores_path()), None
        except UserError as error:
            return [], _("⚠️ Las puntuaciones guardadas no son válidas: {error}", error=error)

    def answer_ratings(self) -> tuple[list[dict], str | None]:
        """People's 1-5 ratings of Chat answers (model and scores only)."""
        try:
            return self.ctx.ratings.scores(), None
        except UserError as error:
            return [], _("⚠️ No se pueden leer las valoraciones de usuarios: {error}", error=error)
        except Exception as error:
            return [], _("⚠️ No se pueden leer las valoraciones de usuarios ({error}).", error=type(error).__name__)

    # --- the leaderboard -------------------------------------------------------------------------

    def compute(self) -> tuple[lb.Leaderboard, list[str]]:
        """The current leaderboard (Spanish model names; see `board_in`) and the warnings met on the way."""
        labels = self.labels()
        battles, battle_problem = self.battles()
        records, score_problem = self.records()
        answer_ratings, rating_problem = self.answer_ratings()
        warnings = [p for p in (battle_problem, score_problem, rating_problem) if p]
        settings = {
            "bootstrap": self.bootstrap(),
            "answer_ratings": answer_ratings,
            "min_ratings": self.min_ratings(),
            "min_votes": self.min_votes(),
        }
        key = _signature(battles, records, labels, settings)
        with _LOCK:
            memo = self._extra("leaderboard_memo")
            if memo and memo[0] == key:
                return memo[1], warnings
        try:
            board = lb.build_leaderboard(battles, records, labels, **settings)
        except UserError as error:
            warnings.append(_("⚠️ Los votos no se pueden puntuar: {error}", error=error))
            board = lb.build_leaderboard([], records, labels, **settings)
        with _LOCK:
            self.ctx.extras["leaderboard_memo"] = (key, board)
        return board, warnings

    def board_in(self, language: str = DEFAULT_LANGUAGE) -> tuple[lb.Leaderboard, list[str]]:
        """`compute` with the model names of `language`; the figures are shared."""
        board, warnings = self.compute()
        return lb.in_language(board, self.labels(language), language), warnings

    def view(self, language: str = DEFAULT_LANGUAGE) -> BoardView:
        """Every output of the tab, in `language`."""
        language = normalize_language(language)
        board, warnings = self.board_in(language)
        # Warnings may quote what the store or the scores file hold: drawn through the one rendering path.
        summary = "\n\n".join(
            [
                *(safe(warning) for warning in localize(warnings, language)),
                board_text.summary_markdown(board, language=language),
            ]
        )
        return BoardView(
            ranked=bt.ranked_table(board, language),
            summary=summary,
            method=board_text.method_markdown(board, language),
            detail=bt.detail_table(board, language),
            provenance=provenance.provenance_markdown(board, language),
            correlation=board_text.correlation_markdown(board, language),
            ratings_plot=board_figures.ratings_figure(board, language),
            heatmap=board_figures.win_rate_figure(board, language),
            csv_path=csv_file(board, language),
            scores=score_records.scores_table(board, language),
            headline=board_text.headline_markdown(board, language),
        )

    def reasons(self, language: str = DEFAULT_LANGUAGE):
        """The reasons accordion (explanation, table) in `language`."""
        language = normalize_language(language)
        board, _warnings = self.board_in(language)
        return (
            reason_table.reasons_markdown(board.reasons, language),
            reason_table.reasons_frame(board.reasons, board.label, language),
        )

    def agreement(self, language: str = DEFAULT_LANGUAGE) -> str:
        """Markdown in `language`: judge vs people on the same answers (`judge_agreement.agreement`),
        memoised (the matching once, the text once per language) until a rating or the judge cache changes."""
        language = normalize_language(language)
        try:
            folder = self.judge_cache_dir()
            try:
                stat = judge_cache.cache_path(folder).stat()
                cache_state = (stat.st_size, stat.st_mtime_ns)
            except OSError:
                cache_state = None
            key = (self.ctx.ratings.signature(), str(folder), cache_state)
            with _LOCK:
                memo = self._extra("agreement_memo")
                if memo and memo[0] == key:
                    if language not in memo[2]:
                        memo[2][language] = judge_agreement.agreement_markdown(*memo[1], language=language)
                    return memo[2][language]
            ratings = self.ctx.ratings.export_ratings()
            entries, judges = judge_cache.read_cache(folder)
            pairs = judge_agreement.match_judgements(ratings, entries, judges, self.ctx.engine.passages_by_id)
            matched = (pairs, len(ratings))
            text = judge_agreement.agreement_markdown(*matched, language=language)
        except UserError as error:
            return localize(_("⚠️ No se puede calcular el acuerdo: {error}", error=error), language)
        except Exception as error:  # the rest of the tab must keep working
            return localize(_("⚠️ No se puede calcular el acuerdo ({error}).", error=type(error).__name__), language)
        with _LOCK:
            self.ctx.extras["agreement_memo"] = (key, matched, {language: text})
        return text


def _signature(battles: list[dict], records: list[dict], labels: dict, settings: dict) -> str:
    """What the figures depend on, so a refresh with nothing new reuses the last computation."""
    digest = hashlib.sha256()
    for battle in battles:
        digest.update(
            repr(
                tuple(
                    battle.get(k)
                    for k in (
                        "model_a",
                        "model_b",
                        "winner",
                        "excluded",
                        "tstamp",
                        "excluded_reason",
                        "reasons",
                        "mode",
                    )
                )
            ).encode()
        )
    digest.update(repr([sorted(r.items()) for r in records]).encode())
    digest.update(repr(sorted(labels.items())).encode())
    digest.update(repr([tuple(r.values()) for r in settings["answer_ratings"]]).encode())
    digest.update(repr({k: v for k, v in settings.items() if k != "answer_ratings"}).encode())
    return digest.hexdigest()


def csv_file(board: lb.Leaderboard, language: str = DEFAULT_LANGUAGE) -> str:
    """The table as a CSV file (English column names; model names as `board` has them), written once
    per content under the temporary folder."""
    name = CSV_NAMES.get(normalize_language(language), CSV_NAMES["es"])
    text = lb.to_csv(board)
    folder = Path(tempfile.gettempdir()) / "ragarena-leaderboard" / hashlib.sha256(text.encode()).hexdigest()[:16]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if not path.exists():
        tmp = folder / (name + f".{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    return str(path)
